// Suggestions as one types in the search box, from /api/suggest; the page works without it.
(function () {
  "use strict";
  var input = document.getElementById("q");
  var list = document.getElementById("suggestions");
  if (!input || !list) {
    return;
  }
  var pending = null;
  input.addEventListener("input", function () {
    clearTimeout(pending);
    var text = input.value.trim();
    if (text.length < 2) {
      return;
    }
    pending = setTimeout(function () {
      fetch("/api/suggest?q=" + encodeURIComponent(text))
        .then(function (response) { return response.ok ? response.json() : { suggestions: [] }; })
        .then(function (body) {
          list.replaceChildren();
          body.suggestions.forEach(function (suggestion) {
            var option = document.createElement("option");
            option.value = suggestion.name;
            list.appendChild(option);
          });
        })
        .catch(function () {});
    }, 150);
  });
})();

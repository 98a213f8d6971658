// Suggestions for the lookup fields of the contribution form: as the person types, the field's
// datalist is filled from the JSON endpoint named by its data-lookup attribute. Without
// JavaScript the field still works: the server reads a code or an exact name.
(function () {
  "use strict";
  function attach(input) {
    var list = document.getElementById(input.getAttribute("list"));
    var endpoint = input.getAttribute("data-lookup");
    var timer = null;
    var last = "";
    input.addEventListener("input", function () {
      var text = input.value.trim();
      if (text.length < 2 || text === last) { return; }
      clearTimeout(timer);
      timer = setTimeout(function () {
        last = text;
        var separator = endpoint.indexOf("?") >= 0 ? "&" : "?";
        if (endpoint.endsWith("?")) { separator = ""; }
        fetch(endpoint + separator + "q=" + encodeURIComponent(text), { headers: { Accept: "application/json" } })
          .then(function (response) { return response.ok ? response.json() : []; })
          .then(function (suggestions) {
            while (list.firstChild) { list.removeChild(list.firstChild); }
            suggestions.forEach(function (suggestion) {
              var option = document.createElement("option");
              option.value = suggestion.value;
              option.textContent = suggestion.label;
              list.appendChild(option);
            });
          })
          .catch(function () { /* Suggestions are a convenience: the field works without. */ });
      }, 200);
    });
  }
  document.querySelectorAll("input[data-lookup]").forEach(attach);
  var report = document.getElementById("rapport");
  if (report) { report.setAttribute("tabindex", "-1"); report.focus(); }
})();

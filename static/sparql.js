// Starts the vendored SPARQL editor on this site's endpoint, with the query given by the page.
// Autocompletion is limited to what needs no other host.
(function () {
  "use strict";
  var element = document.getElementById("yasgui");
  if (!element || typeof Yasgui === "undefined") {
    return;
  }
  var endpoint = new URL(element.dataset.endpoint, window.location.href).href;
  var yasgui = new Yasgui(element, {
    requestConfig: { endpoint: endpoint, method: "POST" },
    copyEndpointOnNewTab: false,
    endpointCatalogueOptions: { getData: function () { return [{ endpoint: endpoint }]; } },
    persistenceId: null,
    yasqe: { autocompleters: ["variables"], resizeable: true },
  });
  // The map of results (sparql-carte.js) listens to the same editor.
  window.ancrageYasgui = yasgui;
  var tab = yasgui.getTab();
  tab.setQuery(element.dataset.query);
  if (new URLSearchParams(window.location.search).has("query")) {
    tab.query();
  }
})();

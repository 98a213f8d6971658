// Maps of ancrage: the search map of /carte and the map of a territory page.
// Without a configured tile server, the base layer is drawn from the bundled boundaries, so that
// the maps work offline and load nothing from other hosts.
(function () {
  "use strict";

  var FRANCE = [[41.3, -5.2], [51.1, 9.6]];
  var MAX_ZOOM = 18;
  var LAND = "#f4f1ea";
  var PALETTE = ["#c6dbef", "#9ecae1", "#6baed6", "#3182bd", "#08519c"];
  var LEVEL_NAMES = { region: "région", departement: "département", epci: "EPCI" };
  var MAX_EPCI_DEPARTEMENTS = 12;

  // What the tests and the benchmark read: when the first markers were drawn.
  var timings = (window.ancrageCarte = { firstMarkersMs: null, loads: 0 });

  if (typeof L === "undefined") {
    return;
  }
  var searchElement = document.getElementById("carte");
  var territoryElement = document.getElementById("carte-territoire");
  if (searchElement) {
    startSearchMap(searchElement);
  }
  if (territoryElement) {
    startTerritoryMap(territoryElement);
  }

  // --- Shared pieces -------------------------------------------------------------------------

  function createMap(element) {
    var map = L.map(element, { maxZoom: MAX_ZOOM, minZoom: 2, zoomSnap: 0.5 });
    map.createPane("contours").style.zIndex = 350;
    map.attributionControl.setPrefix(false);
    if (element.dataset.tiles) {
      L.tileLayer(element.dataset.tiles, {
        maxZoom: MAX_ZOOM,
        attribution: element.dataset.attribution || "",
      }).addTo(map);
    } else {
      element.classList.add("map-offline");
      map.attributionControl.addAttribution("Contours : IGN ADMIN EXPRESS simplifié");
    }
    return map;
  }

  function getJson(url, signal) {
    return fetch(url, { headers: { Accept: "application/json" }, signal: signal }).then(
      function (response) {
        if (!response.ok) {
          throw new Error(url + " : " + response.status);
        }
        return response.json();
      }
    );
  }

  function viewParameter(map) {
    var bounds = map.getBounds();
    return [bounds.getSouth(), bounds.getWest(), bounds.getNorth(), bounds.getEast()]
      .map(function (value) {
        return value.toFixed(5);
      })
      .join(",");
  }

  function boundsFromText(text) {
    var numbers = (text || "").split(",").map(Number);
    if (numbers.length !== 4 || numbers.some(isNaN)) {
      return null;
    }
    return L.latLngBounds([numbers[0], numbers[1]], [numbers[2], numbers[3]]);
  }

  function plural(count, word) {
    return count.toLocaleString("fr-FR") + " " + word + (count > 1 ? "s" : "");
  }

  // A card for one initiative, built from text nodes only.
  function card(name, href) {
    var box = document.createElement("div");
    box.className = "map-card";
    var title = document.createElement("strong");
    title.textContent = name;
    var link = document.createElement("a");
    link.href = href;
    link.textContent = "Voir la fiche";
    box.appendChild(title);
    box.appendChild(document.createElement("br"));
    box.appendChild(link);
    return box;
  }

  // Markers of the search in the viewport: server clusters when there are many, else points
  // clustered in the browser (several initiatives often share an address).
  function MarkerLayer(map, parameters, onLoaded) {
    var points = L.markerClusterGroup({ maxClusterRadius: 40, spiderfyOnMaxZoom: true });
    var clusters = L.layerGroup();
    var controller = null;
    points.addTo(map);
    clusters.addTo(map);

    function clusterIcon(count) {
      var size = count < 100 ? "small" : count < 1000 ? "medium" : "large";
      return L.divIcon({
        html: "<div><span>" + count.toLocaleString("fr-FR") + "</span></div>",
        className: "marker-cluster marker-cluster-" + size + " server-cluster",
        iconSize: L.point(44, 44),
      });
    }

    function drawCluster(cluster) {
      var count = cluster[2];
      var bounds = L.latLngBounds([cluster[3], cluster[4]], [cluster[5], cluster[6]]);
      var marker = L.marker([cluster[0], cluster[1]], {
        icon: clusterIcon(count),
        title: plural(count, "initiative") + " : zoomer",
        alt: plural(count, "initiative"),
        keyboard: true,
      });
      marker.on("click", function () {
        if (bounds.getNorthEast().equals(bounds.getSouthWest())) {
          map.setView(bounds.getCenter(), Math.min(map.getZoom() + 3, MAX_ZOOM));
        } else {
          map.fitBounds(bounds.pad(0.1));
        }
      });
      clusters.addLayer(marker);
    }

    function drawPoint(point) {
      var marker = L.marker([point[0], point[1]], { title: point[3], alt: point[3], keyboard: true });
      marker.bindPopup(card(point[3], point[2]));
      return marker;
    }

    function load() {
      if (controller) {
        controller.abort();
      }
      controller = new AbortController();
      var started = performance.now();
      var url =
        "/api/carte?" +
        parameters() +
        "&view=" +
        viewParameter(map) +
        "&zoom=" +
        map.getZoom();
      return getJson(url, controller.signal)
        .then(function (answer) {
          clusters.clearLayers();
          points.clearLayers();
          answer.clusters.forEach(drawCluster);
          points.addLayers(answer.points.map(drawPoint));
          timings.loads += 1;
          if (timings.firstMarkersMs === null) {
            timings.firstMarkersMs = performance.now();
          }
          map.getContainer().dataset.etat = "pret";
          onLoaded(answer, performance.now() - started);
        })
        .catch(function (error) {
          if (error.name !== "AbortError") {
            onLoaded(null, 0, error);
          }
        });
    }

    return { load: load };
  }

  // --- The search map ------------------------------------------------------------------------

  function startSearchMap(element) {
    var map = createMap(element);
    var status = document.getElementById("carte-etat");
    var zoneButton = document.getElementById("rechercher-zone");
    var legend = document.getElementById("legende");
    var levels = document.querySelector(".map-levels");
    var places = document.querySelector(".map-places");
    var programmaticMove = true;

    function parameters() {
      return element.dataset.params || "";
    }

    var markers = MarkerLayer(map, parameters, function (answer, millis, error) {
      if (error) {
        status.textContent = "Les initiatives n'ont pas pu être chargées.";
        return;
      }
      var text = plural(answer.total, "initiative") + " dans la vue";
      if (answer.truncated) {
        text += " (les premières seulement)";
      }
      status.textContent = text + ".";
    });
    var choropleth = Choropleth(map, parameters, legend, levels);

    map.on("movestart", function () {
      if (!programmaticMove) {
        zoneButton.hidden = false;
      }
    });
    var pending = null;
    map.on("moveend", function () {
      programmaticMove = false;
      clearTimeout(pending);
      pending = setTimeout(function () {
        markers.load();
        choropleth.refresh();
        rememberView(map);
      }, 120);
    });
    initialView(map, element);

    zoneButton.hidden = true;
    levels.hidden = false;
    places.hidden = false;
    zoneButton.addEventListener("click", function () {
      var query = new URLSearchParams(parameters());
      query.delete("bbox");
      query.delete("cursor");
      query.set("bbox", viewParameter(map));
      navigate("/carte?" + query.toString(), true);
    });
    places.addEventListener("click", function (event) {
      var button = event.target.closest("button[data-bbox]");
      if (button) {
        map.fitBounds(boundsFromText(button.dataset.bbox));
      }
    });

    // Links and the form of the panel update the page in place, keeping the map where it is.
    document.getElementById("carte-panneau").addEventListener("click", function (event) {
      var link = event.target.closest("a[href^='/carte']");
      if (link && !event.ctrlKey && !event.metaKey && !event.shiftKey) {
        event.preventDefault();
        navigate(link.getAttribute("href"), true);
      }
    });
    document.querySelector("form.search-box").addEventListener("submit", onSubmit);
    window.addEventListener("popstate", function () {
      navigate(location.pathname + location.search, false);
    });

    function onSubmit(event) {
      event.preventDefault();
      var query = new URLSearchParams(new FormData(event.target));
      navigate("/carte?" + query.toString(), true);
    }

    function navigate(url, push) {
      status.textContent = "Recherche…";
      return fetch(url, { headers: { Accept: "text/html" } })
        .then(function (response) {
          return response.text();
        })
        .then(function (html) {
          var page = new DOMParser().parseFromString(html, "text/html");
          var panel = page.getElementById("carte-panneau");
          var fresh = page.getElementById("carte");
          if (!panel || !fresh) {
            location.href = url;
            return;
          }
          document.getElementById("carte-panneau").innerHTML = panel.innerHTML;
          var form = document.querySelector("form.search-box");
          form.innerHTML = page.querySelector("form.search-box").innerHTML;
          element.dataset.params = fresh.dataset.params || "";
          if (push) {
            history.pushState(null, "", url + location.hash);
          }
          zoneButton.hidden = true;
          markers.load();
          choropleth.refresh(true);
          var heading = document.getElementById("resultats");
          if (heading) {
            heading.focus();
          }
        })
        .catch(function () {
          location.href = url;
        });
    }

    // Test hooks: move the map as a person would.
    window.ancrageCarte.map = map;
  }

  function initialView(map, element) {
    var match = /^#([\d.]+)\/(-?[\d.]+)\/(-?[\d.]+)$/.exec(location.hash);
    if (match) {
      map.setView([Number(match[2]), Number(match[3])], Number(match[1]));
      return;
    }
    map.fitBounds(boundsFromText(element.dataset.bbox) || FRANCE);
  }

  function rememberView(map) {
    var centre = map.getCenter();
    var hash = "#" + map.getZoom() + "/" + centre.lat.toFixed(4) + "/" + centre.lng.toFixed(4);
    history.replaceState(history.state, "", location.pathname + location.search + hash);
  }

  // Régions and départements as the base layer, filled by the number of results when a level
  // is chosen; EPCI are drawn as their communes, filled alike and without inner borders.
  function Choropleth(map, parameters, legend, levels) {
    var counts = {};
    var layers = {};
    var communes = {};
    var epciLayer = L.geoJSON(null, { pane: "contours", style: epciStyle, onEachFeature: epciTip });
    var shown = null;
    var breaks = [];

    ["region", "departement"].forEach(function (level) {
      var file = level === "region" ? "regions" : "departements";
      layers[level] = L.geoJSON(null, {
        pane: "contours",
        style: function (feature) {
          return territoryStyle(level, feature);
        },
        onEachFeature: function (feature, layer) {
          layer.bindTooltip(function () {
            return tipText(feature.properties.nom, level, feature.properties.code);
          }, { sticky: true });
        },
      });
      getJson("/api/contours/" + file).then(function (collection) {
        layers[level].addData(collection);
        layers[level].addTo(map);
        if (level === "region") {
          layers.region.bringToBack();
        }
        refresh();
      });
    });
    levels.addEventListener("change", function () {
      refresh(true);
    });

    function chosenLevel() {
      var checked = levels.querySelector("input:checked");
      var value = checked ? checked.value : "auto";
      if (value !== "auto") {
        return value === "aucun" ? null : value;
      }
      var zoom = map.getZoom();
      return zoom <= 6 ? "region" : zoom <= 8 ? "departement" : "epci";
    }

    function refresh(reload) {
      if (reload) {
        counts = {};
      }
      var level = chosenLevel();
      if (level === "epci" && visibleDepartements().length > MAX_EPCI_DEPARTEMENTS) {
        level = "departement";
      }
      var key = level + "?" + parameters();
      if (!level) {
        show(null, {});
        return;
      }
      if (counts[key]) {
        show(level, counts[key]);
        return;
      }
      getJson("/api/carte/territoires?" + parameters() + "&niveau=" + level).then(function (answer) {
        counts[key] = answer.counts;
        if (chosenLevel() !== null) {
          show(level, answer.counts);
        }
      });
    }

    function show(level, levelCounts) {
      shown = level ? { level: level, counts: levelCounts } : null;
      breaks = classBreaks(Object.values(levelCounts));
      if (level === "epci") {
        epciLayer.addTo(map);
        loadCommunes().then(function () {
          epciLayer.setStyle(epciStyle);
          layers.departement.bringToFront();
        });
      } else {
        map.removeLayer(epciLayer);
      }
      Object.keys(layers).forEach(function (name) {
        layers[name].setStyle(function (feature) {
          return territoryStyle(name, feature);
        });
      });
      drawLegend(level);
    }

    function visibleDepartements() {
      var view = map.getBounds();
      var found = [];
      layers.departement.eachLayer(function (layer) {
        if (view.intersects(layer.getBounds())) {
          found.push(layer.feature.properties.code);
        }
      });
      return found;
    }

    function loadCommunes() {
      var missing = visibleDepartements().filter(function (code) {
        return !communes[code];
      });
      return Promise.all(
        missing.map(function (code) {
          communes[code] = true;
          return getJson("/api/contours/communes?departement=" + encodeURIComponent(code)).then(
            function (collection) {
              epciLayer.addData(collection);
            }
          );
        })
      );
    }

    function countOf(level, code) {
      if (!shown || shown.level !== level) {
        return null;
      }
      return shown.counts[code] || 0;
    }

    // Régions are the land under everything; a counted territory is filled with its class.
    function territoryStyle(level, feature) {
      var count = countOf(level, feature.properties.code);
      var filled = count !== null && count > 0;
      return {
        color: level === "region" ? "#4a5360" : "#8993a0",
        weight: level === "region" ? 1.2 : 0.6,
        fill: level === "region" || filled,
        fillColor: filled ? colour(count) : LAND,
        fillOpacity: filled ? 0.8 : 1,
      };
    }

    function epciStyle(feature) {
      var count = countOf("epci", feature.properties.epci);
      var filled = count !== null && count > 0;
      var fill = filled ? colour(count) : LAND;
      return { color: fill, weight: 0.5, fillColor: fill, fillOpacity: 1 };
    }

    function epciTip(feature, layer) {
      layer.bindTooltip(function () {
        return tipText(feature.properties.nom, "epci", feature.properties.epci);
      }, { sticky: true });
    }

    function tipText(name, level, code) {
      var count = countOf(level, code);
      if (count === null) {
        return name;
      }
      var scope = level === "epci" ? "EPCI de " + name : name;
      return scope + " : " + plural(count, "initiative");
    }

    function colour(count) {
      var index = 0;
      while (index < breaks.length && count > breaks[index]) {
        index += 1;
      }
      return PALETTE[Math.min(index, PALETTE.length - 1)];
    }

    function drawLegend(level) {
      legend.innerHTML = "";
      legend.hidden = !level;
      if (!level) {
        return;
      }
      var title = document.createElement("p");
      title.className = "map-legend-title";
      title.textContent = "Initiatives par " + LEVEL_NAMES[level];
      legend.appendChild(title);
      var list = document.createElement("ul");
      var low = 1;
      var classes = breaks.length ? breaks : [];
      classes.forEach(function (high, index) {
        list.appendChild(legendItem(PALETTE[index], low === high ? String(low) : low + " à " + high));
        low = high + 1;
      });
      list.appendChild(legendItem(LAND, "aucune"));
      legend.appendChild(list);
    }

    function legendItem(fill, text) {
      var item = document.createElement("li");
      var swatch = document.createElement("span");
      swatch.className = "swatch";
      swatch.style.background = fill;
      item.appendChild(swatch);
      item.appendChild(document.createTextNode(text));
      return item;
    }

    return { refresh: refresh };
  }

  // Upper bounds of at most five classes of the non-zero counts, by quantiles.
  function classBreaks(values) {
    var sorted = values
      .filter(function (value) {
        return value > 0;
      })
      .sort(function (a, b) {
        return a - b;
      });
    if (!sorted.length) {
      return [];
    }
    var breaks = [];
    for (var index = 1; index <= PALETTE.length; index += 1) {
      var position = Math.ceil((sorted.length * index) / PALETTE.length) - 1;
      var value = sorted[Math.max(0, position)];
      if (!breaks.length || value > breaks[breaks.length - 1]) {
        breaks.push(value);
      }
    }
    return breaks;
  }

  // --- The map of a territory page -----------------------------------------------------------

  function startTerritoryMap(element) {
    var map = createMap(element);
    var status = element.parentElement.querySelector(".map-status");
    map.fitBounds(boundsFromText(element.dataset.bbox) || FRANCE);
    getJson(element.dataset.contour).then(function (collection) {
      var outline = L.geoJSON(collection, {
        pane: "contours",
        style: function (feature) {
          var own = feature.properties.role === "territoire";
          return {
            color: own ? "#0b5394" : "#8993a0",
            weight: own ? 2.5 : 0.6,
            fillColor: LAND,
            fillOpacity: own ? 0.6 : 0,
          };
        },
        pointToLayer: function (feature, latlng) {
          return L.circleMarker(latlng, { radius: 8, pane: "contours" });
        },
        onEachFeature: function (feature, layer) {
          layer.bindTooltip(feature.properties.nom, { sticky: true });
        },
      }).addTo(map);
      element.dataset.contours = String(collection.features.length);
      var bounds = outline.getBounds();
      if (bounds.isValid()) {
        map.fitBounds(bounds, { maxZoom: 13 });
      }
    });
    var markers = MarkerLayer(
      map,
      function () {
        return element.dataset.params;
      },
      function (answer, millis, error) {
        if (status && !error) {
          status.textContent = plural(answer.total, "initiative") + " dans la vue.";
        }
      }
    );
    map.on("moveend", markers.load);
    markers.load();
    window.ancrageCarte.map = map;
  }
})();

// A map under the SPARQL editor: every SELECT result with a WKT column (geo:wktLiteral, or text
// that reads as WKT) is drawn with Leaflet, each geometry with the other values of its row.
(function () {
  "use strict";

  var WKT = "http://www.opengis.net/ont/geosparql#wktLiteral";
  var WKT_TEXT = /^\s*(<[^>]*>\s*)?(POINT|LINESTRING|POLYGON|MULTIPOINT|MULTILINESTRING|MULTIPOLYGON)\b/i;
  var MAX_ZOOM = 18;

  var yasgui = window.ancrageYasgui;
  var section = document.getElementById("carte-resultats");
  if (!yasgui || !section || typeof L === "undefined") {
    return;
  }
  var status = section.querySelector(".map-status");
  var element = section.querySelector(".map");
  var map = null;
  var layer = null;
  window.ancrageCarte = window.ancrageCarte || {};

  var yasr = yasgui.getTab().getYasr();
  yasr.on("drawn", function () {
    draw(yasr.results);
  });

  function draw(results) {
    var variables = results && results.getVariables ? results.getVariables() : [];
    var rows = variables.length && results.getBindings ? results.getBindings() || [] : [];
    var columns = variables.filter(function (name) {
      return rows.some(function (row) {
        return isWkt(row[name]);
      });
    });
    if (!columns.length) {
      section.hidden = true;
      return;
    }
    section.hidden = false;
    if (!map) {
      map = L.map(element, { maxZoom: MAX_ZOOM, zoomSnap: 0.5 });
      map.attributionControl.setPrefix(false);
      element.classList.add("map-offline");
      window.ancrageCarte.sparqlMap = map;
    }
    map.invalidateSize();
    if (layer) {
      map.removeLayer(layer);
    }
    var features = [];
    rows.forEach(function (row) {
      columns.forEach(function (name) {
        var geometry = isWkt(row[name]) ? parseWkt(row[name].value) : null;
        if (geometry) {
          features.push({ type: "Feature", geometry: geometry, properties: { row: row, column: name } });
        }
      });
    });
    layer = L.geoJSON(
      { type: "FeatureCollection", features: features },
      {
        style: { color: "#0b5394", weight: 2, fillOpacity: 0.15 },
        pointToLayer: function (feature, latlng) {
          return L.circleMarker(latlng, { radius: 6, color: "#083d6d", fillColor: "#0b5394", fillOpacity: 0.8 });
        },
        onEachFeature: function (feature, shape) {
          shape.bindPopup(rowCard(feature.properties.row, variables, feature.properties.column));
        },
      }
    ).addTo(map);
    var bounds = layer.getBounds();
    if (bounds.isValid()) {
      map.fitBounds(bounds.pad(0.05), { maxZoom: 14 });
    } else {
      map.setView([46.6, 2.4], 5);
    }
    element.dataset.geometries = String(features.length);
    status.textContent =
      features.length + " géométrie" + (features.length > 1 ? "s" : "") +
      " dessinée" + (features.length > 1 ? "s" : "") + " (colonne" +
      (columns.length > 1 ? "s " : " ") + columns.map(function (name) {
        return "?" + name;
      }).join(", ") + ").";
  }

  function isWkt(binding) {
    return !!binding && binding.type !== "uri" &&
      (binding.datatype === WKT || WKT_TEXT.test(binding.value));
  }

  // The values of a row as a definition list, built from text nodes.
  function rowCard(row, variables, column) {
    var list = document.createElement("dl");
    list.className = "map-card";
    variables.forEach(function (name) {
      if (name === column || !row[name]) {
        return;
      }
      var term = document.createElement("dt");
      term.textContent = "?" + name;
      var value = document.createElement("dd");
      if (row[name].type === "uri") {
        var link = document.createElement("a");
        link.href = localHref(row[name].value);
        link.textContent = row[name].value;
        value.appendChild(link);
      } else {
        value.textContent = row[name].value;
      }
      list.appendChild(term);
      list.appendChild(value);
    });
    return list;
  }

  // The resource page redirects the IRIs of this site to their own page.
  function localHref(iri) {
    return "/ressource?iri=" + encodeURIComponent(iri);
  }

  // WKT (OGC Simple Features, 2D) to a GeoJSON geometry; null for what it cannot read.
  function parseWkt(text) {
    var match = /^\s*(?:<[^>]*>\s*)?([A-Za-z]+)\s*(?:ZM|Z|M)?\s*([\s\S]*)$/.exec(text);
    if (!match || /^EMPTY\b/i.test(match[2].trim())) {
      return null;
    }
    var nested;
    try {
      nested = readNested(match[2]);
    } catch (error) {
      return null;
    }
    switch (match[1].toUpperCase()) {
      case "POINT":
        return { type: "Point", coordinates: nested[0] };
      case "LINESTRING":
        return { type: "LineString", coordinates: nested };
      case "POLYGON":
        return { type: "Polygon", coordinates: nested };
      case "MULTIPOINT":
        return {
          type: "MultiPoint",
          coordinates: nested.map(function (item) {
            return typeof item[0] === "number" ? item : item[0];
          }),
        };
      case "MULTILINESTRING":
        return { type: "MultiLineString", coordinates: nested };
      case "MULTIPOLYGON":
        return { type: "MultiPolygon", coordinates: nested };
      default:
        return null;
    }
  }

  // "((1 2, 3 4), (5 6))" to [[[1, 2], [3, 4]], [[5, 6]]].
  function readNested(text) {
    var position = 0;
    function skipSpaces() {
      while (/\s/.test(text.charAt(position))) {
        position += 1;
      }
    }
    function expect(character) {
      skipSpaces();
      if (text.charAt(position) !== character) {
        throw new Error("WKT: " + character + " attendu à la position " + position);
      }
      position += 1;
    }
    function coordinate() {
      var start = position;
      while (position < text.length && ",)".indexOf(text.charAt(position)) < 0) {
        position += 1;
      }
      var numbers = text.slice(start, position).trim().split(/\s+/).map(Number);
      if (numbers.length < 2 || isNaN(numbers[0]) || isNaN(numbers[1])) {
        throw new Error("WKT: coordonnée illisible");
      }
      return [numbers[0], numbers[1]];
    }
    function list() {
      expect("(");
      var items = [];
      for (;;) {
        skipSpaces();
        items.push(text.charAt(position) === "(" ? list() : coordinate());
        skipSpaces();
        if (text.charAt(position) === ",") {
          position += 1;
          continue;
        }
        expect(")");
        return items;
      }
    }
    return list();
  }
})();

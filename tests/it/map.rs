//! Maps and charts on the real data of the test site: the map endpoint against the France
//! services list itself, the choropleth counts and the data pages against SPARQL and the list,
//! the boundaries against the geographic code, and GeoSPARQL through the endpoint.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use axum::body::Body;
use axum::http::Request;
use geo::{Contains, Distance, Euclidean};

use crate::common::{BASE, get, send, site};

const ANC: &str = "https://w3id.org/ancrage/ontology#";
const IGEO: &str = "http://rdf.insee.fr/def/geo#";

/// A row of the France services list: id, commune code, latitude, longitude, labelling text.
struct ListedSite {
    id: String,
    latitude: f64,
    longitude: f64,
    labelled: String,
}

fn france_services_list() -> Vec<ListedSite> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("sources/france-services/liste-fs-20240801.csv");
    let mut reader = csv::Reader::from_path(path).unwrap();
    reader
        .deserialize::<HashMap<String, String>>()
        .map(|row| row.unwrap())
        .map(|row| ListedSite {
            id: row["id_fs"].clone(),
            latitude: row["latitude"].parse().unwrap(),
            longitude: row["longitude"].parse().unwrap(),
            labelled: row["labellisation_fs"].clone(),
        })
        .collect()
}

fn inside(site: &ListedSite, [min_lat, min_lon, max_lat, max_lon]: [f64; 4]) -> bool {
    (min_lat..=max_lat).contains(&site.latitude) && (min_lon..=max_lon).contains(&site.longitude)
}

async fn json(path: &str) -> serde_json::Value {
    let answer = get(path, None).await;
    assert_eq!(answer.status, 200, "{path}: {}", answer.text());
    serde_json::from_slice(&answer.body).unwrap()
}

/// Runs a SELECT through the SPARQL endpoint and returns its rows as text values.
async fn sparql_rows(query: &str) -> Vec<HashMap<String, String>> {
    let body = format!(
        "query={}",
        percent_encoding::utf8_percent_encode(query, percent_encoding::NON_ALPHANUMERIC)
    );
    let request = Request::post("/sparql")
        .header("content-type", "application/x-www-form-urlencoded")
        .header("accept", "application/sparql-results+json")
        .body(Body::from(body))
        .unwrap();
    let answer = send(request).await;
    assert_eq!(answer.status, 200, "{}", answer.text());
    let results: serde_json::Value = serde_json::from_slice(&answer.body).unwrap();
    results["results"]["bindings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|binding| {
            binding
                .as_object()
                .unwrap()
                .iter()
                .map(|(name, term)| (name.clone(), term["value"].as_str().unwrap().to_owned()))
                .collect()
        })
        .collect()
}

fn initiative_id(href: &str) -> String {
    href.rsplit('/').next().unwrap().to_owned()
}

#[tokio::test]
async fn a_viewport_of_france_has_as_many_markers_as_the_list_has_sites_in_it() {
    let list = france_services_list();
    let france = [41.0, -5.5, 51.5, 10.0];
    let expected = list.iter().filter(|site| inside(site, france)).count();
    assert!(expected > 2_000, "the list covers metropolitan France");

    let answer = json("/api/carte?view=41,-5.5,51.5,10&zoom=6").await;
    assert_eq!(answer["total"], expected);
    let clusters = answer["clusters"].as_array().unwrap();
    let points = answer["points"].as_array().unwrap();
    assert!(
        clusters.len() > 10 && clusters.len() < 400,
        "{} clusters",
        clusters.len()
    );
    let clustered: u64 = clusters
        .iter()
        .map(|cluster| cluster[2].as_u64().unwrap())
        .sum();
    assert_eq!(clustered as usize + points.len(), expected);
    for cluster in clusters {
        let [lat, lon, _, min_lat, min_lon, max_lat, max_lon] =
            std::array::from_fn(|index| cluster[index].as_f64().unwrap());
        assert!(min_lat <= lat && lat <= max_lat && min_lon <= lon && lon <= max_lon);
    }
}

#[tokio::test]
async fn a_small_viewport_lists_each_site_of_the_list_with_its_page() {
    let list = france_services_list();
    let bordeaux = [44.7, -0.7, 44.9, -0.4];
    let expected: BTreeSet<String> = list
        .iter()
        .filter(|site| inside(site, bordeaux))
        .map(|site| site.id.clone())
        .collect();
    assert!(expected.len() > 3);

    let answer = json("/api/carte?view=44.7,-0.7,44.9,-0.4&zoom=12").await;
    assert!(answer["clusters"].as_array().unwrap().is_empty());
    let points = answer["points"].as_array().unwrap();
    let found: BTreeSet<String> = points
        .iter()
        .map(|point| {
            let href = point[2].as_str().unwrap();
            assert!(href.starts_with("/initiative/france-services/"), "{href}");
            assert!(
                !point[3].as_str().unwrap().is_empty(),
                "a name for the card"
            );
            initiative_id(href)
        })
        .collect();
    assert_eq!(found, expected);
}

#[tokio::test]
async fn the_map_applies_the_search_and_its_box() {
    // Within a box: only the sites of the list inside both the box and the view.
    let list = france_services_list();
    let zone = [44.0, -1.5, 45.5, 0.5];
    let expected = list.iter().filter(|site| inside(site, zone)).count();
    let answer = json("/api/carte?bbox=44,-1.5,45.5,0.5&view=41,-5.5,51.5,10&zoom=6").await;
    assert_eq!(answer["total"], expected);

    // A territory filter keeps the initiatives located there, as the search does.
    let search = json("/api/search?territory=departement:33&limit=0&facets=0").await;
    let answer = json("/api/carte?territory=departement:33&view=41,-5.5,51.5,10&zoom=6").await;
    assert_eq!(answer["total"], search["total"]);

    let answer = get("/api/carte?zoom=6", None).await;
    assert_eq!(answer.status, 400);
    assert!(answer.text().contains("view"), "{}", answer.text());
    let answer = get("/api/carte?view=51,-5,41,10&zoom=6", None).await;
    assert_eq!(answer.status, 400);
}

/// Current initiatives per territory of a class, counted by SPARQL on the graph.
async fn sparql_counts(class: &str, restriction: &str) -> BTreeMap<String, u64> {
    let query = format!(
        "SELECT ?code (COUNT(DISTINCT ?i) AS ?n) WHERE {{ \
           ?t a <{IGEO}{class}> ; <{IGEO}codeINSEE> ?code . \
           ?i a <{ANC}Initiative> ; <{ANC}territory> ?place . \
           ?place <{IGEO}subdivisionDe>? ?t . {restriction} \
         }} GROUP BY ?code"
    );
    sparql_rows(&query)
        .await
        .into_iter()
        .map(|row| (row["code"].clone(), row["n"].parse().unwrap()))
        .collect()
}

fn counts_of(answer: &serde_json::Value) -> BTreeMap<String, u64> {
    answer["counts"]
        .as_object()
        .unwrap()
        .iter()
        .map(|(code, count)| (code.clone(), count.as_u64().unwrap()))
        .collect()
}

#[tokio::test]
async fn choropleth_counts_equal_the_graph_counts_per_territory() {
    let regions = json("/api/carte/territoires?niveau=region").await;
    assert_eq!(counts_of(&regions), sparql_counts("Region", "").await);
    let departements = json("/api/carte/territoires?niveau=departement").await;
    assert_eq!(
        counts_of(&departements),
        sparql_counts("Departement", "").await
    );

    // EPCI of one département, with a facet of the search applied.
    let method = "methode-accompagnement-individuel";
    let restriction = format!(
        "?place <{IGEO}subdivisionDe> <{BASE}territoire/departement/33> . \
         ?i <{ANC}method> <{BASE}theme/{method}> ."
    );
    let expected = sparql_counts("Intercommunalite", &restriction).await;
    assert!(expected.len() > 5, "Gironde has many EPCI with a site");
    let path =
        format!("/api/carte/territoires?niveau=epci&territory=departement:33&method={method}");
    assert_eq!(counts_of(&json(&path).await), expected);

    assert_eq!(
        get("/api/carte/territoires?niveau=canton", None)
            .await
            .status,
        400
    );
}

#[tokio::test]
async fn bundled_boundaries_are_served_as_geojson() {
    let answer = get("/api/contours/regions", None).await;
    assert_eq!(answer.media_type(), "application/geo+json");
    let regions: serde_json::Value = serde_json::from_slice(&answer.body).unwrap();
    let territories = site().platform.territories().unwrap();
    let region_count = territories.count(ancrage::iri::TerritoryKind::Region);
    assert_eq!(regions["features"].as_array().unwrap().len(), region_count);

    // The communes of Gironde: as many as the geographic code lists, each with its EPCI.
    let communes = json("/api/contours/communes?departement=33").await;
    let features = communes["features"].as_array().unwrap();
    let expected: BTreeSet<String> = territories
        .of_kind(ancrage::iri::TerritoryKind::Commune)
        .filter(|commune| commune.departement.as_deref() == Some("33"))
        .map(|commune| commune.code.clone())
        .collect();
    let found: BTreeSet<String> = features
        .iter()
        .map(|feature| feature["properties"]["code"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(found, expected);
    let bordeaux = features
        .iter()
        .find(|feature| feature["properties"]["code"] == "33063")
        .unwrap();
    assert_eq!(
        bordeaux["properties"]["epci"], "243300316",
        "Bordeaux Métropole"
    );

    let outline = json("/api/contours/departement/33").await;
    let features = outline["features"].as_array().unwrap();
    assert_eq!(features[0]["properties"]["role"], "territoire");
    assert_eq!(
        features.len(),
        1 + expected.len(),
        "the outline and its communes"
    );
    let epci = json("/api/contours/epci/243300316").await;
    let members = territories
        .of_kind(ancrage::iri::TerritoryKind::Commune)
        .filter(|commune| commune.epci.as_deref() == Some("243300316"))
        .count();
    assert_eq!(epci["features"].as_array().unwrap().len(), members);
    assert_eq!(get("/api/contours/departement/999", None).await.status, 404);
    assert_eq!(get("/api/contours/cantons", None).await.status, 404);
}

#[tokio::test]
async fn the_map_page_keeps_the_search_and_links_facets_to_itself() {
    let answer = get(
        "/carte?q=m%C3%A9diation&bbox=44,-1.5,45.5,0.5",
        Some("text/html"),
    )
    .await;
    assert_eq!(answer.status, 200);
    let html = answer.text();
    assert!(html.contains("id=\"carte\""));
    assert!(
        html.contains("data-params=\"q=m%C3%A9diation&amp;bbox="),
        "{html}"
    );
    assert!(html.contains("data-bbox=\"44,-1.5,45.5,0.5\""));
    assert!(
        html.contains("href=\"/carte?q=m%C3%A9diation&amp;bbox="),
        "facet links"
    );
    assert!(html.contains("Rechercher dans cette zone"));
    assert!(
        !html.contains("data-tiles"),
        "no tile server unless configured"
    );
    for asset in [
        "/static/vendor/leaflet/leaflet.js",
        "/static/vendor/leaflet.markercluster/leaflet.markercluster.js",
        "/static/carte.js",
    ] {
        assert!(html.contains(asset), "{asset}");
        assert_eq!(get(asset, None).await.status, 200, "{asset}");
    }
}

#[tokio::test]
async fn a_configured_tile_server_is_drawn_under_the_map() {
    let data_dir = std::env::temp_dir().join(format!("ancrage-it-tuiles-{}", std::process::id()));
    let mut config =
        ancrage::Config::new(data_dir, "127.0.0.1:8080".parse().unwrap(), Some(BASE)).unwrap();
    config.map_tiles = Some(ancrage::config::TileServer {
        url: "https://tuiles.example.org/{z}/{x}/{y}.png".into(),
        attribution: "© Exemple".into(),
    });
    let store = ancrage::store::Store::in_memory().unwrap();
    let platform = ancrage::platform::Platform::with_store(config, store);
    let state = ancrage::AppState::new(std::sync::Arc::new(platform)).unwrap();
    let router = ancrage::router(std::sync::Arc::new(state));
    let request = Request::get("/carte").body(Body::empty()).unwrap();
    let html = crate::common::send_to(&router, request).await.text();
    assert!(html.contains("data-tiles=\"https://tuiles.example.org/{z}/{x}/{y}.png\""));
    assert!(html.contains("data-attribution=\"© Exemple\""));
}

#[tokio::test]
async fn a_territory_page_has_its_map_and_its_dashboard() {
    let answer = get("/territoire/departement/33", Some("text/html")).await;
    let html = answer.text();
    assert!(html.contains("data-contour=\"/api/contours/departement/33\""));
    assert!(html.contains("data-params=\"territory=departement%3A33\""));
    assert!(html.contains("Tableau de bord"));

    // Every initiative of Gironde comes from France services: 100 % of them, and as many as the
    // graph places there; the région and France columns follow.
    let in_gironde = sparql_counts("Departement", "").await["33"];
    let in_region = sparql_counts("Region", "").await["75"];
    let source = html.split("id=\"repartition-sources\"").nth(1).unwrap();
    let table = source.split("</table>").next().unwrap();
    assert!(
        table.contains(&format!("<td>100 % ({in_gironde})</td>")),
        "{table}"
    );
    assert!(
        table.contains(&format!("<td>100 % ({in_region})</td>")),
        "{table}"
    );
    assert!(table.contains("Nouvelle-Aquitaine") || html.contains("Nouvelle-Aquitaine"));
}

#[tokio::test]
async fn data_pages_chart_the_graph_with_csv_and_their_query() {
    let answer = get("/donnees/tableaux", Some("text/html")).await;
    assert_eq!(answer.status, 200);
    let html = answer.text();
    for id in ["sources", "domaines", "regions", "debuts", "moissons"] {
        assert!(
            html.contains(&format!("href=\"/donnees/tableaux/{id}.csv\"")),
            "{id}"
        );
    }
    assert!(
        html.contains("href=\"/sparql?query=%23%20Nombre%20d"),
        "editor links"
    );

    // Start years counted from the list's labelling dates.
    let mut by_year: BTreeMap<String, u64> = BTreeMap::new();
    let year = regex::Regex::new(r"\d{2}/\d{2}/(\d{4})").unwrap();
    for site in france_services_list() {
        if let Some(found) = year.captures(&site.labelled) {
            *by_year.entry(found[1].to_owned()).or_default() += 1;
        }
    }
    assert_eq!(csv_counts("/donnees/tableaux/debuts.csv").await, by_year);

    let sources = csv_counts("/donnees/tableaux/sources.csv").await;
    let rows = france_services_list().len() as u64;
    assert_eq!(sources.into_values().collect::<Vec<_>>(), [rows]);

    // Régions as the search index counts them (a separate path from the graph's query).
    let facets = json("/api/search?limit=0").await;
    let territories = site().platform.territories().unwrap();
    let mut expected = BTreeMap::new();
    for node in facets["facets"]["territories"].as_array().unwrap() {
        let value = node["value"].as_str().unwrap();
        if let Some(code) = value.strip_prefix("region:") {
            let name = territories
                .get(ancrage::iri::TerritoryKind::Region, code)
                .unwrap()
                .name
                .clone();
            expected.insert(name, node["count"].as_u64().unwrap());
        }
    }
    assert_eq!(csv_counts("/donnees/tableaux/regions.csv").await, expected);
    assert_eq!(get("/donnees/tableaux/inconnu.csv", None).await.status, 404);
}

async fn csv_counts(path: &str) -> BTreeMap<String, u64> {
    let answer = get(path, None).await;
    assert_eq!(answer.status, 200);
    assert_eq!(answer.media_type(), "text/csv");
    let mut reader = csv::Reader::from_reader(answer.body.as_slice());
    reader
        .deserialize::<(String, u64, String)>()
        .map(|row| row.unwrap())
        .map(|(label, count, _)| (label, count))
        .collect()
}

/// Simplified boundaries move the border by up to a few hundred metres; a site can fall on the
/// other side of it. Those within this distance of the border are excused, in degrees (about
/// 2 km in latitude).
const BORDER_TOLERANCE_DEGREES: f64 = 0.02;

#[tokio::test]
async fn geosparql_within_a_departement_finds_the_sites_placed_in_its_communes() {
    let territories = site().platform.territories().unwrap();
    let points = site_points().await;
    for code in ["33", "13", "2A", "974"] {
        let departement = format!("<{BASE}territoire/departement/{code}>");
        let within: BTreeSet<String> = sparql_rows(&format!(
            "PREFIX geof: <http://www.opengis.net/def/function/geosparql/> \
             SELECT ?i WHERE {{ {departement} geo:hasGeometry/geo:asWKT ?area . \
               ?i a anc:Initiative ; geo:hasGeometry/geo:asWKT ?point . \
               FILTER(geof:sfWithin(?point, ?area)) }}"
        ))
        .await
        .into_iter()
        .map(|row| row["i"].clone())
        .collect();
        let placed: BTreeSet<String> = sparql_rows(&format!(
            "SELECT ?i WHERE {{ ?i a anc:Initiative ; anc:territory/igeo:subdivisionDe? {departement} }}"
        ))
        .await
        .into_iter()
        .map(|row| row["i"].clone())
        .collect();
        assert!(placed.len() > 10, "{code}");

        let boundary = territories
            .get(ancrage::iri::TerritoryKind::Departement, code)
            .unwrap()
            .boundary
            .clone()
            .unwrap();
        for iri in within.symmetric_difference(&placed) {
            let point = points[iri];
            let exterior = boundary.iter().map(|polygon| polygon.exterior());
            let to_border = exterior
                .map(|ring| Euclidean.distance(&point, ring))
                .fold(f64::MAX, f64::min);
            assert!(
                to_border < BORDER_TOLERANCE_DEGREES,
                "{iri} is {to_border}° from the border of {code}, inside: {}",
                boundary.contains(&point)
            );
        }
    }
}

async fn site_points() -> HashMap<String, geo::Point<f64>> {
    sparql_rows("SELECT ?i ?wkt WHERE { ?i a anc:Initiative ; geo:hasGeometry/geo:asWKT ?wkt }")
        .await
        .into_iter()
        .map(|row| {
            let wkt = &row["wkt"];
            let inner = wkt.trim_start_matches("POINT(").trim_end_matches(')');
            let (lon, lat) = inner.split_once(' ').unwrap();
            let point = geo::Point::new(lon.parse().unwrap(), lat.parse().unwrap());
            (row["i"].clone(), point)
        })
        .collect()
}

#[tokio::test]
async fn geosparql_distance_and_the_search_radius_agree() {
    // Two implementations of the great-circle distance: spargeo's and the search index's.
    let within_10_km: BTreeSet<String> = sparql_rows(
        "PREFIX geof: <http://www.opengis.net/def/function/geosparql/> \
         PREFIX uom: <http://www.opengis.net/def/uom/OGC/1.0/> \
         SELECT ?i WHERE { ?i a anc:Initiative ; geo:hasGeometry/geo:asWKT ?point . \
           FILTER(geof:distance(?point, \"POINT(-0.5792 44.8378)\"^^geo:wktLiteral, uom:metre) < 10000) }",
    )
    .await
    .into_iter()
    .map(|row| row["i"].clone())
    .collect();
    assert!(within_10_km.len() >= 5, "Bordeaux has several sites");

    let search = json("/api/search?lat=44.8378&lon=-0.5792&km=10&limit=500&facets=0").await;
    let found: BTreeSet<String> = search["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|hit| hit["iri"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(found, within_10_km);
}

//! The maps in a real browser: headless Chromium drives an `ancrage serve` process holding the
//! bundled data. Every request the pages make is recorded, and any request to another host is
//! refused and fails the test. A screenshot of the page is written to the test artefacts
//! directory when a step fails.
//!
//! Chromium is required: without it the test fails (CI installs Debian's `chromium`).

use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use headless_chrome::Tab;
use headless_chrome::browser::tab::RequestPausedDecision;
use headless_chrome::browser::transport::{SessionId, Transport};
use headless_chrome::protocol::cdp::Fetch::events::RequestPausedEvent;
use headless_chrome::protocol::cdp::Fetch::{FailRequest, RequestPattern};
use headless_chrome::protocol::cdp::Network::ErrorReason;
use headless_chrome::protocol::cdp::Page::CaptureScreenshotFormatOption;

use crate::chrome::{PAGE_TIMEOUT, Server, evaluate, launch_browser, wait_for};

/// The France services list the server harvests at bootstrap.
const LIST: &str = "sources/france-services/liste-fs-20240801.csv";

/// Writes a screenshot of the tab if the test panics while the guard lives.
struct ScreenshotOnFailure {
    tab: Arc<Tab>,
    step: Arc<Mutex<&'static str>>,
}

impl Drop for ScreenshotOnFailure {
    fn drop(&mut self) {
        if !std::thread::panicking() {
            return;
        }
        let step = *self.step.lock().unwrap();
        let shot =
            self.tab
                .capture_screenshot(CaptureScreenshotFormatOption::Png, None, None, true);
        if let Ok(png) = shot {
            let path = artefacts_dir().join(format!("browser-{step}.png"));
            if std::fs::write(&path, png).is_ok() {
                eprintln!("screenshot of the failed step: {}", path.display());
            }
        }
    }
}

/// A site of the France services list.
struct ListedSite {
    id: String,
    departement: String,
    latitude: f64,
    longitude: f64,
}

#[test]
fn maps_work_in_a_browser_on_real_data() {
    let work = tempfile::tempdir().unwrap();
    let server = Server::start(
        &work.path().join("data"),
        &work.path().join("serveur.log"),
        "/api/search?limit=0",
    );
    let browser = launch_browser(&work.path().join("profil"), 1280);
    let tab = browser.new_tab().unwrap();
    tab.set_default_timeout(PAGE_TIMEOUT);
    tab.set_extra_http_headers(HashMap::from([("Accept-Language", "fr-FR,fr")]))
        .unwrap();
    let requests = record_requests(&tab, &server.address);
    let step = Arc::new(Mutex::new("demarrage"));
    let _screenshot = ScreenshotOnFailure {
        tab: Arc::clone(&tab),
        step: Arc::clone(&step),
    };
    let list = france_services_list();
    let mut timings = Vec::new();

    *step.lock().unwrap() = "carte";
    timings.push((
        "/carte",
        map_shows_clusters_and_choropleth(&tab, &server, &list),
    ));
    *step.lock().unwrap() = "zone";
    search_in_this_area_updates_the_list(&tab, &list);
    *step.lock().unwrap() = "facette";
    a_facet_updates_markers_and_choropleth(&tab, &requests);
    *step.lock().unwrap() = "territoire";
    timings.push((
        "/territoire/departement/33",
        territory_page_draws_its_boundary(&tab, &server, &list),
    ));
    *step.lock().unwrap() = "sparql";
    sparql_results_are_drawn(&tab, &server, &list);

    *step.lock().unwrap() = "requetes";
    let requests = requests.lock().unwrap().clone();
    assert!(
        requests.len() > 20,
        "the requests were recorded: {requests:?}"
    );
    let foreign: Vec<&String> = requests
        .iter()
        .filter(|url| !url.starts_with(&format!("{}/", server.address)))
        .collect();
    assert!(foreign.is_empty(), "requests to other hosts: {foreign:?}");
    write_timings(&timings);
}

/// The search map at its first view: server clusters summing to the list's sites in view, and
/// régions filled by their counts with a legend.
fn map_shows_clusters_and_choropleth(tab: &Tab, server: &Server, list: &[ListedSite]) -> f64 {
    tab.navigate_to(&format!("{}/carte", server.address))
        .unwrap()
        .wait_until_navigated()
        .unwrap();
    wait_for(tab, "window.ancrageCarte && window.ancrageCarte.loads >= 1");
    let first_markers = evaluate(tab, "window.ancrageCarte.firstMarkersMs")
        .as_f64()
        .unwrap();

    let view = view_bounds(tab);
    let expected = list.iter().filter(|site| site.is_in(view)).count();
    assert!(expected > 1_000, "the first view shows France: {view:?}");
    let clusters = evaluate(tab, "document.querySelectorAll('.server-cluster').length");
    assert!(clusters.as_u64().unwrap() >= 10, "{clusters} clusters");
    assert_eq!(markers_total(tab), expected as u64, "markers in {view:?}");
    assert_eq!(status_number(tab), expected as u64);

    wait_for(tab, "!document.getElementById('legende').hidden");
    let legend = evaluate(
        tab,
        "document.querySelector('.map-legend-title').textContent",
    );
    assert_eq!(legend, "Initiatives par région");
    let filled = evaluate(
        tab,
        "[...document.querySelectorAll('.leaflet-contours-pane path')]\
         .filter(path => ['#c6dbef','#9ecae1','#6baed6','#3182bd','#08519c']\
         .includes(path.getAttribute('fill'))).length",
    );
    assert!(filled.as_u64().unwrap() >= 13, "régions filled: {filled}");
    first_markers
}

/// Zooming in with the map's own buttons, then "Rechercher dans cette zone": the list holds the
/// sites of the list inside the visible box.
fn search_in_this_area_updates_the_list(tab: &Tab, list: &[ListedSite]) {
    for _ in 0..3 {
        let loads = evaluate(tab, "window.ancrageCarte.loads").as_u64().unwrap();
        tab.find_element(".leaflet-control-zoom-in")
            .unwrap()
            .click()
            .unwrap();
        wait_for(tab, &format!("window.ancrageCarte.loads > {loads}"));
    }
    wait_for(tab, "!document.getElementById('rechercher-zone').hidden");
    tab.find_element("#rechercher-zone")
        .unwrap()
        .click()
        .unwrap();
    wait_for(
        tab,
        "document.getElementById('resultats').textContent.includes('dans la zone')",
    );

    let bbox = evaluate(tab, "new URLSearchParams(location.search).get('bbox')");
    let bbox: Vec<f64> = bbox
        .as_str()
        .unwrap()
        .split(',')
        .map(|number| number.parse().unwrap())
        .collect();
    let zone = [bbox[0], bbox[1], bbox[2], bbox[3]];
    let inside: BTreeSet<&str> = list
        .iter()
        .filter(|site| site.is_in(zone))
        .map(|site| site.id.as_str())
        .collect();
    assert!(!inside.is_empty(), "sites in {zone:?}");
    let heading = evaluate(tab, "document.getElementById('resultats').textContent");
    assert_eq!(first_number(heading.as_str().unwrap()), inside.len() as u64);
    let listed = evaluate(
        tab,
        "[...document.querySelectorAll('#carte-panneau .hits a')].map(a => a.getAttribute('href'))",
    );
    let listed = listed.as_array().unwrap();
    assert_eq!(listed.len(), inside.len().min(20));
    for href in listed {
        let id = href.as_str().unwrap().rsplit('/').next().unwrap();
        assert!(inside.contains(id), "{href} is outside {zone:?}");
    }
}

/// A méthode of the facets: the list, the markers and the choropleth follow.
fn a_facet_updates_markers_and_choropleth(tab: &Tab, requests: &Mutex<Vec<String>>) {
    let summary = "//details[summary='Méthodes']/summary";
    tab.find_element_by_xpath(summary).unwrap().click().unwrap();
    let link = "//details[summary='Méthodes']//a";
    let facet = tab.find_element_by_xpath(link).unwrap();
    let count = facet
        .call_js_fn(
            "function () { return this.parentElement.querySelector('.count').textContent; }",
            vec![],
            false,
        )
        .unwrap()
        .value
        .unwrap();
    let count = first_number(count.as_str().unwrap());
    let loads = evaluate(tab, "window.ancrageCarte.loads").as_u64().unwrap();
    facet.click().unwrap();
    wait_for(
        tab,
        &format!(
            "document.getElementById('carte').dataset.params.includes('method=') \
             && window.ancrageCarte.loads > {loads}"
        ),
    );
    let heading = evaluate(tab, "document.getElementById('resultats').textContent");
    assert_eq!(
        first_number(heading.as_str().unwrap()),
        count,
        "the facet's count is the new total"
    );
    assert_eq!(markers_total(tab), status_number(tab));
    wait_for(tab, "!document.getElementById('legende').hidden");
    let asked = requests.lock().unwrap().clone();
    assert!(
        asked
            .iter()
            .any(|url| url.contains("/api/carte/territoires?") && url.contains("method=")),
        "the choropleth was counted again with the facet"
    );
}

/// A département's page: its outline, its communes, and markers for the sites it holds.
fn territory_page_draws_its_boundary(tab: &Tab, server: &Server, list: &[ListedSite]) -> f64 {
    tab.navigate_to(&format!("{}/territoire/departement/33", server.address))
        .unwrap()
        .wait_until_navigated()
        .unwrap();
    wait_for(
        tab,
        "document.getElementById('carte-territoire').dataset.contours \
         && window.ancrageCarte.loads >= 1",
    );
    let first_markers = evaluate(tab, "window.ancrageCarte.firstMarkersMs")
        .as_f64()
        .unwrap();
    let drawn = evaluate(
        tab,
        "document.querySelectorAll('#carte-territoire .leaflet-contours-pane path').length",
    );
    let features = evaluate(
        tab,
        "document.getElementById('carte-territoire').dataset.contours",
    );
    let features: u64 = features.as_str().unwrap().parse().unwrap();
    assert!(features > 500, "Gironde and its communes: {features}");
    assert_eq!(drawn.as_u64().unwrap(), features);
    let outline = evaluate(
        tab,
        "(() => { const path = [...document.querySelectorAll('#carte-territoire path')]\
         .find(path => path.getAttribute('stroke') === '#0b5394'); \
         return path ? path.getBoundingClientRect().width : 0; })()",
    );
    assert!(
        outline.as_f64().unwrap() > 100.0,
        "the outline is drawn: {outline}"
    );

    wait_for(
        tab,
        "document.querySelector('.territory-map .map-status').textContent !== ''",
    );
    let expected = list.iter().filter(|site| site.departement == "33").count();
    assert_eq!(markers_total_in(tab, "#carte-territoire"), expected as u64);

    // A marker opens a card that links to the initiative's page.
    let marker = "#carte-territoire .leaflet-marker-icon:not(.marker-cluster)";
    tab.find_element(marker).unwrap().click().unwrap();
    wait_for(tab, "document.querySelector('.leaflet-popup .map-card a')");
    let card = evaluate(
        tab,
        "document.querySelector('.leaflet-popup .map-card a').getAttribute('href')",
    );
    assert!(
        card.as_str()
            .unwrap()
            .starts_with("/initiative/france-services/"),
        "{card}"
    );
    first_markers
}

/// The query editor draws the WKT column of its results: Gironde and the sites within it.
fn sparql_results_are_drawn(tab: &Tab, server: &Server, list: &[ListedSite]) {
    let query = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("queries/examples/06-sur-la-carte.rq"),
    )
    .unwrap();
    let encoded = percent_encoding::utf8_percent_encode(&query, percent_encoding::NON_ALPHANUMERIC);
    tab.navigate_to(&format!("{}/sparql?query={encoded}", server.address))
        .unwrap()
        .wait_until_navigated()
        .unwrap();
    wait_for(
        tab,
        "document.querySelector('#carte-resultats .map').dataset.geometries !== undefined",
    );
    let drawn = evaluate(
        tab,
        "document.querySelector('#carte-resultats .map').dataset.geometries",
    );
    let in_gironde = list.iter().filter(|site| site.departement == "33").count();
    assert_eq!(drawn.as_str().unwrap(), (1 + in_gironde).to_string());
}

/// Records the URL of every request of the tab; those to other hosts are refused.
fn record_requests(tab: &Tab, address: &str) -> Arc<Mutex<Vec<String>>> {
    let requests = Arc::new(Mutex::new(Vec::new()));
    let recorded = Arc::clone(&requests);
    let local = format!("{address}/");
    let pattern = RequestPattern {
        url_pattern: Some("*".to_owned()),
        resource_Type: None,
        request_stage: None,
    };
    tab.enable_fetch(Some(&[pattern]), None).unwrap();
    tab.enable_request_interception(Arc::new(
        move |_: Arc<Transport>, _: SessionId, event: RequestPausedEvent| {
            let url = event.params.request.url.clone();
            let is_local = url.starts_with(&local);
            recorded.lock().unwrap().push(url);
            if is_local {
                RequestPausedDecision::Continue(None)
            } else {
                RequestPausedDecision::Fail(FailRequest {
                    request_id: event.params.request_id,
                    error_reason: ErrorReason::BlockedByClient,
                })
            }
        },
    ))
    .unwrap();
    requests
}

/// `[min_lat, min_lon, max_lat, max_lon]` of the search map.
fn view_bounds(tab: &Tab) -> [f64; 4] {
    let bounds = evaluate(
        tab,
        "(() => { const b = window.ancrageCarte.map.getBounds(); \
         return [b.getSouth(), b.getWest(), b.getNorth(), b.getEast()]; })()",
    );
    std::array::from_fn(|index| bounds[index].as_f64().unwrap())
}

fn markers_total(tab: &Tab) -> u64 {
    markers_total_in(tab, "#carte")
}

/// Initiatives shown by the markers of a map: the numbers of the clusters, and one for each
/// single marker.
fn markers_total_in(tab: &Tab, map: &str) -> u64 {
    let total = evaluate(
        tab,
        &format!(
            "[...document.querySelectorAll('{map} .leaflet-marker-icon')].reduce((sum, icon) => \
             sum + (icon.classList.contains('marker-cluster') \
             ? Number(icon.textContent.replace(/\\D/g, '')) : 1), 0)"
        ),
    );
    total.as_u64().unwrap()
}

fn status_number(tab: &Tab) -> u64 {
    let status = evaluate(tab, "document.getElementById('carte-etat').textContent");
    first_number(status.as_str().unwrap())
}

/// The first number of a text, its digits possibly grouped by spaces.
fn first_number(text: &str) -> u64 {
    let digits: String = text
        .chars()
        .skip_while(|character| !character.is_ascii_digit())
        .take_while(|character| character.is_ascii_digit() || character.is_whitespace())
        .filter(char::is_ascii_digit)
        .collect();
    digits
        .parse()
        .unwrap_or_else(|_| panic!("no number in {text:?}"))
}

impl ListedSite {
    fn is_in(&self, [min_lat, min_lon, max_lat, max_lon]: [f64; 4]) -> bool {
        (min_lat..=max_lat).contains(&self.latitude)
            && (min_lon..=max_lon).contains(&self.longitude)
    }
}

fn france_services_list() -> Vec<ListedSite> {
    let mut reader =
        csv::Reader::from_path(Path::new(env!("CARGO_MANIFEST_DIR")).join(LIST)).unwrap();
    reader
        .deserialize::<HashMap<String, String>>()
        .map(|row| row.unwrap())
        .map(|row| ListedSite {
            id: row["id_fs"].clone(),
            departement: row["insee_dep"].clone(),
            latitude: row["latitude"].parse().unwrap(),
            longitude: row["longitude"].parse().unwrap(),
        })
        .collect()
}

/// `$ANCRAGE_TEST_ARTEFACTS`, else `test-artefacts` in cargo's target directory.
fn artefacts_dir() -> PathBuf {
    let dir = match std::env::var_os("ANCRAGE_TEST_ARTEFACTS") {
        Some(dir) => PathBuf::from(dir),
        None => std::env::var_os("CARGO_TARGET_DIR")
            .map_or_else(
                || Path::new(env!("CARGO_MANIFEST_DIR")).join("target"),
                PathBuf::from,
            )
            .join("test-artefacts"),
    };
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Time to first markers of each page, in milliseconds after navigation started, for
/// BENCHMARKS.md.
fn write_timings(timings: &[(&str, f64)]) {
    let lines: Vec<String> = timings
        .iter()
        .map(|(page, millis)| format!("{page}\t{millis:.0} ms"))
        .collect();
    eprintln!("time to first markers:\n{}", lines.join("\n"));
    let path = artefacts_dir().join("browser-first-markers.txt");
    std::fs::write(path, lines.join("\n") + "\n").unwrap();
}

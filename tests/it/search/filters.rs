//! Filters: theme hierarchy, territory at every level, served territories, box and radius.

use ancrage::search::{SearchDocument, SearchRequest, haversine_km};

use super::common::{corpus, doc, found, index_with, passes};

const PARIS: (f64, f64) = (48.8566, 2.3522);
const LYON: (f64, f64) = (45.7640, 4.8357);
const MARSEILLE: (f64, f64) = (43.2965, 5.3698);

fn located(iri: &str, path: &[&str]) -> SearchDocument {
    SearchDocument {
        territory_path: path.iter().map(|s| s.to_string()).collect(),
        ..doc(iri, "Lieu")
    }
}

fn themed(iri: &str, paths: &[&[&str]]) -> SearchDocument {
    let themes = paths
        .iter()
        .map(|path| path.iter().map(|s| s.to_string()).collect())
        .collect();
    SearchDocument {
        themes,
        ..doc(iri, "Lieu")
    }
}

fn all(request: SearchRequest) -> SearchRequest {
    SearchRequest {
        limit: 500,
        ..request
    }
}

#[test]
fn a_theme_filter_matches_its_narrower_themes() {
    let index = index_with(&[
        themed("iri:broad", &[&["inclusion"]]),
        themed("iri:narrow", &[&["inclusion", "inclusion-numerique"]]),
        themed("iri:other", &[&["travail"], &["alimentation"]]),
    ]);
    let themes = |values: &[&str]| SearchRequest {
        themes: values.iter().map(|s| s.to_string()).collect(),
        ..Default::default()
    };
    assert_eq!(
        found(&index, &themes(&["inclusion"])),
        ["iri:broad", "iri:narrow"]
    );
    assert_eq!(
        found(&index, &themes(&["inclusion-numerique"])),
        ["iri:narrow"]
    );
    assert_eq!(
        found(&index, &themes(&["inclusion-numerique", "alimentation"])),
        ["iri:narrow", "iri:other"]
    );
}

#[test]
fn a_territory_filter_matches_at_every_level() {
    let index = index_with(&[
        located(
            "iri:bourg",
            &[
                "region:84",
                "departement:01",
                "epci:200042935",
                "commune:01053",
            ],
        ),
        located(
            "iri:ambe",
            &[
                "region:84",
                "departement:01",
                "epci:200029999",
                "commune:01004",
            ],
        ),
        located(
            "iri:lyon",
            &[
                "region:84",
                "departement:69",
                "epci:200046977",
                "commune:69123",
            ],
        ),
        located(
            "iri:paris",
            &[
                "region:11",
                "departement:75",
                "epci:200054781",
                "commune:75056",
            ],
        ),
        located("iri:dept-only", &["region:84", "departement:01"]),
    ]);
    let territory = |code: &str| SearchRequest {
        territory: Some(code.into()),
        ..Default::default()
    };
    assert_eq!(
        found(&index, &territory("region:84")),
        ["iri:ambe", "iri:bourg", "iri:dept-only", "iri:lyon"]
    );
    assert_eq!(
        found(&index, &territory("departement:01")),
        ["iri:ambe", "iri:bourg", "iri:dept-only"]
    );
    assert_eq!(found(&index, &territory("epci:200042935")), ["iri:bourg"]);
    assert_eq!(found(&index, &territory("commune:75056")), ["iri:paris"]);
    assert!(found(&index, &territory("commune:99999")).is_empty());
}

#[test]
fn served_territories_also_match_the_territory_filter() {
    let mut national = located("iri:national", &["region:11", "departement:75"]);
    national.serves = vec!["region:84".into()];
    let mut local = located(
        "iri:local",
        &["region:84", "departement:01", "commune:01053"],
    );
    local.serves = vec!["commune:01053".into()];
    let elsewhere = located("iri:elsewhere", &["region:11", "departement:92"]);
    let index = index_with(&[national, local, elsewhere]);

    // The caller passes the territory and its ancestors as `serves`.
    let request = SearchRequest {
        territory: Some("departement:01".into()),
        serves: vec!["departement:01".into(), "region:84".into()],
        ..Default::default()
    };
    assert_eq!(found(&index, &request), ["iri:local", "iri:national"]);
    let without_serves = SearchRequest {
        serves: Vec::new(),
        ..request
    };
    assert_eq!(found(&index, &without_serves), ["iri:local"]);
}

#[test]
fn a_box_keeps_the_points_inside_it() {
    let at = |iri: &str, point| SearchDocument {
        point: Some(point),
        ..doc(iri, "Lieu")
    };
    let index = index_with(&[
        at("iri:paris", PARIS),
        at("iri:lyon", LYON),
        doc("iri:nowhere", "Lieu"),
    ]);
    let request = SearchRequest {
        bbox: Some([45.0, 4.0, 46.0, 5.0]),
        ..Default::default()
    };
    assert_eq!(found(&index, &request), ["iri:lyon"]);
    let france = SearchRequest {
        bbox: Some([41.0, -5.0, 51.5, 10.0]),
        ..Default::default()
    };
    assert_eq!(found(&index, &france), ["iri:lyon", "iri:paris"]);
}

#[test]
fn a_radius_uses_the_great_circle_distance() {
    let at = |iri: &str, point| SearchDocument {
        point: Some(point),
        ..doc(iri, "Lieu")
    };
    let index = index_with(&[
        at("iri:paris", PARIS),
        at("iri:lyon", LYON),
        at("iri:marseille", MARSEILLE),
    ]);
    // Paris–Lyon is about 392 km as the crow flies, Lyon–Marseille about 278 km.
    let paris_lyon = haversine_km(PARIS, LYON);
    assert!((paris_lyon - 391.5).abs() < 1.5, "{paris_lyon}");
    let near = |km| SearchRequest {
        near: Some((LYON.0, LYON.1, km)),
        ..Default::default()
    };
    assert_eq!(found(&index, &near(10.0)), ["iri:lyon"]);
    assert_eq!(
        found(&index, &near(paris_lyon - 1.0)),
        ["iri:lyon", "iri:marseille"]
    );
    assert_eq!(
        found(&index, &near(paris_lyon + 1.0)),
        ["iri:lyon", "iri:marseille", "iri:paris"]
    );
}

#[test]
fn filters_combine_like_the_brute_force_definition() {
    let documents = corpus(300, 11);
    let index = index_with(&documents);
    let requests = [
        SearchRequest {
            publics: vec!["jeunes".into(), "aines".into()],
            ..Default::default()
        },
        SearchRequest {
            themes: vec!["travail".into()],
            methods: vec!["atelier".into()],
            ..Default::default()
        },
        SearchRequest {
            territory: Some("departement:841".into()),
            serves: vec!["departement:841".into(), "region:84".into()],
            actor_types: vec!["association".into()],
            ..Default::default()
        },
        SearchRequest {
            territory: Some("epci:1120".into()),
            scales: vec!["locale".into()],
            ..Default::default()
        },
    ];
    for request in requests {
        let request = all(request);
        let mut expected: Vec<String> = documents
            .iter()
            .filter(|document| passes(document, &request, None))
            .map(|document| document.iri.clone())
            .collect();
        expected.sort();
        assert!(!expected.is_empty(), "{request:?} should match something");
        assert_eq!(found(&index, &request), expected, "{request:?}");
        assert_eq!(index.search(&request).unwrap().total, expected.len());
    }
}

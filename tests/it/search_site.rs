//! Search on the real harvested data of the test site, through the JSON API and SPARQL.

use std::collections::BTreeSet;

use ancrage::search::SearchRequest;
use axum::body::Body;
use axum::http::Request;

use crate::common::{get, select_column, send, site};

/// IRIs of every result of an API request, walking the pages with the cursor.
async fn all_iris(query: &str) -> BTreeSet<String> {
    let mut iris = BTreeSet::new();
    let mut cursor: Option<String> = None;
    loop {
        let mut path = format!("/api/search?{query}&limit=500&facets=0");
        if let Some(cursor) = &cursor {
            path.push_str(&format!("&cursor={}", urlencode(cursor)));
        }
        let answer = get(&path, None).await;
        assert_eq!(answer.status, 200, "{}", answer.text());
        let body: serde_json::Value = serde_json::from_slice(&answer.body).unwrap();
        for result in body["results"].as_array().unwrap() {
            assert!(
                iris.insert(result["iri"].as_str().unwrap().to_owned()),
                "a result came twice"
            );
        }
        match body["next_cursor"].as_str() {
            Some(next) if !body["results"].as_array().unwrap().is_empty() => {
                cursor = Some(next.to_owned())
            }
            _ => return iris,
        }
    }
}

fn urlencode(text: &str) -> String {
    percent_encoding::utf8_percent_encode(text, percent_encoding::NON_ALPHANUMERIC).to_string()
}

async fn total(query: &str) -> u64 {
    let answer = get(&format!("/api/search?{query}&limit=0"), None).await;
    assert_eq!(answer.status, 200, "{}", answer.text());
    let body: serde_json::Value = serde_json::from_slice(&answer.body).unwrap();
    body["total"].as_u64().unwrap()
}

#[tokio::test]
async fn accents_and_case_do_not_matter() {
    let plain = all_iris("q=mediation").await;
    assert!(
        !plain.is_empty(),
        "France services has Pimms Médiation sites"
    );
    assert_eq!(plain, all_iris("q=M%C3%A9diation").await);
    assert_eq!(plain, all_iris("q=M%C3%89DIATION").await);
}

#[tokio::test]
async fn plural_and_singular_match() {
    let singular = all_iris("q=num%C3%A9rique").await;
    assert!(!singular.is_empty());
    assert_eq!(singular, all_iris("q=num%C3%A9riques").await);
}

#[tokio::test]
async fn a_region_code_returns_only_and_all_the_initiatives_of_its_communes() {
    let from_search = all_iris("territory=region:76").await;
    let from_sparql: BTreeSet<String> = select_column(
        "SELECT DISTINCT ?i WHERE { ?i a <https://w3id.org/ancrage/ontology#Initiative> ; \
         <https://w3id.org/ancrage/ontology#territory> ?t . \
         ?t <http://rdf.insee.fr/def/geo#subdivisionDe>? <http://ancrage.test/territoire/region/76> }",
    )
    .into_iter()
    .collect();
    assert!(!from_sparql.is_empty());
    assert_eq!(from_search, from_sparql);
}

#[tokio::test]
async fn facet_counts_equal_the_results_behind_each_facet() {
    let answer = get("/api/search?q=france&limit=0", None).await;
    let body: serde_json::Value = serde_json::from_slice(&answer.body).unwrap();
    for (facet, parameter) in [
        ("networks", "network"),
        ("actor_types", "actor_type"),
        ("publics", "public"),
    ] {
        let values = body["facets"][facet].as_array().unwrap();
        assert!(!values.is_empty(), "{facet} has values");
        for value in values {
            let name = value["value"].as_str().unwrap();
            let count = value["count"].as_u64().unwrap();
            assert_eq!(
                total(&format!("q=france&{parameter}={}", urlencode(name))).await,
                count,
                "{facet}={name}"
            );
        }
    }
    for region in body["facets"]["territories"].as_array().unwrap() {
        let code = region["value"].as_str().unwrap();
        let count = region["count"].as_u64().unwrap();
        assert_eq!(
            total(&format!("q=france&territory={}", urlencode(code))).await,
            count,
            "{code}"
        );
    }
}

#[tokio::test]
async fn the_search_service_in_sparql_agrees_with_the_api() {
    let from_api = all_iris("q=poste&territory=region:84").await;
    assert!(!from_api.is_empty());
    let from_sparql: BTreeSet<String> = select_column(
        "PREFIX search: <https://w3id.org/ancrage/search#> \
         SELECT DISTINCT ?i WHERE { SERVICE <https://w3id.org/ancrage/search> { ?i search:query \"poste\" } \
         ?i <https://w3id.org/ancrage/ontology#territory> ?t . \
         ?t <http://rdf.insee.fr/def/geo#subdivisionDe>? <http://ancrage.test/territoire/region/84> }",
    )
    .into_iter()
    .collect();
    assert_eq!(from_api, from_sparql);
}

#[tokio::test]
async fn the_search_page_works_without_javascript_and_its_facets_are_links() {
    let answer = get("/recherche?q=m%C3%A9diation", Some("text/html")).await;
    assert_eq!(answer.status, 200);
    let html = answer.text();
    assert!(html.contains("<mark>"), "matched words are highlighted");
    assert!(
        html.contains("href=\"/recherche?q=m%C3%A9diation&amp;network="),
        "facet values are links"
    );
}

#[tokio::test]
async fn bad_search_parameters_are_client_errors() {
    for query in [
        "cursor=nonsense",
        "bbox=1,2,3",
        "lat=45&lon=4",
        "territory=99999",
        "limit=abc",
        "q=%FF",
    ] {
        let request = Request::get(format!("/api/search?{query}"))
            .body(Body::empty())
            .unwrap();
        let answer = send(request).await;
        assert_eq!(answer.status, 400, "{query}: {}", answer.text());
        let body: serde_json::Value = serde_json::from_slice(&answer.body).unwrap();
        assert!(
            body["error"]
                .as_str()
                .is_some_and(|message| !message.is_empty())
        );
    }
}

#[test]
fn the_index_holds_exactly_the_current_initiatives_of_the_graph() {
    let platform = &site().platform;
    let in_graph: usize = select_column(
        "SELECT (COUNT(?i) AS ?n) WHERE { ?i a <https://w3id.org/ancrage/ontology#Initiative> \
         FILTER NOT EXISTS { ?i <http://www.w3.org/ns/prov#invalidatedAtTime> ?gone } }",
    )[0]
    .parse()
    .unwrap();
    let request = SearchRequest {
        limit: 0,
        ..SearchRequest::default()
    };
    assert_eq!(platform.search.search(&request).unwrap().total, in_graph);
}

/// Names by record id of a generated CSV file.
fn csv_names(path: &std::path::Path) -> Vec<(String, String)> {
    let mut reader = csv::Reader::from_path(path).unwrap();
    reader
        .deserialize::<std::collections::HashMap<String, String>>()
        .map(|row| row.unwrap())
        .map(|row| (row["id"].clone(), row["nom"].clone()))
        .collect()
}

/// Rewrites one column of one row of a CSV file (or drops the row when `new_name` is `None`).
fn edit_csv(path: &std::path::Path, id: &str, new_name: Option<&str>) {
    let mut reader = csv::Reader::from_path(path).unwrap();
    let headers = reader.headers().unwrap().clone();
    let rows: Vec<csv::StringRecord> = reader.records().map(|row| row.unwrap()).collect();
    let mut writer = csv::Writer::from_path(path).unwrap();
    writer.write_record(&headers).unwrap();
    for row in rows {
        if &row[0] != id {
            writer.write_record(&row).unwrap();
        } else if let Some(name) = new_name {
            let mut fields: Vec<String> = row.iter().map(str::to_owned).collect();
            fields[1] = name.to_owned();
            writer.write_record(&fields).unwrap();
        }
    }
    writer.flush().unwrap();
}

fn found(platform: &ancrage::platform::Platform, text: &str) -> Vec<String> {
    let request = SearchRequest {
        text: text.into(),
        limit: 50,
        ..SearchRequest::default()
    };
    platform
        .search
        .search(&request)
        .unwrap()
        .hits
        .into_iter()
        .map(|hit| hit.iri)
        .collect()
}

#[test]
fn harvested_records_are_found_at_once_edits_show_and_removed_ones_are_gone() {
    let platform = crate::common::reference_platform("search-writes");
    let work = tempfile::tempdir().unwrap();
    let csv_path = work.path().join("recherche.csv");
    let territories = platform.territories().unwrap();
    let generated = ancrage::generate::generate_source(&territories, 300, 7, &csv_path).unwrap();
    let descriptor = ancrage::ingest::SourceDescriptor::from_file(&generated.descriptor).unwrap();
    let harvest = |platform: &ancrage::platform::Platform| {
        let results = platform.harvest(std::slice::from_ref(&descriptor)).unwrap();
        assert!(results[0].outcome.is_ok());
    };
    harvest(&platform);
    let initiative = |id: &str| format!("http://ancrage.test/initiative/recherche/{id}");

    // Every harvested record is found by its name.
    let (first_id, first_name) = csv_names(&csv_path)[0].clone();
    assert!(found(&platform, &first_name).contains(&initiative(&first_id)));

    // An edit shows at once: the new word is found, on that record.
    edit_csv(&csv_path, &first_id, Some("Zythothèque solidaire"));
    harvest(&platform);
    assert_eq!(found(&platform, "zythotheque"), vec![initiative(&first_id)]);

    // A record removed from the source is gone from the search (it stays in the graph, gone).
    edit_csv(&csv_path, &first_id, None);
    harvest(&platform);
    assert!(found(&platform, "zythotheque").is_empty());
    assert!(!found(&platform, "").contains(&initiative(&first_id)));
}

#[test]
fn a_cursor_walk_visits_every_result_once_while_records_are_added() {
    let platform = crate::common::reference_platform("search-cursor");
    let work = tempfile::tempdir().unwrap();
    let territories = platform.territories().unwrap();
    let first =
        ancrage::generate::generate_source(&territories, 400, 11, &work.path().join("curseur.csv"))
            .unwrap();
    let descriptor = ancrage::ingest::SourceDescriptor::from_file(&first.descriptor).unwrap();
    assert!(
        platform.harvest(std::slice::from_ref(&descriptor)).unwrap()[0]
            .outcome
            .is_ok()
    );

    let mut request = SearchRequest {
        limit: 37,
        ..SearchRequest::default()
    };
    let at_start = platform
        .search
        .search(&SearchRequest {
            limit: 0,
            ..SearchRequest::default()
        })
        .unwrap()
        .total;
    let mut seen = BTreeSet::new();
    let mut page = 0;
    loop {
        let response = platform.search.search(&request).unwrap();
        for hit in &response.hits {
            assert!(seen.insert(hit.iri.clone()), "{} came twice", hit.iri);
        }
        // Between pages, another source adds records.
        page += 1;
        let more = ancrage::generate::generate_source(
            &territories,
            20,
            100 + page,
            &work.path().join(format!("ajout{page}.csv")),
        )
        .unwrap();
        let added = ancrage::ingest::SourceDescriptor::from_file(&more.descriptor).unwrap();
        assert!(
            platform.harvest(std::slice::from_ref(&added)).unwrap()[0]
                .outcome
                .is_ok()
        );
        match response.next_cursor {
            Some(cursor) if !response.hits.is_empty() => request.cursor = Some(cursor),
            _ => break,
        }
    }
    let originals: BTreeSet<String> = seen
        .iter()
        .filter(|iri| iri.contains("/initiative/curseur/"))
        .cloned()
        .collect();
    assert_eq!(
        originals.len(),
        at_start,
        "every record present at the start was visited once"
    );
}

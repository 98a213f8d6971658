//! Writing: upsert replaces, delete removes, a full rebuild replaces all, the disk keeps it.

use ancrage::search::{SearchDocument, SearchError, SearchIndex, SearchRequest};

use super::common::{corpus, doc, found, index_with, text};

#[test]
fn upsert_replaces_the_document_with_the_same_iri() {
    let index = index_with(&[doc("iri:1", "Jardin partagé"), doc("iri:2", "Verger")]);
    index.upsert(&[doc("iri:1", "Épicerie solidaire")]).unwrap();
    assert_eq!(index.len(), 2);
    assert!(found(&index, &text("jardin")).is_empty());
    assert_eq!(found(&index, &text("épicerie")), ["iri:1"]);

    // Twice the same IRI in one batch: the last version wins.
    index
        .upsert(&[doc("iri:3", "Premier"), doc("iri:3", "Second")])
        .unwrap();
    assert_eq!(index.len(), 3);
    assert_eq!(found(&index, &text("second")), ["iri:3"]);
    assert!(found(&index, &text("premier")).is_empty());
}

#[test]
fn deleted_documents_are_never_returned() {
    let documents = corpus(120, 8);
    let index = index_with(&documents);
    let deleted: Vec<String> = documents.iter().step_by(3).map(|d| d.iri.clone()).collect();
    index.delete(&deleted).unwrap();
    index.delete(&["iri:unknown".to_string()]).unwrap();
    assert_eq!(index.len(), 120 - deleted.len());

    let requests = [
        SearchRequest {
            limit: 500,
            ..Default::default()
        },
        SearchRequest {
            limit: 500,
            facets: true,
            ..text("jardin")
        },
    ];
    for request in requests {
        let response = index.search(&request).unwrap();
        assert!(response.hits.iter().all(|hit| !deleted.contains(&hit.iri)));
        assert_eq!(response.total, response.hits.len());
    }
    let facets = index
        .search(&SearchRequest {
            facets: true,
            ..Default::default()
        })
        .unwrap()
        .facets;
    let counted: usize = facets.sources.iter().map(|count| count.count).sum();
    assert_eq!(
        counted,
        120 - deleted.len(),
        "each document has exactly one source"
    );
}

#[test]
fn replace_all_rebuilds_the_whole_index() {
    let index = index_with(&corpus(50, 2));
    let count = index
        .replace_all(vec![doc("iri:a", "Atelier"), doc("iri:b", "Boutique")])
        .unwrap();
    assert_eq!(count, 2);
    assert_eq!(index.len(), 2);
    assert_eq!(found(&index, &SearchRequest::default()), ["iri:a", "iri:b"]);
}

#[test]
fn an_invalid_document_writes_nothing() {
    let index = index_with(&[doc("iri:1", "Jardin")]);
    let bad = SearchDocument {
        quality: 2.0,
        ..doc("iri:bad", "Mauvais")
    };
    let error = index
        .upsert(&[doc("iri:2", "Verger"), bad.clone()])
        .unwrap_err();
    assert!(matches!(error, SearchError::InvalidDocument { .. }));
    assert!(!error.is_client_error());
    assert!(matches!(
        index.replace_all(vec![bad]),
        Err(SearchError::InvalidDocument { .. })
    ));
    assert_eq!(found(&index, &SearchRequest::default()), ["iri:1"]);
}

#[test]
fn hits_are_escaped_and_say_why_they_matched() {
    let evil = SearchDocument {
        description: Some("Un atelier & des <em>outils</em>.".into()),
        point: Some((45.0, 5.0)),
        ..doc("iri:evil", "<script>alert('atelier')</script>")
    };
    let index = index_with(&[evil]);
    let hit = &index.search(&text("atelier outils")).unwrap().hits[0];
    assert_eq!(hit.name, "<script>alert('atelier')</script>");
    assert_eq!(
        hit.snippet.as_deref(),
        Some("Un <mark>atelier</mark> &amp; des &lt;em&gt;<mark>outils</mark>&lt;/em&gt;.")
    );
    assert_eq!(hit.matched_fields, ["name", "description"]);
    assert_eq!(hit.point, Some((45.0, 5.0)));

    let by_name = &index.search(&text("script")).unwrap().hits[0];
    assert_eq!(
        by_name.snippet.as_deref(),
        Some("&lt;<mark>script</mark>&gt;alert(&#39;atelier&#39;)&lt;/<mark>script</mark>&gt;")
    );
}

#[test]
fn an_index_on_disk_is_reopened_with_its_documents() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("search");
    {
        let index = SearchIndex::create_in_dir(&path).unwrap();
        index.upsert(&[doc("iri:1", "Jardin")]).unwrap();
        assert!(
            SearchIndex::create_in_dir(&path).is_err(),
            "the directory already has an index"
        );
    }
    let index = SearchIndex::open_or_create(&path).unwrap();
    assert_eq!(index.len(), 1);
    assert_eq!(found(&index, &text("jardins")), ["iri:1"]);

    let fresh = SearchIndex::open_or_create(&dir.path().join("other")).unwrap();
    assert!(fresh.is_empty());
}

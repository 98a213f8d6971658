//! Cursor pagination: a walk visits every initial match exactly once, whatever is written
//! between pages.

use std::collections::HashSet;

use ancrage::search::{SearchDocument, SearchError, SearchIndex, SearchRequest};

use super::common::{corpus, doc, index_with, iris, text};

/// Walks all pages of `request`, calling `between` after each page with the page number.
fn walk(
    index: &SearchIndex,
    request: &SearchRequest,
    mut between: impl FnMut(usize),
) -> Vec<String> {
    let mut seen = Vec::new();
    let mut request = request.clone();
    for page in 0.. {
        let response = index.search(&request).unwrap();
        assert!(response.hits.len() <= request.limit);
        seen.extend(iris(&response));
        match response.next_cursor {
            Some(cursor) => request.cursor = Some(cursor),
            None => break,
        }
        between(page);
        assert!(page < 1000, "the walk does not end");
    }
    seen
}

fn check_walk_while_writing(request: SearchRequest) {
    let documents = corpus(300, 21);
    let index = index_with(&documents[..200]);
    let initial: HashSet<String> = {
        let everything = SearchRequest {
            limit: 500,
            ..request.clone()
        };
        iris(&index.search(&everything).unwrap())
            .into_iter()
            .collect()
    };
    assert!(
        initial.len() > 20,
        "the request should match many documents"
    );

    let mut added = documents[200..].iter();
    let seen = walk(&index, &request, |page| {
        // New documents, some ranking before the cursor and some after it.
        let batch: Vec<SearchDocument> = added.by_ref().take(10).cloned().collect();
        index.upsert(&batch).unwrap();
        // A changed document keeps its rank: words that no query holds are added.
        let mut changed = documents[page % 200].clone();
        let description = changed.description.take().unwrap_or_default();
        changed.description = Some(format!("{description} Mise à jour {page}."));
        index.upsert(&[changed]).unwrap();
    });

    let unique: HashSet<&String> = seen.iter().collect();
    assert_eq!(unique.len(), seen.len(), "a document was returned twice");
    for iri in &initial {
        assert!(
            unique.contains(iri),
            "{iri} matched at the start but was never returned"
        );
    }
}

#[test]
fn a_text_walk_returns_each_initial_match_once_while_documents_are_written() {
    check_walk_while_writing(SearchRequest {
        limit: 7,
        ..text("jardins")
    });
}

#[test]
fn a_browse_walk_returns_each_initial_match_once_while_documents_are_written() {
    check_walk_while_writing(SearchRequest {
        limit: 13,
        ..Default::default()
    });
}

#[test]
fn a_seeded_filtered_walk_returns_each_initial_match_once_while_documents_are_written() {
    check_walk_while_writing(SearchRequest {
        limit: 5,
        fair_seed: Some(99),
        publics: vec!["jeunes".into(), "familles".into()],
        facets: true,
        ..text("atelier")
    });
}

#[test]
fn pages_follow_the_order_of_a_single_page() {
    let index = index_with(&corpus(150, 4));
    let request = SearchRequest {
        limit: 6,
        fair_seed: Some(5),
        ..text("epicerie")
    };
    let whole = iris(
        &index
            .search(&SearchRequest {
                limit: 500,
                ..request.clone()
            })
            .unwrap(),
    );
    assert_eq!(walk(&index, &request, |_| {}), whole);
}

#[test]
fn the_last_page_has_no_cursor() {
    let index = index_with(&[doc("iri:1", "Jardin"), doc("iri:2", "Jardin")]);
    let response = index
        .search(&SearchRequest {
            limit: 2,
            ..text("jardin")
        })
        .unwrap();
    assert_eq!(response.hits.len(), 2);
    assert_eq!(response.next_cursor, None);
    let facets_only = index
        .search(&SearchRequest {
            limit: 0,
            ..text("jardin")
        })
        .unwrap();
    assert_eq!(
        (
            facets_only.total,
            facets_only.hits.len(),
            facets_only.next_cursor
        ),
        (2, 0, None)
    );
}

#[test]
fn malformed_or_foreign_cursors_are_client_errors() {
    let index = index_with(&[doc("iri:1", "Jardin"), doc("iri:2", "Jardin")]);
    let first = index
        .search(&SearchRequest {
            limit: 1,
            ..text("jardin")
        })
        .unwrap();
    let cursor = first.next_cursor.unwrap();

    for bad in ["not-a-cursor", "00", &cursor[..cursor.len() - 3]] {
        let request = SearchRequest {
            cursor: Some(bad.to_string()),
            ..text("jardin")
        };
        let error = index.search(&request).unwrap_err();
        assert!(
            matches!(error, SearchError::BadCursor { .. }),
            "{bad}: {error}"
        );
        assert!(error.is_client_error());
    }
    let other_request = SearchRequest {
        cursor: Some(cursor),
        ..text("potager")
    };
    assert!(matches!(
        index.search(&other_request),
        Err(SearchError::BadCursor { .. })
    ));
}

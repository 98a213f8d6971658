//! Scores: field weights, typos, quality, determinism, and the seeded shuffle of ties.

use ancrage::search::{SearchDocument, SearchRequest};

use super::common::{corpus, doc, found, index_with, iris, text};

fn scored(documents: &[SearchDocument], query: &str) -> Vec<(String, f32)> {
    let index = index_with(documents);
    let response = index.search(&text(query)).unwrap();
    response
        .hits
        .iter()
        .map(|hit| (hit.iri.clone(), hit.score))
        .collect()
}

#[test]
fn names_weigh_more_than_other_texts_more_than_descriptions_more_than_typos() {
    let full = |iri: &str, name: &str| SearchDocument {
        quality: 1.0,
        ..doc(iri, name)
    };
    let documents = [
        full("iri:name", "Jardin partagé"),
        SearchDocument {
            other_texts: vec!["Jardin".into()],
            ..full("iri:other", "Potager")
        },
        SearchDocument {
            description: Some("Un jardin.".into()),
            ..full("iri:description", "Verger")
        },
        full("iri:typo", "Jardim des plantes"),
    ];
    // With quality 1, the score is the weight: 3, 2, 1, and half of 3 for the typo in the name.
    let expected = [
        ("iri:name", 3.0),
        ("iri:other", 2.0),
        ("iri:typo", 1.5),
        ("iri:description", 1.0),
    ];
    let scores = scored(&documents, "jardin");
    let scores: Vec<(&str, f32)> = scores
        .iter()
        .map(|(iri, score)| (iri.as_str(), *score))
        .collect();
    assert_eq!(scores, expected);
}

#[test]
fn each_word_scores_its_best_field_and_all_words_must_match() {
    let documents = [
        SearchDocument {
            description: Some("Jardin et potager".into()),
            quality: 0.0,
            ..doc("iri:both", "Jardin")
        },
        SearchDocument {
            quality: 0.0,
            ..doc("iri:one", "Jardin fleuri")
        },
    ];
    // "jardin": name (3) beats description (1); "potager": description (1). Quality 0 halves.
    assert_eq!(
        scored(&documents, "jardin potager"),
        [("iri:both".to_string(), 2.0)]
    );
}

#[test]
fn quality_scales_the_score() {
    let documents = [
        SearchDocument {
            quality: 0.2,
            ..doc("iri:low", "Atelier vélo")
        },
        SearchDocument {
            quality: 0.8,
            ..doc("iri:high", "Atelier couture")
        },
    ];
    let scores = scored(&documents, "atelier");
    assert_eq!(
        scores,
        [("iri:high".to_string(), 2.7), ("iri:low".to_string(), 1.8)]
    );
}

#[test]
fn typos_are_tolerated_by_word_length() {
    let index = index_with(&[
        doc("iri:velo", "Vélo"),
        doc("iri:jardin", "Jardin"),
        doc("iri:informatique", "Informatique"),
    ]);
    // Four letters: exact only.
    assert!(found(&index, &text("vell")).is_empty());
    // Five to eight letters: one edit (a swap counts as one), not two.
    assert_eq!(found(&index, &text("jardni")), ["iri:jardin"]);
    assert_eq!(found(&index, &text("jardinn")), ["iri:jardin"]);
    assert!(found(&index, &text("jradni")).is_empty());
    // Nine letters or more: two edits.
    assert_eq!(found(&index, &text("infromatiqeu")), ["iri:informatique"]);
    assert!(found(&index, &text("infromatqieu")).is_empty());
}

#[test]
fn a_score_does_not_change_when_other_documents_are_added() {
    let documents = corpus(200, 7);
    let index = index_with(&documents[..100]);
    let request = SearchRequest {
        limit: 500,
        ..text("jardin solidaire")
    };
    let before = index.search(&request).unwrap();
    assert!(before.total > 3, "the query should match several documents");

    index.upsert(&documents[100..]).unwrap();
    let after = index.search(&request).unwrap();
    for hit in &before.hits {
        let again = after
            .hits
            .iter()
            .find(|other| other.iri == hit.iri)
            .unwrap();
        assert_eq!(again.score.to_bits(), hit.score.to_bits(), "{}", hit.iri);
    }
}

#[test]
fn ties_come_by_iri_or_in_a_seeded_shuffle() {
    let documents: Vec<SearchDocument> = (0..40)
        .map(|n| doc(&format!("iri:{n:02}"), "Ressourcerie"))
        .collect();
    let index = index_with(&documents);
    let mut by_iri: Vec<String> = documents.iter().map(|d| d.iri.clone()).collect();
    by_iri.sort();

    let order = |seed: Option<u64>| {
        let request = SearchRequest {
            fair_seed: seed,
            limit: 100,
            ..text("ressourcerie")
        };
        iris(&index.search(&request).unwrap())
    };
    assert_eq!(order(None), by_iri);
    let (first, second) = (order(Some(1)), order(Some(2)));
    assert_ne!(first, second);
    assert_ne!(first, by_iri);
    assert_eq!(order(Some(1)), first);
    let mut same_set = second.clone();
    same_set.sort();
    assert_eq!(same_set, by_iri);
}

#[test]
fn the_seed_only_shuffles_equal_scores() {
    let documents = [
        SearchDocument {
            quality: 1.0,
            ..doc("iri:z-best", "Ressourcerie")
        },
        SearchDocument {
            quality: 0.0,
            ..doc("iri:a-worst", "Ressourcerie")
        },
        doc("iri:m1", "Ressourcerie"),
        doc("iri:m2", "Ressourcerie"),
    ];
    let index = index_with(&documents);
    for seed in 0..20 {
        let request = SearchRequest {
            fair_seed: Some(seed),
            ..text("ressourcerie")
        };
        let order = iris(&index.search(&request).unwrap());
        assert_eq!(order.first().map(String::as_str), Some("iri:z-best"));
        assert_eq!(order.last().map(String::as_str), Some("iri:a-worst"));
    }
}

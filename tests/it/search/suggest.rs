//! Completion of the words being typed, from the names.

use ancrage::search::{SearchDocument, SearchError};

use super::common::{doc, index_with};

fn names(index: &ancrage::search::SearchIndex, prefix: &str) -> Vec<String> {
    let mut names: Vec<String> = index
        .suggest(prefix, 10)
        .unwrap()
        .into_iter()
        .map(|s| s.name)
        .collect();
    names.sort();
    names
}

fn sample() -> ancrage::search::SearchIndex {
    index_with(&[
        doc("iri:1", "Médiathèque de Bourg"),
        doc("iri:2", "Point de médiation numérique"),
        doc("iri:3", "Le Remède"),
        doc("iri:4", "Laverie solidaire"),
        doc("iri:5", "MEDIA <b>libre</b>"),
    ])
}

#[test]
fn prefixes_complete_words_whatever_the_accents_and_case() {
    let index = sample();
    let expected = [
        "MEDIA <b>libre</b>",
        "Médiathèque de Bourg",
        "Point de médiation numérique",
    ];
    assert_eq!(names(&index, "méd"), expected);
    assert_eq!(names(&index, "MED"), expected);
    assert_eq!(names(&index, "media"), expected);
    assert_eq!(
        names(&index, "médiat"),
        ["Médiathèque de Bourg", "Point de médiation numérique"]
    );
}

#[test]
fn every_typed_word_must_start_a_word_of_the_name() {
    let index = sample();
    assert_eq!(names(&index, "point méd"), ["Point de médiation numérique"]);
    assert_eq!(
        names(&index, "numérique médi"),
        ["Point de médiation numérique"]
    );
    // "la" may be the start of "laverie" while it is typed, and is a stop word once complete.
    assert_eq!(names(&index, "la"), ["Laverie solidaire"]);
    assert!(names(&index, "xyz").is_empty());
    assert!(names(&index, "").is_empty());
}

#[test]
fn suggestions_are_highlighted_and_escaped_best_first() {
    let index = index_with(&[
        SearchDocument {
            quality: 0.9,
            ..doc("iri:good", "Média <b>libre</b>")
        },
        SearchDocument {
            quality: 0.1,
            ..doc("iri:poor", "Médiathèque")
        },
    ]);
    let suggestions = index.suggest("méd", 10).unwrap();
    assert_eq!(suggestions[0].iri, "iri:good");
    assert_eq!(
        suggestions[0].highlighted,
        "<mark>Média</mark> &lt;b&gt;libre&lt;/b&gt;"
    );
    assert_eq!(suggestions[1].highlighted, "<mark>Médiathèque</mark>");
    assert_eq!(index.suggest("méd", 1).unwrap().len(), 1);
}

#[test]
fn oversized_completion_arguments_are_bad_requests() {
    let index = sample();
    assert!(matches!(
        index.suggest("m", 10_000),
        Err(SearchError::BadRequest { .. })
    ));
    let long = "m".repeat(300);
    assert!(matches!(
        index.suggest(&long, 5),
        Err(SearchError::BadRequest { .. })
    ));
}

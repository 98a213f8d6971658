//! French analysis seen from a search: what people type finds what was written.

use super::common::{doc, found, index_with, text};

/// (written in a name, typed in the search box).
const PAIRS: &[(&str, &str)] = &[
    ("Médiation", "mediation"),
    ("Numériques", "numérique"),
    ("Épicerie", "epiceries"),
    ("l'emploi", "Emploi"),
    ("Randonnée", "randonnees"),
    ("Élevée", "eleve"),
    ("Sécurité", "securite"),
    ("L’Épicerie", "l'épicerie"),
];

#[test]
fn typed_variants_find_each_other_both_ways() {
    for (written, typed) in PAIRS {
        let index = index_with(&[doc("iri:written", written), doc("iri:typed", typed)]);
        assert_eq!(
            found(&index, &text(typed)),
            ["iri:typed", "iri:written"],
            "{written} / {typed}"
        );
        assert_eq!(
            found(&index, &text(written)),
            ["iri:typed", "iri:written"],
            "{typed} / {written}"
        );
    }
}

#[test]
fn stop_words_alone_find_nothing_but_do_not_block_other_words() {
    let index = index_with(&[doc("iri:1", "Maison de la solidarité")]);
    assert_eq!(
        found(&index, &text("de la")),
        ["iri:1"],
        "no word left: every document"
    );
    assert_eq!(found(&index, &text("la solidarité")), ["iri:1"]);
}

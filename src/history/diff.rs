//! The difference between two descriptions, as triples added and triples removed.

use std::collections::BTreeSet;

use oxigraph::model::Triple;

/// What a change adds and removes, each list sorted and without repeats.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TripleDiff {
    /// Triples stated after the change only.
    pub added: Vec<Triple>,
    /// Triples stated before the change only.
    pub removed: Vec<Triple>,
}

impl TripleDiff {
    /// What turns `before` into `after`.
    pub fn between(before: &[Triple], after: &[Triple]) -> Self {
        let keys = |triples: &[Triple]| -> BTreeSet<String> {
            triples.iter().map(ToString::to_string).collect()
        };
        let (before_keys, after_keys) = (keys(before), keys(after));
        let only_in = |triples: &[Triple], other: &BTreeSet<String>| -> Vec<Triple> {
            triples
                .iter()
                .filter(|triple| !other.contains(&triple.to_string()))
                .cloned()
                .collect()
        };
        let mut diff = Self {
            added: only_in(after, &before_keys),
            removed: only_in(before, &after_keys),
        };
        diff.normalize();
        diff
    }

    /// The change that undoes this one.
    pub fn inverse(&self) -> Self {
        Self {
            added: self.removed.clone(),
            removed: self.added.clone(),
        }
    }

    /// Whether the change changes nothing.
    pub fn is_empty(&self) -> bool {
        self.added.is_empty() && self.removed.is_empty()
    }

    /// Sorts both lists and drops repeats.
    pub fn normalize(&mut self) {
        for triples in [&mut self.added, &mut self.removed] {
            triples.sort_by_cached_key(ToString::to_string);
            triples.dedup();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use oxigraph::model::{Literal, NamedNode};

    fn triple(object: &str) -> Triple {
        Triple::new(
            NamedNode::new_unchecked("http://e.test/i"),
            NamedNode::new_unchecked("http://e.test/p"),
            Literal::new_language_tagged_literal_unchecked(object, "fr"),
        )
    }

    #[test]
    fn a_changed_value_is_one_removal_and_one_addition_and_the_inverse_undoes_it() {
        let before = [triple("ancien"), triple("gardé")];
        let after = [triple("gardé"), triple("nouveau \"texte\"")];
        let diff = TripleDiff::between(&before, &after);
        assert_eq!(diff.added, vec![triple("nouveau \"texte\"")]);
        assert_eq!(diff.removed, vec![triple("ancien")]);
        assert_eq!(diff.inverse().added, vec![triple("ancien")]);
        assert!(TripleDiff::between(&after, &after).is_empty());
    }
}

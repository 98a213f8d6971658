//! The whole store as a SHACL data graph, for validating everything at once.

use std::collections::HashSet;

use oxigraph::model::{NamedNode, NamedNodeRef, NamedOrBlankNodeRef, Term, TermRef};

use super::Store;
use crate::shapes::engine::DataGraph;

/// The union of all named graphs, read through the store's indexes.
pub struct StoreGraph<'a> {
    store: &'a Store,
}

impl<'a> StoreGraph<'a> {
    /// A data graph over `store`.
    pub fn new(store: &'a Store) -> Self {
        Self { store }
    }

    fn matching(
        &self,
        subject: Option<NamedOrBlankNodeRef<'_>>,
        predicate: Option<NamedNodeRef<'_>>,
        object: Option<TermRef<'_>>,
    ) -> impl Iterator<Item = oxigraph::model::Quad> + '_ {
        self.store
            .db
            .quads_for_pattern(subject, predicate, object, None)
            .filter_map(Result::ok)
    }
}

fn as_subject(term: &Term) -> Option<NamedOrBlankNodeRef<'_>> {
    match term {
        Term::NamedNode(node) => Some(node.as_ref().into()),
        Term::BlankNode(node) => Some(node.as_ref().into()),
        _ => None,
    }
}

fn distinct(items: impl Iterator<Item = Term>) -> Vec<Term> {
    let mut seen = HashSet::new();
    items.filter(|item| seen.insert(item.clone())).collect()
}

impl DataGraph for StoreGraph<'_> {
    fn objects(&self, subject: &Term, predicate: NamedNodeRef<'_>) -> Vec<Term> {
        let Some(subject) = as_subject(subject) else {
            return Vec::new();
        };
        distinct(
            self.matching(Some(subject), Some(predicate), None)
                .map(|quad| quad.object),
        )
    }

    fn subjects(&self, predicate: NamedNodeRef<'_>, object: &Term) -> Vec<Term> {
        let quads = self.matching(None, Some(predicate), Some(object.as_ref()));
        distinct(quads.map(|quad| quad.subject.into()))
    }

    fn outgoing(&self, subject: &Term) -> Vec<(NamedNode, Term)> {
        let Some(subject) = as_subject(subject) else {
            return Vec::new();
        };
        let mut seen = HashSet::new();
        self.matching(Some(subject), None, None)
            .map(|quad| (quad.predicate, quad.object))
            .filter(|pair| seen.insert(pair.clone()))
            .collect()
    }

    fn subjects_with_predicate(&self, predicate: NamedNodeRef<'_>) -> Vec<Term> {
        distinct(
            self.matching(None, Some(predicate), None)
                .map(|quad| quad.subject.into()),
        )
    }

    fn objects_with_predicate(&self, predicate: NamedNodeRef<'_>) -> Vec<Term> {
        distinct(
            self.matching(None, Some(predicate), None)
                .map(|quad| quad.object),
        )
    }
}

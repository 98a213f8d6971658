//! Reading single values and RDF lists from the shapes graph while shapes are compiled.

use std::collections::HashSet;

use oxrdf::vocab::rdf;
use oxrdf::{Graph, NamedNodeRef, Term};

use super::data::{DataGraph, GraphData};
use super::error::ShapeError;

/// The shapes graph, with the lookups the compiler needs.
pub(super) struct ShapesReader<'g> {
    data: GraphData<'g>,
}

impl<'g> ShapesReader<'g> {
    /// Wraps the shapes graph.
    pub(super) fn new(graph: &'g Graph) -> Self {
        Self {
            data: GraphData::new(graph),
        }
    }

    /// Objects of `subject predicate ?o` in the shapes graph.
    pub(super) fn objects(&self, subject: &Term, predicate: NamedNodeRef<'_>) -> Vec<Term> {
        self.data.objects(subject, predicate)
    }

    /// Subjects of `?s predicate object` in the shapes graph.
    pub(super) fn subjects(&self, predicate: NamedNodeRef<'_>, object: &Term) -> Vec<Term> {
        self.data.subjects(predicate, object)
    }

    /// Distinct subjects of the triples with this predicate.
    pub(super) fn subjects_with_predicate(&self, predicate: NamedNodeRef<'_>) -> Vec<Term> {
        self.data.subjects_with_predicate(predicate)
    }

    /// Whether the node is a SHACL instance of the class within the shapes graph.
    pub(super) fn has_class(&self, node: &Term, class: NamedNodeRef<'_>) -> bool {
        self.data.has_class(node, &class.into())
    }

    /// The SHACL instances of the class within the shapes graph.
    pub(super) fn instances_of(&self, class: NamedNodeRef<'_>) -> Vec<Term> {
        self.data.instances_of(&class.into())
    }

    /// The value of a parameter that allows at most one value.
    pub(super) fn single(
        &self,
        shape: &Term,
        parameter: NamedNodeRef<'_>,
    ) -> Result<Option<Term>, ShapeError> {
        let mut values = self.objects(shape, parameter);
        if values.len() > 1 {
            return Err(ShapeError::TooManyValues {
                shape: shape.clone(),
                parameter: parameter.into_owned(),
                count: values.len(),
            });
        }
        Ok(values.pop())
    }

    /// Whether the node is `rdf:nil` or has an `rdf:first`, i.e. looks like an RDF list.
    pub(super) fn is_list(&self, node: &Term) -> bool {
        *node == Term::from(rdf::NIL) || !self.objects(node, rdf::FIRST).is_empty()
    }

    /// The members of the RDF list starting at `head`, the value of `parameter` on `shape`.
    pub(super) fn list(
        &self,
        shape: &Term,
        parameter: NamedNodeRef<'_>,
        head: &Term,
    ) -> Result<Vec<Term>, ShapeError> {
        let malformed = |reason| ShapeError::MalformedList {
            shape: shape.clone(),
            parameter: parameter.into_owned(),
            value: Box::new(head.clone()),
            reason,
        };

        let nil = Term::from(rdf::NIL);
        let mut members = Vec::new();
        let mut visited = HashSet::new();
        let mut node = head.clone();
        while node != nil {
            if !visited.insert(node.clone()) {
                return Err(malformed("it loops back on itself"));
            }
            let [first] = self
                .objects(&node, rdf::FIRST)
                .try_into()
                .map_err(|_| malformed("a list node needs exactly one rdf:first"))?;
            let [rest] = self
                .objects(&node, rdf::REST)
                .try_into()
                .map_err(|_| malformed("a list node needs exactly one rdf:rest"))?;
            members.push(first);
            node = rest;
        }
        Ok(members)
    }
}

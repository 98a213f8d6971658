//! Read access to the data graph under validation, and its implementation over an in-memory graph.

use std::collections::HashSet;

use oxrdf::vocab::{rdf, rdfs};
use oxrdf::{Graph, NamedNode, NamedNodeRef, NamedOrBlankNodeRef, Term};

/// Read-only access to the data graph; small and object-safe so that stores can implement it.
///
/// Methods returning nodes should return each node once; the engine tolerates duplicates.
pub trait DataGraph {
    /// Objects of the triples with this subject and predicate.
    fn objects(&self, subject: &Term, predicate: NamedNodeRef<'_>) -> Vec<Term>;

    /// Subjects of the triples with this predicate and object.
    fn subjects(&self, predicate: NamedNodeRef<'_>, object: &Term) -> Vec<Term>;

    /// Predicate and object of every triple with this subject (used by `sh:closed`).
    fn outgoing(&self, subject: &Term) -> Vec<(NamedNode, Term)>;

    /// Distinct subjects of the triples with this predicate (used by `sh:targetSubjectsOf`).
    fn subjects_with_predicate(&self, predicate: NamedNodeRef<'_>) -> Vec<Term>;

    /// Distinct objects of the triples with this predicate (used by `sh:targetObjectsOf`).
    fn objects_with_predicate(&self, predicate: NamedNodeRef<'_>) -> Vec<Term>;

    /// Whether `node` has `rdf:type` `class` or one of its `rdfs:subClassOf` descendants.
    fn has_class(&self, node: &Term, class: &Term) -> bool {
        let mut pending = self.objects(node, rdf::TYPE);
        if pending.contains(class) {
            return true;
        }

        let mut seen = HashSet::new();
        while let Some(candidate) = pending.pop() {
            if candidate == *class {
                return true;
            }
            if seen.insert(candidate.clone()) {
                pending.extend(self.objects(&candidate, rdfs::SUB_CLASS_OF));
            }
        }
        false
    }

    /// Every node with `rdf:type` `class` or one of its `rdfs:subClassOf` descendants.
    fn instances_of(&self, class: &Term) -> Vec<Term> {
        let mut classes = vec![class.clone()];
        let mut seen_classes: HashSet<Term> = classes.iter().cloned().collect();
        let mut instances = Vec::new();
        let mut seen_instances = HashSet::new();
        while let Some(current) = classes.pop() {
            for instance in self.subjects(rdf::TYPE, &current) {
                if seen_instances.insert(instance.clone()) {
                    instances.push(instance);
                }
            }
            for subclass in self.subjects(rdfs::SUB_CLASS_OF, &current) {
                if seen_classes.insert(subclass.clone()) {
                    classes.push(subclass);
                }
            }
        }
        instances
    }
}

/// A [`DataGraph`] over an in-memory `oxrdf::Graph`, which is already indexed both ways.
#[derive(Debug, Clone, Copy)]
pub struct GraphData<'a> {
    graph: &'a Graph,
}

impl<'a> GraphData<'a> {
    /// Wraps a graph without copying it.
    pub fn new(graph: &'a Graph) -> Self {
        Self { graph }
    }
}

impl DataGraph for GraphData<'_> {
    fn objects(&self, subject: &Term, predicate: NamedNodeRef<'_>) -> Vec<Term> {
        let Some(subject) = as_subject(subject) else {
            return Vec::new();
        };
        self.graph
            .objects_for_subject_predicate(subject, predicate)
            .map(Term::from)
            .collect()
    }

    fn subjects(&self, predicate: NamedNodeRef<'_>, object: &Term) -> Vec<Term> {
        self.graph
            .subjects_for_predicate_object(predicate, object)
            .map(Term::from)
            .collect()
    }

    fn outgoing(&self, subject: &Term) -> Vec<(NamedNode, Term)> {
        let Some(subject) = as_subject(subject) else {
            return Vec::new();
        };
        self.graph
            .triples_for_subject(subject)
            .map(|triple| (triple.predicate.into_owned(), triple.object.into_owned()))
            .collect()
    }

    fn subjects_with_predicate(&self, predicate: NamedNodeRef<'_>) -> Vec<Term> {
        let triples = self.graph.triples_for_predicate(predicate);
        distinct(triples.map(|triple| Term::from(triple.subject)))
    }

    fn objects_with_predicate(&self, predicate: NamedNodeRef<'_>) -> Vec<Term> {
        let triples = self.graph.triples_for_predicate(predicate);
        distinct(triples.map(|triple| triple.object.into_owned()))
    }
}

/// The term as a triple subject, or `None` for literals (which never are subjects).
fn as_subject(term: &Term) -> Option<NamedOrBlankNodeRef<'_>> {
    match term {
        Term::NamedNode(node) => Some(node.into()),
        Term::BlankNode(node) => Some(node.into()),
        _ => None,
    }
}

/// Collects terms, keeping the first occurrence of each.
fn distinct(terms: impl Iterator<Item = Term>) -> Vec<Term> {
    let mut seen = HashSet::new();
    terms.filter(|term| seen.insert(term.clone())).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use oxrdf::TripleRef;

    fn iri(local: &str) -> NamedNode {
        NamedNode::new_unchecked(format!("http://example.org/{local}"))
    }

    #[test]
    fn has_class_follows_subclasses_and_survives_cycles() {
        let (a, b, c, x) = (iri("A"), iri("B"), iri("C"), iri("x"));
        let mut graph = Graph::new();
        graph.insert(TripleRef::new(&x, rdf::TYPE, &a));
        graph.insert(TripleRef::new(&a, rdfs::SUB_CLASS_OF, &b));
        graph.insert(TripleRef::new(&b, rdfs::SUB_CLASS_OF, &a));
        let data = GraphData::new(&graph);

        assert!(data.has_class(&x.clone().into(), &b.clone().into()));
        assert!(!data.has_class(&x.clone().into(), &c.into()));
        assert_eq!(data.instances_of(&b.into()), vec![Term::from(x)]);
    }
}

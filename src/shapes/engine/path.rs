//! SHACL property paths: reading them from the shapes graph, walking them over the data graph,
//! and writing them back as RDF or as SPARQL property-path text.

use std::collections::VecDeque;
use std::fmt;

use oxrdf::vocab::rdf;
use oxrdf::{BlankNode, Graph, NamedNode, Term, TripleRef};

use super::data::DataGraph;
use super::error::ShapeError;
use super::node_set::NodeSet;
use super::reader::ShapesReader;
use super::vocab as sh;

/// A SHACL property path, as given by `sh:path`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum PropertyPath {
    /// A single predicate IRI.
    Predicate(NamedNode),
    /// `sh:inversePath`: the path walked from object to subject.
    Inverse(Box<PropertyPath>),
    /// An RDF list of paths walked one after the other.
    Sequence(Vec<PropertyPath>),
    /// `sh:alternativePath`: the union of the listed paths.
    Alternative(Vec<PropertyPath>),
    /// `sh:zeroOrMorePath`: the node itself and everything reachable by repeating the path.
    ZeroOrMore(Box<PropertyPath>),
    /// `sh:oneOrMorePath`: everything reachable by repeating the path at least once.
    OneOrMore(Box<PropertyPath>),
    /// `sh:zeroOrOnePath`: the node itself and the nodes one step away.
    ZeroOrOne(Box<PropertyPath>),
}

impl PropertyPath {
    /// The distinct nodes reached from `focus`, in a stable order.
    pub fn evaluate(&self, data: &dyn DataGraph, focus: &Term) -> Vec<Term> {
        let mut reached = NodeSet::default();
        self.walk(data, focus, false, &mut reached);
        reached.into_vec()
    }

    /// The predicate when the path is a single IRI.
    pub fn as_predicate(&self) -> Option<&NamedNode> {
        match self {
            Self::Predicate(predicate) => Some(predicate),
            _ => None,
        }
    }

    /// Writes the path into `graph` in SHACL syntax and returns the node that stands for it.
    pub fn write_to_graph(&self, graph: &mut Graph) -> Term {
        let (predicate, inner) = match self {
            Self::Predicate(predicate) => return predicate.clone().into(),
            Self::Sequence(steps) => return write_path_list(graph, steps),
            Self::Alternative(options) => {
                let node = BlankNode::default();
                let list = write_path_list(graph, options);
                graph.insert(TripleRef::new(&node, sh::ALTERNATIVE_PATH, &list));
                return node.into();
            }
            Self::Inverse(inner) => (sh::INVERSE_PATH, inner),
            Self::ZeroOrMore(inner) => (sh::ZERO_OR_MORE_PATH, inner),
            Self::OneOrMore(inner) => (sh::ONE_OR_MORE_PATH, inner),
            Self::ZeroOrOne(inner) => (sh::ZERO_OR_ONE_PATH, inner),
        };
        let node = BlankNode::default();
        let inner = inner.write_to_graph(graph);
        graph.insert(TripleRef::new(&node, predicate, &inner));
        node.into()
    }

    /// Adds to `reached` the nodes one path away from `from`, walking backwards if asked.
    fn walk(&self, data: &dyn DataGraph, from: &Term, backward: bool, reached: &mut NodeSet) {
        match self {
            Self::Predicate(predicate) if backward => {
                reached.extend(data.subjects(predicate.as_ref(), from))
            }
            Self::Predicate(predicate) => reached.extend(data.objects(from, predicate.as_ref())),
            Self::Inverse(inner) => inner.walk(data, from, !backward, reached),
            Self::Sequence(steps) => {
                let mut current = vec![from.clone()];
                let mut walk_step = |step: &PropertyPath| {
                    let mut next = NodeSet::default();
                    for node in &current {
                        step.walk(data, node, backward, &mut next);
                    }
                    current = next.into_vec();
                };
                if backward {
                    steps.iter().rev().for_each(&mut walk_step);
                } else {
                    steps.iter().for_each(&mut walk_step);
                }
                reached.extend(current);
            }
            Self::Alternative(options) => {
                for option in options {
                    option.walk(data, from, backward, reached);
                }
            }
            Self::ZeroOrMore(inner) => inner.walk_repeated(data, from, backward, true, reached),
            Self::OneOrMore(inner) => inner.walk_repeated(data, from, backward, false, reached),
            Self::ZeroOrOne(inner) => {
                reached.insert(from.clone());
                inner.walk(data, from, backward, reached);
            }
        }
    }

    /// Adds the nodes reached by repeating the path, breadth first; each node is expanded once.
    fn walk_repeated(
        &self,
        data: &dyn DataGraph,
        from: &Term,
        backward: bool,
        include_start: bool,
        reached: &mut NodeSet,
    ) {
        let mut closure = NodeSet::default();
        if include_start {
            closure.insert(from.clone());
        }

        let mut frontier = VecDeque::from([from.clone()]);
        while let Some(node) = frontier.pop_front() {
            let mut step = NodeSet::default();
            self.walk(data, &node, backward, &mut step);
            for next in step.into_vec() {
                if closure.insert(next.clone()) {
                    frontier.push_back(next);
                }
            }
        }
        reached.extend(closure.into_vec());
    }

    /// Binding strength in SPARQL syntax: a part binding weaker than its context needs brackets.
    fn binding_strength(&self) -> u8 {
        match self {
            Self::Alternative(_) => 0,
            Self::Sequence(_) => 1,
            Self::Inverse(_) => 2,
            Self::ZeroOrMore(_) | Self::OneOrMore(_) | Self::ZeroOrOne(_) => 3,
            Self::Predicate(_) => 4,
        }
    }

    /// Writes the path as SPARQL, bracketed if it binds weaker than `needed`.
    fn write_sparql(&self, f: &mut fmt::Formatter<'_>, needed: u8) -> fmt::Result {
        if self.binding_strength() < needed {
            f.write_str("(")?;
            self.write_sparql(f, 0)?;
            return f.write_str(")");
        }
        match self {
            Self::Predicate(predicate) => write!(f, "{predicate}"),
            Self::Inverse(inner) => {
                f.write_str("^")?;
                inner.write_sparql(f, 3)
            }
            // A nested part of the same kind is bracketed so that the structure stays visible.
            Self::Sequence(steps) => write_joined(f, steps, "/", 2),
            Self::Alternative(options) => write_joined(f, options, "|", 1),
            Self::ZeroOrMore(inner) => write_modified(f, inner, '*'),
            Self::OneOrMore(inner) => write_modified(f, inner, '+'),
            Self::ZeroOrOne(inner) => write_modified(f, inner, '?'),
        }
    }
}

impl fmt::Display for PropertyPath {
    /// Formats the path in SPARQL 1.1 property-path syntax, with full IRIs.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.write_sparql(f, 0)
    }
}

/// Reads the path starting at `node`, the `sh:path` of `shape`, from the shapes graph.
pub(super) fn parse_path(
    reader: &ShapesReader<'_>,
    shape: &Term,
    node: &Term,
) -> Result<PropertyPath, ShapeError> {
    let mut parser = PathParser {
        reader,
        shape,
        open: Vec::new(),
    };
    parser.parse(node)
}

/// The path properties a blank path node may carry.
#[derive(Debug, Clone, Copy)]
enum PathForm {
    Alternative,
    Inverse,
    ZeroOrMore,
    OneOrMore,
    ZeroOrOne,
}

/// Reads nested path nodes, remembering the ones being read to reject self-references.
struct PathParser<'r, 'g> {
    reader: &'r ShapesReader<'g>,
    shape: &'r Term,
    open: Vec<Term>,
}

impl PathParser<'_, '_> {
    fn parse(&mut self, node: &Term) -> Result<PropertyPath, ShapeError> {
        match node {
            Term::NamedNode(predicate) => return Ok(PropertyPath::Predicate(predicate.clone())),
            Term::BlankNode(_) => {}
            _ => return Err(self.invalid(node, "only IRIs and blank nodes can be paths")),
        }
        if self.open.contains(node) {
            return Err(self.invalid(node, "the path contains itself"));
        }

        self.open.push(node.clone());
        let path = self.parse_blank_node(node);
        self.open.pop();
        path
    }

    fn parse_blank_node(&mut self, node: &Term) -> Result<PropertyPath, ShapeError> {
        // A list is read as a sequence path even if the node carries other path properties.
        if self.reader.is_list(node) {
            return Ok(PropertyPath::Sequence(self.parse_list(node)?));
        }

        let (form, value) = self.single_form(node)?;
        Ok(match form {
            PathForm::Alternative => PropertyPath::Alternative(self.parse_list(&value)?),
            PathForm::Inverse => PropertyPath::Inverse(self.parse_boxed(&value)?),
            PathForm::ZeroOrMore => PropertyPath::ZeroOrMore(self.parse_boxed(&value)?),
            PathForm::OneOrMore => PropertyPath::OneOrMore(self.parse_boxed(&value)?),
            PathForm::ZeroOrOne => PropertyPath::ZeroOrOne(self.parse_boxed(&value)?),
        })
    }

    fn parse_boxed(&mut self, node: &Term) -> Result<Box<PropertyPath>, ShapeError> {
        self.parse(node).map(Box::new)
    }

    /// The one path property of a blank path node, with its value.
    fn single_form(&self, node: &Term) -> Result<(PathForm, Term), ShapeError> {
        let forms = [
            (sh::ALTERNATIVE_PATH, PathForm::Alternative),
            (sh::INVERSE_PATH, PathForm::Inverse),
            (sh::ZERO_OR_MORE_PATH, PathForm::ZeroOrMore),
            (sh::ONE_OR_MORE_PATH, PathForm::OneOrMore),
            (sh::ZERO_OR_ONE_PATH, PathForm::ZeroOrOne),
        ];
        let mut found = None;
        for (predicate, form) in forms {
            for value in self.reader.objects(node, predicate) {
                if found.is_some() {
                    return Err(self.invalid(node, "a path node needs exactly one path property"));
                }
                found = Some((form, value));
            }
        }
        found.ok_or_else(|| self.invalid(node, "a blank node path needs a path property or a list"))
    }

    fn parse_list(&mut self, head: &Term) -> Result<Vec<PropertyPath>, ShapeError> {
        let members = self.reader.list(self.shape, sh::PATH, head)?;
        if members.is_empty() {
            return Err(self.invalid(head, "a sequence or alternative needs at least one member"));
        }
        members.iter().map(|member| self.parse(member)).collect()
    }

    fn invalid(&self, path: &Term, reason: &'static str) -> ShapeError {
        ShapeError::InvalidPath {
            shape: self.shape.clone(),
            path: Box::new(path.clone()),
            reason,
        }
    }
}

/// Writes paths as an RDF list and returns its head.
fn write_path_list(graph: &mut Graph, paths: &[PropertyPath]) -> Term {
    let mut head = Term::from(rdf::NIL);
    for path in paths.iter().rev() {
        let node = BlankNode::default();
        let member = path.write_to_graph(graph);
        graph.insert(TripleRef::new(&node, rdf::FIRST, &member));
        graph.insert(TripleRef::new(&node, rdf::REST, &head));
        head = node.into();
    }
    head
}

fn write_joined(
    f: &mut fmt::Formatter<'_>,
    parts: &[PropertyPath],
    separator: &str,
    needed: u8,
) -> fmt::Result {
    for (index, part) in parts.iter().enumerate() {
        if index > 0 {
            f.write_str(separator)?;
        }
        part.write_sparql(f, needed)?;
    }
    Ok(())
}

fn write_modified(f: &mut fmt::Formatter<'_>, inner: &PropertyPath, modifier: char) -> fmt::Result {
    inner.write_sparql(f, 4)?;
    write!(f, "{modifier}")
}

#[cfg(test)]
mod tests {
    use super::super::data::GraphData;
    use super::*;

    fn iri(local: &str) -> NamedNode {
        NamedNode::new_unchecked(format!("http://example.org/{local}"))
    }

    fn pred(local: &str) -> PropertyPath {
        PropertyPath::Predicate(iri(local))
    }

    fn chain_graph() -> Graph {
        // a -p-> b -p-> c -p-> a, and b -q-> d
        let mut graph = Graph::new();
        for (s, p, o) in [
            ("a", "p", "b"),
            ("b", "p", "c"),
            ("c", "p", "a"),
            ("b", "q", "d"),
        ] {
            graph.insert(TripleRef::new(&iri(s), &iri(p), &iri(o)));
        }
        graph
    }

    fn names(terms: Vec<Term>) -> Vec<String> {
        let prefix_len = "<http://example.org/".len();
        let mut names: Vec<String> = terms
            .iter()
            .map(|term| {
                term.to_string()[prefix_len..]
                    .trim_end_matches('>')
                    .to_owned()
            })
            .collect();
        names.sort();
        names
    }

    fn eval(path: &PropertyPath, from: &str) -> Vec<String> {
        let graph = chain_graph();
        let data = GraphData::new(&graph);
        names(path.evaluate(&data, &iri(from).into()))
    }

    #[test]
    fn sequence_and_inverse_walk_both_directions() {
        let sequence = PropertyPath::Sequence(vec![pred("p"), pred("q")]);
        assert_eq!(eval(&sequence, "a"), ["d"]);
        assert_eq!(eval(&PropertyPath::Inverse(Box::new(sequence)), "d"), ["a"]);
    }

    #[test]
    fn repetition_paths_stop_on_cycles() {
        let p = || Box::new(pred("p"));
        assert_eq!(eval(&PropertyPath::ZeroOrMore(p()), "a"), ["a", "b", "c"]);
        assert_eq!(eval(&PropertyPath::OneOrMore(p()), "a"), ["a", "b", "c"]);
        assert_eq!(eval(&PropertyPath::ZeroOrOne(p()), "a"), ["a", "b"]);
        assert_eq!(
            eval(&PropertyPath::OneOrMore(Box::new(pred("q"))), "b"),
            ["d"]
        );
    }

    #[test]
    fn alternative_is_a_union_without_duplicates() {
        let path = PropertyPath::Alternative(vec![pred("p"), pred("q"), pred("p")]);
        assert_eq!(eval(&path, "b"), ["c", "d"]);
    }

    #[test]
    fn display_brackets_only_where_sparql_needs_them() {
        let p = pred("p");
        let q = pred("q");
        let inverse_of_sequence =
            PropertyPath::Inverse(Box::new(PropertyPath::Sequence(vec![p.clone(), q.clone()])));
        let star_of_inverse =
            PropertyPath::ZeroOrMore(Box::new(PropertyPath::Inverse(Box::new(p.clone()))));
        let alternative_in_sequence = PropertyPath::Sequence(vec![
            PropertyPath::Alternative(vec![p.clone(), q.clone()]),
            PropertyPath::Inverse(Box::new(p)),
        ]);
        let text = |path: &PropertyPath| path.to_string().replace("http://example.org/", "");

        assert_eq!(text(&inverse_of_sequence), "^(<p>/<q>)");
        assert_eq!(text(&star_of_inverse), "(^<p>)*");
        assert_eq!(text(&alternative_in_sequence), "(<p>|<q>)/^<p>");
    }
}

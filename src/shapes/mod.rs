//! Validation of what enters the graph against the SHACL shapes of `shapes/`.
//!
//! A record is validated on its own quads; when a constraint needs to know about a node the
//! record only links to (the class of a theme or of a commune), the store is asked about that
//! node alone, so validation never loads the whole graph.

pub mod engine;
mod report_view;

use std::collections::{HashMap, HashSet};
use std::path::Path;

use oxigraph::io::{RdfFormat, RdfParser};
use oxigraph::model::{Graph, Literal, NamedNode, NamedNodeRef, Quad, Term, Triple};

use self::engine::{
    DataGraph, Severity, ShapesGraph, ValidationConfig, ValidationReport, ValidationResult,
};
pub use self::report_view::{ReportView, ResultView};
use crate::ingest::{Finding, RecordCheck, RecordValidator};
use crate::store::Store;
use crate::vocab::sh;

/// Why the shapes could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum ShapesLoadError {
    /// A shapes file could not be read.
    #[error("cannot read {path}: {source}")]
    Io {
        /// The file.
        path: std::path::PathBuf,
        /// The operating system's error.
        source: std::io::Error,
    },
    /// A shapes file is not valid Turtle.
    #[error("{path}: {message}")]
    Syntax {
        /// The file.
        path: std::path::PathBuf,
        /// The parser's message.
        message: String,
    },
    /// The shapes are not valid SHACL.
    #[error(transparent)]
    Shapes(#[from] engine::ShapeError),
}

/// Reads every `*.ttl` of a directory into one graph, relative IRIs resolved against `base`.
pub fn read_shapes_graph(directory: &Path, base_iri: &str) -> Result<Graph, ShapesLoadError> {
    let entries = std::fs::read_dir(directory).map_err(|source| ShapesLoadError::Io {
        path: directory.to_path_buf(),
        source,
    })?;
    let mut paths: Vec<_> = entries
        .filter_map(|entry| entry.ok().map(|entry| entry.path()))
        .filter(|path| path.extension().is_some_and(|extension| extension == "ttl"))
        .collect();
    paths.sort();
    let mut graph = Graph::new();
    for path in paths {
        let bytes = std::fs::read(&path).map_err(|source| ShapesLoadError::Io {
            path: path.clone(),
            source,
        })?;
        let syntax = |message: String| ShapesLoadError::Syntax {
            path: path.clone(),
            message,
        };
        let parser = RdfParser::from_format(RdfFormat::Turtle)
            .with_base_iri(base_iri)
            .map_err(|error| syntax(error.to_string()))?;
        for quad in parser.for_slice(&bytes) {
            graph.insert(&Triple::from(
                quad.map_err(|error| syntax(error.to_string()))?,
            ));
        }
    }
    Ok(graph)
}

/// Validates harvested records against the platform's shapes.
pub struct ShapeValidator {
    shapes: ShapesGraph,
    store: Store,
    /// The `sh:name` values of each shape, by the shape's IRI: the field a result is about.
    field_names: HashMap<NamedNode, Vec<Literal>>,
}

impl ShapeValidator {
    /// A validator for the shapes of `directory`, looking up linked nodes in `store`.
    pub fn new(directory: &Path, base_iri: &str, store: Store) -> Result<Self, ShapesLoadError> {
        let graph = read_shapes_graph(directory, base_iri)?;
        Ok(Self::from_graph(&graph, store)?)
    }

    /// A validator for the shapes of a graph, keeping their field names.
    pub fn from_graph(graph: &Graph, store: Store) -> Result<Self, engine::ShapeError> {
        let mut field_names: HashMap<NamedNode, Vec<Literal>> = HashMap::new();
        for triple in graph.triples_for_predicate(sh::NAME) {
            if let (oxigraph::model::NamedOrBlankNodeRef::NamedNode(shape), Term::Literal(name)) =
                (triple.subject, triple.object.into_owned())
            {
                field_names
                    .entry(shape.into_owned())
                    .or_default()
                    .push(name);
            }
        }
        Ok(Self {
            shapes: ShapesGraph::from_graph(graph)?,
            store,
            field_names,
        })
    }

    /// A validator for already-compiled shapes (without field names).
    pub fn with_shapes(shapes: ShapesGraph, store: Store) -> Self {
        Self {
            shapes,
            store,
            field_names: HashMap::new(),
        }
    }

    /// The `sh:name` of a shape in `lang`, else in French, else in any language.
    pub fn field_name(&self, shape: &Term, lang: &str) -> Option<String> {
        let Term::NamedNode(shape) = shape else {
            return None;
        };
        let names = self.field_names.get(shape)?;
        let in_language = |wanted: &str| {
            names.iter().find(|name| {
                name.language()
                    .is_some_and(|tag| tag.eq_ignore_ascii_case(wanted))
            })
        };
        in_language(lang)
            .or_else(|| in_language("fr"))
            .or_else(|| names.first())
            .map(|name| name.value().to_owned())
    }

    /// The full report for a record's quads.
    pub fn report(&self, quads: &[Quad]) -> ValidationReport {
        let data = RecordGraph::new(quads, &self.store);
        engine::validate(&self.shapes, &data, &ValidationConfig::default())
    }

    /// The report for everything the store holds.
    pub fn report_on_store(&self) -> ValidationReport {
        let data = crate::store::StoreGraph::new(&self.store);
        engine::validate(&self.shapes, &data, &ValidationConfig::default())
    }
}

impl RecordValidator for ShapeValidator {
    /// Violations and warnings of the record; informative results are left out.
    fn check(&self, _focus: &NamedNode, quads: &[Quad]) -> RecordCheck {
        let report = self.report(quads);
        let findings = |severity: Severity| -> Vec<Finding> {
            report
                .results
                .iter()
                .filter(|result| result.severity == severity)
                .map(|result| finding_of(&report, result))
                .collect()
        };
        let check = RecordCheck {
            violations: findings(Severity::Violation),
            warnings: findings(Severity::Warning),
        };
        check.in_stable_order()
    }
}

fn finding_of(report: &ValidationReport, result: &ValidationResult) -> Finding {
    Finding {
        focus: result.focus_node.clone(),
        predicate: result
            .path
            .as_ref()
            .and_then(|path| path.as_predicate().cloned()),
        path: result.path.as_ref().map(ToString::to_string),
        shape: result.source_shape.clone(),
        message: report.message_for(result, "fr"),
    }
}

/// A record's quads as a data graph, with the store answering for the nodes the record links
/// to but does not describe.
struct RecordGraph<'a> {
    by_subject: HashMap<Term, Vec<(NamedNode, Term)>>,
    store: &'a Store,
}

impl<'a> RecordGraph<'a> {
    fn new(quads: &[Quad], store: &'a Store) -> Self {
        let mut by_subject: HashMap<Term, Vec<(NamedNode, Term)>> = HashMap::new();
        for quad in quads {
            let subject = Term::from(quad.subject.clone());
            by_subject
                .entry(subject)
                .or_default()
                .push((quad.predicate.clone(), quad.object.clone()));
        }
        Self { by_subject, store }
    }

    fn lookup_in_store(
        &self,
        subject: &Term,
        predicate: Option<NamedNodeRef<'_>>,
    ) -> Vec<(NamedNode, Term)> {
        let Term::NamedNode(subject) = subject else {
            return Vec::new();
        };
        let Some(predicate) = predicate else {
            return Vec::new();
        };
        self.store
            .objects(subject.as_ref(), predicate)
            .unwrap_or_default()
            .into_iter()
            .map(|object| (predicate.into_owned(), object))
            .collect()
    }
}

impl DataGraph for RecordGraph<'_> {
    fn objects(&self, subject: &Term, predicate: NamedNodeRef<'_>) -> Vec<Term> {
        match self.by_subject.get(subject) {
            Some(pairs) => pairs
                .iter()
                .filter(|(p, _)| *p == predicate)
                .map(|(_, o)| o.clone())
                .collect(),
            None => self
                .lookup_in_store(subject, Some(predicate))
                .into_iter()
                .map(|(_, o)| o)
                .collect(),
        }
    }

    fn subjects(&self, predicate: NamedNodeRef<'_>, object: &Term) -> Vec<Term> {
        self.by_subject
            .iter()
            .filter(|(_, pairs)| pairs.iter().any(|(p, o)| *p == predicate && o == object))
            .map(|(subject, _)| subject.clone())
            .collect()
    }

    fn outgoing(&self, subject: &Term) -> Vec<(NamedNode, Term)> {
        self.by_subject.get(subject).cloned().unwrap_or_default()
    }

    fn subjects_with_predicate(&self, predicate: NamedNodeRef<'_>) -> Vec<Term> {
        self.by_subject
            .iter()
            .filter(|(_, pairs)| pairs.iter().any(|(p, _)| *p == predicate))
            .map(|(subject, _)| subject.clone())
            .collect()
    }

    fn objects_with_predicate(&self, predicate: NamedNodeRef<'_>) -> Vec<Term> {
        let mut seen = HashSet::new();
        self.by_subject
            .values()
            .flatten()
            .filter(|(p, _)| *p == predicate)
            .filter(|(_, object)| seen.insert(object.clone()))
            .map(|(_, object)| object.clone())
            .collect()
    }
}

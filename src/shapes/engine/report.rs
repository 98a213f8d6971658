//! Validation reports: the results the engine produces, their messages, and their RDF form.

use oxrdf::vocab::{rdf, xsd};
use oxrdf::{BlankNode, Graph, Literal, NamedNode, NamedNodeRef, Term, TripleRef};

use super::path::PropertyPath;
use super::vocab as sh;

/// The outcome of validating a data graph against a shapes graph.
#[derive(Debug, Clone, PartialEq)]
pub struct ValidationReport {
    /// Whether there are no results at all, whatever their severity.
    pub conforms: bool,
    /// The results, in a stable order: by shape, then focus node, then constraint.
    pub results: Vec<ValidationResult>,
}

/// One violation (or warning, or note) of one constraint by one focus or value node.
#[derive(Debug, Clone, PartialEq)]
pub struct ValidationResult {
    /// The focus node that was validated.
    pub focus_node: Term,
    /// The path of the property shape, or the offending predicate for `sh:closed`.
    pub path: Option<PropertyPath>,
    /// The value node at fault, when the constraint is about one value.
    pub value: Option<Term>,
    /// The severity of the shape that produced the result.
    pub severity: Severity,
    /// The shape that produced the result.
    pub source_shape: Term,
    /// The constraint component, e.g. `sh:MinCountConstraintComponent`.
    pub source_constraint_component: NamedNode,
    /// The constraint node; SHACL Core never sets it (it serves SPARQL-based constraints).
    pub source_constraint: Option<Term>,
    /// The shape's `sh:message` values with their languages, or one generated English message.
    pub messages: Vec<Literal>,
    /// Results of nested shapes explaining this one, when `ValidationConfig` asks for them.
    pub details: Vec<ValidationResult>,
}

/// How serious a result is, from `sh:severity` (`sh:Violation` by default).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Severity {
    /// `sh:Violation`.
    Violation,
    /// `sh:Warning`.
    Warning,
    /// `sh:Info`.
    Info,
    /// Any other IRI used as a severity.
    Other(NamedNode),
}

impl Severity {
    /// The severity named by an IRI.
    pub fn from_iri(iri: NamedNodeRef<'_>) -> Self {
        match iri {
            i if i == sh::VIOLATION => Self::Violation,
            i if i == sh::WARNING => Self::Warning,
            i if i == sh::INFO => Self::Info,
            other => Self::Other(other.into_owned()),
        }
    }

    /// The IRI of the severity.
    pub fn iri(&self) -> NamedNodeRef<'_> {
        match self {
            Self::Violation => sh::VIOLATION,
            Self::Warning => sh::WARNING,
            Self::Info => sh::INFO,
            Self::Other(iri) => iri.as_ref(),
        }
    }
}

impl ValidationReport {
    /// A report over these results; it conforms when there are none.
    pub fn from_results(results: Vec<ValidationResult>) -> Self {
        Self {
            conforms: results.is_empty(),
            results,
        }
    }

    /// The report as an RDF graph rooted at a `sh:ValidationReport` blank node.
    pub fn to_graph(&self) -> Graph {
        let mut graph = Graph::new();
        let report = BlankNode::default();
        graph.insert(TripleRef::new(&report, rdf::TYPE, sh::VALIDATION_REPORT));

        let conforms = Literal::new_typed_literal(self.conforms.to_string(), xsd::BOOLEAN);
        graph.insert(TripleRef::new(&report, sh::CONFORMS, &conforms));
        for result in &self.results {
            let node = result.write_to_graph(&mut graph);
            graph.insert(TripleRef::new(&report, sh::RESULT, &node));
        }
        graph
    }

    /// The result's message for a reader of `lang`: that language tag, else the same primary
    /// language (`fr` for `fr-BE`), else English, else a message without language, else a
    /// description generated from the result itself.
    pub fn message_for(&self, result: &ValidationResult, lang: &str) -> String {
        let find = |accepts: &dyn Fn(&str) -> bool| {
            let tagged = result.messages.iter();
            tagged
                .into_iter()
                .find(|message| message.language().is_some_and(accepts))
        };
        let wanted_primary = primary_language(lang);

        find(&|tag| tag.eq_ignore_ascii_case(lang))
            .or_else(|| find(&|tag| primary_language(tag) == wanted_primary))
            .or_else(|| find(&|tag| primary_language(tag) == "en"))
            .or_else(|| {
                result
                    .messages
                    .iter()
                    .find(|message| message.language().is_none())
            })
            .map_or_else(|| describe(result), |message| message.value().to_owned())
    }
}

impl ValidationResult {
    /// Writes the result (and its details) into `graph`; returns its node.
    fn write_to_graph(&self, graph: &mut Graph) -> BlankNode {
        let node = BlankNode::default();
        graph.insert(TripleRef::new(&node, rdf::TYPE, sh::VALIDATION_RESULT));
        graph.insert(TripleRef::new(&node, sh::FOCUS_NODE, &self.focus_node));
        if let Some(path) = &self.path {
            let path = path.write_to_graph(graph);
            graph.insert(TripleRef::new(&node, sh::RESULT_PATH, &path));
        }
        if let Some(value) = &self.value {
            graph.insert(TripleRef::new(&node, sh::VALUE, value));
        }

        graph.insert(TripleRef::new(
            &node,
            sh::RESULT_SEVERITY,
            self.severity.iri(),
        ));
        graph.insert(TripleRef::new(&node, sh::SOURCE_SHAPE, &self.source_shape));
        let component = &self.source_constraint_component;
        graph.insert(TripleRef::new(
            &node,
            sh::SOURCE_CONSTRAINT_COMPONENT,
            component,
        ));
        if let Some(constraint) = &self.source_constraint {
            graph.insert(TripleRef::new(&node, sh::SOURCE_CONSTRAINT, constraint));
        }
        for message in &self.messages {
            graph.insert(TripleRef::new(&node, sh::RESULT_MESSAGE, message));
        }

        for detail in &self.details {
            let detail = detail.write_to_graph(graph);
            graph.insert(TripleRef::new(&node, sh::DETAIL, &detail));
        }
        node
    }
}

/// The primary subtag of a language tag, lower-cased: `fr` for `fr-BE`.
fn primary_language(tag: &str) -> String {
    tag.split('-')
        .next()
        .unwrap_or_default()
        .to_ascii_lowercase()
}

/// A plain English description built only from the fields of the result.
fn describe(result: &ValidationResult) -> String {
    let component = result.source_constraint_component.as_str();
    let component = component.rsplit(['#', '/']).next().unwrap_or(component);
    let mut text = format!(
        "{component} not satisfied by focus node {}",
        result.focus_node
    );
    if let Some(path) = &result.path {
        text = format!("{text} at path {path}");
    }
    if let Some(value) = &result.value {
        text = format!("{text} for value {value}");
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    fn result_with(messages: Vec<Literal>) -> ValidationResult {
        ValidationResult {
            focus_node: NamedNode::new_unchecked("http://example.org/x").into(),
            path: None,
            value: None,
            severity: Severity::Violation,
            source_shape: NamedNode::new_unchecked("http://example.org/S").into(),
            source_constraint_component: sh::CLASS_COMPONENT.into_owned(),
            source_constraint: None,
            messages,
            details: Vec::new(),
        }
    }

    #[test]
    fn message_for_prefers_language_then_english_then_plain() {
        let tagged =
            |text: &str, lang: &str| Literal::new_language_tagged_literal_unchecked(text, lang);
        let result = result_with(vec![
            Literal::new_simple_literal("plain"),
            tagged("anglais", "en"),
            tagged("canadien", "fr-ca"),
            tagged("belge", "fr-be"),
        ]);
        let report = ValidationReport::from_results(vec![result.clone()]);

        assert_eq!(report.message_for(&result, "fr-BE"), "belge");
        assert_eq!(report.message_for(&result, "fr"), "canadien");
        assert_eq!(report.message_for(&result, "de"), "anglais");
        let plain_only = result_with(vec![Literal::new_simple_literal("plain")]);
        assert_eq!(report.message_for(&plain_only, "de"), "plain");
        let generated = report.message_for(&result_with(Vec::new()), "de");
        assert!(generated.starts_with("ClassConstraintComponent not satisfied"));
    }
}

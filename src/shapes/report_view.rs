//! Validation reports as people and programs read them: JSON for the API, plain text for the
//! command line, one line per fault with what is wrong and how to fix it.

use std::fmt::Write;

use oxigraph::model::Term;
use serde::Serialize;

use super::engine::{Severity, ValidationReport};

/// A report ready to be serialized or printed.
#[derive(Debug, Clone, Serialize)]
pub struct ReportView {
    /// Whether the data conforms (no result of any severity).
    pub conforms: bool,
    /// Number of violations (blocking).
    pub violations: usize,
    /// Number of warnings (shown, not blocking).
    pub warnings: usize,
    /// Number of informative results.
    pub infos: usize,
    /// Every result.
    pub results: Vec<ResultView>,
}

/// One fault.
#[derive(Debug, Clone, Serialize)]
pub struct ResultView {
    /// `violation`, `warning` or `info`.
    pub severity: &'static str,
    /// The node at fault.
    pub focus_node: String,
    /// The property path at fault, in SPARQL syntax.
    pub path: Option<String>,
    /// The offending value.
    pub value: Option<String>,
    /// What is wrong and how to fix it, in the language asked for.
    pub message: String,
    /// The shape that found it.
    pub source_shape: String,
    /// The constraint component (`sh:MinCountConstraintComponent`...).
    pub constraint: String,
}

impl ReportView {
    /// The view of a report, with messages in `lang` (falling back to English).
    pub fn from_report(report: &ValidationReport, lang: &str) -> Self {
        let results: Vec<ResultView> = report
            .results
            .iter()
            .map(|result| ResultView {
                severity: severity_name(&result.severity),
                focus_node: term_text(&result.focus_node),
                path: result.path.as_ref().map(ToString::to_string),
                value: result.value.as_ref().map(term_text),
                message: report.message_for(result, lang),
                source_shape: term_text(&result.source_shape),
                constraint: result
                    .source_constraint_component
                    .as_str()
                    .replace("http://www.w3.org/ns/shacl#", "sh:"),
            })
            .collect();
        let count = |name: &str| {
            results
                .iter()
                .filter(|result| result.severity == name)
                .count()
        };
        Self {
            conforms: report.conforms,
            violations: count("violation"),
            warnings: count("warning"),
            infos: count("info"),
            results,
        }
    }

    /// One line per result, then a summary line.
    pub fn to_text(&self) -> String {
        let mut text = String::new();
        for result in &self.results {
            let path = result
                .path
                .as_deref()
                .map(|path| format!(" {path}"))
                .unwrap_or_default();
            let value = result
                .value
                .as_deref()
                .map(|v| format!(" = {v}"))
                .unwrap_or_default();
            let _ = writeln!(
                text,
                "{}: <{}>{path}{value}: {}",
                result.severity, result.focus_node, result.message
            );
        }
        let _ = writeln!(
            text,
            "{} — {} violation(s), {} warning(s), {} info(s)",
            if self.conforms {
                "conforms"
            } else {
                "does not conform"
            },
            self.violations,
            self.warnings,
            self.infos
        );
        text
    }
}

fn severity_name(severity: &Severity) -> &'static str {
    match severity {
        Severity::Violation => "violation",
        Severity::Warning => "warning",
        Severity::Info => "info",
        Severity::Other(_) => "other",
    }
}

fn term_text(term: &Term) -> String {
    match term {
        Term::NamedNode(node) => node.as_str().to_owned(),
        Term::BlankNode(node) => format!("_:{}", node.as_str()),
        Term::Literal(literal) => literal.value().to_owned(),
        #[allow(unreachable_patterns)]
        other => other.to_string(),
    }
}

//! What validating one record found, and how it is kept: a small `sh:ValidationReport` attached
//! to the record, its nodes named after the record so that an unchanged record gives the same
//! quads at every harvest.

use oxigraph::model::vocab::xsd;
use oxigraph::model::{Literal, NamedNode, NamedNodeRef, Quad, Term};

use crate::rdf::QuadBuffer;
use crate::vocab::{anc, sh};

/// Fragment of the record's IRI naming its report; results add `-1`, `-2`…
const REPORT_FRAGMENT: &str = "rapport";

/// Checks a mapped record's quads before they enter the graph.
pub trait RecordValidator: Sync {
    /// What is wrong with the record whose main subject is `focus`: violations block it,
    /// warnings are kept beside it.
    fn check(&self, focus: &NamedNode, quads: &[Quad]) -> RecordCheck;
}

/// The outcome of checking one record.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RecordCheck {
    /// Faults that send the record to quarantine.
    pub violations: Vec<Finding>,
    /// Gaps shown to whoever fixes the data; the record is still accepted.
    pub warnings: Vec<Finding>,
}

/// One fault found on one node of a record.
#[derive(Debug, Clone, PartialEq)]
pub struct Finding {
    /// The node at fault.
    pub focus: Term,
    /// The property at fault, when the shape's path is a single predicate.
    pub predicate: Option<NamedNode>,
    /// The path at fault in SPARQL syntax, for people, whatever its form.
    pub path: Option<String>,
    /// The shape that found the fault.
    pub shape: Term,
    /// What is wrong and how to fix it, in French.
    pub message: String,
}

impl Finding {
    fn order_key(&self) -> (String, String, Option<String>, String) {
        let (focus, shape) = (self.focus.to_string(), self.shape.to_string());
        (focus, shape, self.path.clone(), self.message.clone())
    }

    /// The finding as one reason of a quarantined record: the path, then the message.
    pub fn to_reason(&self) -> String {
        match &self.path {
            Some(path) => format!("{path} : {}", self.message),
            None => self.message.clone(),
        }
    }
}

impl RecordCheck {
    /// Whether nothing at all was found.
    pub fn is_empty(&self) -> bool {
        self.violations.is_empty() && self.warnings.is_empty()
    }

    /// The same findings sorted by node, shape, path and message: the order a validator finds
    /// them in may change from one process to the next, and the stored report must not.
    pub fn in_stable_order(mut self) -> Self {
        self.violations.sort_by_cached_key(Finding::order_key);
        self.warnings.sort_by_cached_key(Finding::order_key);
        self
    }
}

/// The IRI of the report attached to `record`.
pub fn report_iri(record: &NamedNode) -> NamedNode {
    NamedNode::new_unchecked(format!("{}#{REPORT_FRAGMENT}", record.as_str()))
}

/// Whether `iri` names the report of `record` or one of its results.
pub fn is_report_node(record: &str, iri: &str) -> bool {
    iri.strip_prefix(record)
        .and_then(|rest| rest.strip_prefix('#'))
        .is_some_and(|fragment| fragment.starts_with(REPORT_FRAGMENT))
}

/// Writes what `check` found as a report attached to `record` with `anc:validationReport`;
/// writes nothing when nothing was found. The results are numbered from 1 in a stable order,
/// violations first, so the same findings always give the same quads.
pub fn write_check_report(buffer: &mut QuadBuffer, record: &NamedNode, check: &RecordCheck) {
    if check.is_empty() {
        return;
    }
    let check = check.clone().in_stable_order();
    let report = report_iri(record);
    buffer.add_link(record, anc::VALIDATION_REPORT, &report);
    buffer.add_type(&report, sh::VALIDATION_REPORT);
    let conforms = Literal::new_typed_literal("false", xsd::BOOLEAN);
    buffer.add(report.clone(), sh::CONFORMS, conforms);

    let graded = (check
        .violations
        .iter()
        .map(|finding| (finding, sh::VIOLATION)))
    .chain(check.warnings.iter().map(|finding| (finding, sh::WARNING)));
    for (number, (finding, severity)) in graded.enumerate() {
        let result = NamedNode::new_unchecked(format!("{}-{}", report.as_str(), number + 1));
        buffer.add_link(&report, sh::RESULT, &result);
        write_result(buffer, &result, finding, severity);
    }
}

fn write_result(
    buffer: &mut QuadBuffer,
    result: &NamedNode,
    finding: &Finding,
    severity: NamedNodeRef<'_>,
) {
    buffer.add_type(result, sh::VALIDATION_RESULT);
    buffer.add(result.clone(), sh::RESULT_SEVERITY, severity.into_owned());
    buffer.add(result.clone(), sh::FOCUS_NODE, finding.focus.clone());
    if let Some(predicate) = &finding.predicate {
        buffer.add_link(result, sh::RESULT_PATH, predicate);
    }
    buffer.add(result.clone(), sh::SOURCE_SHAPE, finding.shape.clone());
    buffer.add_lang_text(result, sh::RESULT_MESSAGE, &finding.message, "fr");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn report_nodes_are_recognised_by_their_fragment_only() {
        let record = "http://example.org/source/a/enregistrement/1";
        assert!(is_report_node(record, &format!("{record}#rapport")));
        assert!(is_report_node(record, &format!("{record}#rapport-12")));
        assert!(!is_report_node(record, &format!("{record}0#rapport")));
        assert!(!is_report_node(record, &format!("{record}#position")));
        assert!(!is_report_node(record, record));
    }

    #[test]
    fn the_same_findings_in_another_order_give_the_same_report() {
        let finding = |property: &str| Finding {
            focus: NamedNode::new_unchecked("http://example.org/initiative/1").into(),
            predicate: Some(NamedNode::new_unchecked(format!(
                "http://example.org/{property}"
            ))),
            path: Some(format!("<http://example.org/{property}>")),
            shape: NamedNode::new_unchecked(format!("http://example.org/{property}-shape")).into(),
            message: format!("{property} manque"),
        };
        let record = NamedNode::new_unchecked("http://example.org/enregistrement/1");
        let report = |warnings: Vec<Finding>| {
            let graph = NamedNode::new_unchecked("http://example.org/graphe");
            let mut buffer = QuadBuffer::new(graph);
            let check = RecordCheck {
                violations: Vec::new(),
                warnings,
            };
            write_check_report(&mut buffer, &record, &check);
            let mut quads: Vec<String> = buffer
                .into_quads()
                .iter()
                .map(ToString::to_string)
                .collect();
            quads.sort();
            quads
        };

        let one_way = report(vec![finding("website"), finding("email")]);
        let other_way = report(vec![finding("email"), finding("website")]);

        assert_eq!(one_way, other_way);
        assert!(one_way.iter().all(|quad| !quad.starts_with("_:")));
    }
}

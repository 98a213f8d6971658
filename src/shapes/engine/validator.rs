//! The validation driver: selects focus nodes, walks shapes over them with a recursion guard,
//! and gathers results into a report.

use std::collections::HashSet;

use oxrdf::{Literal, NamedNode, Term};

use super::checks::CheckMode;
use super::constraints::Constraint;
use super::data::DataGraph;
use super::messages::describe_violation;
use super::path::PropertyPath;
use super::report::{ValidationReport, ValidationResult};
use super::shapes::{Shape, ShapeId, ShapesGraph};
use super::targets;

/// Options of one validation run.
#[derive(Debug, Clone, Default)]
pub struct ValidationConfig {
    /// When set, only these nodes are validated as focus nodes (nested shapes still see all).
    pub focus_filter: Option<HashSet<Term>>,
    /// When set, validation stops once this many results are gathered.
    pub max_results: Option<usize>,
    /// Whether results of `sh:node`, `sh:and`, `sh:or` and `sh:xone` carry the nested results
    /// that explain them (`sh:detail`); off by default, as the W3C test reports have none.
    pub include_details: bool,
}

/// Validates the data graph against every targeted shape.
pub fn validate(
    shapes: &ShapesGraph,
    data: &dyn DataGraph,
    config: &ValidationConfig,
) -> ValidationReport {
    let mut validator = Validator::new(shapes, data, config.include_details);
    let mut sink = Sink::collecting(config.max_results);
    let filter = config.focus_filter.as_ref().map(sorted_nodes);

    for &id in shapes.targeted() {
        if sink.is_full() {
            break;
        }
        for focus in &focus_nodes(shapes.shape(id), data, filter.as_deref()) {
            if sink.is_full() {
                break;
            }
            validator.validate_shape(id, focus, &mut sink);
        }
    }
    ValidationReport::from_results(sink.results)
}

/// What a constraint found wrong: a value node, or the focus node as a whole when `value` is
/// `None`.
#[derive(Debug, Default)]
pub(super) struct Finding {
    /// The offending value node, if the finding is about one.
    pub(super) value: Option<Term>,
    /// The offending predicate, reported as the path (only `sh:closed` sets it).
    pub(super) predicate: Option<NamedNode>,
    /// Nested results explaining the finding.
    pub(super) details: Vec<ValidationResult>,
}

/// Where results go: gathered up to a limit, or only noticed when testing conformance.
pub(super) struct Sink {
    results: Vec<ValidationResult>,
    limit: usize,
    probing: bool,
    failed: bool,
}

impl Sink {
    fn collecting(limit: Option<usize>) -> Self {
        Self {
            results: Vec::new(),
            limit: limit.unwrap_or(usize::MAX),
            probing: false,
            failed: false,
        }
    }

    fn probing() -> Self {
        Self {
            results: Vec::new(),
            limit: 0,
            probing: true,
            failed: false,
        }
    }

    /// Whether further results would be dropped, so that work can stop early.
    pub(super) fn is_full(&self) -> bool {
        if self.probing {
            self.failed
        } else {
            self.results.len() >= self.limit
        }
    }

    fn push(&mut self, build: impl FnOnce() -> ValidationResult) {
        if self.probing {
            self.failed = true;
        } else if self.results.len() < self.limit {
            self.results.push(build());
        }
    }
}

/// Validation state shared by the nested calls of one run.
pub(super) struct Validator<'a> {
    pub(super) shapes: &'a ShapesGraph,
    pub(super) data: &'a dyn DataGraph,
    include_details: bool,
    /// Shape and focus node pairs being validated, to stop recursive shapes from looping.
    in_progress: HashSet<(ShapeId, Term)>,
}

impl<'a> Validator<'a> {
    fn new(shapes: &'a ShapesGraph, data: &'a dyn DataGraph, include_details: bool) -> Self {
        Self {
            shapes,
            data,
            include_details,
            in_progress: HashSet::new(),
        }
    }

    /// Validates one focus node against one shape, sending results to the sink.
    ///
    /// A shape met again for the same focus node while it is being validated (recursion, which
    /// SHACL leaves undefined) is treated as conforming at the inner level.
    pub(super) fn validate_shape(&mut self, id: ShapeId, focus: &Term, sink: &mut Sink) {
        let shapes = self.shapes;
        let shape = shapes.shape(id);
        if shape.deactivated || sink.is_full() {
            return;
        }
        let guarded = shapes.has_cycles();
        if guarded && !self.in_progress.insert((id, focus.clone())) {
            return;
        }

        let values = shape.value_nodes(self.data, focus);
        for constraint in &shape.constraints {
            if sink.is_full() {
                break;
            }
            if let Constraint::Property(property) = constraint {
                for value in &values {
                    self.validate_shape(*property, value, sink);
                }
                continue;
            }
            let mode = CheckMode {
                first_only: sink.probing,
                details: self.include_details && !sink.probing,
            };
            for finding in self.check(constraint, focus, &values, mode) {
                sink.push(|| build_result(shapes, shape, constraint, focus, finding));
            }
        }

        if guarded {
            self.in_progress.remove(&(id, focus.clone()));
        }
    }

    /// Whether the node conforms to the shape; stops at the first result.
    pub(super) fn conforms(&mut self, id: ShapeId, node: &Term) -> bool {
        let mut probe = Sink::probing();
        self.validate_shape(id, node, &mut probe);
        !probe.failed
    }

    /// All results of validating the node against the shape, for `sh:detail`.
    pub(super) fn nested_results(&mut self, id: ShapeId, node: &Term) -> Vec<ValidationResult> {
        let mut sink = Sink::collecting(None);
        self.validate_shape(id, node, &mut sink);
        sink.results
    }
}

fn build_result(
    shapes: &ShapesGraph,
    shape: &Shape,
    constraint: &Constraint,
    focus: &Term,
    finding: Finding,
) -> ValidationResult {
    let messages = if shape.messages.is_empty() {
        let text = describe_violation(shapes, constraint, finding.value.as_ref());
        vec![Literal::new_simple_literal(text)]
    } else {
        shape.messages.clone()
    };
    let path = match finding.predicate {
        Some(predicate) => Some(PropertyPath::Predicate(predicate)),
        None => shape.path.clone(),
    };
    ValidationResult {
        focus_node: focus.clone(),
        path,
        value: finding.value,
        severity: shape.severity.clone(),
        source_shape: shape.node.clone(),
        source_constraint_component: constraint.component().into_owned(),
        source_constraint: None,
        messages,
        details: finding.details,
    }
}

/// The shape's focus nodes, or when a filter is given, the filter's nodes the shape targets.
fn focus_nodes(shape: &Shape, data: &dyn DataGraph, filter: Option<&[Term]>) -> Vec<Term> {
    let Some(filter) = filter else {
        return targets::focus_nodes(&shape.targets, data);
    };
    let targeted = filter
        .iter()
        .filter(|node| targets::any_selects(&shape.targets, data, node));
    targeted.cloned().collect()
}

/// The filter's nodes in a fixed order, so that results do not depend on hashing.
fn sorted_nodes(nodes: &HashSet<Term>) -> Vec<Term> {
    let mut keyed: Vec<(String, &Term)> =
        nodes.iter().map(|node| (node.to_string(), node)).collect();
    keyed.sort_by(|left, right| left.0.cmp(&right.0));
    keyed.into_iter().map(|(_, node)| node.clone()).collect()
}

#[cfg(test)]
mod tests {
    use super::super::data::GraphData;
    use super::*;
    use oxrdf::{Graph, NamedNode};
    use oxttl::TurtleParser;

    const PREFIXES: &str = "@prefix sh: <http://www.w3.org/ns/shacl#> .
        @prefix ex: <http://example.org/> .\n";

    fn run(turtle: &str, config: &ValidationConfig) -> ValidationReport {
        let source = format!("{PREFIXES}{turtle}");
        let graph: Graph = TurtleParser::new()
            .for_slice(source.as_bytes())
            .collect::<Result<_, _>>()
            .expect("test Turtle parses");
        let shapes = ShapesGraph::from_graph(&graph).expect("test shapes compile");
        validate(&shapes, &GraphData::new(&graph), config)
    }

    fn ex(local: &str) -> Term {
        NamedNode::new_unchecked(format!("http://example.org/{local}")).into()
    }

    const PEOPLE: &str = "
        ex:PersonShape sh:targetClass ex:Person ;
            sh:property [ sh:path ex:name ; sh:minCount 1 ] ;
            sh:property [ sh:path ex:knows ; sh:node ex:PersonShape ] .
        ex:alice a ex:Person ; ex:name 'Alice' ; ex:knows ex:bob .
        ex:bob a ex:Person ; ex:knows ex:alice .
        ex:carol a ex:Person .";

    #[test]
    fn recursive_shapes_terminate_and_report_inner_failures() {
        let report = run(PEOPLE, &ValidationConfig::default());

        let components: Vec<(String, &str)> = report
            .results
            .iter()
            .map(|result| {
                let component = result.source_constraint_component.as_str();
                (
                    result.focus_node.to_string(),
                    component.rsplit('#').next().unwrap_or_default(),
                )
            })
            .collect();
        assert!(components.contains(&(ex("alice").to_string(), "NodeConstraintComponent")));
        assert!(components.contains(&(ex("bob").to_string(), "MinCountConstraintComponent")));
        assert!(components.contains(&(ex("carol").to_string(), "MinCountConstraintComponent")));
    }

    #[test]
    fn focus_filter_and_max_results_limit_the_work() {
        let only_carol = ValidationConfig {
            focus_filter: Some(HashSet::from([ex("carol")])),
            ..ValidationConfig::default()
        };
        let report = run(PEOPLE, &only_carol);
        assert_eq!(report.results.len(), 1);
        assert_eq!(report.results[0].focus_node, ex("carol"));

        let one_result = ValidationConfig {
            max_results: Some(1),
            ..ValidationConfig::default()
        };
        let report = run(PEOPLE, &one_result);
        assert_eq!(report.results.len(), 1);
        assert!(!report.conforms);
    }

    #[test]
    fn details_explain_node_results_only_when_asked() {
        let with_details = ValidationConfig {
            include_details: true,
            ..ValidationConfig::default()
        };
        let node_result = |report: &ValidationReport| {
            let result = report
                .results
                .iter()
                .find(|result| result.focus_node == ex("alice"));
            result.expect("alice fails through bob").details.len()
        };

        assert_eq!(node_result(&run(PEOPLE, &ValidationConfig::default())), 0);
        assert_eq!(node_result(&run(PEOPLE, &with_details)), 1);
    }

    #[test]
    fn shape_messages_are_kept_with_their_languages() {
        let turtle = "ex:S sh:targetNode ex:x ; sh:nodeKind sh:Literal ;
            sh:message 'Must be text'@en , 'Doit être du texte'@fr .";
        let report = run(turtle, &ValidationConfig::default());
        let result = &report.results[0];

        assert_eq!(result.messages.len(), 2);
        assert_eq!(report.message_for(result, "fr-BE"), "Doit être du texte");
        assert_eq!(report.message_for(result, "de"), "Must be text");
    }

    #[test]
    fn generated_messages_name_the_problem() {
        let turtle = "ex:S sh:targetNode ex:x ; sh:nodeKind sh:Literal .";
        let report = run(turtle, &ValidationConfig::default());
        let message = report.message_for(&report.results[0], "en");
        assert!(message.contains("is not of node kind"), "{message}");
    }
}

//! Evaluating one constraint for one focus node and its value nodes.

use std::cmp::Ordering;
use std::collections::HashSet;

use oxrdf::{NamedNode, Term};

use super::constraints::{Constraint, QualifiedCount};
use super::literal;
use super::node_set::NodeSet;
use super::report::ValidationResult;
use super::shapes::ShapeId;
use super::validator::{Finding, Validator};

/// How much a check should gather.
#[derive(Debug, Clone, Copy)]
pub(super) struct CheckMode {
    /// Stop at the first finding: the caller only asks whether the node conforms.
    pub(super) first_only: bool,
    /// Attach the nested results that explain `sh:node` and logical findings.
    pub(super) details: bool,
}

impl Validator<'_> {
    /// What the constraint finds wrong with the focus node and its value nodes.
    pub(super) fn check(
        &mut self,
        constraint: &Constraint,
        focus: &Term,
        values: &[Term],
        mode: CheckMode,
    ) -> Vec<Finding> {
        let data = self.data;
        match constraint {
            Constraint::Value(check) => failing_values(values, mode, |value| !check.accepts(value)),
            Constraint::Class(class) => {
                failing_values(values, mode, |value| !data.has_class(value, class))
            }
            Constraint::MinCount(min) => whole_if(values.len() < *min),
            Constraint::MaxCount(max) => whole_if(values.len() > *max),
            Constraint::HasValue(expected) => whole_if(!values.contains(expected)),
            Constraint::UniqueLang => duplicated_languages(values),
            Constraint::Equals(predicate) => self.check_equals(focus, values, predicate),
            Constraint::Disjoint(predicate) => {
                let others: NodeSet = data
                    .objects(focus, predicate.as_ref())
                    .into_iter()
                    .collect();
                failing_values(values, mode, |value| others.contains(value))
            }
            Constraint::LessThan(predicate) => {
                self.check_order(focus, values, predicate, Ordering::is_lt)
            }
            Constraint::LessThanOrEquals(predicate) => {
                self.check_order(focus, values, predicate, Ordering::is_le)
            }
            Constraint::Closed(allowed) => self.check_closed(values, allowed),
            Constraint::QualifiedMinCount(qualified) => {
                whole_if(self.qualified_count(qualified, values) < qualified.count)
            }
            Constraint::QualifiedMaxCount(qualified) => {
                whole_if(self.qualified_count(qualified, values) > qualified.count)
            }
            Constraint::Not(_)
            | Constraint::And(_)
            | Constraint::Or(_)
            | Constraint::Xone(_)
            | Constraint::Node(_) => self.check_logical(constraint, values, mode),
            // The validator walks nested property shapes itself, passing their results through.
            Constraint::Property(_) => Vec::new(),
        }
    }

    /// `sh:not`, `sh:and`, `sh:or`, `sh:xone` and `sh:node`, which test value nodes against
    /// other shapes.
    fn check_logical(
        &mut self,
        constraint: &Constraint,
        values: &[Term],
        mode: CheckMode,
    ) -> Vec<Finding> {
        let mut findings = Vec::new();
        for value in values {
            if mode.first_only && !findings.is_empty() {
                break;
            }
            let Some(explaining_shapes) = self.judge_logical(constraint, value) else {
                continue;
            };
            let details = if mode.details {
                self.explain(&explaining_shapes, value)
            } else {
                Vec::new()
            };
            findings.push(Finding {
                value: Some(value.clone()),
                predicate: None,
                details,
            });
        }
        findings
    }

    /// `None` if the value satisfies the logical constraint, else the shapes whose results
    /// explain why it does not.
    fn judge_logical(&mut self, constraint: &Constraint, value: &Term) -> Option<Vec<ShapeId>> {
        match constraint {
            Constraint::Not(shape) => self.conforms(*shape, value).then(Vec::new),
            Constraint::Node(shape) => (!self.conforms(*shape, value)).then(|| vec![*shape]),
            Constraint::And(shapes) => {
                let failing = self.non_conforming(shapes, value);
                (!failing.is_empty()).then_some(failing)
            }
            Constraint::Or(shapes) => {
                let failing = self.non_conforming(shapes, value);
                (failing.len() == shapes.len()).then_some(failing)
            }
            Constraint::Xone(shapes) => {
                let failing = self.non_conforming(shapes, value);
                match shapes.len() - failing.len() {
                    0 => Some(failing),
                    1 => None,
                    _ => Some(Vec::new()),
                }
            }
            _ => None,
        }
    }

    /// The listed shapes the node does not conform to, in list order and with repetitions.
    fn non_conforming(&mut self, shapes: &[ShapeId], node: &Term) -> Vec<ShapeId> {
        shapes
            .iter()
            .copied()
            .filter(|shape| !self.conforms(*shape, node))
            .collect()
    }

    fn explain(&mut self, shapes: &[ShapeId], node: &Term) -> Vec<ValidationResult> {
        let mut details = Vec::new();
        for shape in shapes {
            details.extend(self.nested_results(*shape, node));
        }
        details
    }

    /// Value nodes missing from the focus node's values of the predicate, and those values
    /// missing from the value nodes.
    fn check_equals(&self, focus: &Term, values: &[Term], predicate: &NamedNode) -> Vec<Finding> {
        let value_set: NodeSet = values.iter().cloned().collect();
        let others: NodeSet = self
            .data
            .objects(focus, predicate.as_ref())
            .into_iter()
            .collect();
        let missing_from_others = values.iter().filter(|value| !others.contains(value));
        let missing_from_values = others
            .as_slice()
            .iter()
            .filter(|other| !value_set.contains(other));
        missing_from_others
            .chain(missing_from_values)
            .cloned()
            .map(Finding::for_value)
            .collect()
    }

    /// One finding per pair of value node and value of the predicate that is not in order.
    fn check_order(
        &self,
        focus: &Term,
        values: &[Term],
        predicate: &NamedNode,
        in_order: fn(Ordering) -> bool,
    ) -> Vec<Finding> {
        let others = self.data.objects(focus, predicate.as_ref());
        let mut findings = Vec::new();
        for value in values {
            for other in &others {
                if !literal::compare(value, other).is_some_and(in_order) {
                    findings.push(Finding::for_value(value.clone()));
                }
            }
        }
        findings
    }

    /// One finding per triple of a value node whose predicate is not allowed.
    fn check_closed(&self, values: &[Term], allowed: &HashSet<NamedNode>) -> Vec<Finding> {
        let mut findings = Vec::new();
        for value in values {
            for (predicate, object) in self.data.outgoing(value) {
                if !allowed.contains(&predicate) {
                    let predicate = Some(predicate);
                    findings.push(Finding {
                        value: Some(object),
                        predicate,
                        details: Vec::new(),
                    });
                }
            }
        }
        findings
    }

    /// Value nodes conforming to the qualified shape and, when disjointness is asked, to none of
    /// its siblings.
    fn qualified_count(&mut self, qualified: &QualifiedCount, values: &[Term]) -> usize {
        let mut count = 0;
        for value in values {
            if !self.conforms(qualified.shape, value) {
                continue;
            }
            if qualified
                .siblings
                .iter()
                .all(|sibling| !self.conforms(*sibling, value))
            {
                count += 1;
            }
        }
        count
    }
}

impl Finding {
    fn for_value(value: Term) -> Self {
        Self {
            value: Some(value),
            ..Self::default()
        }
    }
}

/// One finding per value node failing the test (only the first one when probing).
fn failing_values(values: &[Term], mode: CheckMode, fails: impl Fn(&Term) -> bool) -> Vec<Finding> {
    let failing = values
        .iter()
        .filter(|value| fails(value))
        .cloned()
        .map(Finding::for_value);
    if mode.first_only {
        failing.take(1).collect()
    } else {
        failing.collect()
    }
}

/// A finding about the focus node as a whole, or none.
fn whole_if(fails: bool) -> Vec<Finding> {
    if fails {
        vec![Finding::default()]
    } else {
        Vec::new()
    }
}

/// One finding per language tag carried by more than one value node, in order of first use.
fn duplicated_languages(values: &[Term]) -> Vec<Finding> {
    let mut counts: Vec<(String, usize)> = Vec::new();
    for value in values {
        let Term::Literal(literal) = value else {
            continue;
        };
        let Some(tag) = literal.language() else {
            continue;
        };
        let tag = tag.to_ascii_lowercase();
        match counts.iter_mut().find(|(seen, _)| *seen == tag) {
            Some((_, count)) => *count += 1,
            None => counts.push((tag, 1)),
        }
    }
    counts
        .iter()
        .filter(|(_, count)| *count > 1)
        .map(|_| Finding::default())
        .collect()
}

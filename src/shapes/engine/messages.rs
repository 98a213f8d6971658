//! Plain English messages for results of shapes that declare no `sh:message`.

use oxrdf::Term;

use super::constraints::{Constraint, RangeKind, ValueCheck};
use super::shapes::{ShapeId, ShapesGraph};

/// Says in one sentence what the constraint found wrong, about a value node or the focus node.
pub(super) fn describe_violation(
    shapes: &ShapesGraph,
    constraint: &Constraint,
    value: Option<&Term>,
) -> String {
    let subject = value.map_or_else(
        || "The focus node".to_owned(),
        |value| format!("Value {value}"),
    );
    let shape = |id: &ShapeId| shapes.shape(*id).node.to_string();
    let shape_list = |ids: &[ShapeId]| ids.iter().map(shape).collect::<Vec<_>>().join(", ");
    match constraint {
        Constraint::Value(check) => describe_value_check(check, &subject),
        Constraint::Class(class) => format!("{subject} is not an instance of {class}"),
        Constraint::MinCount(min) => format!("Fewer than {min} values"),
        Constraint::MaxCount(max) => format!("More than {max} values"),
        Constraint::UniqueLang => "Several values share a language tag".to_owned(),
        Constraint::Equals(predicate) => format!("{subject} is not shared with {predicate}"),
        Constraint::Disjoint(predicate) => format!("{subject} is also a value of {predicate}"),
        Constraint::LessThan(predicate) => {
            format!("{subject} is not less than the values of {predicate}")
        }
        Constraint::LessThanOrEquals(predicate) => {
            format!("{subject} is greater than a value of {predicate}")
        }
        Constraint::HasValue(expected) => format!("Missing the value {expected}"),
        Constraint::Closed(_) => {
            format!("{subject} uses a property the closed shape does not allow")
        }
        Constraint::Not(id) => format!("{subject} conforms to {}, which is not allowed", shape(id)),
        Constraint::And(ids) => format!("{subject} does not conform to all of {}", shape_list(ids)),
        Constraint::Or(ids) => format!("{subject} conforms to none of {}", shape_list(ids)),
        Constraint::Xone(ids) => {
            format!(
                "{subject} does not conform to exactly one of {}",
                shape_list(ids)
            )
        }
        Constraint::Node(id) => format!("{subject} does not conform to {}", shape(id)),
        Constraint::Property(id) => format!("{subject} does not conform to {}", shape(id)),
        Constraint::QualifiedMinCount(qualified) => format!(
            "Fewer than {} values conform to {}",
            qualified.count,
            shape(&qualified.shape)
        ),
        Constraint::QualifiedMaxCount(qualified) => format!(
            "More than {} values conform to {}",
            qualified.count,
            shape(&qualified.shape)
        ),
    }
}

fn describe_value_check(check: &ValueCheck, subject: &str) -> String {
    match check {
        ValueCheck::Datatype(datatype) => {
            format!("{subject} is not a well-formed literal of datatype {datatype}")
        }
        ValueCheck::NodeKind(kind) => format!("{subject} is not of node kind {}", kind.iri()),
        ValueCheck::Range(kind, bound) => {
            let relation = match kind {
                RangeKind::MinExclusive => "greater than",
                RangeKind::MinInclusive => "greater than or equal to",
                RangeKind::MaxExclusive => "less than",
                RangeKind::MaxInclusive => "less than or equal to",
            };
            format!("{subject} is not {relation} {bound}")
        }
        ValueCheck::MinLength(min) => format!("{subject} is shorter than {min} characters"),
        ValueCheck::MaxLength(max) => format!("{subject} is longer than {max} characters"),
        ValueCheck::Pattern(pattern) => match &pattern.flags {
            Some(flags) => format!(
                "{subject} does not match {:?} (flags {flags:?})",
                pattern.source
            ),
            None => format!("{subject} does not match {:?}", pattern.source),
        },
        ValueCheck::LanguageIn(ranges) => {
            format!("{subject} has no language tag among {}", ranges.join(", "))
        }
        ValueCheck::In(members, _) => {
            let members: Vec<String> = members.iter().map(Term::to_string).collect();
            format!("{subject} is not one of {}", members.join(", "))
        }
    }
}

//! Compiled constraints: one value per constraint component instance of a shape, with the pure
//! per-value checks that need neither the data graph nor other shapes.

use std::cmp::Ordering;
use std::collections::HashSet;

use oxrdf::vocab::rdf;
use oxrdf::{NamedNode, NamedNodeRef, Term};

use super::literal;
use super::pattern::Pattern;
use super::shapes::ShapeId;
use super::vocab as sh;

/// One constraint of a shape, ready to evaluate.
#[derive(Debug, Clone)]
pub(super) enum Constraint {
    /// A check each value node passes or fails on its own.
    Value(ValueCheck),
    /// `sh:class`: each value node is a SHACL instance of the class in the data graph.
    Class(Term),
    /// `sh:minCount`.
    MinCount(usize),
    /// `sh:maxCount`.
    MaxCount(usize),
    /// `sh:uniqueLang true`.
    UniqueLang,
    /// `sh:equals`: the value nodes are exactly the focus node's values of the predicate.
    Equals(NamedNode),
    /// `sh:disjoint`: no value node is a value of the predicate on the focus node.
    Disjoint(NamedNode),
    /// `sh:lessThan`.
    LessThan(NamedNode),
    /// `sh:lessThanOrEquals`.
    LessThanOrEquals(NamedNode),
    /// `sh:hasValue`.
    HasValue(Term),
    /// `sh:closed true`, with the predicates allowed (declared and ignored ones).
    Closed(HashSet<NamedNode>),
    /// `sh:not`.
    Not(ShapeId),
    /// `sh:and`.
    And(Vec<ShapeId>),
    /// `sh:or`.
    Or(Vec<ShapeId>),
    /// `sh:xone`.
    Xone(Vec<ShapeId>),
    /// `sh:node`.
    Node(ShapeId),
    /// `sh:property`: the property shape is validated with each value node as focus node.
    Property(ShapeId),
    /// `sh:qualifiedValueShape` with `sh:qualifiedMinCount`.
    QualifiedMinCount(QualifiedCount),
    /// `sh:qualifiedValueShape` with `sh:qualifiedMaxCount`.
    QualifiedMaxCount(QualifiedCount),
}

/// A qualified value shape with one of its counts.
#[derive(Debug, Clone)]
pub(super) struct QualifiedCount {
    /// The shape value nodes are counted against.
    pub(super) shape: ShapeId,
    /// The bound on the number of conforming value nodes.
    pub(super) count: usize,
    /// Sibling shapes a counted value node must not conform to (`sh:qualifiedValueShapesDisjoint`).
    pub(super) siblings: Vec<ShapeId>,
}

/// A constraint decided for each value node alone.
#[derive(Debug, Clone)]
pub(super) enum ValueCheck {
    /// `sh:datatype`, including lexical validity for XSD datatypes.
    Datatype(NamedNode),
    /// `sh:nodeKind`.
    NodeKind(NodeKind),
    /// `sh:minExclusive`, `sh:minInclusive`, `sh:maxExclusive` or `sh:maxInclusive`.
    Range(RangeKind, Term),
    /// `sh:minLength`.
    MinLength(usize),
    /// `sh:maxLength`.
    MaxLength(usize),
    /// `sh:pattern` with its `sh:flags`, compiled once.
    Pattern(Pattern),
    /// `sh:languageIn`, with the language ranges as given.
    LanguageIn(Vec<String>),
    /// `sh:in`, with the members in list order and as a set.
    In(Vec<Term>, HashSet<Term>),
}

/// The kinds of RDF term `sh:nodeKind` can require.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum NodeKind {
    Iri,
    BlankNode,
    Literal,
    BlankNodeOrIri,
    BlankNodeOrLiteral,
    IriOrLiteral,
}

/// Which side of the bound the value must lie on, and whether the bound itself is allowed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum RangeKind {
    MinExclusive,
    MinInclusive,
    MaxExclusive,
    MaxInclusive,
}

impl Constraint {
    /// The IRI of the constraint component this constraint belongs to.
    pub(super) fn component(&self) -> NamedNodeRef<'static> {
        match self {
            Self::Value(check) => check.component(),
            Self::Class(_) => sh::CLASS_COMPONENT,
            Self::MinCount(_) => sh::MIN_COUNT_COMPONENT,
            Self::MaxCount(_) => sh::MAX_COUNT_COMPONENT,
            Self::UniqueLang => sh::UNIQUE_LANG_COMPONENT,
            Self::Equals(_) => sh::EQUALS_COMPONENT,
            Self::Disjoint(_) => sh::DISJOINT_COMPONENT,
            Self::LessThan(_) => sh::LESS_THAN_COMPONENT,
            Self::LessThanOrEquals(_) => sh::LESS_THAN_OR_EQUALS_COMPONENT,
            Self::HasValue(_) => sh::HAS_VALUE_COMPONENT,
            Self::Closed(_) => sh::CLOSED_COMPONENT,
            Self::Not(_) => sh::NOT_COMPONENT,
            Self::And(_) => sh::AND_COMPONENT,
            Self::Or(_) => sh::OR_COMPONENT,
            Self::Xone(_) => sh::XONE_COMPONENT,
            Self::Node(_) => sh::NODE_COMPONENT,
            // Never in results: a nested property shape reports its own components.
            Self::Property(_) => sh::PROPERTY_COMPONENT,
            Self::QualifiedMinCount(_) => sh::QUALIFIED_MIN_COUNT_COMPONENT,
            Self::QualifiedMaxCount(_) => sh::QUALIFIED_MAX_COUNT_COMPONENT,
        }
    }

    /// The shapes this constraint refers to.
    pub(super) fn referenced_shapes(&self) -> Vec<ShapeId> {
        match self {
            Self::Not(id) | Self::Node(id) | Self::Property(id) => vec![*id],
            Self::And(ids) | Self::Or(ids) | Self::Xone(ids) => ids.clone(),
            Self::QualifiedMinCount(qualified) | Self::QualifiedMaxCount(qualified) => {
                let mut ids = vec![qualified.shape];
                ids.extend(&qualified.siblings);
                ids
            }
            _ => Vec::new(),
        }
    }
}

impl ValueCheck {
    /// Whether the value node satisfies the check.
    pub(super) fn accepts(&self, value: &Term) -> bool {
        match self {
            Self::Datatype(datatype) => has_datatype(value, datatype),
            Self::NodeKind(kind) => kind.accepts(value),
            Self::Range(kind, bound) => kind.accepts(literal::compare(value, bound)),
            Self::MinLength(min) => {
                lexical_form(value).is_some_and(|text| text.chars().count() >= *min)
            }
            Self::MaxLength(max) => {
                lexical_form(value).is_some_and(|text| text.chars().count() <= *max)
            }
            Self::Pattern(pattern) => {
                lexical_form(value).is_some_and(|text| pattern.is_match(text))
            }
            Self::LanguageIn(ranges) => language_of(value)
                .is_some_and(|tag| ranges.iter().any(|range| language_in_range(tag, range))),
            Self::In(_, members) => members.contains(value),
        }
    }

    fn component(&self) -> NamedNodeRef<'static> {
        match self {
            Self::Datatype(_) => sh::DATATYPE_COMPONENT,
            Self::NodeKind(_) => sh::NODE_KIND_COMPONENT,
            Self::Range(RangeKind::MinExclusive, _) => sh::MIN_EXCLUSIVE_COMPONENT,
            Self::Range(RangeKind::MinInclusive, _) => sh::MIN_INCLUSIVE_COMPONENT,
            Self::Range(RangeKind::MaxExclusive, _) => sh::MAX_EXCLUSIVE_COMPONENT,
            Self::Range(RangeKind::MaxInclusive, _) => sh::MAX_INCLUSIVE_COMPONENT,
            Self::MinLength(_) => sh::MIN_LENGTH_COMPONENT,
            Self::MaxLength(_) => sh::MAX_LENGTH_COMPONENT,
            Self::Pattern(_) => sh::PATTERN_COMPONENT,
            Self::LanguageIn(_) => sh::LANGUAGE_IN_COMPONENT,
            Self::In(..) => sh::IN_COMPONENT,
        }
    }
}

impl NodeKind {
    /// The node kind named by an `sh:nodeKind` value.
    pub(super) fn from_iri(iri: NamedNodeRef<'_>) -> Option<Self> {
        Some(match iri {
            i if i == sh::IRI => Self::Iri,
            i if i == sh::BLANK_NODE => Self::BlankNode,
            i if i == sh::LITERAL => Self::Literal,
            i if i == sh::BLANK_NODE_OR_IRI => Self::BlankNodeOrIri,
            i if i == sh::BLANK_NODE_OR_LITERAL => Self::BlankNodeOrLiteral,
            i if i == sh::IRI_OR_LITERAL => Self::IriOrLiteral,
            _ => return None,
        })
    }

    /// The IRI naming this node kind.
    pub(super) fn iri(self) -> NamedNodeRef<'static> {
        match self {
            Self::Iri => sh::IRI,
            Self::BlankNode => sh::BLANK_NODE,
            Self::Literal => sh::LITERAL,
            Self::BlankNodeOrIri => sh::BLANK_NODE_OR_IRI,
            Self::BlankNodeOrLiteral => sh::BLANK_NODE_OR_LITERAL,
            Self::IriOrLiteral => sh::IRI_OR_LITERAL,
        }
    }

    fn accepts(self, value: &Term) -> bool {
        // Triple terms (RDF 1.2) are none of the three.
        let (iri, blank, literal) = (
            value.is_named_node(),
            value.is_blank_node(),
            value.is_literal(),
        );
        match self {
            Self::Iri => iri,
            Self::BlankNode => blank,
            Self::Literal => literal,
            Self::BlankNodeOrIri => blank || iri,
            Self::BlankNodeOrLiteral => blank || literal,
            Self::IriOrLiteral => iri || literal,
        }
    }
}

impl RangeKind {
    /// The parameter IRI of this bound.
    pub(super) fn parameter(self) -> NamedNodeRef<'static> {
        match self {
            Self::MinExclusive => sh::MIN_EXCLUSIVE,
            Self::MinInclusive => sh::MIN_INCLUSIVE,
            Self::MaxExclusive => sh::MAX_EXCLUSIVE,
            Self::MaxInclusive => sh::MAX_INCLUSIVE,
        }
    }

    /// Whether `value` compared to the bound gives an allowed ordering; incomparable fails.
    fn accepts(self, value_to_bound: Option<Ordering>) -> bool {
        let Some(ordering) = value_to_bound else {
            return false;
        };
        match self {
            Self::MinExclusive => ordering.is_gt(),
            Self::MinInclusive => ordering.is_ge(),
            Self::MaxExclusive => ordering.is_lt(),
            Self::MaxInclusive => ordering.is_le(),
        }
    }
}

/// Whether the term is a literal of the datatype, with a valid lexical form.
fn has_datatype(value: &Term, datatype: &NamedNode) -> bool {
    let Term::Literal(literal) = value else {
        return false;
    };
    // A language-tagged literal has rdf:langString as datatype, which oxrdf reports.
    let same_datatype = literal.datatype() == datatype.as_ref();
    same_datatype && (datatype.as_ref() == rdf::LANG_STRING || literal::is_well_formed(literal))
}

/// The string `sh:minLength`, `sh:maxLength` and `sh:pattern` look at; none for blank nodes.
fn lexical_form(value: &Term) -> Option<&str> {
    match value {
        Term::NamedNode(iri) => Some(iri.as_str()),
        Term::Literal(literal) => Some(literal.value()),
        _ => None,
    }
}

fn language_of(value: &Term) -> Option<&str> {
    match value {
        Term::Literal(literal) => literal.language(),
        _ => None,
    }
}

/// SPARQL `langMatches`: `*` matches any tag, otherwise the range or a dash-extended form of it.
pub(super) fn language_in_range(tag: &str, range: &str) -> bool {
    if range == "*" {
        return !tag.is_empty();
    }
    let extends_range = tag.len() > range.len()
        && tag.as_bytes()[range.len()] == b'-'
        && tag[..range.len()].eq_ignore_ascii_case(range);
    tag.eq_ignore_ascii_case(range) || extends_range
}

#[cfg(test)]
mod tests {
    use super::*;
    use oxrdf::vocab::xsd;
    use oxrdf::{BlankNode, Literal};

    #[test]
    fn language_ranges_follow_lang_matches() {
        assert!(language_in_range("en-US", "en"));
        assert!(language_in_range("EN", "en"));
        assert!(!language_in_range("eng", "en"));
        assert!(language_in_range("fr", "*"));
    }

    #[test]
    fn lengths_apply_to_iris_and_literals_but_not_blank_nodes() {
        let check = ValueCheck::MaxLength(3);
        assert!(check.accepts(&Literal::new_simple_literal("été").into()));
        assert!(!check.accepts(&Literal::new_simple_literal("abcd").into()));
        assert!(!check.accepts(&BlankNode::default().into()));
    }

    #[test]
    fn datatype_requires_a_valid_lexical_form() {
        let check = ValueCheck::Datatype(xsd::INTEGER.into_owned());
        assert!(check.accepts(&Literal::new_typed_literal("42", xsd::INTEGER).into()));
        assert!(!check.accepts(&Literal::new_typed_literal("abc", xsd::INTEGER).into()));
        assert!(!check.accepts(&Literal::new_typed_literal("42", xsd::INT).into()));
    }

    #[test]
    fn incomparable_values_fail_range_checks() {
        let bound = Literal::new_typed_literal("5", xsd::INTEGER).into();
        let check = ValueCheck::Range(RangeKind::MinInclusive, bound);
        assert!(check.accepts(&Literal::new_typed_literal("5.0", xsd::DECIMAL).into()));
        assert!(!check.accepts(&Literal::new_simple_literal("9").into()));
    }
}

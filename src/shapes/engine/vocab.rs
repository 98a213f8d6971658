//! IRIs of the SHACL vocabulary that the engine reads from shapes graphs and writes into reports.

use oxrdf::NamedNodeRef;

/// Declares one `NamedNodeRef` constant per SHACL term, from its local name.
macro_rules! shacl_terms {
    ($($name:ident => $local:literal,)*) => {
        $(
            #[doc = concat!("`sh:", $local, "`")]
            pub const $name: NamedNodeRef<'static> =
                NamedNodeRef::new_unchecked(concat!("http://www.w3.org/ns/shacl#", $local));
        )*
    };
}

shacl_terms! {
    // Shape classes, targets and shape-level properties.
    NODE_SHAPE => "NodeShape",
    PROPERTY_SHAPE => "PropertyShape",
    TARGET_NODE => "targetNode",
    TARGET_CLASS => "targetClass",
    TARGET_SUBJECTS_OF => "targetSubjectsOf",
    TARGET_OBJECTS_OF => "targetObjectsOf",
    PATH => "path",
    DEACTIVATED => "deactivated",
    SEVERITY => "severity",
    MESSAGE => "message",

    // Property paths.
    INVERSE_PATH => "inversePath",
    ALTERNATIVE_PATH => "alternativePath",
    ZERO_OR_MORE_PATH => "zeroOrMorePath",
    ONE_OR_MORE_PATH => "oneOrMorePath",
    ZERO_OR_ONE_PATH => "zeroOrOnePath",

    // Constraint parameters.
    CLASS => "class",
    DATATYPE => "datatype",
    NODE_KIND => "nodeKind",
    MIN_COUNT => "minCount",
    MAX_COUNT => "maxCount",
    MIN_EXCLUSIVE => "minExclusive",
    MIN_INCLUSIVE => "minInclusive",
    MAX_EXCLUSIVE => "maxExclusive",
    MAX_INCLUSIVE => "maxInclusive",
    MIN_LENGTH => "minLength",
    MAX_LENGTH => "maxLength",
    PATTERN => "pattern",
    FLAGS => "flags",
    LANGUAGE_IN => "languageIn",
    UNIQUE_LANG => "uniqueLang",
    EQUALS => "equals",
    DISJOINT => "disjoint",
    LESS_THAN => "lessThan",
    LESS_THAN_OR_EQUALS => "lessThanOrEquals",
    NOT => "not",
    AND => "and",
    OR => "or",
    XONE => "xone",
    NODE => "node",
    PROPERTY => "property",
    QUALIFIED_VALUE_SHAPE => "qualifiedValueShape",
    QUALIFIED_MIN_COUNT => "qualifiedMinCount",
    QUALIFIED_MAX_COUNT => "qualifiedMaxCount",
    QUALIFIED_VALUE_SHAPES_DISJOINT => "qualifiedValueShapesDisjoint",
    CLOSED => "closed",
    IGNORED_PROPERTIES => "ignoredProperties",
    HAS_VALUE => "hasValue",
    IN => "in",

    // Node kinds.
    IRI => "IRI",
    BLANK_NODE => "BlankNode",
    LITERAL => "Literal",
    BLANK_NODE_OR_IRI => "BlankNodeOrIRI",
    BLANK_NODE_OR_LITERAL => "BlankNodeOrLiteral",
    IRI_OR_LITERAL => "IRIOrLiteral",

    // Severities.
    VIOLATION => "Violation",
    WARNING => "Warning",
    INFO => "Info",

    // Constraint components.
    CLASS_COMPONENT => "ClassConstraintComponent",
    DATATYPE_COMPONENT => "DatatypeConstraintComponent",
    NODE_KIND_COMPONENT => "NodeKindConstraintComponent",
    MIN_COUNT_COMPONENT => "MinCountConstraintComponent",
    MAX_COUNT_COMPONENT => "MaxCountConstraintComponent",
    MIN_EXCLUSIVE_COMPONENT => "MinExclusiveConstraintComponent",
    MIN_INCLUSIVE_COMPONENT => "MinInclusiveConstraintComponent",
    MAX_EXCLUSIVE_COMPONENT => "MaxExclusiveConstraintComponent",
    MAX_INCLUSIVE_COMPONENT => "MaxInclusiveConstraintComponent",
    MIN_LENGTH_COMPONENT => "MinLengthConstraintComponent",
    MAX_LENGTH_COMPONENT => "MaxLengthConstraintComponent",
    PATTERN_COMPONENT => "PatternConstraintComponent",
    LANGUAGE_IN_COMPONENT => "LanguageInConstraintComponent",
    UNIQUE_LANG_COMPONENT => "UniqueLangConstraintComponent",
    EQUALS_COMPONENT => "EqualsConstraintComponent",
    DISJOINT_COMPONENT => "DisjointConstraintComponent",
    LESS_THAN_COMPONENT => "LessThanConstraintComponent",
    LESS_THAN_OR_EQUALS_COMPONENT => "LessThanOrEqualsConstraintComponent",
    NOT_COMPONENT => "NotConstraintComponent",
    AND_COMPONENT => "AndConstraintComponent",
    OR_COMPONENT => "OrConstraintComponent",
    XONE_COMPONENT => "XoneConstraintComponent",
    NODE_COMPONENT => "NodeConstraintComponent",
    PROPERTY_COMPONENT => "PropertyConstraintComponent",
    QUALIFIED_MIN_COUNT_COMPONENT => "QualifiedMinCountConstraintComponent",
    QUALIFIED_MAX_COUNT_COMPONENT => "QualifiedMaxCountConstraintComponent",
    CLOSED_COMPONENT => "ClosedConstraintComponent",
    HAS_VALUE_COMPONENT => "HasValueConstraintComponent",
    IN_COMPONENT => "InConstraintComponent",

    // Validation reports.
    VALIDATION_REPORT => "ValidationReport",
    VALIDATION_RESULT => "ValidationResult",
    CONFORMS => "conforms",
    RESULT => "result",
    FOCUS_NODE => "focusNode",
    RESULT_PATH => "resultPath",
    VALUE => "value",
    RESULT_SEVERITY => "resultSeverity",
    SOURCE_SHAPE => "sourceShape",
    SOURCE_CONSTRAINT_COMPONENT => "sourceConstraintComponent",
    SOURCE_CONSTRAINT => "sourceConstraint",
    RESULT_MESSAGE => "resultMessage",
    DETAIL => "detail",
}

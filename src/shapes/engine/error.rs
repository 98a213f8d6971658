//! The error raised when a shapes graph cannot be compiled.

use oxrdf::{NamedNode, NamedNodeRef, Term};

/// A shapes graph that is not well-formed SHACL Core, with the shape and triple at fault.
#[derive(Debug, thiserror::Error)]
pub enum ShapeError {
    /// A parameter has a value of the wrong kind, e.g. a literal where a shape is expected.
    #[error("shape {shape}: {parameter} {value} is not valid, expected {expected}")]
    InvalidValue {
        /// The shape carrying the parameter.
        shape: Term,
        /// The parameter, i.e. the predicate of the faulty triple.
        parameter: NamedNode,
        /// The object of the faulty triple (boxed to keep the error small).
        value: Box<Term>,
        /// What the parameter accepts, in words.
        expected: &'static str,
    },

    /// A parameter that accepts a single value has several.
    #[error("shape {shape}: {parameter} has {count} values, at most one is allowed")]
    TooManyValues {
        /// The shape carrying the parameter.
        shape: Term,
        /// The repeated parameter.
        parameter: NamedNode,
        /// How many values were found.
        count: usize,
    },

    /// A value that must be a well-formed RDF list is not one.
    #[error("shape {shape}: {parameter} {value} is not a well-formed RDF list ({reason})")]
    MalformedList {
        /// The shape carrying the parameter.
        shape: Term,
        /// The parameter whose value should be a list.
        parameter: NamedNode,
        /// The head of the list, as found in the shapes graph (boxed to keep the error small).
        value: Box<Term>,
        /// What is wrong with the list.
        reason: &'static str,
    },

    /// A property path is not one of the SHACL path forms.
    #[error("shape {shape}: path node {path} is not a valid property path ({reason})")]
    InvalidPath {
        /// The property shape whose `sh:path` is faulty.
        shape: Term,
        /// The path node at fault, the whole path or a part of it (boxed to keep the error small).
        path: Box<Term>,
        /// What is wrong with the path.
        reason: &'static str,
    },

    /// `sh:pattern` (with its `sh:flags`) is not a regular expression the engine can compile.
    #[error("shape {shape}: sh:pattern {pattern:?} cannot be compiled: {source}")]
    InvalidPattern {
        /// The shape carrying `sh:pattern`.
        shape: Term,
        /// The pattern as written in the shapes graph.
        pattern: String,
        /// The error from the regular expression compiler.
        source: regex::Error,
    },

    /// A parameter that only makes sense on property shapes is used on a node shape.
    #[error("shape {shape}: {parameter} is only allowed on property shapes (shapes with sh:path)")]
    PropertyParameterOnNodeShape {
        /// The node shape carrying the parameter.
        shape: Term,
        /// The parameter, e.g. `sh:minCount`.
        parameter: NamedNode,
    },
}

impl ShapeError {
    /// An `InvalidValue` error for the triple `shape parameter value`.
    pub(super) fn invalid_value(
        shape: &Term,
        parameter: NamedNodeRef<'_>,
        value: Term,
        expected: &'static str,
    ) -> Self {
        Self::InvalidValue {
            shape: shape.clone(),
            parameter: parameter.into_owned(),
            value: Box::new(value),
            expected,
        }
    }
}

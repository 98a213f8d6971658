//! SHACL Core validation: compile a shapes graph once into a `ShapesGraph`, then `validate` any
//! data graph (anything implementing `DataGraph`) against it, getting a `ValidationReport`.
//!
//! # Limitations
//!
//! - Only SHACL Core: SPARQL-based constraints and targets (`sh:sparql`, SHACL-AF) are ignored,
//!   so `sh:sourceConstraint` is never set and `{$this}`-style message templates stay as written.
//! - Recursive shapes are undefined in SHACL; a shape met again for the same focus node while
//!   it is being validated counts as conforming, so validation always ends.
//! - `sh:pattern` uses Rust `regex` syntax, not full XPath syntax (see `pattern.rs`).
//! - `sh:datatype` checks lexical forms for the XSD numeric, boolean, date, time, duration,
//!   `hexBinary` and `language` types; other datatypes only need the same datatype IRI.
//! - `owl:imports`, `sh:shapesGraph` and `sh:entailment` are not followed: the shapes graph and
//!   data graph are taken as given.

mod checks;
mod compile;
mod constraints;
mod data;
mod error;
mod literal;
mod messages;
mod node_set;
mod path;
mod pattern;
mod reader;
mod report;
mod shapes;
mod targets;
mod validator;
pub mod vocab;

pub use self::data::{DataGraph, GraphData};
pub use self::error::ShapeError;
pub use self::path::PropertyPath;
pub use self::report::{Severity, ValidationReport, ValidationResult};
pub use self::shapes::ShapesGraph;
pub use self::validator::{ValidationConfig, validate};

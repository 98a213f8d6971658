//! Harvesting: reading heterogeneous sources through their descriptors into the graph, with
//! placement in territories, provenance, quarantine of what fails and detection of changes.

mod check;
pub mod descriptor;
mod harvest;
pub mod links;
pub mod mapping;
pub mod place;
pub mod read;
mod read_rdf;
pub mod record;
pub mod schedule;
mod to_rdf;
pub mod value;

use std::path::PathBuf;

pub use self::check::{Finding, RecordCheck, RecordValidator};
pub use self::descriptor::SourceDescriptor;
pub use self::harvest::{HarvestContext, HarvestOutcome, Reject, harvest_source};
pub use self::mapping::{ConceptIndex, ConceptRole};
pub use self::place::{Gazetteer, PlacementMethod};
pub use self::to_rdf::RunCounts;
use crate::store::StoreError;

/// Errors that stop the harvest of a whole source (a single bad record never does).
#[derive(Debug, thiserror::Error)]
pub enum IngestError {
    /// A file could not be read.
    #[error("cannot read {path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The operating system's error.
        source: std::io::Error,
    },
    /// A descriptor is not valid.
    #[error("descriptor {path}: {message}")]
    Descriptor {
        /// The descriptor file.
        path: PathBuf,
        /// What is wrong and how to fix it.
        message: String,
    },
    /// The data could not be downloaded.
    #[error("cannot download {url}: {message}")]
    Fetch {
        /// The URL.
        url: String,
        /// What the HTTP client said.
        message: String,
    },
    /// The bytes are not in the declared or detected encoding.
    #[error("{message}")]
    Encoding {
        /// What is wrong and how to fix it.
        message: String,
    },
    /// The file as a whole is malformed.
    #[error("malformed file at {position}: {message}")]
    Syntax {
        /// Where the fault is (line and column, byte, path).
        position: String,
        /// What is wrong.
        message: String,
    },
    /// The file uses a construct refused for safety (XML entities).
    #[error("{message}")]
    Unsafe {
        /// What was refused and why.
        message: String,
    },
    /// The file is larger than allowed.
    #[error("the data is larger than {limit} bytes")]
    TooLarge {
        /// Bytes allowed.
        limit: usize,
    },
    /// Reading or writing the graph failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

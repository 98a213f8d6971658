//! Errors of the store layer.

use std::path::PathBuf;
use std::time::Duration;

use crate::limits::LimitExceeded;

/// What can go wrong when reading or writing the graph.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The store's directory could not be created.
    #[error("cannot create the store directory {path}: {source}")]
    Directory {
        /// The directory asked for.
        path: PathBuf,
        /// The operating system's error.
        source: std::io::Error,
    },
    /// This build has no on-disk storage engine (built without the `disk` feature).
    #[error(
        "cannot open the store in {path}: this build of ancrage has no on-disk storage; build it \
         with the default `disk` feature"
    )]
    NoDiskStorage {
        /// The directory asked for.
        path: PathBuf,
    },
    /// The storage engine failed (disk, lock, corruption).
    #[error("storage failure: {0}")]
    Storage(#[from] oxigraph::store::StorageError),
    /// A query is not valid SPARQL.
    #[error("{message}")]
    Syntax {
        /// The parser's message, with the position of the fault.
        message: String,
    },
    /// A query or document is larger or deeper than allowed.
    #[error("{limit}")]
    LimitExceeded {
        /// Which limit was hit.
        limit: LimitExceeded,
    },
    /// A query ran past its deadline and was stopped.
    #[error("the query was stopped after {} s, its time limit", .limit.as_secs_f32())]
    Timeout {
        /// The deadline that applied.
        limit: Duration,
    },
    /// The process ran short of memory while the query ran, and the query was stopped.
    #[error(
        "the query was stopped because it needed more memory than the server allows: narrow it"
    )]
    OutOfMemory,
    /// An answer holds more rows or triples than allowed.
    #[error("the answer has more than {limit} rows: add a LIMIT or narrow the query")]
    TooManyResults {
        /// The largest number of rows allowed.
        limit: usize,
    },
    /// A serialized answer is larger than allowed.
    #[error("the answer is larger than {limit} bytes: add a LIMIT or narrow the query")]
    OutputTooLarge {
        /// The largest answer allowed, in bytes.
        limit: usize,
    },
    /// The answer holds a character the asked syntax cannot carry.
    #[error(
        "the answer holds the character U+{:04X}, which {format} cannot carry: ask for JSON \
         (application/sparql-results+json) or N-Triples instead", u32::from(*.character)
    )]
    NotRepresentable {
        /// The character.
        character: char,
        /// The syntax asked for.
        format: &'static str,
    },
    /// The query failed while it ran.
    #[error("query evaluation failed: {0}")]
    Evaluation(#[from] oxigraph::sparql::QueryEvaluationError),
    /// An answer could not be written.
    #[error("cannot write the answer: {message}")]
    Output {
        /// The serializer's message.
        message: String,
    },
    /// An RDF document could not be parsed.
    #[error("{message}")]
    Parse {
        /// The parser's message, with the position of the fault.
        message: String,
    },
    /// A query called a SERVICE the endpoint refuses to call: another host that the operator
    /// did not allow.
    #[error(
        "SERVICE <{service}> is refused: this endpoint calls no other host, except from \
         queries (never updates) the SPARQL endpoints its operator allows with --service-allow \
         (or the ANCRAGE_SERVICES environment variable); query that endpoint yourself, or use \
         SERVICE <https://w3id.org/ancrage/search>"
    )]
    ServiceRefused {
        /// The IRI after SERVICE.
        service: String,
    },
    /// An allowed remote endpoint could not be reached or gave no usable answer.
    #[error(
        "the SPARQL endpoint <{endpoint}> called by SERVICE failed: {reason}; retry later, or \
         write SERVICE SILENT to go on without its rows"
    )]
    RemoteService {
        /// The endpoint's IRI.
        endpoint: String,
        /// What went wrong (connection, HTTP status, unreadable answer).
        reason: String,
    },
    /// An allowed remote endpoint answered more than one SERVICE call may bring back, or the
    /// query made more remote calls than allowed.
    #[error("{limit} (SERVICE <{endpoint}>): add a LIMIT inside the SERVICE group or narrow it")]
    RemoteServiceLimit {
        /// The endpoint's IRI.
        endpoint: String,
        /// Which bound was passed.
        limit: RemoteLimit,
    },
    /// A SERVICE answered inside the process failed on its input (the search service).
    #[error("{message}")]
    Service {
        /// The service's message.
        message: String,
    },
    /// A SPARQL update failed while it ran (a graph to create exists, one to drop does not...).
    #[error("the update failed: {message}")]
    Update {
        /// The evaluator's message.
        message: String,
    },
    /// An internal query returned a form its caller did not expect.
    #[error("an internal query returned an unexpected form")]
    UnexpectedQueryForm,
    /// A dump can only be loaded into an empty store.
    #[error(
        "the store already holds {quads} quads: a dump is loaded into an empty store only; give \
         a new --data directory"
    )]
    NotEmpty {
        /// How many quads the store holds.
        quads: usize,
    },
    /// Writing RDF failed.
    #[error("cannot serialize RDF: {0}")]
    Serialize(#[from] std::io::Error),
}

impl StoreError {
    /// Whether the error is the caller's fault (bad query or limits) rather than the store's.
    pub fn is_client_error(&self) -> bool {
        matches!(
            self,
            Self::Syntax { .. }
                | Self::LimitExceeded { .. }
                | Self::TooManyResults { .. }
                | Self::OutputTooLarge { .. }
                | Self::Parse { .. }
                | Self::Update { .. }
                | Self::Service { .. }
                | Self::ServiceRefused { .. }
                | Self::RemoteServiceLimit { .. }
        )
    }
}

/// A bound on the SERVICE calls of one query to remote endpoints.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RemoteLimit {
    /// More rows than a query's answer may hold.
    Rows(usize),
    /// A larger answer than allowed, in bytes.
    Bytes(usize),
    /// More remote calls in one query than allowed.
    Calls(usize),
}

impl std::fmt::Display for RemoteLimit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Rows(limit) => write!(f, "the remote endpoint answered more than {limit} rows"),
            Self::Bytes(limit) => {
                write!(f, "the remote endpoint answered more than {limit} bytes")
            }
            Self::Calls(limit) => write!(
                f,
                "the query calls remote endpoints more than {limit} times (a SERVICE inside \
                 FILTER EXISTS or a repeated group calls once per row)"
            ),
        }
    }
}

//! The one error type of the search layer, split between client mistakes and index failures.

use std::path::PathBuf;

/// What went wrong in the search layer.
///
/// [`SearchError::is_client_error`] tells the web layer which variants are the caller's to fix
/// (a 400) and which are failures of the index itself (a 500).
#[derive(Debug, thiserror::Error)]
pub enum SearchError {
    /// A request parameter is out of its accepted range; `parameter` names it as in the request.
    #[error("invalid search parameter `{parameter}`: {reason}")]
    BadRequest {
        /// The request field at fault, for example `limit` or `bbox`.
        parameter: &'static str,
        /// What the accepted values are.
        reason: &'static str,
    },

    /// The pagination cursor was not produced by this index for this request.
    #[error("invalid search cursor: {reason}")]
    BadCursor {
        /// Why the cursor was refused.
        reason: &'static str,
    },

    /// A document handed to the index breaks an invariant of the search documents.
    #[error("cannot index <{iri}>: {reason}")]
    InvalidDocument {
        /// The document's IRI (possibly empty, when that is the fault).
        iri: String,
        /// The broken invariant.
        reason: &'static str,
    },

    /// The directory holds an index written with another schema or analysis: rebuild it.
    #[error("the search index in {} has another format ({found})", path.display())]
    IncompatibleIndex {
        /// The index directory.
        path: PathBuf,
        /// The format marker found in the directory.
        found: String,
    },

    /// The index directory could not be opened.
    #[error("cannot open the search index directory")]
    OpenDirectory(#[from] tantivy::directory::error::OpenDirectoryError),

    /// Tantivy failed while reading or writing the index.
    #[error("search index failure")]
    Index(#[from] tantivy::TantivyError),

    /// Reading a term dictionary of the index failed.
    #[error("search index read failure")]
    Io(#[from] std::io::Error),
}

impl SearchError {
    /// Whether the caller can fix the error by changing the request (HTTP 400).
    pub fn is_client_error(&self) -> bool {
        matches!(
            self,
            SearchError::BadRequest { .. } | SearchError::BadCursor { .. }
        )
    }

    pub(super) fn bad_request(parameter: &'static str, reason: &'static str) -> SearchError {
        SearchError::BadRequest { parameter, reason }
    }

    pub(super) fn bad_cursor(reason: &'static str) -> SearchError {
        SearchError::BadCursor { reason }
    }
}

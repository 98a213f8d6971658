//! What a search returns.

use serde::{Deserialize, Serialize};

use super::facets::Facets;

/// The result of [`super::SearchIndex::search`].
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SearchResponse {
    /// Number of documents matching the request, on all pages.
    pub total: usize,
    /// This page, best first.
    pub hits: Vec<Hit>,
    /// Facet counts, empty unless the request asked for them.
    pub facets: Facets,
    /// Pass it as the `cursor` of the same request for the next page; `None` on the last page.
    pub next_cursor: Option<String>,
}

/// One result.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Hit {
    pub iri: String,
    /// The name as indexed, not escaped.
    pub name: String,
    /// A function of the document and the request only; see the module documentation.
    pub score: f32,
    /// HTML-escaped text with `<mark>…</mark>` around the matched words.
    pub snippet: Option<String>,
    /// Where the query words were found: `"name"`, `"other_texts"`, `"description"`.
    pub matched_fields: Vec<String>,
    /// `(lat, lon)`.
    pub point: Option<(f64, f64)>,
}

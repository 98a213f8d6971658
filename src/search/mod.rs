//! Full-text and faceted search over the initiatives: derived from the store, rebuildable.
//!
//! The main crate fills [`SearchDocument`]s from the graph and writes them with
//! [`SearchIndex::upsert`], [`SearchIndex::delete`] or [`SearchIndex::replace_all`]; the web
//! layer turns query strings into a [`SearchRequest`] and renders the [`SearchResponse`].
//!
//! # Ranking
//!
//! A score depends only on the document and the request, never on the rest of the index (no
//! BM25): for each query word, the weight of the best field it matches (name 3, other texts 2,
//! description 1; half for a typo match), summed over the words, all of which must match, and
//! multiplied by `(1 + quality) / 2`. Without words, the score is the quality. Results come by
//! score, then by IRI, or by a hash of the IRI and `fair_seed` to shuffle equal scores fairly.
//! Hence a cursor walk visits every document that matched when it started exactly once, even
//! when documents are added or changed between pages (unless a document's own score changes).
//!
//! Typos: words of 5 to 8 letters match within one edit, longer words within two, shorter
//! words exactly. French analysis is described in [`analyzer`].
//!
//! # Facets
//!
//! Facet counts are disjunctive: each facet is counted with every filter of the request except
//! its own, so a count is the total the request would have with that facet's selection
//! replaced by that value. See [`Facets`].
//!
//! # Example
//!
//! ```
//! use ancrage::search::{SearchDocument, SearchIndex, SearchRequest};
//!
//! let index = SearchIndex::in_memory()?;
//! index.upsert(&[SearchDocument {
//!     iri: "https://example.org/initiative/1".into(),
//!     name: "Épicerie solidaire".into(),
//!     territory_path: vec!["region:84".into(), "departement:01".into()],
//!     quality: 0.8,
//!     ..Default::default()
//! }])?;
//!
//! let request = SearchRequest {
//!     text: "epiceries".into(),
//!     territory: Some("departement:01".into()),
//!     facets: true,
//!     ..Default::default()
//! };
//! let response = index.search(&request)?;
//! assert_eq!(response.total, 1);
//! assert_eq!(response.hits[0].snippet.as_deref(), Some("<mark>Épicerie</mark> solidaire"));
//! assert_eq!(response.facets.territories[0].value, "region:84");
//! # Ok::<(), ancrage::search::SearchError>(())
//! ```

pub mod analyzer;
mod collect;
mod cursor;
mod document;
mod error;
mod facets;
mod geo;
mod index;
mod map;
mod query;
mod response;
mod schema;
mod snippet;
mod suggest;
mod tally;
mod typo;
mod walk;

pub use self::document::SearchDocument;
pub use self::error::SearchError;
pub use self::facets::{FacetCount, FacetNode, Facets};
pub use self::geo::haversine_km;
pub use self::index::SearchIndex;
pub use self::map::{
    MAX_MAP_POINTS, MAX_MAP_ZOOM, MapCluster, MapPoint, MapResponse, MapView, POINTS_ONLY_ZOOM,
    mercator_pixels,
};
pub use self::query::{DEFAULT_LIMIT, MAX_LIMIT, MAX_WORDS, SearchRequest};
pub use self::response::{Hit, SearchResponse};
pub use self::schema::INDEX_FORMAT;
pub use self::suggest::Suggestion;
pub use self::walk::{DEFAULT_WALK_PAGE, SearchWalk};

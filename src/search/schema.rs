//! The tantivy schema of the search index: field names, options and handles.

use std::path::Path;

use tantivy::schema::{
    FAST, Field, IndexRecordOption, STORED, STRING, Schema, TextFieldIndexing, TextOptions,
};

use super::analyzer::{FRENCH_ANALYZER, FRENCH_PLAIN_ANALYZER};
use super::error::SearchError;

/// Written in every commit and checked on open: change it whenever the schema, the analysis or
/// the facet key encoding changes, so that an old index is rebuilt instead of misread.
pub const INDEX_FORMAT: &str = "ancrage-search/1";

pub(super) const IRI: &str = "iri";
pub(super) const IRI_HASH: &str = "iri_hash";
pub(super) const QUALITY: &str = "quality";
pub(super) const LAT: &str = "lat";
pub(super) const LON: &str = "lon";
pub(super) const FILTER: &str = "filter";
pub(super) const FACET: &str = "facet";
pub(super) const PLACE: &str = "place";

/// Handles on the fields of the schema built by [`build_schema`].
#[derive(Debug, Clone, Copy)]
pub(super) struct SearchFields {
    /// The document key: raw term (for deletes), stored, and a fast column (for ordering).
    pub iri: Field,
    /// A stable hash of the IRI, the input of the seeded shuffle.
    pub iri_hash: Field,
    pub quality: Field,
    pub lat: Field,
    pub lon: Field,
    pub name: TextPair,
    pub other_texts: TextPair,
    pub description: TextPair,
    /// The facet keys a request filters on (see [`super::facets::facet_key`]), as raw terms.
    pub filter: Field,
    /// Fast column of the facet keys read for every match when counting: theme paths, flat
    /// facets, régions and départements.
    pub facet: Field,
    /// Fast column of the keys read only with a territory filter: located and served codes,
    /// and the territory levels below the départements.
    pub place: Field,
}

/// A text indexed twice: stemmed for matching, plain (folded only) for typos and prefixes.
#[derive(Debug, Clone, Copy)]
pub(super) struct TextPair {
    pub stemmed: Field,
    pub plain: Field,
}

/// The texts in the order of their weight, with the names used in `matched_fields`.
pub(super) const TEXT_FIELDS: [(&str, f32); 3] =
    [("name", 3.0), ("other_texts", 2.0), ("description", 1.0)];

/// Builds the schema and returns it with the handles on its fields.
pub(super) fn build_schema() -> (Schema, SearchFields) {
    let mut builder = Schema::builder();
    let mut text_pair = |name: &str| TextPair {
        stemmed: builder.add_text_field(name, text_options(FRENCH_ANALYZER).set_stored()),
        plain: builder.add_text_field(
            &format!("{name}_plain"),
            text_options(FRENCH_PLAIN_ANALYZER),
        ),
    };
    let name = text_pair(TEXT_FIELDS[0].0);
    let other_texts = text_pair(TEXT_FIELDS[1].0);
    let description = text_pair(TEXT_FIELDS[2].0);

    let fields = SearchFields {
        name,
        other_texts,
        description,
        iri: builder.add_text_field(IRI, STRING | STORED | FAST),
        iri_hash: builder.add_u64_field(IRI_HASH, FAST),
        quality: builder.add_f64_field(QUALITY, FAST),
        lat: builder.add_f64_field(LAT, FAST),
        lon: builder.add_f64_field(LON, FAST),
        filter: builder.add_text_field(FILTER, STRING),
        facet: builder.add_text_field(FACET, TextOptions::default().set_fast("raw")),
        place: builder.add_text_field(PLACE, TextOptions::default().set_fast("raw")),
    };
    (builder.build(), fields)
}

/// Checks that an index opened from disk has exactly the schema this code writes.
pub(super) fn check_schema(found: &Schema, path: &Path) -> Result<SearchFields, SearchError> {
    let (expected, fields) = build_schema();
    if *found != expected {
        return Err(SearchError::IncompatibleIndex {
            path: path.to_path_buf(),
            found: "another schema".to_string(),
        });
    }
    Ok(fields)
}

fn text_options(analyzer: &str) -> TextOptions {
    // Positions and frequencies are not indexed: the score ignores them by design.
    let indexing = TextFieldIndexing::default()
        .set_tokenizer(analyzer)
        .set_index_option(IndexRecordOption::Basic);
    TextOptions::default().set_indexing_options(indexing)
}

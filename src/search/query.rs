//! The search request, its validation, and the tantivy query it becomes.
//!
//! Scores are built from constant-score clauses, never BM25, so that a document's score depends
//! only on the document and the request (see [`super::cursor`]): for each query word, the
//! weight of the best field it matches (name 3, other texts 2, description 1, half that for a
//! match within the typo distance); all words must match; the collector then multiplies the sum
//! by `(1 + quality) / 2`.

use serde::{Deserialize, Serialize};
use tantivy::Term;
use tantivy::query::{
    AllQuery, BooleanQuery, ConstScoreQuery, DisjunctionMaxQuery, Occur, Query, TermQuery,
};
use tantivy::schema::IndexRecordOption;

use super::analyzer::{analyze_words, typo_distance};
use super::cursor::{Cursor, fnv1a};
use super::error::SearchError;
use super::facets::{FacetDim, FacetGroup, facet_key};
use super::geo::GeoFilter;
use super::schema::{SearchFields, TEXT_FIELDS, TextPair};
use super::tally::FacetFilters;
use super::typo::{TypoQuery, typo_automaton};

/// Page size when the request does not say.
pub const DEFAULT_LIMIT: usize = 20;
/// Largest page size accepted.
pub const MAX_LIMIT: usize = 500;
/// Most words a text query may have after stop words are removed.
pub const MAX_WORDS: usize = 12;
const MAX_TEXT_BYTES: usize = 1000;
const MAX_FILTER_VALUES: usize = 100;
const MAX_RADIUS_KM: f64 = 20_000.0;

/// A search: words, filters and pagination.
///
/// Filters combine with OR among the values of one facet and AND across facets. A theme filter
/// also matches the narrower themes of the given concept. `territory` is a kind-prefixed code
/// at any level and matches the documents located inside it; when `serves` is not empty, a
/// document whose `serves` holds one of its codes matches too (the caller passes the territory
/// and its ancestors). With `serves` and no `territory`, only the `serves` codes are matched.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct SearchRequest {
    pub text: String,
    pub themes: Vec<String>,
    pub publics: Vec<String>,
    pub methods: Vec<String>,
    pub networks: Vec<String>,
    pub actor_types: Vec<String>,
    pub sources: Vec<String>,
    pub scales: Vec<String>,
    pub territory: Option<String>,
    pub serves: Vec<String>,
    /// `[min_lat, min_lon, max_lat, max_lon]` in degrees.
    pub bbox: Option<[f64; 4]>,
    /// `(lat, lon, km)`: documents within this great-circle distance.
    pub near: Option<(f64, f64, f64)>,
    /// The `next_cursor` of the previous page of the same request.
    pub cursor: Option<String>,
    /// Page size, at most [`MAX_LIMIT`]; 0 returns only the total and the facets.
    pub limit: usize,
    /// Shuffles equally relevant results in an order fixed by this seed.
    pub fair_seed: Option<u64>,
    /// Whether to count facets.
    pub facets: bool,
}

/// One word of the query, as indexed and as typed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct QueryWord {
    pub stem: String,
    pub plain: String,
    pub typo_distance: u8,
}

/// A validated request.
#[derive(Debug, Clone)]
pub(super) struct SearchPlan {
    pub words: Vec<QueryWord>,
    pub filters: FacetFilters,
    pub territory: Option<String>,
    pub geo: Option<GeoFilter>,
    pub cursor: Option<Cursor>,
    pub limit: usize,
    pub seed: Option<u64>,
    pub facets: bool,
    pub fingerprint: u64,
}

impl Default for SearchRequest {
    fn default() -> Self {
        SearchRequest {
            text: String::new(),
            themes: Vec::new(),
            publics: Vec::new(),
            methods: Vec::new(),
            networks: Vec::new(),
            actor_types: Vec::new(),
            sources: Vec::new(),
            scales: Vec::new(),
            territory: None,
            serves: Vec::new(),
            bbox: None,
            near: None,
            cursor: None,
            limit: DEFAULT_LIMIT,
            fair_seed: None,
            facets: false,
        }
    }
}

impl SearchPlan {
    /// Validates `request`; every refusal is a [`SearchError::BadRequest`] or
    /// [`SearchError::BadCursor`].
    pub(super) fn from_request(request: &SearchRequest) -> Result<SearchPlan, SearchError> {
        if request.limit > MAX_LIMIT {
            return Err(SearchError::bad_request("limit", "it must be at most 500"));
        }
        if request.text.len() > MAX_TEXT_BYTES {
            return Err(SearchError::bad_request(
                "text",
                "it must be at most 1000 bytes long",
            ));
        }
        let words = query_words(&request.text);
        if words.len() > MAX_WORDS {
            return Err(SearchError::bad_request(
                "text",
                "it must have at most 12 words",
            ));
        }
        let filters = facet_filters(request)?;
        let geo = geo_filter(request)?;

        let mut plan = SearchPlan {
            words,
            filters,
            territory: request.territory.clone(),
            geo,
            cursor: None,
            limit: request.limit,
            seed: request.fair_seed,
            facets: request.facets,
            fingerprint: 0,
        };
        plan.fingerprint = plan.compute_fingerprint();
        if let Some(text) = &request.cursor {
            let cursor = Cursor::decode(text)?;
            if cursor.seed != plan.seed {
                return Err(SearchError::bad_cursor(
                    "it was made with another fair_seed",
                ));
            }
            if cursor.fingerprint != plan.fingerprint {
                return Err(SearchError::bad_cursor("it was made for another request"));
            }
            plan.cursor = Some(cursor);
        }
        Ok(plan)
    }

    /// A plan without words nor filters: results in quality order, for completions.
    pub(super) fn browse(limit: usize) -> SearchPlan {
        SearchPlan {
            words: Vec::new(),
            filters: FacetFilters::default(),
            territory: None,
            geo: None,
            cursor: None,
            limit,
            seed: None,
            facets: false,
            fingerprint: 0,
        }
    }

    /// The tantivy query: the text (or every document), and the facet filters if asked.
    ///
    /// When facets are counted, the filters are left to the collector, which must also see
    /// the documents failing exactly one of them.
    pub(super) fn to_query(
        &self,
        fields: &SearchFields,
        with_filters: bool,
    ) -> tantivy::Result<Box<dyn Query>> {
        let mut clauses: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        for word in &self.words {
            clauses.push((Occur::Must, word_query(word, fields)?));
        }
        if with_filters {
            for (_, keys) in &self.filters.groups {
                let filter = ConstScoreQuery::new(any_key_query(fields, keys), 0.0);
                clauses.push((Occur::Must, Box::new(filter)));
            }
        }
        if clauses.is_empty() {
            return Ok(Box::new(AllQuery));
        }
        Ok(Box::new(BooleanQuery::new(clauses)))
    }

    fn compute_fingerprint(&self) -> u64 {
        let words: Vec<(&str, &str)> = self
            .words
            .iter()
            .map(|word| (word.stem.as_str(), word.plain.as_str()))
            .collect();
        let filters: Vec<&Vec<String>> = self.filters.groups.iter().map(|(_, keys)| keys).collect();
        let geo = self.geo.map(|geo| (geo.bbox, geo.near));
        let canonical = serde_json::to_string(&(words, filters, geo)).unwrap_or_default();
        fnv1a(canonical.as_bytes())
    }
}

/// The words of a query text: analysed, paired with their plain form, without duplicates.
pub(super) fn query_words(text: &str) -> Vec<QueryWord> {
    let mut words: Vec<QueryWord> = Vec::new();
    for analyzed in analyze_words(text) {
        let word = QueryWord {
            typo_distance: typo_distance(&analyzed.plain),
            stem: analyzed.stem,
            plain: analyzed.plain,
        };
        if !words.contains(&word) {
            words.push(word);
        }
    }
    words
}

/// The clause of one query word: the best of its exact and typo matches in every text field.
fn word_query(word: &QueryWord, fields: &SearchFields) -> tantivy::Result<Box<dyn Query>> {
    let pairs: [TextPair; 3] = [fields.name, fields.other_texts, fields.description];
    let automaton = match word.typo_distance {
        0 => None,
        distance => Some(typo_automaton(&word.plain, distance)?),
    };
    let mut disjuncts: Vec<Box<dyn Query>> = Vec::new();
    for (pair, (_, weight)) in pairs.into_iter().zip(TEXT_FIELDS) {
        let exact = TermQuery::new(
            Term::from_field_text(pair.stemmed, &word.stem),
            IndexRecordOption::Basic,
        );
        disjuncts.push(Box::new(ConstScoreQuery::new(Box::new(exact), weight)));
        if let Some(automaton) = &automaton {
            let typo = TypoQuery::new(pair.plain, automaton.clone(), &word.stem);
            disjuncts.push(Box::new(ConstScoreQuery::new(Box::new(typo), weight / 2.0)));
        }
    }
    Ok(Box::new(DisjunctionMaxQuery::new(disjuncts)))
}

/// Matches the documents that have at least one of `keys` in the facet field.
fn any_key_query(fields: &SearchFields, keys: &[String]) -> Box<dyn Query> {
    let term_query = |key: &String| -> Box<dyn Query> {
        let term = Term::from_field_text(fields.filter, key);
        Box::new(TermQuery::new(term, IndexRecordOption::Basic))
    };
    if let [key] = keys {
        return term_query(key);
    }
    Box::new(BooleanQuery::new(
        keys.iter()
            .map(|key| (Occur::Should, term_query(key)))
            .collect(),
    ))
}

fn facet_filters(request: &SearchRequest) -> Result<FacetFilters, SearchError> {
    let lists: [(&'static str, FacetGroup, FacetDim, &Vec<String>); 7] = [
        (
            "themes",
            FacetGroup::Themes,
            FacetDim::Theme,
            &request.themes,
        ),
        (
            "publics",
            FacetGroup::Publics,
            FacetDim::Public,
            &request.publics,
        ),
        (
            "methods",
            FacetGroup::Methods,
            FacetDim::Method,
            &request.methods,
        ),
        (
            "networks",
            FacetGroup::Networks,
            FacetDim::Network,
            &request.networks,
        ),
        (
            "actor_types",
            FacetGroup::ActorTypes,
            FacetDim::ActorType,
            &request.actor_types,
        ),
        (
            "sources",
            FacetGroup::Sources,
            FacetDim::Source,
            &request.sources,
        ),
        (
            "scales",
            FacetGroup::Scales,
            FacetDim::Scale,
            &request.scales,
        ),
    ];
    let mut filters = FacetFilters::default();
    for (parameter, group, dim, values) in lists {
        check_filter_values(parameter, values.len())?;
        if !values.is_empty() {
            filters
                .groups
                .push((group, sorted_keys(dim, values.iter())));
        }
    }

    check_filter_values("serves", request.serves.len())?;
    let mut territory_keys = sorted_keys(FacetDim::Serves, request.serves.iter());
    if let Some(code) = &request.territory {
        territory_keys.push(facet_key(FacetDim::Located, code));
    }
    if !territory_keys.is_empty() {
        filters.groups.push((FacetGroup::Territory, territory_keys));
    }
    Ok(filters)
}

fn check_filter_values(parameter: &'static str, count: usize) -> Result<(), SearchError> {
    if count > MAX_FILTER_VALUES {
        return Err(SearchError::bad_request(
            parameter,
            "it may hold at most 100 values",
        ));
    }
    Ok(())
}

fn sorted_keys<'a>(dim: FacetDim, values: impl Iterator<Item = &'a String>) -> Vec<String> {
    let mut keys: Vec<String> = values.map(|value| facet_key(dim, value)).collect();
    keys.sort();
    keys.dedup();
    keys
}

fn geo_filter(request: &SearchRequest) -> Result<Option<GeoFilter>, SearchError> {
    if let Some([min_lat, min_lon, max_lat, max_lon]) = request.bbox {
        let valid = is_point((min_lat, min_lon))
            && is_point((max_lat, max_lon))
            && min_lat <= max_lat
            && min_lon <= max_lon;
        if !valid {
            let reason = "it must be [min_lat, min_lon, max_lat, max_lon] in degrees, mins first";
            return Err(SearchError::bad_request("bbox", reason));
        }
    }
    if let Some((lat, lon, km)) = request.near
        && !(is_point((lat, lon)) && km > 0.0 && km <= MAX_RADIUS_KM)
    {
        let reason = "it must be (lat, lon, km) in degrees, with 0 < km <= 20000";
        return Err(SearchError::bad_request("near", reason));
    }
    if request.bbox.is_none() && request.near.is_none() {
        return Ok(None);
    }
    Ok(Some(GeoFilter {
        bbox: request.bbox,
        near: request.near,
    }))
}

fn is_point((lat, lon): (f64, f64)) -> bool {
    (-90.0..=90.0).contains(&lat) && (-180.0..=180.0).contains(&lon)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_words_carry_their_typo_distance() {
        let words = query_words("L'épicerie des jeunes solidarité");
        let found: Vec<(&str, u8)> = words
            .iter()
            .map(|word| (word.plain.as_str(), word.typo_distance))
            .collect();
        assert_eq!(found, [("epicerie", 1), ("jeunes", 1), ("solidarite", 2)]);
        assert_eq!(
            query_words("velo").first().map(|word| word.typo_distance),
            Some(0)
        );
    }

    #[test]
    fn out_of_range_parameters_are_bad_requests() {
        let bad = [
            SearchRequest {
                limit: MAX_LIMIT + 1,
                ..Default::default()
            },
            SearchRequest {
                bbox: Some([46.0, 4.0, 45.0, 5.0]),
                ..Default::default()
            },
            SearchRequest {
                bbox: Some([f64::NAN, 4.0, 45.0, 5.0]),
                ..Default::default()
            },
            SearchRequest {
                near: Some((45.0, 4.0, 0.0)),
                ..Default::default()
            },
            SearchRequest {
                near: Some((95.0, 4.0, 3.0)),
                ..Default::default()
            },
            SearchRequest {
                publics: vec!["x".into(); 101],
                ..Default::default()
            },
            SearchRequest {
                text: (0..13).map(|n| format!("mot{n} ")).collect(),
                ..Default::default()
            },
        ];
        for request in bad {
            let error = SearchPlan::from_request(&request).unwrap_err();
            assert!(matches!(error, SearchError::BadRequest { .. }), "{error}");
        }
    }

    #[test]
    fn cursors_only_resume_their_own_request() {
        let request = SearchRequest {
            text: "jardin".into(),
            ..Default::default()
        };
        let plan = SearchPlan::from_request(&request).unwrap();
        let after = super::super::cursor::RankKey {
            score: 1.0,
            shuffle: 0,
            iri: "x".into(),
        };
        let cursor = Cursor {
            after,
            seed: None,
            fingerprint: plan.fingerprint,
        };

        let same = SearchRequest {
            text: "Jardin".into(),
            cursor: Some(cursor.encode()),
            ..request.clone()
        };
        assert!(SearchPlan::from_request(&same).is_ok());
        let other = SearchRequest {
            text: "verger".into(),
            ..same.clone()
        };
        assert!(matches!(
            SearchPlan::from_request(&other),
            Err(SearchError::BadCursor { .. })
        ));
        let seeded = SearchRequest {
            fair_seed: Some(3),
            ..same
        };
        assert!(matches!(
            SearchPlan::from_request(&seeded),
            Err(SearchError::BadCursor { .. })
        ));
    }
}

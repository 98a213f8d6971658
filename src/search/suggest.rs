//! Search-as-you-type: names whose words start with the words being typed.

use serde::{Deserialize, Serialize};
use tantivy::Term;
use tantivy::query::{BooleanQuery, FuzzyTermQuery, Occur, Query};

use super::analyzer::{analyze_words, prefix_terms};
use super::error::SearchError;
use super::query::MAX_LIMIT;
use super::schema::SearchFields;
use super::snippet::mark_html;

/// Longest text accepted for completion, in bytes.
const MAX_PREFIX_BYTES: usize = 200;

/// A name that completes the text being typed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Suggestion {
    pub iri: String,
    pub name: String,
    /// The name, HTML-escaped, with `<mark>…</mark>` around the completed words.
    pub highlighted: String,
}

/// Checks the arguments of a completion and folds the typed words.
pub(super) fn suggestion_terms(prefix: &str, limit: usize) -> Result<Vec<String>, SearchError> {
    if prefix.len() > MAX_PREFIX_BYTES {
        return Err(SearchError::bad_request(
            "prefix",
            "it must be at most 200 bytes long",
        ));
    }
    if limit > MAX_LIMIT {
        return Err(SearchError::bad_request("limit", "it must be at most 500"));
    }
    Ok(prefix_terms(prefix))
}

/// Matches the names that have, for every typed word, a word starting with it.
pub(super) fn suggestion_query(terms: &[String], fields: &SearchFields) -> Box<dyn Query> {
    let clauses = terms
        .iter()
        .map(|term| {
            let term = Term::from_field_text(fields.name.plain, term);
            let prefix: Box<dyn Query> = Box::new(FuzzyTermQuery::new_prefix(term, 0, false));
            (Occur::Must, prefix)
        })
        .collect();
    Box::new(BooleanQuery::new(clauses))
}

/// Builds a suggestion, marking the words of the name that start with a typed word.
pub(super) fn suggestion_for(iri: String, name: String, terms: &[String]) -> Suggestion {
    let matches: Vec<(usize, usize)> = analyze_words(&name)
        .into_iter()
        .filter(|word| {
            terms
                .iter()
                .any(|term| word.plain.starts_with(term.as_str()))
        })
        .map(|word| word.offsets)
        .collect();
    let highlighted = mark_html(&name, &matches, 0, name.len());
    Suggestion {
        iri,
        name,
        highlighted,
    }
}

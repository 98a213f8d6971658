//! Walking every result of a search in ranking order, page after page, on one snapshot of the
//! index: what exports of a whole result set read.

use tantivy::Searcher;
use tantivy::query::Query;

use super::collect::{Collected, SearchCollector};
use super::cursor::Cursor;
use super::error::SearchError;
use super::index::SearchIndex;
use super::query::{SearchPlan, SearchRequest};
use super::tally::FacetCache;

/// Results read by one pass of a walk when the caller does not say.
pub const DEFAULT_WALK_PAGE: usize = 10_000;

/// Every result of one request, in the order of [`SearchIndex::search`], read in pages.
///
/// The walk keeps the searcher it started with, so documents written meanwhile neither appear
/// nor vanish. Each page is one pass over the matches that keeps only the next `page_size`
/// after the previous page, so memory stays bounded by the page, whatever the total.
pub struct SearchWalk {
    searcher: Searcher,
    plan: SearchPlan,
    query: Box<dyn Query>,
    // The walk counts no facets, so this cache stays empty; the collector wants one.
    facet_cache: FacetCache,
    total: Option<usize>,
    finished: bool,
}

impl SearchIndex {
    /// Starts a walk over every result of `request`, `page_size` results per page; the
    /// request's `limit` and `facets` are ignored, its `cursor` is where the walk starts.
    ///
    /// Errors: the same client errors as [`SearchIndex::search`] for a bad request.
    pub fn walk(
        &self,
        request: &SearchRequest,
        page_size: usize,
    ) -> Result<SearchWalk, SearchError> {
        let checked = SearchRequest {
            limit: 0,
            facets: false,
            ..request.clone()
        };
        let mut plan = SearchPlan::from_request(&checked)?;
        plan.limit = page_size.max(1);
        let query = plan.to_query(self.fields(), true)?;
        Ok(SearchWalk {
            searcher: self.searcher(),
            plan,
            query,
            facet_cache: FacetCache::default(),
            total: None,
            finished: false,
        })
    }
}

impl SearchWalk {
    /// The IRIs of the next page, best first; empty once every result has been read.
    pub fn next_page(&mut self) -> Result<Vec<String>, SearchError> {
        if self.finished {
            return Ok(Vec::new());
        }
        let collector = SearchCollector {
            plan: &self.plan,
            facet_cache: &self.facet_cache,
            focus: None,
            filters_in_collector: false,
        };
        let Collected {
            total, mut hits, ..
        } = self.searcher.search(&*self.query, &collector)?;
        self.total.get_or_insert(total);

        if hits.len() > self.plan.limit {
            hits.truncate(self.plan.limit);
        } else {
            self.finished = true;
        }
        if let Some((last, _)) = hits.last() {
            self.plan.cursor = Some(Cursor {
                after: last.clone(),
                seed: self.plan.seed,
                fingerprint: self.plan.fingerprint,
            });
        }
        Ok(hits.into_iter().map(|(key, _)| key.iri).collect())
    }

    /// Number of results of the request (before its cursor too), known after the first page.
    pub fn total(&self) -> Option<usize> {
        self.total
    }
}

impl std::fmt::Debug for SearchWalk {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SearchWalk")
            .field("page_size", &self.plan.limit)
            .field("total", &self.total)
            .field("finished", &self.finished)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::search::SearchDocument;

    fn index_of(count: usize) -> SearchIndex {
        let index = SearchIndex::in_memory().unwrap();
        let documents: Vec<SearchDocument> = (0..count)
            .map(|n| SearchDocument {
                iri: format!("https://example.org/i/{n:03}"),
                name: format!("Jardin partagé {n}"),
                quality: (n % 7) as f64 / 7.0,
                ..Default::default()
            })
            .collect();
        index.upsert(&documents).unwrap();
        index
    }

    #[test]
    fn a_walk_reads_the_results_in_the_order_of_the_pages_of_a_search() {
        let index = index_of(130);
        let request = SearchRequest {
            text: "jardins".into(),
            fair_seed: Some(3),
            limit: 500,
            ..Default::default()
        };
        let expected: Vec<String> = index
            .search(&request)
            .unwrap()
            .hits
            .into_iter()
            .map(|hit| hit.iri)
            .collect();
        assert_eq!(expected.len(), 130);

        let mut walk = index.walk(&request, 17).unwrap();
        let mut walked = Vec::new();
        loop {
            let page = walk.next_page().unwrap();
            if page.is_empty() {
                break;
            }
            assert!(page.len() <= 17);
            walked.extend(page);
        }
        assert_eq!(walked, expected);
        assert_eq!(walk.total(), Some(130));
    }

    #[test]
    fn a_walk_keeps_its_snapshot_while_the_index_changes() {
        let index = index_of(40);
        let mut walk = index.walk(&SearchRequest::default(), 10).unwrap();
        let first = walk.next_page().unwrap();
        index.delete(&first[..5]).unwrap();
        let mut count = first.len();
        loop {
            let page = walk.next_page().unwrap();
            if page.is_empty() {
                break;
            }
            count += page.len();
        }
        assert_eq!(count, 40);
    }

    #[test]
    fn a_bad_request_is_refused_before_the_walk() {
        let index = index_of(1);
        let request = SearchRequest {
            bbox: Some([50.0, 0.0, 40.0, 1.0]),
            ..Default::default()
        };
        assert!(index.walk(&request, 10).unwrap_err().is_client_error());
    }
}

//! The collector of a search: the total, the page of hits after the cursor, the facet tallies.
//!
//! Every match is visited (the total needs it), so the collector keeps its per-document work
//! to a few fast-field reads: the quality for the score, the shuffle input and the IRI ordinal
//! for the order, and the facet ordinals when facets are filtered or counted here.

use std::cmp::Ordering;
use std::collections::{BinaryHeap, HashMap};
use std::io;
use std::sync::Arc;

use tantivy::collector::{Collector, SegmentCollector};
use tantivy::columnar::{Cardinality, Column, ColumnValues, StrColumn, TermOrdHit};
use tantivy::{DocAddress, DocId, Score, SegmentOrdinal, SegmentReader, TantivyError};

use super::cursor::{RankKey, compare_rank, shuffle_key};
use super::geo::GeoFilter;
use super::query::SearchPlan;
use super::schema;
use super::tally::{FacetCache, FacetFilters, SegmentTally, TerritoryFocus};

/// Collects what a [`SearchPlan`] asks for.
pub(super) struct SearchCollector<'a> {
    pub plan: &'a SearchPlan,
    pub facet_cache: &'a FacetCache,
    /// Where to expand the territory tree below the départements.
    pub focus: Option<TerritoryFocus>,
    /// Whether the facet filters are checked here rather than in the query (when counting).
    pub filters_in_collector: bool,
}

/// What the collector returns for the whole index.
pub(super) struct Collected {
    /// Documents passing every filter (whatever the cursor).
    pub total: usize,
    /// Up to `limit + 1` hits after the cursor, in result order.
    pub hits: Vec<(RankKey, DocAddress)>,
    /// Facet counts by facet key.
    pub tally: HashMap<String, u32>,
}

/// The part of [`Collected`] from one segment.
pub(super) struct SegmentFruit {
    total: usize,
    hits: Vec<(RankKey, DocAddress)>,
    tally: HashMap<String, u32>,
}

/// The per-segment side of [`SearchCollector`].
pub(super) struct SegmentSearchCollector {
    segment_ord: SegmentOrdinal,
    has_text: bool,
    quality: Arc<dyn ColumnValues<f64>>,
    seeded_hashes: Option<(u64, Arc<dyn ColumnValues<u64>>)>,
    iri_column: StrColumn,
    iri_ords: Arc<dyn ColumnValues<u64>>,
    after: Option<SegmentAfter>,
    geo: Option<(GeoFilter, Column<f64>, Column<f64>)>,
    tally: Option<SegmentTally>,
    focus: Option<TerritoryFocus>,
    capacity: usize,
    heap: BinaryHeap<Candidate>,
    total: usize,
}

/// The cursor translated to this segment: the IRI becomes the first ordinal after it.
struct SegmentAfter {
    score: f32,
    shuffle: u64,
    first_iri_ord_after: u64,
}

/// A hit of this segment; a greater candidate comes later in the results.
#[derive(Debug, Clone, Copy)]
struct Candidate {
    score: f32,
    shuffle: u64,
    iri_ord: u64,
    doc: DocId,
}

impl Collector for SearchCollector<'_> {
    type Fruit = Collected;
    type Child = SegmentSearchCollector;

    fn for_segment(
        &self,
        segment_ord: SegmentOrdinal,
        segment: &SegmentReader,
    ) -> tantivy::Result<SegmentSearchCollector> {
        let plan = self.plan;
        let fast_fields = segment.fast_fields();
        let quality = dense_values(fast_fields.f64(schema::QUALITY)?, 0.0);
        let iri_column = fast_fields.str(schema::IRI)?.ok_or_else(|| {
            TantivyError::InternalError("a segment has documents without IRI".to_string())
        })?;
        let iri_ords = dense_values(iri_column.ords().clone(), 0);
        let seeded_hashes = match plan.seed {
            Some(seed) => Some((seed, dense_values(fast_fields.u64(schema::IRI_HASH)?, 0))),
            None => None,
        };
        let after = match &plan.cursor {
            Some(cursor) => Some(SegmentAfter {
                score: cursor.after.score,
                shuffle: cursor.after.shuffle,
                first_iri_ord_after: first_ord_after(&iri_column, &cursor.after.iri)?,
            }),
            None => None,
        };
        let geo = match plan.geo {
            Some(geo) => Some((
                geo,
                fast_fields.f64(schema::LAT)?,
                fast_fields.f64(schema::LON)?,
            )),
            None => None,
        };

        let tally = if plan.facets || self.filters_in_collector {
            let filters = match self.filters_in_collector {
                true => plan.filters.clone(),
                false => FacetFilters::default(),
            };
            let focus = self.focus.as_ref();
            Some(SegmentTally::new(
                self.facet_cache,
                segment,
                &filters,
                plan.facets,
                focus,
            )?)
        } else {
            None
        };

        Ok(SegmentSearchCollector {
            segment_ord,
            has_text: !plan.words.is_empty(),
            quality,
            seeded_hashes,
            iri_column,
            iri_ords,
            after,
            geo,
            tally,
            focus: self.focus.clone(),
            capacity: if plan.limit == 0 { 0 } else { plan.limit + 1 },
            heap: BinaryHeap::with_capacity(plan.limit + 2),
            total: 0,
        })
    }

    fn requires_scoring(&self) -> bool {
        !self.plan.words.is_empty()
    }

    fn merge_fruits(&self, fruits: Vec<io::Result<SegmentFruit>>) -> tantivy::Result<Collected> {
        let mut collected = Collected {
            total: 0,
            hits: Vec::new(),
            tally: HashMap::new(),
        };
        for fruit in fruits {
            let fruit = fruit?;
            collected.total += fruit.total;
            collected.hits.extend(fruit.hits);
            for (key, count) in fruit.tally {
                *collected.tally.entry(key).or_default() += count;
            }
        }
        collected.hits.sort_by(|(a, _), (b, _)| a.cmp_rank(b));
        collected.hits.truncate(self.plan.limit + 1);
        Ok(collected)
    }
}

impl SegmentCollector for SegmentSearchCollector {
    type Fruit = io::Result<SegmentFruit>;

    fn collect(&mut self, doc: DocId, text_score: Score) {
        if let Some((geo, lat, lon)) = &self.geo {
            match (lat.first(doc), lon.first(doc)) {
                (Some(lat), Some(lon)) if geo.contains(lat, lon) => {}
                _ => return,
            }
        }
        if let Some(tally) = &mut self.tally
            && !tally.admit(doc)
        {
            return;
        }
        self.total += 1;
        if self.capacity == 0 {
            return;
        }
        // The quality factor is at most 1: a text score below the worst kept score cannot enter.
        if let Some(worst) = self.heap.peek() {
            let full = self.heap.len() == self.capacity;
            if full && self.has_text && text_score < worst.score {
                return;
            }
        }

        let quality = self.quality.get_val(doc);
        let score = match self.has_text {
            true => (f64::from(text_score) * (1.0 + quality) / 2.0) as f32,
            false => quality as f32,
        };
        let shuffle = match &self.seeded_hashes {
            Some((seed, hashes)) => shuffle_key(*seed, hashes.get_val(doc)),
            None => 0,
        };
        if let Some(worst) = self.heap.peek() {
            let full = self.heap.len() == self.capacity;
            if full && compare_rank(score, shuffle, worst.score, worst.shuffle) == Ordering::Greater
            {
                return;
            }
        }
        let iri_ord = self.iri_ords.get_val(doc);
        if let Some(after) = &self.after {
            match compare_rank(score, shuffle, after.score, after.shuffle) {
                Ordering::Less => return,
                Ordering::Equal if iri_ord < after.first_iri_ord_after => return,
                _ => {}
            }
        }

        let candidate = Candidate {
            score,
            shuffle,
            iri_ord,
            doc,
        };
        if self.heap.len() < self.capacity {
            self.heap.push(candidate);
        } else if let Some(mut worst) = self.heap.peek_mut()
            && candidate < *worst
        {
            *worst = candidate;
        }
    }

    fn harvest(self) -> io::Result<SegmentFruit> {
        let mut hits = Vec::with_capacity(self.heap.len());
        let mut iri = String::new();
        for candidate in self.heap.into_sorted_vec() {
            self.iri_column.ord_to_str(candidate.iri_ord, &mut iri)?;
            let key = RankKey {
                score: candidate.score,
                shuffle: candidate.shuffle,
                iri: iri.clone(),
            };
            hits.push((key, DocAddress::new(self.segment_ord, candidate.doc)));
        }
        let tally = match self.tally {
            Some(tally) => tally.harvest(self.focus.as_ref())?,
            None => HashMap::new(),
        };
        Ok(SegmentFruit {
            total: self.total,
            hits,
            tally,
        })
    }
}

impl Ord for Candidate {
    fn cmp(&self, other: &Self) -> Ordering {
        compare_rank(self.score, self.shuffle, other.score, other.shuffle)
            .then(self.iri_ord.cmp(&other.iri_ord))
    }
}

impl PartialOrd for Candidate {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl PartialEq for Candidate {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for Candidate {}

/// Values of a column that every document has, read directly when the column is full.
fn dense_values<T>(column: Column<T>, default: T) -> Arc<dyn ColumnValues<T>>
where
    T: PartialOrd + Copy + std::fmt::Debug + Send + Sync + 'static,
{
    match column.get_cardinality() {
        Cardinality::Full => column.values,
        _ => column.first_or_default_col(default),
    }
}

/// The first ordinal of the IRI column whose IRI sorts strictly after `iri`.
fn first_ord_after(iri_column: &StrColumn, iri: &str) -> io::Result<u64> {
    let num_terms = iri_column.num_terms() as u64;
    Ok(match iri_column.dictionary().term_ord_or_next(iri)? {
        TermOrdHit::Exact(ord) => ord + 1,
        TermOrdHit::Next(ord) => ord.min(num_terms),
    })
}

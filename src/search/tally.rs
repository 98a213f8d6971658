//! Facet filtering and disjunctive counting inside a segment, in one pass over the matches.
//!
//! For each document that matches the text and the geographic filters, the ordinals of its
//! facet keys tell which facet filters it fails. A document that fails none is a result and
//! counts for every facet; one that fails exactly one filter counts only for that filter's facet
//! (that is what the facet's count would be without its own filter); one that fails two or more
//! counts nowhere.
//!
//! The keys are split between two fast columns so that most searches read only the first: the
//! `place` column (located and served codes, territory levels below the départements) is read
//! only when the request has a territory filter.

use std::collections::HashMap;
use std::io;
use std::ops::Range;
use std::sync::{Arc, Mutex};

use tantivy::columnar::{Column, StrColumn, TermOrdHit};
use tantivy::index::SegmentId;
use tantivy::{DocId, SegmentReader};

use super::facets::{
    FacetColumn, FacetDim, FacetGroup, KEY_SEPARATOR, MAX_TERRITORY_DEPTH, PATH_SEPARATOR,
    facet_key, join_path,
};
use super::schema;

const NOT_COUNTED: u8 = u8::MAX;

/// The facet filters of a request: for each filtered group, the keys of which a document needs
/// at least one.
#[derive(Debug, Clone, Default)]
pub(super) struct FacetFilters {
    pub groups: Vec<(FacetGroup, Vec<String>)>,
}

/// The territory selected by the request's filter, with its ancestors: the branch of the
/// territory tree to expand below the départements.
#[derive(Debug, Clone)]
pub(super) struct TerritoryFocus {
    /// Codes from the widest territory down to the selected one.
    pub path: Vec<String>,
}

/// What a segment's fast column of facet keys holds, computed once per segment and cached.
pub(super) struct ColumnFacets {
    /// For each ordinal, the bit index of the group it is counted for, or [`NOT_COUNTED`].
    counted_group: Vec<u8>,
    /// The decoded keys of the small counted dimensions, by ordinal range.
    small_keys: Vec<(FacetDim, Range<u64>, Vec<String>)>,
}

/// [`ColumnFacets`] of the segments of the current searcher.
#[derive(Default)]
pub(super) struct FacetCache {
    columns: Mutex<HashMap<(SegmentId, &'static str), Arc<ColumnFacets>>>,
}

/// The facet work of one search in one segment.
pub(super) struct SegmentTally {
    facet: Option<ColumnTally>,
    place: Option<ColumnTally>,
    active: u16,
    counting: bool,
    facet_buffer: Vec<u64>,
    place_buffer: Vec<u64>,
}

/// The facet work of one search on one fast column of a segment.
struct ColumnTally {
    column: StrColumn,
    ords: Column<u64>,
    meta: Arc<ColumnFacets>,
    /// For each ordinal, the bits of the filter groups that this key satisfies.
    satisfies: Vec<u16>,
    counts: Vec<u32>,
}

impl FacetFilters {
    /// The bits of the filtered groups.
    pub(super) fn active_mask(&self) -> u16 {
        self.groups
            .iter()
            .fold(0, |mask, (group, _)| mask | group.bit())
    }
}

impl TerritoryFocus {
    /// Key prefixes of the territory levels to decode below the départements: at each level
    /// from the third, the children of the focus's ancestor one level up.
    fn deep_level_prefixes(&self) -> Vec<String> {
        (2..=self.path.len().min(MAX_TERRITORY_DEPTH - 1))
            .map(|depth| {
                let parent = join_path(&self.path[..depth]);
                facet_key(
                    FacetDim::Level(depth as u8),
                    &format!("{parent}{PATH_SEPARATOR}"),
                )
            })
            .collect()
    }
}

impl FacetCache {
    /// The fast column `name` of `segment` with its cached description, if any document of
    /// the segment has a key there.
    fn load(
        &self,
        segment: &SegmentReader,
        name: &'static str,
    ) -> tantivy::Result<Option<(StrColumn, Arc<ColumnFacets>)>> {
        let Some(column) = segment.fast_fields().str(name)? else {
            return Ok(None);
        };
        let key = (segment.segment_id(), name);
        if let Some(meta) = self.columns.lock().expect("facet cache lock").get(&key) {
            return Ok(Some((column, meta.clone())));
        }

        // Built outside the lock: two searches may both build it, and either copy is right.
        let meta = Arc::new(ColumnFacets::load(&column)?);
        self.columns
            .lock()
            .expect("facet cache lock")
            .insert(key, meta.clone());
        Ok(Some((column, meta)))
    }

    /// Forgets the segments that are no longer searched.
    pub(super) fn retain(&self, live: &[SegmentId]) {
        self.columns
            .lock()
            .expect("facet cache lock")
            .retain(|(id, _), _| live.contains(id));
    }
}

impl ColumnFacets {
    fn load(column: &StrColumn) -> io::Result<ColumnFacets> {
        let dictionary = column.dictionary();
        let mut counted_group = vec![NOT_COUNTED; dictionary.num_terms()];
        let mut small_keys = Vec::new();
        for dim in FacetDim::all().filter(|dim| dim.is_counted()) {
            let (low, high) = dim.key_range();
            let (first, end) = (
                ord_at_or_after(column, &low)?,
                ord_at_or_after(column, &high)?,
            );
            let group_bit = dim.group().bit().trailing_zeros() as u8;
            counted_group[first as usize..end as usize].fill(group_bit);
            if dim.is_small() && first < end {
                let mut keys = Vec::with_capacity((end - first) as usize);
                let mut stream = dictionary.range().ge(&low).lt(&high).into_stream()?;
                while stream.advance() {
                    keys.push(String::from_utf8_lossy(stream.key()).into_owned());
                }
                small_keys.push((dim, first..end, keys));
            }
        }
        Ok(ColumnFacets {
            counted_group,
            small_keys,
        })
    }

    /// The ordinals of the theme paths that end with `concept`.
    fn theme_path_ords<'a>(&'a self, concept: &'a str) -> impl Iterator<Item = u64> + 'a {
        let paths = self
            .small_keys
            .iter()
            .filter(|(dim, ..)| *dim == FacetDim::ThemePath);
        paths.flat_map(move |(_, ords, keys)| {
            ords.clone().zip(keys).filter_map(move |(ord, key)| {
                let last = key.rsplit([KEY_SEPARATOR, PATH_SEPARATOR]).next();
                (last == Some(concept)).then_some(ord)
            })
        })
    }
}

impl SegmentTally {
    /// Prepares the filters and counters of one search for a segment; `focus` is the
    /// territory filter's branch, if the request has one.
    pub(super) fn new(
        cache: &FacetCache,
        segment: &SegmentReader,
        filters: &FacetFilters,
        counting: bool,
        focus: Option<&TerritoryFocus>,
    ) -> tantivy::Result<SegmentTally> {
        let active = filters.active_mask();
        let facet = cache.load(segment, schema::FACET)?;
        let facet = facet
            .map(|loaded| ColumnTally::new(loaded, filters, counting))
            .transpose()?;

        let needs_place = active & FacetGroup::Territory.bit() != 0 || focus.is_some();
        let place = match needs_place {
            true => cache.load(segment, schema::PLACE)?,
            false => None,
        };
        let place = place
            .map(|loaded| ColumnTally::new(loaded, filters, counting))
            .transpose()?;
        Ok(SegmentTally {
            facet,
            place,
            active,
            counting,
            facet_buffer: Vec::new(),
            place_buffer: Vec::new(),
        })
    }

    /// Whether `doc` passes every facet filter; counts its facet values on the way.
    #[inline]
    pub(super) fn admit(&mut self, doc: DocId) -> bool {
        if self.active == 0 && !self.counting {
            return true;
        }
        let mut satisfied = 0u16;
        if let Some(facet) = &self.facet {
            satisfied |= facet.read(doc, &mut self.facet_buffer);
        }
        if let Some(place) = &self.place {
            satisfied |= place.read(doc, &mut self.place_buffer);
        }
        let failed = self.active & !satisfied;

        if self.counting {
            if let Some(facet) = &mut self.facet {
                facet.count(&self.facet_buffer, failed);
            }
            if let Some(place) = &mut self.place {
                place.count(&self.place_buffer, failed);
            }
        }
        failed == 0
    }

    /// The non-zero counts by facet key: the small dimensions whole, and the deep territory
    /// levels along `focus` only.
    pub(super) fn harvest(
        self,
        focus: Option<&TerritoryFocus>,
    ) -> io::Result<HashMap<String, u32>> {
        let mut tally = HashMap::new();
        if !self.counting {
            return Ok(tally);
        }
        if let Some(facet) = &self.facet {
            for (_, range, keys) in &facet.meta.small_keys {
                for (ord, key) in range.clone().zip(keys) {
                    let count = facet.counts[ord as usize];
                    if count > 0 {
                        tally.insert(key.clone(), count);
                    }
                }
            }
        }

        let (Some(place), Some(focus)) = (&self.place, focus) else {
            return Ok(tally);
        };
        for prefix in focus.deep_level_prefixes() {
            let mut stream = place
                .column
                .dictionary()
                .prefix_range(&prefix)
                .into_stream()?;
            while stream.advance() {
                let count = place.counts[stream.term_ord() as usize];
                if count > 0 {
                    tally.insert(String::from_utf8_lossy(stream.key()).into_owned(), count);
                }
            }
        }
        Ok(tally)
    }
}

impl ColumnTally {
    fn new(
        (column, meta): (StrColumn, Arc<ColumnFacets>),
        filters: &FacetFilters,
        counting: bool,
    ) -> io::Result<ColumnTally> {
        let num_terms = column.num_terms();
        let mut satisfies = Vec::new();
        if !filters.groups.is_empty() {
            satisfies = vec![0u16; num_terms];
            for (group, keys) in &filters.groups {
                for ord in resolve_keys(&column, &meta, keys)? {
                    satisfies[ord as usize] |= group.bit();
                }
            }
        }
        let ords = column.ords().clone();
        let counts = if counting {
            vec![0u32; num_terms]
        } else {
            Vec::new()
        };
        Ok(ColumnTally {
            column,
            ords,
            meta,
            satisfies,
            counts,
        })
    }

    /// Reads the ordinals of `doc` into `buffer`; returns the filter groups they satisfy.
    #[inline]
    fn read(&self, doc: DocId, buffer: &mut Vec<u64>) -> u16 {
        // One batched read of the document's ordinals, rather than one virtual call each.
        let rows = self.ords.index.value_row_ids(doc);
        buffer.resize((rows.end - rows.start) as usize, 0);
        self.ords.values.get_range(u64::from(rows.start), buffer);
        if self.satisfies.is_empty() {
            return 0;
        }
        buffer.iter().fold(0, |satisfied, &ord| {
            satisfied | self.satisfies[ord as usize]
        })
    }

    /// Counts the keys in `buffer` for the groups a document failing `failed` counts for.
    #[inline]
    fn count(&mut self, buffer: &[u64], failed: u16) {
        let counted_group = &self.meta.counted_group;
        if failed == 0 {
            for &ord in buffer {
                if counted_group[ord as usize] != NOT_COUNTED {
                    self.counts[ord as usize] += 1;
                }
            }
        } else if failed.is_power_of_two() {
            let only = failed.trailing_zeros() as u8;
            for &ord in buffer {
                if counted_group[ord as usize] == only {
                    self.counts[ord as usize] += 1;
                }
            }
        }
    }
}

/// Finds the path of territory `code` as stored on a document located in it, searching every
/// segment; `None` when no document is located there.
pub(super) fn find_territory_focus(
    segments: &[SegmentReader],
    code: &str,
) -> tantivy::Result<Option<TerritoryFocus>> {
    let located = facet_key(FacetDim::Located, code);
    for segment in segments {
        let Some(doc) = first_doc_with_filter_key(segment, &located)? else {
            continue;
        };
        for name in [schema::FACET, schema::PLACE] {
            let Some(column) = segment.fast_fields().str(name)? else {
                continue;
            };
            let mut key = String::new();
            for ord in column.term_ords(doc) {
                column.ord_to_str(ord, &mut key)?;
                let Some((prefix, path)) = key.split_once(KEY_SEPARATOR) else {
                    continue;
                };
                if !matches!(FacetDim::from_prefix(prefix), Some(FacetDim::Level(_))) {
                    continue;
                }
                let steps: Vec<String> = path.split(PATH_SEPARATOR).map(str::to_string).collect();
                if steps.last().map(String::as_str) == Some(code) {
                    return Ok(Some(TerritoryFocus { path: steps }));
                }
            }
        }
    }
    Ok(None)
}

/// The ordinals of `column` that satisfy a filter on `keys`: the keys themselves, or for a
/// theme the paths ending with it.
fn resolve_keys(column: &StrColumn, meta: &ColumnFacets, keys: &[String]) -> io::Result<Vec<u64>> {
    let mut ords = Vec::new();
    for key in keys {
        let Some((prefix, value)) = key.split_once(KEY_SEPARATOR) else {
            continue;
        };
        match FacetDim::from_prefix(prefix) {
            Some(FacetDim::Theme) => ords.extend(meta.theme_path_ords(value)),
            Some(dim) if dim.column() != FacetColumn::None => {
                ords.extend(column.dictionary().term_ord(key)?);
            }
            _ => {}
        }
    }
    Ok(ords)
}

fn first_doc_with_filter_key(segment: &SegmentReader, key: &str) -> tantivy::Result<Option<DocId>> {
    use tantivy::DocSet;
    use tantivy::schema::IndexRecordOption;

    let field = segment.schema().get_field(schema::FILTER)?;
    let term = tantivy::Term::from_field_text(field, key);
    let inverted_index = segment.inverted_index(field)?;
    let Some(mut postings) = inverted_index.read_postings(&term, IndexRecordOption::Basic)? else {
        return Ok(None);
    };
    let mut doc = postings.doc();
    while doc != tantivy::TERMINATED {
        if !segment.is_deleted(doc) {
            return Ok(Some(doc));
        }
        doc = postings.advance();
    }
    Ok(None)
}

/// The first ordinal whose key is at or after `key`, clamped to the number of terms.
fn ord_at_or_after(column: &StrColumn, key: &str) -> io::Result<u64> {
    let num_terms = column.num_terms() as u64;
    let ord = match column.dictionary().term_ord_or_next(key)? {
        TermOrdHit::Exact(ord) | TermOrdHit::Next(ord) => ord,
    };
    Ok(ord.min(num_terms))
}

//! The search index: opening it, writing documents, and answering searches and completions.

use std::path::Path;
use std::sync::{Mutex, MutexGuard};

use tantivy::directory::MmapDirectory;
use tantivy::index::SegmentId;
use tantivy::schema::Value;
use tantivy::{
    DocAddress, Index, IndexReader, IndexWriter, ReloadPolicy, Searcher, TantivyDocument, Term,
};

use super::analyzer::register_analyzers;
use super::collect::{Collected, SearchCollector};
use super::cursor::Cursor;
use super::document::SearchDocument;
use super::error::SearchError;
use super::facets::{Facets, facets_from_tally};
use super::query::{SearchPlan, SearchRequest};
use super::response::{Hit, SearchResponse};
use super::schema::{self, INDEX_FORMAT, SearchFields, build_schema, check_schema};
use super::snippet::{HitTexts, explain_hit};
use super::suggest::{Suggestion, suggestion_for, suggestion_query, suggestion_terms};
use super::tally::{FacetCache, find_territory_focus};

/// Memory the writer may use before it flushes a segment, shared by its threads.
const WRITER_MEMORY_BYTES: usize = 256 * 1024 * 1024;
/// Most indexing threads; each needs a share of at least 15 MB of the memory above.
const MAX_WRITER_THREADS: usize = 4;

/// A full-text and faceted index of initiatives, derived from the store and rebuildable.
///
/// Writes are serialised and committed before they return; the next search sees them.
pub struct SearchIndex {
    index: Index,
    reader: IndexReader,
    writer: Mutex<IndexWriter>,
    fields: SearchFields,
    facet_cache: FacetCache,
}

impl SearchIndex {
    /// Creates an empty index in `path`, which must not hold an index yet.
    pub fn create_in_dir(path: &Path) -> Result<SearchIndex, SearchError> {
        std::fs::create_dir_all(path)?;
        let (schema, _) = build_schema();
        SearchIndex::from_index(Index::create_in_dir(path, schema)?, path)
    }

    /// Opens the index in `path`, or creates it there if there is none.
    ///
    /// An index written by code with another [`INDEX_FORMAT`] is refused with
    /// [`SearchError::IncompatibleIndex`]: delete the directory and call [`Self::replace_all`].
    pub fn open_or_create(path: &Path) -> Result<SearchIndex, SearchError> {
        std::fs::create_dir_all(path)?;
        let directory = MmapDirectory::open(path)?;
        if !Index::exists(&directory).map_err(tantivy::TantivyError::from)? {
            return SearchIndex::create_in_dir(path);
        }
        let index = Index::open(directory)?;
        let found = index.load_metas()?.payload.unwrap_or_default();
        if found != INDEX_FORMAT {
            return Err(SearchError::IncompatibleIndex {
                path: path.to_path_buf(),
                found,
            });
        }
        check_schema(&index.schema(), path)?;
        SearchIndex::from_index(index, path)
    }

    /// Creates an empty index in memory, for tests and small deployments.
    pub fn in_memory() -> Result<SearchIndex, SearchError> {
        let (schema, _) = build_schema();
        SearchIndex::from_index(Index::create_in_ram(schema), Path::new("(memory)"))
    }

    /// Adds the documents, replacing any indexed document with the same IRI.
    ///
    /// Every document is checked first: on [`SearchError::InvalidDocument`] nothing is written.
    pub fn upsert(&self, documents: &[SearchDocument]) -> Result<(), SearchError> {
        let converted: Vec<(Term, TantivyDocument)> = documents
            .iter()
            .map(|document| {
                Ok((
                    self.iri_term(&document.iri),
                    document.to_tantivy(&self.fields)?,
                ))
            })
            .collect::<Result<_, SearchError>>()?;

        let mut writer = self.lock_writer();
        for (iri, document) in converted {
            // A delete only removes documents added before it, so the new version survives.
            writer.delete_term(iri);
            writer.add_document(document)?;
        }
        self.commit(&mut writer)
    }

    /// Removes the documents with these IRIs; unknown IRIs are ignored.
    pub fn delete(&self, iris: &[String]) -> Result<(), SearchError> {
        let mut writer = self.lock_writer();
        for iri in iris {
            writer.delete_term(self.iri_term(iri));
        }
        self.commit(&mut writer)
    }

    /// Replaces the whole content of the index, and merges it into one segment per search thread.
    ///
    /// Returns the number of documents indexed. On an invalid document, the index is left as
    /// it was.
    pub fn replace_all(
        &self,
        documents: impl IntoIterator<Item = SearchDocument>,
    ) -> Result<usize, SearchError> {
        let mut writer = self.lock_writer();
        writer.delete_all_documents()?;
        let mut count = 0;
        for document in documents {
            let converted = match document.to_tantivy(&self.fields) {
                Ok(converted) => converted,
                Err(error) => {
                    writer.rollback()?;
                    return Err(error);
                }
            };
            // Delete by IRI too, so that a duplicate in the input keeps only its last version.
            writer.delete_term(self.iri_term(&document.iri));
            writer.add_document(converted)?;
            count += 1;
        }
        self.commit(&mut writer)?;

        // One segment per search thread, of about the same size, so that a search keeps every
        // core busy for the same time.
        let mut segments = self.index.searchable_segment_metas()?;
        let groups = search_threads().min(segments.len()).max(1);
        if segments.len() > groups {
            segments.sort_by_key(|segment| std::cmp::Reverse(segment.num_docs()));
            let mut merges: Vec<(u32, Vec<SegmentId>)> = vec![(0, Vec::new()); groups];
            for segment in segments {
                let lightest = merges
                    .iter_mut()
                    .min_by_key(|(docs, _)| *docs)
                    .expect("at least one group");
                lightest.0 += segment.num_docs();
                lightest.1.push(segment.id());
            }
            for (_, ids) in merges.into_iter().filter(|(_, ids)| ids.len() > 1) {
                writer.merge(&ids).wait()?;
            }
            self.reload()?;
        }
        Ok(count)
    }

    /// Number of documents in the index.
    pub fn len(&self) -> usize {
        self.reader.searcher().num_docs() as usize
    }

    /// Whether the index has no document.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Runs a search; see [`SearchRequest`] for the filters and [`super`] for the ranking.
    ///
    /// Errors: [`SearchError::BadRequest`] and [`SearchError::BadCursor`] for the caller to fix,
    /// the other variants for failures of the index.
    pub fn search(&self, request: &SearchRequest) -> Result<SearchResponse, SearchError> {
        let plan = SearchPlan::from_request(request)?;
        let searcher = self.reader.searcher();
        let focus = match (&plan.territory, plan.facets) {
            (Some(code), true) => find_territory_focus(searcher.segment_readers(), code)?,
            _ => None,
        };

        // With facets, the collector must see the documents that fail a single facet filter.
        let filters_in_collector = plan.facets && !plan.filters.groups.is_empty();
        let query = plan.to_query(&self.fields, !filters_in_collector)?;
        let collector = SearchCollector {
            plan: &plan,
            facet_cache: &self.facet_cache,
            focus,
            filters_in_collector,
        };
        let Collected {
            total,
            mut hits,
            tally,
        } = searcher.search(&*query, &collector)?;

        let mut next_cursor = None;
        if hits.len() > plan.limit {
            hits.truncate(plan.limit);
            next_cursor = hits.last().map(|(last, _)| {
                let cursor = Cursor {
                    after: last.clone(),
                    seed: plan.seed,
                    fingerprint: plan.fingerprint,
                };
                cursor.encode()
            });
        }
        let hits = hits
            .into_iter()
            .map(|(key, address)| self.load_hit(&searcher, &plan, key.iri, key.score, address))
            .collect::<Result<Vec<_>, _>>()?;
        let facets = if plan.facets {
            facets_from_tally(tally)
        } else {
            Facets::default()
        };
        Ok(SearchResponse {
            total,
            hits,
            facets,
            next_cursor,
        })
    }

    /// Completes the words being typed from the names: `méd` finds names with a word starting
    /// with `med`, whatever its accents and case. The best-described initiatives come first.
    pub fn suggest(&self, prefix: &str, limit: usize) -> Result<Vec<Suggestion>, SearchError> {
        let terms = suggestion_terms(prefix, limit)?;
        if terms.is_empty() || limit == 0 {
            return Ok(Vec::new());
        }
        let plan = SearchPlan::browse(limit);
        let searcher = self.reader.searcher();
        let query = suggestion_query(&terms, &self.fields);
        let collector = SearchCollector {
            plan: &plan,
            facet_cache: &self.facet_cache,
            focus: None,
            filters_in_collector: false,
        };
        let collected = searcher.search(&*query, &collector)?;
        collected
            .hits
            .into_iter()
            .take(limit)
            .map(|(key, address)| {
                let document: TantivyDocument = searcher.doc(address)?;
                let name = first_text(&document, self.fields.name.stemmed);
                Ok(suggestion_for(key.iri, name, &terms))
            })
            .collect()
    }

    /// The searcher of the last commit, for the aggregations of sibling modules.
    pub(super) fn searcher(&self) -> Searcher {
        self.reader.searcher()
    }

    /// Handles on the fields of the schema.
    pub(super) fn fields(&self) -> &SearchFields {
        &self.fields
    }

    fn from_index(mut index: Index, path: &Path) -> Result<SearchIndex, SearchError> {
        register_analyzers(&index);
        // Segments are searched in parallel, one thread per core: a search over a million
        // documents split in two segments takes about half the time of one segment.
        index.set_multithread_executor(search_threads())?;
        let fields = check_schema(&index.schema(), path)?;
        let reader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::Manual)
            .try_into()?;
        let writer = index.writer_with_num_threads(
            search_threads().clamp(1, MAX_WRITER_THREADS),
            WRITER_MEMORY_BYTES,
        )?;
        Ok(SearchIndex {
            index,
            reader,
            writer: Mutex::new(writer),
            fields,
            facet_cache: FacetCache::default(),
        })
    }

    fn lock_writer(&self) -> MutexGuard<'_, IndexWriter> {
        // A panic while writing leaves uncommitted operations, which the next commit or
        // rollback settles; the writer itself stays usable.
        self.writer
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn commit(&self, writer: &mut IndexWriter) -> Result<(), SearchError> {
        let mut prepared = writer.prepare_commit()?;
        prepared.set_payload(INDEX_FORMAT);
        prepared.commit()?;
        self.reload()
    }

    fn reload(&self) -> Result<(), SearchError> {
        self.reader.reload()?;
        let live: Vec<_> = self
            .reader
            .searcher()
            .segment_readers()
            .iter()
            .map(|s| s.segment_id())
            .collect();
        self.facet_cache.retain(&live);
        Ok(())
    }

    fn iri_term(&self, iri: &str) -> Term {
        Term::from_field_text(self.fields.iri, iri)
    }

    fn load_hit(
        &self,
        searcher: &Searcher,
        plan: &SearchPlan,
        iri: String,
        score: f32,
        address: DocAddress,
    ) -> Result<Hit, SearchError> {
        let document: TantivyDocument = searcher.doc(address)?;
        let name = first_text(&document, self.fields.name.stemmed);
        let other_texts: Vec<String> = document
            .get_all(self.fields.other_texts.stemmed)
            .filter_map(|value| value.as_str().map(str::to_string))
            .collect();
        let description = document
            .get_first(self.fields.description.stemmed)
            .and_then(|value| value.as_str().map(str::to_string));
        let texts = HitTexts {
            name: &name,
            other_texts: &other_texts,
            description: description.as_deref(),
        };
        let explanation = explain_hit(&plan.words, &texts);

        let fast_fields = searcher.segment_reader(address.segment_ord).fast_fields();
        let lat = fast_fields.f64(schema::LAT)?.first(address.doc_id);
        let lon = fast_fields.f64(schema::LON)?.first(address.doc_id);
        Ok(Hit {
            iri,
            name,
            score,
            snippet: explanation.snippet,
            matched_fields: explanation.matched_fields,
            point: lat.zip(lon),
        })
    }
}

impl std::fmt::Debug for SearchIndex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SearchIndex")
            .field("documents", &self.len())
            .finish_non_exhaustive()
    }
}

fn first_text(document: &TantivyDocument, field: tantivy::schema::Field) -> String {
    document
        .get_first(field)
        .and_then(|value| value.as_str())
        .unwrap_or_default()
        .to_string()
}

/// Threads that search segments in parallel: one per core.
fn search_threads() -> usize {
    std::thread::available_parallelism().map_or(1, usize::from)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_index_can_be_shared_between_threads() {
        fn assert_send_sync<T: Send + Sync>() {}
        assert_send_sync::<SearchIndex>();
    }

    #[test]
    fn an_index_of_another_format_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let index = SearchIndex::create_in_dir(dir.path()).unwrap();
        let mut writer = index.lock_writer();
        let mut prepared = writer.prepare_commit().unwrap();
        prepared.set_payload("ancrage-search/0");
        prepared.commit().unwrap();
        drop(writer);
        drop(index);

        let error = SearchIndex::open_or_create(dir.path()).unwrap_err();
        assert!(
            matches!(error, SearchError::IncompatibleIndex { ref found, .. } if found == "ancrage-search/0")
        );
    }
}

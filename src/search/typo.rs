//! Typo matches: the terms of a plain field within an edit distance of a query word.
//!
//! Terms that stem like the query word are skipped: a document holding one also holds the
//! stem in the same field, so it already matches exactly, with twice the weight. For a common
//! word this skips its heaviest postings (`solidaire`, `solidaires`…), which tantivy's fuzzy
//! query would read again for nothing; and the Levenshtein automaton, costly to build, is built
//! once per word and shared by the fields and segments.

use std::fmt;
use std::sync::Arc;

use tantivy::query::{
    BitSetDocSet, ConstScorer, DfaWrapper, EmptyScorer, EnableScoring, Explanation, FuzzyTermQuery,
    Query, Scorer, Weight,
};
use tantivy::schema::{Field, IndexRecordOption};
use tantivy::{BitSet, DocId, DocSet, Score, SegmentReader, TantivyError, Term};

use super::analyzer::stem_plain_word;

/// Matches the documents whose `field` has a term within the automaton's distance of a query
/// word and with another stem than `word_stem`.
#[derive(Clone)]
pub(super) struct TypoQuery {
    field: Field,
    automaton: Arc<DfaWrapper>,
    word_stem: String,
}

/// The Levenshtein automaton of a plain query word, to share between [`TypoQuery`]s.
pub(super) fn typo_automaton(plain: &str, distance: u8) -> tantivy::Result<Arc<DfaWrapper>> {
    // The field of the term does not matter: only its text goes into the automaton.
    let term = Term::from_field_text(Field::from_field_id(0), plain);
    Ok(Arc::new(
        FuzzyTermQuery::new(term, distance, true).automaton()?,
    ))
}

impl TypoQuery {
    pub(super) fn new(field: Field, automaton: Arc<DfaWrapper>, word_stem: &str) -> TypoQuery {
        TypoQuery {
            field,
            automaton,
            word_stem: word_stem.to_string(),
        }
    }
}

impl fmt::Debug for TypoQuery {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TypoQuery")
            .field("field", &self.field)
            .field("word_stem", &self.word_stem)
            .finish_non_exhaustive()
    }
}

impl Query for TypoQuery {
    fn weight(&self, _scoring: EnableScoring<'_>) -> tantivy::Result<Box<dyn Weight>> {
        Ok(Box::new(self.clone()))
    }
}

impl Weight for TypoQuery {
    fn scorer(&self, reader: &SegmentReader, boost: Score) -> tantivy::Result<Box<dyn Scorer>> {
        let inverted_index = reader.inverted_index(self.field)?;
        let mut stream = inverted_index
            .terms()
            .search(&*self.automaton)
            .into_stream()?;
        let mut term_infos = Vec::new();
        while stream.advance() {
            let same_stem = std::str::from_utf8(stream.key())
                .is_ok_and(|term| stem_plain_word(term) == self.word_stem);
            if !same_stem {
                term_infos.push(stream.value().clone());
            }
        }

        match term_infos.as_slice() {
            [] => Ok(Box::new(EmptyScorer)),
            [term_info] => {
                let postings = inverted_index
                    .read_postings_from_terminfo(term_info, IndexRecordOption::Basic)?;
                Ok(Box::new(ConstScorer::new(postings, boost)))
            }
            _ => {
                let mut docs = BitSet::with_max_value(reader.max_doc());
                for term_info in &term_infos {
                    let mut postings = inverted_index
                        .read_block_postings_from_terminfo(term_info, IndexRecordOption::Basic)?;
                    while !postings.docs().is_empty() {
                        for &doc in postings.docs() {
                            docs.insert(doc);
                        }
                        postings.advance();
                    }
                }
                Ok(Box::new(ConstScorer::new(BitSetDocSet::from(docs), boost)))
            }
        }
    }

    fn explain(&self, reader: &SegmentReader, doc: DocId) -> tantivy::Result<Explanation> {
        let mut scorer = self.scorer(reader, 1.0)?;
        if scorer.doc() > doc || scorer.seek(doc) != doc {
            return Err(TantivyError::InvalidArgument(format!(
                "document {doc} has no typo match"
            )));
        }
        Ok(Explanation::new("typo match", scorer.score()))
    }
}

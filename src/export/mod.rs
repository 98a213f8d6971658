//! Exports of a search's whole result set as CSV, GeoJSON or JSON-LD, written chunk by chunk
//! while the ranked results are walked, so that memory does not grow with the result set.

mod row;
mod to_csv;
mod to_geojson;
mod to_jsonld;

use crate::iri::IriMinter;
use crate::search::{SearchError, SearchWalk};
use crate::store::{Store, StoreError};

pub use self::row::{ExportedInitiative, InitiativeRow, RowBuilder};
use self::to_csv::CsvWriter;
use self::to_geojson::GeoJsonWriter;
use self::to_jsonld::JsonLdWriter;

/// Initiatives written into one chunk of an export.
pub const CHUNK_ROWS: usize = 500;

/// The formats a search can be exported to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportFormat {
    /// One row per initiative, labels not IRIs, UTF-8 with a byte-order mark.
    Csv,
    /// A FeatureCollection of one feature per initiative (RFC 7946).
    GeoJson,
    /// The initiatives' statements as JSON-LD with the published context.
    JsonLd,
}

/// What can interrupt an export.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    /// The search was refused or the index failed.
    #[error(transparent)]
    Search(#[from] SearchError),
    /// Reading the initiatives from the store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// A row could not be written as CSV.
    #[error("cannot write a CSV row: {0}")]
    Csv(#[from] csv::Error),
    /// A feature or node could not be written as JSON.
    #[error("cannot write a JSON object: {0}")]
    Json(#[from] serde_json::Error),
}

/// One export in progress: the walk over the results, the rows read from the store, and the
/// writer of the format.
pub struct SearchExport {
    walk: SearchWalk,
    builder: RowBuilder,
    writer: FormatWriter,
    page: std::vec::IntoIter<String>,
    remaining: Option<usize>,
    stage: Stage,
}

enum FormatWriter {
    // The CSV writer holds its buffer inline; boxed, it does not size the other variants.
    Csv(Box<CsvWriter>),
    GeoJson(GeoJsonWriter),
    JsonLd(JsonLdWriter),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stage {
    Start,
    Rows,
    Done,
}

impl ExportFormat {
    /// The format whose file extension is `extension` (`csv`, `geojson`, `jsonld`).
    pub fn from_extension(extension: &str) -> Option<Self> {
        match extension {
            "csv" => Some(Self::Csv),
            "geojson" => Some(Self::GeoJson),
            "jsonld" => Some(Self::JsonLd),
            _ => None,
        }
    }

    /// The file extension, without the dot.
    pub fn extension(self) -> &'static str {
        match self {
            Self::Csv => "csv",
            Self::GeoJson => "geojson",
            Self::JsonLd => "jsonld",
        }
    }

    /// The media type of the `Content-Type` header.
    pub fn media_type(self) -> &'static str {
        match self {
            Self::Csv => "text/csv; charset=utf-8; header=present",
            Self::GeoJson => "application/geo+json",
            Self::JsonLd => "application/ld+json",
        }
    }
}

impl SearchExport {
    /// An export of the results of `walk`, at most `max_rows` of them when given, reading
    /// the initiatives from the public `store`.
    pub fn new(
        walk: SearchWalk,
        store: Store,
        minter: IriMinter,
        format: ExportFormat,
        max_rows: Option<usize>,
    ) -> Result<Self, ExportError> {
        let writer = match format {
            ExportFormat::Csv => FormatWriter::Csv(Box::new(CsvWriter::new())),
            ExportFormat::GeoJson => FormatWriter::GeoJson(GeoJsonWriter::default()),
            ExportFormat::JsonLd => FormatWriter::JsonLd(JsonLdWriter::new(&store, &minter)?),
        };
        Ok(Self {
            walk,
            builder: RowBuilder::new(store, minter),
            writer,
            page: Vec::new().into_iter(),
            remaining: max_rows,
            stage: Stage::Start,
        })
    }

    /// The next bytes of the document, about [`CHUNK_ROWS`] initiatives; `None` after the end.
    ///
    /// An initiative indexed but no longer in the store is left out.
    pub fn next_chunk(&mut self) -> Result<Option<Vec<u8>>, ExportError> {
        let mut out = Vec::new();
        match self.stage {
            Stage::Done => return Ok(None),
            Stage::Start => {
                self.writer.begin(&mut out)?;
                self.stage = Stage::Rows;
            }
            Stage::Rows => {}
        }

        let mut rows = 0;
        while rows < CHUNK_ROWS {
            let Some(iri) = self.next_iri()? else {
                self.writer.end_chunk(&mut out)?;
                self.writer.finish(&mut out);
                self.stage = Stage::Done;
                break;
            };
            if let Some(initiative) = self.builder.initiative(&iri)? {
                self.writer.write(&initiative, &mut out)?;
                rows += 1;
                if let Some(remaining) = &mut self.remaining {
                    *remaining -= 1;
                }
            }
        }
        if self.stage == Stage::Rows {
            self.writer.end_chunk(&mut out)?;
        }
        Ok(Some(out))
    }

    /// Number of results of the search, known once the first chunk is written.
    pub fn total(&self) -> Option<usize> {
        self.walk.total()
    }

    fn next_iri(&mut self) -> Result<Option<String>, ExportError> {
        if self.remaining == Some(0) {
            return Ok(None);
        }
        if let Some(iri) = self.page.next() {
            return Ok(Some(iri));
        }
        self.page = self.walk.next_page()?.into_iter();
        Ok(self.page.next())
    }
}

impl FormatWriter {
    fn begin(&mut self, out: &mut Vec<u8>) -> Result<(), ExportError> {
        match self {
            Self::Csv(writer) => writer.begin(out),
            Self::GeoJson(writer) => {
                writer.begin(out);
                Ok(())
            }
            Self::JsonLd(writer) => writer.begin(out),
        }
    }

    fn write(
        &mut self,
        initiative: &ExportedInitiative,
        out: &mut Vec<u8>,
    ) -> Result<(), ExportError> {
        match self {
            Self::Csv(writer) => writer.write(&initiative.row),
            Self::GeoJson(writer) => writer.write(&initiative.row, out),
            Self::JsonLd(writer) => writer.write(&initiative.statements, out),
        }
    }

    fn finish(&mut self, out: &mut Vec<u8>) {
        match self {
            Self::Csv(_) => {}
            Self::GeoJson(_) | Self::JsonLd(_) => out.extend_from_slice(b"\n]}\n"),
        }
    }

    /// Hands over what the writer keeps in a buffer of its own.
    fn end_chunk(&mut self, out: &mut Vec<u8>) -> Result<(), ExportError> {
        match self {
            Self::Csv(writer) => writer.drain_into(out),
            Self::GeoJson(_) | Self::JsonLd(_) => Ok(()),
        }
    }
}

//! Gzipped N-Quads dumps of the public graphs, written into `{data}/dumps/`: one file per
//! graph, and the whole dataset as their concatenation (a gzip file may hold several members,
//! which every gzip reader reads as one stream). A manifest records each file's size, quad
//! count and SHA-256, which the web layer serves as `ETag`.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use chrono::{DateTime, Utc};
use flate2::Compression;
use flate2::write::GzEncoder;
use oxigraph::model::NamedNode;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::{OpenDataError, public_graphs};
use crate::iri::IriMinter;
use crate::store::{Store, StoreError};

/// File name of the dump of the whole dataset, inside the dumps directory.
pub const WHOLE_DUMP: &str = "ancrage.nq.gz";
const MANIFEST: &str = "manifest.json";
/// Reference graphs, which only change when the store is built: their files are kept between
/// harvests as long as their quad count has not changed.
const REFERENCE_GRAPHS: [&str; 3] = [
    "graphe/ontologie",
    "graphe/vocabulaires",
    "graphe/territoires",
];

/// One writer of dump files at a time in this process (a harvest, `ancrage dump`, or a page
/// that finds no dump yet).
static WRITING: Mutex<()> = Mutex::new(());

/// Which files a refresh writes again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DumpScope<'a> {
    /// Every file.
    Everything,
    /// Every file but those of unchanged reference graphs.
    KeepReferenceData,
    /// The files of these graphs (those a harvest or a write just changed), and of any graph
    /// whose previous file no longer holds as many quads as the graph; the others are kept.
    Graphs(&'a [NamedNode]),
}

/// What the dumps directory holds.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DumpManifest {
    /// When the files were last refreshed.
    pub generated: DateTime<Utc>,
    /// The whole dataset.
    pub whole: DumpFile,
    /// One file per public graph, sorted by graph.
    pub graphs: Vec<GraphDump>,
}

/// The dump of one graph.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct GraphDump {
    /// The graph's IRI.
    pub graph: String,
    /// Its file.
    pub file: DumpFile,
}

/// One dump file.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct DumpFile {
    /// Path inside the dumps directory, also the URL path under `/donnees/`.
    pub path: String,
    /// Number of quads.
    pub quads: usize,
    /// Size in bytes.
    pub bytes: u64,
    /// SHA-256 of the file's bytes, in hexadecimal.
    pub sha256: String,
    /// When the file was written.
    pub modified: DateTime<Utc>,
}

impl DumpManifest {
    /// The file at `path` (the whole dump or a graph's).
    pub fn file(&self, path: &str) -> Option<&DumpFile> {
        std::iter::once(&self.whole)
            .chain(self.graphs.iter().map(|graph| &graph.file))
            .find(|file| file.path == path)
    }

    /// The file of `graph`.
    pub fn graph_file(&self, graph: &str) -> Option<&DumpFile> {
        self.graphs
            .iter()
            .find(|dump| dump.graph == graph)
            .map(|dump| &dump.file)
    }
}

/// The directory of the dumps of one platform.
#[derive(Debug, Clone)]
pub struct DumpDirectory {
    root: PathBuf,
}

impl DumpDirectory {
    /// The dumps directory of a data directory: `{data}/dumps`.
    pub fn new(data_dir: &Path) -> Self {
        Self {
            root: data_dir.join("dumps"),
        }
    }

    /// The directory itself.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Where the file at `path` (as the manifest names it) lives on disk.
    pub fn path_of(&self, path: &str) -> PathBuf {
        self.root.join(path)
    }

    /// The manifest of the last refresh; `None` before the first one.
    pub fn manifest(&self) -> Result<Option<DumpManifest>, OpenDataError> {
        read_json(&self.root.join(MANIFEST))
    }

    /// Writes the dumps of the store's public graphs again, then the whole dump and the
    /// manifest. Each file is written beside its final name and renamed, so that a reader
    /// always finds a whole file.
    pub fn refresh(
        &self,
        store: &Store,
        minter: &IriMinter,
        scope: DumpScope<'_>,
    ) -> Result<DumpManifest, OpenDataError> {
        let _one_writer = WRITING
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let previous = self.manifest().ok().flatten();

        let mut graphs = Vec::new();
        for graph in public_graphs(store, minter)? {
            let kept = match &previous {
                Some(previous) => self.reusable(store, minter, previous, &graph, scope)?,
                None => None,
            };
            let file = match kept {
                Some(file) => file,
                None => self.write_graph(store, minter, &graph)?,
            };
            graphs.push(GraphDump {
                graph: graph.into_string(),
                file,
            });
        }

        let whole = self.write_whole(&graphs)?;
        let manifest = DumpManifest {
            generated: Utc::now(),
            whole,
            graphs,
        };
        if let Some(previous) = previous {
            self.remove_stale(&previous, &manifest);
        }
        let text = serde_json::to_vec_pretty(&manifest).expect("a manifest serializes");
        write_atomically(&self.root.join(MANIFEST), |writer| {
            writer.write_all(&text).map(|()| 0)
        })?;
        Ok(manifest)
    }

    /// The previous file of a graph, when the scope keeps it and it still holds as many quads
    /// as the graph.
    fn reusable(
        &self,
        store: &Store,
        minter: &IriMinter,
        previous: &DumpManifest,
        graph: &NamedNode,
        scope: DumpScope<'_>,
    ) -> Result<Option<DumpFile>, OpenDataError> {
        let is_reference = minter
            .relative(graph.as_str())
            .is_some_and(|path| REFERENCE_GRAPHS.contains(&path));
        let kept_by_scope = match scope {
            DumpScope::Everything => false,
            DumpScope::KeepReferenceData => is_reference,
            DumpScope::Graphs(changed) => !changed.contains(graph),
        };
        let Some(file) = previous
            .graph_file(graph.as_str())
            .filter(|_| kept_by_scope)
        else {
            return Ok(None);
        };
        let unchanged =
            self.path_of(&file.path).is_file() && store.graph_len(graph.as_ref())? == file.quads;
        Ok(unchanged.then(|| file.clone()))
    }

    fn write_graph(
        &self,
        store: &Store,
        minter: &IriMinter,
        graph: &NamedNode,
    ) -> Result<DumpFile, OpenDataError> {
        let path = graph_file_path(minter, graph);
        write_atomically(&self.path_of(&path), |writer| {
            let encoder = GzEncoder::new(writer, Compression::default());
            let (encoder, quads) = store
                .write_graph_as_nquads(graph.as_ref(), encoder)
                .map_err(std::io::Error::other)?;
            encoder.finish()?;
            Ok(quads)
        })
        .map(|file| DumpFile { path, ..file })
    }

    fn write_whole(&self, graphs: &[GraphDump]) -> Result<DumpFile, OpenDataError> {
        write_atomically(&self.path_of(WHOLE_DUMP), |writer| {
            let mut quads = 0;
            for graph in graphs {
                let mut part = File::open(self.path_of(&graph.file.path))?;
                std::io::copy(&mut part, writer)?;
                quads += graph.file.quads;
            }
            Ok(quads)
        })
        .map(|file| DumpFile {
            path: WHOLE_DUMP.to_owned(),
            ..file
        })
    }

    /// Removes the files of graphs that no longer exist; a failure only leaves a file behind.
    fn remove_stale(&self, previous: &DumpManifest, current: &DumpManifest) {
        for old in &previous.graphs {
            if current.file(&old.file.path).is_none() {
                let _ = std::fs::remove_file(self.path_of(&old.file.path));
            }
        }
    }
}

/// Path of a graph's dump inside the dumps directory: `source/{id}.nq.gz` for a source's
/// graph (the file served as that source's dump), `graphes/{name}.nq.gz` for the others.
fn graph_file_path(minter: &IriMinter, graph: &NamedNode) -> String {
    let name = minter
        .relative(graph.as_str())
        .and_then(|path| path.strip_prefix("graphe/"))
        .unwrap_or_default();
    match name.strip_prefix("source/") {
        Some(source_id) => format!("source/{source_id}.nq.gz"),
        None => format!("graphes/{}.nq.gz", name.replace('/', "-")),
    }
}

/// Writes a file through `fill` beside its final name, then renames it; returns the file's
/// size, hash and the count `fill` returned (its `path` field is left empty).
pub(super) fn write_atomically(
    path: &Path,
    fill: impl FnOnce(&mut HashingWriter<BufWriter<File>>) -> std::io::Result<usize>,
) -> Result<DumpFile, OpenDataError> {
    let fault = |source| OpenDataError::Io {
        path: path.to_path_buf(),
        source,
    };
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).map_err(fault)?;
    }
    let mut temporary = path.as_os_str().to_owned();
    temporary.push(format!(".{}.tmp", std::process::id()));
    let temporary = PathBuf::from(temporary);

    let file = File::create(&temporary).map_err(fault)?;
    let mut writer = HashingWriter::new(BufWriter::new(file));
    let quads = fill(&mut writer).map_err(|error| {
        // A store failure travels through the writer as an I/O error: give it back its type.
        if error
            .get_ref()
            .is_some_and(|inner| inner.is::<StoreError>())
        {
            let inner = error.into_inner().expect("checked above");
            return OpenDataError::Store(*inner.downcast::<StoreError>().expect("checked above"));
        }
        fault(error)
    })?;
    let (bytes, sha256, buffered) = writer.finish();
    buffered
        .into_inner()
        .map_err(|error| fault(error.into_error()))?
        .sync_all()
        .map_err(fault)?;
    std::fs::rename(&temporary, path).map_err(fault)?;
    Ok(DumpFile {
        path: String::new(),
        quads,
        bytes,
        sha256,
        modified: Utc::now(),
    })
}

/// Reads a JSON file the platform wrote; `None` when it does not exist.
pub(super) fn read_json<T: serde::de::DeserializeOwned>(
    path: &Path,
) -> Result<Option<T>, OpenDataError> {
    let bytes = match std::fs::read(path) {
        Ok(bytes) => bytes,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(source) => {
            return Err(OpenDataError::Io {
                path: path.to_path_buf(),
                source,
            });
        }
    };
    serde_json::from_slice(&bytes)
        .map(Some)
        .map_err(|source| OpenDataError::Json {
            path: path.to_path_buf(),
            source,
        })
}

/// A writer that counts and hashes what goes through it.
pub(super) struct HashingWriter<W> {
    inner: W,
    hasher: Sha256,
    bytes: u64,
}

impl<W: Write> HashingWriter<W> {
    fn new(inner: W) -> Self {
        Self {
            inner,
            hasher: Sha256::new(),
            bytes: 0,
        }
    }

    /// The byte count, the hexadecimal SHA-256 and the inner writer.
    fn finish(self) -> (u64, String, W) {
        let digest = self.hasher.finalize();
        let hex = digest.iter().map(|byte| format!("{byte:02x}")).collect();
        (self.bytes, hex, self.inner)
    }
}

impl<W: Write> Write for HashingWriter<W> {
    fn write(&mut self, buffer: &[u8]) -> std::io::Result<usize> {
        let written = self.inner.write(buffer)?;
        self.hasher.update(&buffer[..written]);
        self.bytes += written as u64;
        Ok(written)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_source_graph_is_dumped_where_its_url_says() {
        let minter = IriMinter::new("http://example.test/").unwrap();
        let path = |graph: &str| graph_file_path(&minter, &minter.at(graph));
        assert_eq!(path("graphe/source/cnfs"), "source/cnfs.nq.gz");
        assert_eq!(
            path("graphe/quarantaine/cnfs"),
            "graphes/quarantaine-cnfs.nq.gz"
        );
        assert_eq!(path("graphe/territoires"), "graphes/territoires.nq.gz");
    }

    #[test]
    fn the_hash_is_the_sha256_of_the_bytes_written() {
        let mut writer = HashingWriter::new(Vec::new());
        writer.write_all(b"abc").unwrap();
        let (bytes, sha256, inner) = writer.finish();
        assert_eq!((bytes, inner), (3, b"abc".to_vec()));
        // The SHA-256 of "abc" given in FIPS 180-2, appendix B.1.
        assert_eq!(
            sha256,
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}

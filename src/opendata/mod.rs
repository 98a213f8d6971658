//! Open data: gzipped N-Quads dumps of the public graphs, the VoID and DCAT-AP descriptions of
//! the dataset, sitemaps of the pages, and the JSON-LD that Web tools read (a published
//! context, schema.org descriptions of initiatives).

mod catalog;
mod context;
mod dumps;
mod schema_org;
mod sitemap;
mod statistics;
mod void;

use std::path::PathBuf;

use oxigraph::model::NamedNode;

pub use self::catalog::{catalog_description, frequency_for_duration};
pub use self::context::jsonld_context;
pub use self::dumps::{DumpDirectory, DumpFile, DumpManifest, DumpScope, GraphDump, WHOLE_DUMP};
pub use self::schema_org::{InitiativeFacts, schema_org_json};
pub use self::sitemap::{SitemapEntry, render_sitemap, render_sitemap_part, sitemap_entries};
pub use self::statistics::{DatasetFigures, LINK_TARGETS, LinkTarget, Statistics, statistics};
pub use self::void::void_description;
use crate::iri::IriMinter;
use crate::store::{Store, StoreError};

/// Path of the VoID description, under the base.
pub const VOID_PATH: &str = ".well-known/void";
/// Path of the DCAT catalogue, under the base.
pub const CATALOGUE_PATH: &str = "catalogue";
/// Path under which the dumps are served, under the base.
pub const DUMPS_PATH: &str = "donnees/";
/// Path of the JSON-LD context, under the base.
pub const CONTEXT_PATH: &str = "contexte.jsonld";
/// Path of the exports of a search, under the base; the format's extension follows.
pub const EXPORT_PATH: &str = "api/search/export";

/// Graphs named by one fixed path under `graphe/`.
const FIXED_GRAPHS: [&str; 8] = [
    "ontologie",
    "vocabulaires",
    "territoires",
    "moissons",
    "liens",
    "contributions",
    "historique",
    "communautes",
];
/// Graphs named by a kind and a source (or a partner) under `graphe/`.
const SOURCE_GRAPH_KINDS: [&str; 3] = ["source/", "quarantaine/", "partenaire/"];

/// What can go wrong while writing or reading the open-data files.
#[derive(Debug, thiserror::Error)]
pub enum OpenDataError {
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// A file could not be written or read.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The operating system's error.
        source: std::io::Error,
    },
    /// A file the platform wrote could not be read back.
    #[error("{path} is not readable JSON: {source}")]
    Json {
        /// The file.
        path: PathBuf,
        /// The parser's error.
        source: serde_json::Error,
    },
}

/// Whether `graph` is one of the public graphs of the dataset (the reference graphs, and the
/// graphs of sources, quarantines, harvests and links); no other graph is ever published.
pub fn is_public_graph(minter: &IriMinter, graph: &str) -> bool {
    let Some(name) = minter
        .relative(graph)
        .and_then(|path| path.strip_prefix("graphe/"))
    else {
        return false;
    };
    FIXED_GRAPHS.contains(&name)
        || SOURCE_GRAPH_KINDS.iter().any(|kind| {
            name.strip_prefix(kind)
                .is_some_and(|source| !source.is_empty() && !source.contains(['/', '#', '?']))
        })
}

/// The public graphs that hold quads, sorted by IRI.
pub fn public_graphs(store: &Store, minter: &IriMinter) -> Result<Vec<NamedNode>, StoreError> {
    let mut graphs = Vec::new();
    for graph in store.graph_names()? {
        if is_public_graph(minter, graph.as_str()) && store.has_graph(graph.as_ref())? {
            graphs.push(graph);
        }
    }
    graphs.sort();
    Ok(graphs)
}

/// IRI of the whole dataset, described at `/.well-known/void`.
pub fn dataset_iri(minter: &IriMinter) -> NamedNode {
    minter.at(&format!("{VOID_PATH}#ancrage"))
}

/// Download URL of a dump file, given its path inside the dumps directory.
pub fn dump_url(minter: &IriMinter, path: &str) -> NamedNode {
    minter.at(&format!("{DUMPS_PATH}{path}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_graphs_of_the_dataset_are_public() {
        let minter = IriMinter::new("http://example.test/").unwrap();
        for public in [
            "graphe/territoires",
            "graphe/liens",
            "graphe/contributions",
            "graphe/historique",
            "graphe/communautes",
            "graphe/source/france-services",
            "graphe/quarantaine/france-services",
        ] {
            assert!(is_public_graph(
                &minter,
                &format!("http://example.test/{public}")
            ));
        }
        for private in [
            "graphe/comptes",
            "graphe/source/",
            "graphe/source/a/brouillons",
            "prive/graphe/territoires",
        ] {
            assert!(!is_public_graph(
                &minter,
                &format!("http://example.test/{private}")
            ));
        }
        assert!(!is_public_graph(
            &minter,
            "http://other.test/graphe/territoires"
        ));
    }
}

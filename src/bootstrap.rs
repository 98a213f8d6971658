//! Filling an empty store: the ontology, the vocabularies and the territories, all generated
//! from the files shipped with the platform.

use std::path::Path;
use std::time::Instant;

use oxigraph::io::RdfFormat;

use crate::Config;
use crate::ingest::{ConceptIndex, ConceptRole};
use crate::iri::{GraphKind, IriMinter, TerritoryKind};
use crate::store::{Store, StoreError};
use crate::territory::{Territories, TerritoryError, territories_to_quads};

/// Why the reference data could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum BootstrapError {
    /// A shipped file could not be read.
    #[error("cannot read {path}: {source}")]
    Io {
        /// The file.
        path: std::path::PathBuf,
        /// The operating system's error.
        source: std::io::Error,
    },
    /// A shipped RDF file is not valid.
    #[error("{path}: {source}")]
    Rdf {
        /// The file.
        path: std::path::PathBuf,
        /// The parser's error.
        source: StoreError,
    },
    /// The territory files could not be read.
    #[error(transparent)]
    Territories(#[from] TerritoryError),
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// What the bootstrap loaded.
#[derive(Debug, Default)]
pub struct BootstrapReport {
    /// Quads of the ontology graph.
    pub ontology_quads: usize,
    /// Quads of the vocabularies graph.
    pub vocabulary_quads: usize,
    /// Quads of the territories graph.
    pub territory_quads: usize,
    /// Territories loaded, by kind.
    pub territories: Vec<(TerritoryKind, usize)>,
    /// Seconds spent.
    pub seconds: f64,
}

/// Loads the ontology, vocabularies and territories into their graphs.
pub fn load_reference_data(
    store: &Store,
    config: &Config,
    territories: &Territories,
) -> Result<BootstrapReport, BootstrapError> {
    let clock = Instant::now();
    let minter = &config.minter;
    let mut report = BootstrapReport::default();

    let step = crate::progress::spinner("ontologie et vocabulaires");
    report.ontology_quads = load_turtle_directory(
        store,
        minter,
        &config.home_path("ontology"),
        &minter.graph(&GraphKind::Ontology),
    )?;
    let vocabularies = minter.graph(&GraphKind::Vocabularies);
    report.vocabulary_quads = load_turtle_directory(
        store,
        minter,
        &config.home_path("vocabularies"),
        &vocabularies,
    )? + load_turtle_directory(
        store,
        minter,
        &config.home_path("vocabularies/external"),
        &vocabularies,
    )?;
    step.finish_and_clear();

    let step = crate::progress::spinner("territoires");
    let quads = territories_to_quads(territories, minter);
    report.territory_quads = quads.len();
    let bar = crate::progress::bar(quads.len() as u64, "territoires");
    let progress = bar.clone();
    store.bulk_load(quads, move |loaded| progress.set_position(loaded))?;
    bar.finish_and_clear();
    step.finish_and_clear();
    report.territories = TerritoryKind::ALL
        .iter()
        .map(|kind| (*kind, territories.count(*kind)))
        .collect();

    report.seconds = clock.elapsed().as_secs_f64();
    Ok(report)
}

/// Loads every `*.ttl` file directly inside `directory` into `graph`, resolving relative IRIs
/// against the deployment's base.
fn load_turtle_directory(
    store: &Store,
    minter: &IriMinter,
    directory: &Path,
    graph: &oxigraph::model::NamedNode,
) -> Result<usize, BootstrapError> {
    let entries = std::fs::read_dir(directory).map_err(|source| BootstrapError::Io {
        path: directory.to_path_buf(),
        source,
    })?;
    let mut paths: Vec<_> = entries
        .filter_map(|entry| entry.ok().map(|entry| entry.path()))
        .filter(|path| path.extension().is_some_and(|extension| extension == "ttl"))
        .collect();
    paths.sort();
    let mut total = 0;
    for path in paths {
        let bytes = std::fs::read(&path).map_err(|source| BootstrapError::Io {
            path: path.clone(),
            source,
        })?;
        total += store
            .bulk_load_document(&bytes, RdfFormat::Turtle, minter.base(), graph.as_ref())
            .map_err(|source| BootstrapError::Rdf {
                path: path.clone(),
                source,
            })?;
    }
    Ok(total)
}

/// The concepts that can be attached to initiatives, read from the vocabularies in the store.
pub fn concept_index(store: &Store, minter: &IriMinter) -> Result<ConceptIndex, StoreError> {
    let rows = store.select(include_str!("../queries/concepts-by-scheme.rq"), &[])?;
    let roles: Vec<(String, ConceptRole)> = ConceptIndex::SCHEMES
        .iter()
        .map(|(path, role)| (minter.at(path).into_string(), *role))
        .collect();
    let mut index = ConceptIndex::default();
    for row in rows.iter() {
        let (Some(concept), Some(scheme)) = (row.text("concept"), row.text("scheme")) else {
            continue;
        };
        if let Some((_, role)) = roles.iter().find(|(iri, _)| iri == scheme) {
            index.insert(concept, *role);
        }
    }
    Ok(index)
}

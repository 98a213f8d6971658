//! The platform as one object: configuration, store and the services built on them (bootstrap,
//! harvesting). The command line and the web layer both drive it.

use std::sync::{Arc, Mutex, OnceLock};

use crate::Config;
use crate::bootstrap::{self, BootstrapError, BootstrapReport};
use crate::ingest::{
    ConceptIndex, Gazetteer, HarvestContext, HarvestOutcome, IngestError, SourceDescriptor,
    harvest_source,
};
use crate::shapes::{ShapeValidator, ShapesLoadError};
use crate::store::{Store, StoreError};
use crate::territory::{Territories, TerritoryError};

/// Errors of the platform's services.
#[derive(Debug, thiserror::Error)]
pub enum PlatformError {
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The reference data could not be loaded.
    #[error(transparent)]
    Bootstrap(#[from] BootstrapError),
    /// The territory files could not be read.
    #[error(transparent)]
    Territories(#[from] TerritoryError),
    /// A harvest failed as a whole.
    #[error(transparent)]
    Ingest(#[from] IngestError),
    /// The shapes could not be loaded.
    #[error(transparent)]
    Shapes(#[from] ShapesLoadError),
}

/// A running platform.
pub struct Platform {
    /// Its settings.
    pub config: Config,
    /// Its graph.
    pub store: Store,
    territories: OnceLock<Arc<Territories>>,
    gazetteer: OnceLock<Arc<Gazetteer>>,
    validator: OnceLock<Arc<ShapeValidator>>,
    harvest_lock: Mutex<()>,
}

impl Platform {
    /// Opens the on-disk store of `config`.
    pub fn open(config: Config) -> Result<Self, PlatformError> {
        let store = Store::open(&config.store_dir())?;
        Ok(Self::with_store(config, store))
    }

    /// A platform over an existing store (in memory for tests).
    pub fn with_store(config: Config, store: Store) -> Self {
        Self {
            config,
            store,
            territories: OnceLock::new(),
            gazetteer: OnceLock::new(),
            validator: OnceLock::new(),
            harvest_lock: Mutex::new(()),
        }
    }

    /// Fills an empty store with the reference data and the default sources; does nothing on a
    /// store that already holds data. Returns what was loaded.
    pub fn bootstrap_if_empty(
        &self,
    ) -> Result<Option<(BootstrapReport, Vec<SourceHarvest>)>, PlatformError> {
        if !self.store.is_empty()? {
            return Ok(None);
        }
        tracing::info!(store = %self.config.store_dir().display(), "empty store: bootstrapping");
        let report =
            bootstrap::load_reference_data(&self.store, &self.config, &*self.territories()?)?;
        tracing::info!(
            ontology = report.ontology_quads,
            vocabularies = report.vocabulary_quads,
            territories = report.territory_quads,
            seconds = report.seconds,
            "reference data loaded"
        );
        let descriptors = SourceDescriptor::from_directory(&self.config.sources_dir)?;
        let harvests = self.harvest(&descriptors)?;
        self.store.optimize()?;
        Ok(Some((report, harvests)))
    }

    /// Harvests sources one after the other; a source that fails does not stop the others.
    pub fn harvest(
        &self,
        descriptors: &[SourceDescriptor],
    ) -> Result<Vec<SourceHarvest>, PlatformError> {
        let _one_harvest_at_a_time = self
            .harvest_lock
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let concepts = bootstrap::concept_index(&self.store, &self.config.minter)?;
        let gazetteer = self.gazetteer()?;
        let validator = self.validator()?;
        let context = HarvestContext {
            store: &self.store,
            minter: &self.config.minter,
            gazetteer: &gazetteer,
            concepts: &concepts,
            validator: validator.as_ref(),
        };
        let mut results = Vec::new();
        for descriptor in descriptors {
            let spinner = crate::progress::spinner(&format!("moisson {}", descriptor.id));
            let outcome = harvest_source(&context, descriptor);
            spinner.finish_and_clear();
            match &outcome {
                Ok(outcome) => tracing::info!(
                    source = %outcome.source_id,
                    read = outcome.counts.read,
                    accepted = outcome.counts.accepted,
                    rejected = outcome.counts.rejected,
                    new = outcome.counts.new,
                    changed = outcome.counts.changed,
                    unchanged = outcome.counts.unchanged,
                    gone = outcome.counts.gone,
                    seconds = outcome.seconds,
                    "harvest finished"
                ),
                Err(error) => tracing::warn!(source = %descriptor.id, %error, "harvest failed"),
            }
            results.push(SourceHarvest {
                source_id: descriptor.id.clone(),
                outcome,
            });
        }
        Ok(results)
    }

    /// The territories of the geographic code, read once from the shipped files.
    pub fn territories(&self) -> Result<Arc<Territories>, PlatformError> {
        if let Some(territories) = self.territories.get() {
            return Ok(Arc::clone(territories));
        }
        let loaded = Arc::new(Territories::load(&self.config.home_path("territories"))?);
        Ok(Arc::clone(self.territories.get_or_init(|| loaded)))
    }

    fn gazetteer(&self) -> Result<Arc<Gazetteer>, PlatformError> {
        if let Some(gazetteer) = self.gazetteer.get() {
            return Ok(Arc::clone(gazetteer));
        }
        let shapes = self
            .config
            .home_path("territories/geo/communes-simplifiees.geojson.gz");
        let built = Arc::new(Gazetteer::new(self.territories()?, Some(&shapes)));
        Ok(Arc::clone(self.gazetteer.get_or_init(|| built)))
    }

    /// The validator of harvested records, built from `shapes/` on first use.
    pub fn validator(&self) -> Result<Arc<ShapeValidator>, PlatformError> {
        if let Some(validator) = self.validator.get() {
            return Ok(Arc::clone(validator));
        }
        let built = Arc::new(ShapeValidator::new(
            &self.config.home_path("shapes"),
            self.config.minter.base(),
            self.store.clone(),
        )?);
        Ok(Arc::clone(self.validator.get_or_init(|| built)))
    }

    /// The concepts of the vocabularies, as loaded in the store.
    pub fn concepts(&self) -> Result<ConceptIndex, PlatformError> {
        Ok(bootstrap::concept_index(&self.store, &self.config.minter)?)
    }
}

/// The result of harvesting one source.
#[derive(Debug)]
pub struct SourceHarvest {
    /// The source.
    pub source_id: String,
    /// What happened.
    pub outcome: Result<HarvestOutcome, IngestError>,
}

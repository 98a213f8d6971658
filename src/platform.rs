//! The platform as one object: configuration, store and the services built on them (bootstrap,
//! harvesting). The command line and the web layer both drive it.

use std::sync::{Arc, Mutex, OnceLock};

use crate::Config;
use crate::account::Accounts;
use crate::bootstrap::{self, BootstrapError, BootstrapReport};
use crate::community::{Communities, Follows, Invitations};
use crate::contribution::{ContributionContext, ContributionForm, Drafts};
use crate::history::History;
use crate::ingest::{
    ConceptIndex, Gazetteer, HarvestContext, HarvestOutcome, IngestError, SourceDescriptor,
    harvest_source,
};
use crate::iri::GraphKind;
use crate::opendata::{DumpDirectory, DumpManifest, DumpScope, OpenDataError};
use crate::search::SearchIndex;
use crate::shapes::{ShapeValidator, ShapesLoadError};
use crate::store::{Store, StoreError};
use crate::territory::{Territories, TerritoryError};

/// File beside the store holding the operator's token while `serve` runs.
pub const ADMIN_TOKEN_FILE: &str = "admin-token";
/// File beside the store holding the address `serve` listens on.
pub const SERVER_ADDRESS_FILE: &str = "server-address";

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
    /// The search index failed.
    #[error(transparent)]
    Search(#[from] crate::search::SearchError),
    /// Feeding the search index failed.
    #[error(transparent)]
    Feed(#[from] crate::search_feed::FeedError),
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
    admin_token: OnceLock<String>,
    /// The search index, derived from the graph.
    pub search: Arc<SearchIndex>,
    /// The private store (accounts, sessions, drafts, tokens): nothing in it is ever published,
    /// and nothing private is written to `store`.
    pub private: Store,
    /// The accounts of the collaborative space, kept in `private`.
    pub accounts: Accounts,
    /// Proposals and error reports waiting for a moderator, kept in `private`.
    pub drafts: Drafts,
    /// What each account follows, kept in `private`.
    pub follows: Follows,
    /// Pending invitations to join communities, kept in `private`.
    pub invitations: Invitations,
    contribution_form: OnceLock<Arc<ContributionForm>>,
}

impl Platform {
    /// Opens the on-disk store of `config` and the search index beside it.
    pub fn open(config: Config) -> Result<Self, PlatformError> {
        let store = Store::open(&config.store_dir())?;
        let search = SearchIndex::open_or_create(&config.data_dir.join("search"))?;
        let private = Store::open(&config.private_store_dir())?;
        Ok(Self::with_store_and_index(config, store, search, private))
    }

    /// A platform over an existing store, with a search index in memory (for tests and tools).
    pub fn with_store(config: Config, store: Store) -> Self {
        let search = SearchIndex::in_memory().expect("an in-memory index can always be created");
        let private = Store::in_memory().expect("an in-memory store can always be created");
        Self::with_store_and_index(config, store, search, private)
    }

    fn with_store_and_index(
        config: Config,
        store: Store,
        search: SearchIndex,
        private: Store,
    ) -> Self {
        let search = Arc::new(search);
        let service = crate::search_sparql::SearchService::new(Arc::clone(&search));
        let store = store
            .with_service(Arc::new(service))
            .with_federation(&config.federation);
        Self {
            config,
            store,
            territories: OnceLock::new(),
            gazetteer: OnceLock::new(),
            validator: OnceLock::new(),
            harvest_lock: Mutex::new(()),
            admin_token: OnceLock::new(),
            search,
            accounts: Accounts::new(private.clone()),
            drafts: Drafts::new(private.clone()),
            follows: Follows::new(private.clone()),
            invitations: Invitations::new(private.clone()),
            private,
            contribution_form: OnceLock::new(),
        }
    }

    /// Rebuilds the search index from the graph; returns the number of initiatives indexed.
    pub fn reindex(&self) -> Result<usize, PlatformError> {
        Ok(crate::search_feed::reindex(
            &self.store,
            &self.config.minter,
            &self.search,
        )?)
    }

    /// Rebuilds the index when it is empty while the graph holds initiatives (a new or lost
    /// index directory).
    pub fn reindex_if_empty(&self) -> Result<(), PlatformError> {
        if self.search.is_empty() && !self.store.is_empty()? {
            let count = self.reindex()?;
            tracing::info!(initiatives = count, "search index rebuilt from the graph");
        }
        Ok(())
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
        self.config
            .record_base_iri()
            .map_err(|error| StoreError::Directory {
                path: self.config.data_dir.clone(),
                source: error,
            })?;
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

    /// Harvests sources one after the other (a source that fails does not stop the others),
    /// then writes the dumps again.
    pub fn harvest(
        &self,
        descriptors: &[SourceDescriptor],
    ) -> Result<Vec<SourceHarvest>, PlatformError> {
        let results = self.harvest_into_graph(descriptors)?;
        if let Err(error) = self.refresh_dumps_after(&results) {
            tracing::warn!(%error, "dumps not refreshed: the previous ones are still served");
        }
        Ok(results)
    }

    /// Writes again the dumps of the graphs that harvests change (the harvested sources' graphs
    /// and quarantines, the harvest runs, the links) and of those the collaborative space
    /// changes without refreshing the dumps (contributions, history, communities), whose edits
    /// can leave their size as it was; the other files are kept.
    pub fn refresh_dumps_after(
        &self,
        harvests: &[SourceHarvest],
    ) -> Result<DumpManifest, OpenDataError> {
        let minter = &self.config.minter;
        let mut changed = vec![
            minter.graph(&GraphKind::Harvests),
            minter.graph(&GraphKind::Links),
            minter.graph(&GraphKind::Contributions),
            minter.graph(&GraphKind::History),
            minter.graph(&GraphKind::Communities),
        ];
        for harvest in harvests {
            changed.push(minter.graph(&GraphKind::Source(harvest.source_id.clone())));
            changed.push(minter.graph(&GraphKind::Quarantine(harvest.source_id.clone())));
        }
        self.refresh_dumps(DumpScope::Graphs(&changed))
    }

    /// Harvests sources one after the other into the graph and the search index, and links
    /// duplicates across sources; the dumps are left as they were.
    pub fn harvest_into_graph(
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
            if let Ok(outcome) = &outcome {
                crate::search_feed::sync_initiatives(
                    &self.store,
                    &self.config.minter,
                    &self.search,
                    &outcome.touched,
                )?;
            }
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
        let links = crate::ingest::links::recompute_links(&self.store, &self.config.minter)?;
        tracing::info!(
            initiatives = links.initiative_links,
            actors = links.actor_links,
            candidates = links.candidates,
            "duplicates across sources linked"
        );
        Ok(results)
    }

    /// Writes the dumps of the public graphs again into `{data}/dumps/`.
    pub fn refresh_dumps(&self, scope: DumpScope<'_>) -> Result<DumpManifest, OpenDataError> {
        let started = std::time::Instant::now();
        let manifest = DumpDirectory::new(&self.config.data_dir).refresh(
            &self.store,
            &self.config.minter,
            scope,
        )?;
        tracing::info!(
            quads = manifest.whole.quads,
            bytes = manifest.whole.bytes,
            seconds = started.elapsed().as_secs_f64(),
            "dumps written"
        );
        Ok(manifest)
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

    /// The contribution form, generated from `shapes/` and the vocabularies on first use.
    pub fn contribution_form(&self) -> Result<Arc<ContributionForm>, PlatformError> {
        if let Some(form) = self.contribution_form.get() {
            return Ok(Arc::clone(form));
        }
        let shapes = crate::shapes::read_shapes_graph(
            &self.config.home_path("shapes"),
            self.config.minter.base(),
        )?;
        let built = Arc::new(ContributionForm::from_shapes(&shapes, &self.store)?);
        Ok(Arc::clone(self.contribution_form.get_or_init(|| built)))
    }

    /// Runs `work` with what proposals need: the form, the validator, the territories.
    pub fn with_contribution_context<T>(
        &self,
        work: impl FnOnce(&ContributionContext<'_>) -> T,
    ) -> Result<T, PlatformError> {
        let (form, validator, territories) = (
            self.contribution_form()?,
            self.validator()?,
            self.territories()?,
        );
        Ok(work(&ContributionContext {
            store: &self.store,
            minter: &self.config.minter,
            territories: &territories,
            validator: &validator,
            form: &form,
        }))
    }

    /// The history of published changes, over the public store and the search index.
    pub fn history(&self) -> History<'_> {
        History {
            store: &self.store,
            minter: &self.config.minter,
            search: &self.search,
        }
    }

    /// Runs `work` with the communities of the public store and the validator of their writes.
    pub fn with_communities<T>(
        &self,
        work: impl FnOnce(&Communities<'_>) -> T,
    ) -> Result<T, PlatformError> {
        let validator = self.validator()?;
        Ok(work(&Communities {
            store: &self.store,
            minter: &self.config.minter,
            validator: &validator,
        }))
    }

    /// Creates the operator's token for the admin endpoints and writes it, readable by the
    /// operator only, beside the store with the server's address, so that `ancrage harvest`
    /// can ask the running server to harvest instead of fighting for the store's lock.
    pub fn issue_admin_token(&self) -> Result<(), std::io::Error> {
        let token: String = (0..4)
            .map(|_| format!("{:016x}", rand::random::<u64>()))
            .collect();
        let path = self.config.data_dir.join(ADMIN_TOKEN_FILE);
        std::fs::write(&path, &token)?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600))?;
        }
        let address = format!("http://{}", self.config.bind);
        std::fs::write(self.config.data_dir.join(SERVER_ADDRESS_FILE), address)?;
        let _ = self.admin_token.set(token);
        Ok(())
    }

    /// Whether `token` is the operator's token (compared in constant time).
    pub fn admin_token_matches(&self, token: Option<&str>) -> bool {
        let (Some(expected), Some(given)) = (self.admin_token.get(), token) else {
            return false;
        };
        let differences = expected
            .bytes()
            .zip(given.bytes())
            .fold(0u8, |acc, (a, b)| acc | (a ^ b));
        differences == 0 && expected.len() == given.len()
    }

    /// Harvests each source whose schedule is due, then sleeps a minute, forever. Descriptors
    /// are read again at each round, so a new descriptor is picked up without a restart.
    pub async fn run_scheduler(self: Arc<Self>) {
        loop {
            let platform = Arc::clone(&self);
            let round = tokio::task::spawn_blocking(move || platform.harvest_due_sources()).await;
            match round {
                Ok(Err(error)) => tracing::warn!(%error, "scheduled harvest failed"),
                Err(error) => tracing::warn!(%error, "scheduled harvest task failed"),
                Ok(Ok(())) => (),
            }
            tokio::time::sleep(std::time::Duration::from_secs(60)).await;
        }
    }

    fn harvest_due_sources(&self) -> Result<(), PlatformError> {
        let descriptors = SourceDescriptor::from_directory(&self.config.sources_dir)?;
        let rows = self
            .store
            .select(include_str!("../queries/source-last-runs.rq"), &[])?;
        let now = chrono::Utc::now();
        let due: Vec<SourceDescriptor> = descriptors
            .into_iter()
            .filter(|descriptor| {
                let Some(period) = descriptor
                    .schedule
                    .as_deref()
                    .and_then(crate::ingest::schedule::parse_period)
                else {
                    return false;
                };
                let source = self.config.minter.source(&descriptor.id);
                let last = rows
                    .iter()
                    .find(|row| row.text("source") == Some(source.as_str()))
                    .and_then(|row| row.text("last"))
                    .and_then(|last| chrono::DateTime::parse_from_rfc3339(last).ok());
                match last {
                    Some(last) => {
                        now.signed_duration_since(last).to_std().unwrap_or_default() >= period
                    }
                    None => true,
                }
            })
            .collect();
        if !due.is_empty() {
            self.harvest(&due)?;
        }
        Ok(())
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

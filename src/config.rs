//! Settings of one running platform: where its data lives, where it listens, its IRIs, limits.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use crate::iri::IriMinter;
use crate::store::{FederationConfig, QueryLimits};

/// File of the data directory recording the base IRI its store was built with.
const BASE_IRI_FILE: &str = "base-iri";
/// The sitemaps protocol's limit of URLs in one sitemap.
const SITEMAP_MAX_URLS: usize = 50_000;

/// Settings that cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The base IRI is not an absolute http(s) IRI.
    #[error(transparent)]
    Base(#[from] crate::iri::BaseIriError),
    /// The base IRI differs from the one the store was built with.
    #[error(
        "the store in {data_dir} was built with the base IRI {recorded}, and its IRIs cannot \
         change: drop --base (or give --base {recorded}), or use a new --data directory for {given}"
    )]
    BaseChanged {
        /// The data directory.
        data_dir: PathBuf,
        /// The base recorded with the store.
        recorded: String,
        /// The base asked for.
        given: String,
    },
    /// A remote SPARQL endpoint allowed for SERVICE is not an absolute http(s) URL.
    #[error(
        "--service-allow {endpoint}: {reason}; give the absolute http:// or https:// URL of a \
         SPARQL endpoint, written as it will appear after SERVICE in queries"
    )]
    ServiceEndpoint {
        /// The endpoint as given.
        endpoint: String,
        /// What is wrong with it.
        reason: String,
    },
}

/// Settings of one running platform.
#[derive(Debug, Clone)]
pub struct Config {
    /// Directory of the on-disk store and of everything the platform writes.
    pub data_dir: PathBuf,
    /// Address the HTTP server listens on.
    pub bind: SocketAddr,
    /// IRIs of this deployment.
    pub minter: IriMinter,
    /// Directory holding `ontology/`, `vocabularies/`, `territories/`, `sources/`,
    /// `shapes/`, `templates/` and `static/`.
    pub home: PathBuf,
    /// Directory of the source descriptors harvested by default.
    pub sources_dir: PathBuf,
    /// Bounds on public SPARQL queries.
    pub query_limits: QueryLimits,
    /// Most URLs in one sitemap before it is split into parts listed by an index.
    pub sitemap_max_urls: usize,
    /// Tile server drawn under the maps; none by default, so that no page loads anything from
    /// another host (the maps then draw the bundled boundaries).
    pub map_tiles: Option<TileServer>,
    /// Remote SPARQL endpoints public queries may call with SERVICE; none by default, so that
    /// no query makes the server call another host.
    pub federation: FederationConfig,
}

/// A raster tile server for the maps.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct TileServer {
    /// URL template with `{z}`, `{x}` and `{y}`, e.g. `https://tile.example.org/{z}/{x}/{y}.png`.
    pub url: String,
    /// Attribution the tile provider requires, shown on the maps.
    pub attribution: String,
}

impl Config {
    /// Settings for the given data directory, address and base IRI (derived from the address
    /// when absent: `http://127.0.0.1:8080/`, with `localhost` for a wildcard address).
    pub fn new(
        data_dir: PathBuf,
        bind: SocketAddr,
        base_iri: Option<&str>,
    ) -> Result<Self, crate::iri::BaseIriError> {
        let base = match base_iri {
            Some(base) => base.to_owned(),
            None => base_for_address(bind),
        };
        let home = default_home();
        Ok(Self {
            data_dir,
            bind,
            minter: IriMinter::new(&base)?,
            sources_dir: home.join("sources"),
            home,
            query_limits: QueryLimits::default(),
            sitemap_max_urls: SITEMAP_MAX_URLS,
            map_tiles: None,
            federation: FederationConfig::default(),
        })
    }

    /// Settings for an existing or new data directory: the base IRI recorded when its store was
    /// built wins over the one derived from the address, and contradicting it is an error,
    /// since every IRI of the store starts with it.
    pub fn for_data_dir(
        data_dir: PathBuf,
        bind: SocketAddr,
        base_iri: Option<&str>,
    ) -> Result<Self, ConfigError> {
        let recorded = std::fs::read_to_string(data_dir.join(BASE_IRI_FILE)).ok();
        let recorded = recorded
            .as_deref()
            .map(str::trim)
            .filter(|base| !base.is_empty());
        let config = Self::new(data_dir.clone(), bind, base_iri.or(recorded))?;
        if let Some(recorded) = recorded
            && config.minter.base() != recorded
        {
            return Err(ConfigError::BaseChanged {
                data_dir,
                recorded: recorded.to_owned(),
                given: config.minter.base().to_owned(),
            });
        }
        Ok(config)
    }

    /// Allows public queries to call the SPARQL endpoint at `endpoint` with SERVICE.
    pub fn with_allowed_service(mut self, endpoint: &str) -> Result<Self, ConfigError> {
        let invalid = |reason: &str| ConfigError::ServiceEndpoint {
            endpoint: endpoint.to_owned(),
            reason: reason.to_owned(),
        };
        let iri = oxiri::Iri::parse(endpoint).map_err(|error| invalid(&error.to_string()))?;
        if !crate::store::has_http_scheme(iri.as_str()) {
            return Err(invalid("only http and https endpoints can be called"));
        }
        if !endpoint.is_ascii() || iri.fragment().is_some() {
            return Err(invalid(
                "write it as a URL without fragment, with non-ASCII characters percent-encoded",
            ));
        }
        if !self
            .federation
            .endpoints
            .iter()
            .any(|known| known == endpoint)
        {
            self.federation.endpoints.push(endpoint.to_owned());
        }
        Ok(self)
    }

    /// Records the base IRI beside the store, once the store holds IRIs made with it.
    pub fn record_base_iri(&self) -> std::io::Result<()> {
        std::fs::create_dir_all(&self.data_dir)?;
        std::fs::write(self.data_dir.join(BASE_IRI_FILE), self.minter.base())
    }

    /// The store's directory inside the data directory.
    pub fn store_dir(&self) -> PathBuf {
        self.data_dir.join("store")
    }

    /// The private store's directory (accounts, sessions, drafts, tokens), beside the public
    /// one and never published.
    pub fn private_store_dir(&self) -> PathBuf {
        self.data_dir.join("private")
    }

    /// A file or directory of the platform's home.
    pub fn home_path(&self, relative: &str) -> PathBuf {
        self.home.join(relative)
    }
}

/// `http://{address}/`, naming a wildcard address `localhost` so that links work.
pub fn base_for_address(bind: SocketAddr) -> String {
    if bind.ip().is_unspecified() {
        format!("http://localhost:{}/", bind.port())
    } else {
        format!("http://{bind}/")
    }
}

/// The current directory when it holds the platform's files, else the directory the crate was
/// built from.
pub fn default_home() -> PathBuf {
    let current = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("."));
    if is_home(&current) {
        return current;
    }
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn is_home(directory: &Path) -> bool {
    directory.join("ontology").is_dir() && directory.join("templates").is_dir()
}

//! Settings of one running platform: where its data lives, where it listens, its IRIs, limits.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use crate::iri::IriMinter;
use crate::store::QueryLimits;

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
        })
    }

    /// The store's directory inside the data directory.
    pub fn store_dir(&self) -> PathBuf {
        self.data_dir.join("store")
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

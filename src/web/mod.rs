//! The HTTP face of the platform: SPARQL protocol, linked-data documents and HTML pages.

pub mod conneg;
pub mod error;
mod examples;
mod ontology;
mod opendata;
mod pages;
pub mod params;
mod resource;
mod routes;
mod search;
mod sources;
mod sparql;
pub mod templates;
mod validate;
mod view;

use std::sync::Arc;

use axum::http::{HeaderMap, header};

pub use self::routes::router;
use crate::platform::Platform;

/// What every handler shares.
pub struct AppState {
    /// The platform.
    pub platform: Arc<Platform>,
    /// The page templates.
    pub templates: tera::Tera,
    /// Permits for concurrent SPARQL evaluations: a stuck query holds one, never the server.
    pub query_slots: Arc<tokio::sync::Semaphore>,
}

impl AppState {
    /// The state for a platform, with the templates of its home directory.
    pub fn new(platform: Arc<Platform>) -> Result<Self, tera::Error> {
        let templates = templates::load(&platform.config.home_path("templates"))?;
        let cores = std::thread::available_parallelism().map_or(2, usize::from);
        Ok(Self {
            platform,
            templates,
            query_slots: Arc::new(tokio::sync::Semaphore::new(2 * cores)),
        })
    }
}

/// Languages of the interface.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    /// French, the default.
    Fr,
    /// English.
    En,
}

impl Lang {
    /// The BCP 47 code.
    pub fn code(self) -> &'static str {
        match self {
            Self::Fr => "fr",
            Self::En => "en",
        }
    }

    /// English when the reader prefers it to French, French otherwise.
    pub fn from_headers(headers: &HeaderMap) -> Self {
        let accepted = headers
            .get(header::ACCEPT_LANGUAGE)
            .and_then(|value| value.to_str().ok());
        let cookie = headers
            .get(header::COOKIE)
            .and_then(|value| value.to_str().ok())
            .unwrap_or_default();
        if cookie.split(';').any(|pair| pair.trim() == "lang=en") {
            return Self::En;
        }
        if cookie.split(';').any(|pair| pair.trim() == "lang=fr") {
            return Self::Fr;
        }
        let Some(accepted) = accepted else {
            return Self::Fr;
        };
        let preferred = accepted
            .split(',')
            .next()
            .unwrap_or_default()
            .trim()
            .to_ascii_lowercase();
        if preferred.starts_with("en") {
            Self::En
        } else {
            Self::Fr
        }
    }
}

/// Serves the platform until the process is stopped.
pub async fn serve(platform: Arc<Platform>) -> anyhow::Result<()> {
    let bind = platform.config.bind;
    let base = platform.config.minter.base().to_owned();
    platform.issue_admin_token()?;
    crate::store::Store::bound_query_memory(&platform.config.query_limits);
    tokio::spawn(Arc::clone(&platform).run_scheduler());
    let state = Arc::new(AppState::new(platform)?);
    let listener = tokio::net::TcpListener::bind(bind).await?;
    tracing::info!(%bind, %base, "serving");
    axum::serve(listener, router(state))
        .with_graceful_shutdown(shutdown_signal())
        .await?;
    Ok(())
}

async fn shutdown_signal() {
    let _ = tokio::signal::ctrl_c().await;
    tracing::info!("stopping");
}

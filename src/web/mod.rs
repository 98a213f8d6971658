//! The HTTP face of the platform: SPARQL protocol, linked-data documents and HTML pages.

mod account;
mod charts;
mod community;
pub mod conneg;
mod contours;
mod contribute;
mod dashboard;
pub mod edge;
pub mod error;
mod examples;
mod export;
mod feed;
mod figures;
mod follow;
mod history_view;
mod lookup;
mod map;
mod moderation;
mod ontology;
mod opendata;
mod pages;
pub mod params;
mod partner;
pub mod rate_limit;
mod resource;
mod routes;
mod search;
pub mod session;
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
    /// Commune boundaries for the maps, read on first use.
    contours: contours::ContourCache,
    /// Paces of login and contribution requests, by client address.
    pub limits: rate_limit::RateLimits,
    /// Sends the messages of the account pages (password-reset links).
    pub mailer: Arc<dyn crate::account::Mailer>,
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
            contours: contours::ContourCache::default(),
            limits: rate_limit::RateLimits::default(),
            mailer: Arc::new(crate::account::LogMailer),
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
        // Cookies may hold UTF-8, which `to_str` would refuse; the edge checked it is valid.
        let cookie = headers
            .get(header::COOKIE)
            .and_then(|value| std::str::from_utf8(value.as_bytes()).ok())
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
    // The client's address keys the rate limits of logins and contributions.
    let service = router(state).into_make_service_with_connect_info::<std::net::SocketAddr>();
    axum::serve(listener, service)
        .with_graceful_shutdown(shutdown_signal())
        .await?;
    Ok(())
}

async fn shutdown_signal() {
    let _ = tokio::signal::ctrl_c().await;
    tracing::info!("stopping");
}

//! The sources: an overview of their health, and the harvest endpoint for operators.

use std::sync::Arc;

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, header};
use axum::response::Html;
use serde::{Deserialize, Serialize};

use super::error::{AppError, ShownError};
use super::view::{Labeler, LinkView};
use super::{AppState, Lang, templates};
use crate::ingest::SourceDescriptor;

#[derive(Serialize)]
struct SourcesPage {
    lang: &'static str,
    title: &'static str,
    sources: Vec<SourceSummary>,
}

#[derive(Serialize)]
struct SourceSummary {
    source: LinkView,
    started: Option<String>,
    seconds: Option<f64>,
    read: i64,
    accepted: i64,
    rejected: i64,
    initiatives: i64,
    placed_share: Option<u32>,
    located_share: Option<u32>,
}

/// `GET /sources`: every source with its last run and the quality of its data.
pub async fn sources_show(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
) -> Result<Html<String>, ShownError> {
    let lang = Lang::from_headers(&headers);
    let html = tokio::task::spawn_blocking(move || render_sources(&state, lang))
        .await
        .map_err(|error| AppError::Internal(error.to_string()).as_html())?
        .map_err(AppError::as_html)?;
    Ok(Html(html))
}

fn render_sources(state: &AppState, lang: Lang) -> Result<String, AppError> {
    let platform = &state.platform;
    let mut labeler = Labeler::new(&platform.store, &platform.config.minter, lang);
    let rows = platform
        .store
        .select(include_str!("../../queries/sources-overview.rq"), &[])?;
    let share = |part: i64, whole: i64| (whole > 0).then(|| (part * 100 / whole) as u32);
    let sources = rows
        .iter()
        .filter_map(|row| {
            let iri = row.text("source")?.to_owned();
            let initiatives = row.integer("initiatives").unwrap_or(0);
            let seconds = match (row.text("started"), row.text("ended")) {
                (Some(started), Some(ended)) => duration_seconds(started, ended),
                _ => None,
            };
            Some(SourceSummary {
                source: labeler.link(&iri),
                started: row.text("started").map(str::to_owned),
                seconds,
                read: row.integer("read").unwrap_or(0),
                accepted: row.integer("accepted").unwrap_or(0),
                rejected: row.integer("rejected").unwrap_or(0),
                initiatives,
                placed_share: share(row.integer("placed").unwrap_or(0), initiatives),
                located_share: share(row.integer("located").unwrap_or(0), initiatives),
            })
        })
        .collect();
    let page = SourcesPage {
        lang: lang.code(),
        title: "Sources",
        sources,
    };
    Ok(templates::render(&state.templates, "sources.html", &page)?)
}

fn duration_seconds(started: &str, ended: &str) -> Option<f64> {
    let started = chrono::DateTime::parse_from_rfc3339(started).ok()?;
    let ended = chrono::DateTime::parse_from_rfc3339(ended).ok()?;
    Some((ended - started).num_milliseconds() as f64 / 1000.0)
}

#[derive(Serialize)]
struct DuplicatesPage {
    lang: &'static str,
    title: &'static str,
    candidates: Vec<CandidateView>,
}

#[derive(Serialize)]
struct CandidateView {
    similarity: String,
    first: LinkView,
    second: LinkView,
}

/// `GET /doublons`: pairs of resources that may be duplicates, for review.
pub async fn duplicates_show(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
) -> Result<Html<String>, ShownError> {
    let lang = Lang::from_headers(&headers);
    let html = tokio::task::spawn_blocking(move || {
        let platform = &state.platform;
        let mut labeler = Labeler::new(&platform.store, &platform.config.minter, lang);
        let rows = platform
            .store
            .select(include_str!("../../queries/duplicate-candidates.rq"), &[])?;
        let candidates = rows
            .iter()
            .filter_map(|row| {
                Some(CandidateView {
                    similarity: row.text("similarity")?.to_owned(),
                    first: labeler.link(row.text("first")?),
                    second: labeler.link(row.text("second")?),
                })
            })
            .collect();
        let page = DuplicatesPage {
            lang: lang.code(),
            title: "Doublons possibles",
            candidates,
        };
        Ok::<_, AppError>(templates::render(
            &state.templates,
            "duplicates.html",
            &page,
        )?)
    })
    .await
    .map_err(|error| AppError::Internal(error.to_string()).as_html())?
    .map_err(AppError::as_html)?;
    Ok(Html(html))
}

/// What `POST /admin/moisson` may ask for.
#[derive(Debug, Default, Deserialize)]
pub struct HarvestRequest {
    /// Descriptor files to harvest (default: every descriptor of `sources/`).
    #[serde(default)]
    pub descriptors: Vec<std::path::PathBuf>,
}

/// `POST /admin/moisson`: harvests inside the server, so that a harvest never needs a second
/// process on the store. Only the operator holding the token written at start-up may call it.
pub async fn harvest_run(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    request: Option<Json<HarvestRequest>>,
) -> Result<Json<serde_json::Value>, ShownError> {
    let token = headers
        .get(header::AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.strip_prefix("Bearer "));
    if !state.platform.admin_token_matches(token) {
        return Err(
            AppError::Forbidden("this endpoint needs the operator's token".into()).as_json(),
        );
    }
    let request = request.map(|Json(request)| request).unwrap_or_default();
    let platform = Arc::clone(&state.platform);
    let outcomes = tokio::task::spawn_blocking(move || {
        let descriptors = if request.descriptors.is_empty() {
            SourceDescriptor::from_directory(&platform.config.sources_dir)?
        } else {
            request
                .descriptors
                .iter()
                .map(|path| SourceDescriptor::from_file(path))
                .collect::<Result<Vec<_>, _>>()?
        };
        platform
            .harvest(&descriptors)
            .map_err(|error| crate::ingest::IngestError::Descriptor {
                path: platform.config.sources_dir.clone(),
                message: error.to_string(),
            })
    })
    .await
    .map_err(|error| AppError::Internal(error.to_string()).as_json())?
    .map_err(|error| AppError::BadRequest(error.to_string()).as_json())?;
    let summary: Vec<serde_json::Value> = outcomes
        .iter()
        .map(|harvest| match &harvest.outcome {
            Ok(outcome) => serde_json::to_value(outcome).unwrap_or_default(),
            Err(error) => {
                serde_json::json!({ "source_id": harvest.source_id, "error": error.to_string() })
            }
        })
        .collect();
    Ok(Json(serde_json::json!({ "harvests": summary })))
}

//! Suggestions for the lookup fields of the contribution form: territories from the bundled
//! geographic code, actors from the graph. Each suggestion carries the text the form sends
//! back, `Name (key)`, which the form reads to find the resource.

use std::sync::Arc;

use axum::Json;
use axum::extract::{RawQuery, State};
use oxigraph::model::Literal;
use serde::Serialize;

use super::AppState;
use super::error::{AppError, ShownError};
use super::params::FormParams;
use crate::iri::TerritoryKind;

/// Most suggestions in one answer.
const MAX_SUGGESTIONS: usize = 10;
/// Longest text searched for.
const MAX_QUERY_CHARS: usize = 100;

/// One suggestion.
#[derive(Debug, Serialize)]
pub struct Suggestion {
    /// The resource.
    pub iri: String,
    /// What the person reads.
    pub label: String,
    /// What the form sends back.
    pub value: String,
}

/// `GET /api/territoires?q=bourg&types=commune,departement`: territories whose name starts with
/// (then contains) the text, or whose code starts with it, the most populated first.
pub async fn territories_lookup(
    State(state): State<Arc<AppState>>,
    RawQuery(query): RawQuery,
) -> Result<Json<Vec<Suggestion>>, ShownError> {
    let (text, params) = read_query(query.as_deref()).map_err(AppError::as_json)?;
    let kinds: Vec<TerritoryKind> = params
        .single("types")
        .ok()
        .flatten()
        .map(|types| {
            types
                .split(',')
                .filter_map(TerritoryKind::from_slug)
                .collect()
        })
        .filter(|kinds: &Vec<TerritoryKind>| !kinds.is_empty())
        .unwrap_or_else(|| vec![TerritoryKind::Commune]);
    let territories = state
        .platform
        .territories()
        .map_err(|error| AppError::Internal(error.to_string()).as_json())?;
    let minter = &state.platform.config.minter;
    let wanted = crate::text::place_name_key(&text);
    let code = text.trim().to_uppercase();
    let mut found: Vec<(u8, i64, &crate::territory::Territory)> = territories
        .iter()
        .filter(|territory| kinds.contains(&territory.kind))
        .filter_map(|territory| {
            let name = crate::text::place_name_key(&territory.name);
            let rank = if territory.code.starts_with(&code) {
                0
            } else if name.starts_with(&wanted) {
                1
            } else if name.contains(&wanted) {
                2
            } else {
                return None;
            };
            Some((rank, -territory.population.unwrap_or(0), territory))
        })
        .collect();
    found.sort_by(|a, b| (a.0, a.1, &a.2.name).cmp(&(b.0, b.1, &b.2.name)));
    let suggestions = found
        .into_iter()
        .take(MAX_SUGGESTIONS)
        .map(|(_, _, territory)| Suggestion {
            iri: minter
                .territory(territory.kind, &territory.code)
                .into_string(),
            label: format!(
                "{} ({}, {})",
                territory.name,
                territory.kind.label_fr(),
                territory.code
            ),
            value: format!("{} ({})", territory.name, territory.code),
        })
        .collect();
    Ok(Json(suggestions))
}

/// `GET /api/acteurs?q=maison`: actors of the graph whose name contains the text.
pub async fn actors_lookup(
    State(state): State<Arc<AppState>>,
    RawQuery(query): RawQuery,
) -> Result<Json<Vec<Suggestion>>, ShownError> {
    let (text, _) = read_query(query.as_deref()).map_err(AppError::as_json)?;
    let store = state.platform.store.clone();
    let needle = Literal::new_simple_literal(text.to_lowercase());
    let rows = tokio::task::spawn_blocking(move || {
        store.select(
            include_str!("../../queries/actor-lookup.rq"),
            &[("needle", needle.into())],
        )
    })
    .await
    .map_err(|error| AppError::Internal(error.to_string()).as_json())?
    .map_err(|error| AppError::from(error).as_json())?;
    let minter = &state.platform.config.minter;
    let suggestions = rows
        .iter()
        .filter_map(|row| {
            let iri = row.text("actor")?.to_owned();
            let label = row.text("label")?.to_owned();
            let key = minter.relative(&iri)?.to_owned();
            Some(Suggestion {
                value: format!("{label} ({key})"),
                iri,
                label,
            })
        })
        .collect();
    Ok(Json(suggestions))
}

/// The `q` text (2 to 100 characters) and every parameter.
fn read_query(query: Option<&str>) -> Result<(String, FormParams), AppError> {
    let params = FormParams::parse(query.unwrap_or_default())
        .map_err(|error| AppError::BadRequest(error.to_string()))?;
    let text = params.text("q").trim().to_owned();
    let length = text.chars().count();
    if !(2..=MAX_QUERY_CHARS).contains(&length) {
        return Err(AppError::BadRequest(format!(
            "give q, the text to look for, in 2 to {MAX_QUERY_CHARS} characters"
        )));
    }
    Ok((text, params))
}

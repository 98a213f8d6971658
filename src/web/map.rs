//! The map of the search: the `/carte` page (the search page's filters and results beside a
//! map), the points or clusters of a viewport, and the counts per territory of the choropleths.

use std::sync::Arc;

use axum::Json;
use axum::extract::{RawQuery, State};
use axum::http::HeaderMap;
use axum::response::Html;
use serde::Serialize;
use serde_json::{Value, json};

use super::error::{AppError, ShownError};
use super::params::FormParams;
use super::search::{
    SearchPage, number, page_view, params_without, parse_params, query_string, request_from,
    run_search, search_error,
};
use super::{AppState, Lang, templates};
use crate::config::TileServer;
use crate::iri::TerritoryKind;
use crate::search::{MapResponse, MapView};

/// Parameters of the map page that are not part of the search.
const MAP_ONLY_PARAMS: [&str; 3] = ["view", "zoom", "niveau"];
/// Coordinates are rounded to five decimals (about a metre).
const COORDINATE_SCALE: f64 = 1e5;

/// `GET /carte`: the map page.
pub async fn map_page(
    State(state): State<Arc<AppState>>,
    RawQuery(raw_query): RawQuery,
    headers: HeaderMap,
) -> Result<Html<String>, ShownError> {
    let lang = Lang::from_headers(&headers);
    let params = parse_params(raw_query.as_deref()).map_err(AppError::as_html)?;
    let request = request_from(&state, &params).map_err(AppError::as_html)?;
    let response = run_search(&state, request)
        .await
        .map_err(AppError::as_html)?;
    let html = tokio::task::spawn_blocking(move || {
        let search = page_view(&state, &params, &response, lang, "/carte")?;
        let page = MapPage::new(search, &params, state.platform.config.map_tiles.as_ref());
        Ok::<_, AppError>(templates::render(&state.templates, "carte.html", &page)?)
    })
    .await
    .map_err(|error| AppError::Internal(error.to_string()).as_html())?
    .map_err(AppError::as_html)?;
    Ok(Html(html))
}

/// `GET /api/carte?view=min_lat,min_lon,max_lat,max_lon&zoom=6&…`: what the map shows of the
/// search in the viewport, as `{"total", "truncated", "clusters": [[lat, lon, count, min_lat,
/// min_lon, max_lat, max_lon]…], "points": [[lat, lon, href, name]…]}`.
pub async fn map_api(
    State(state): State<Arc<AppState>>,
    RawQuery(raw_query): RawQuery,
) -> Result<Json<Value>, ShownError> {
    let params = parse_params(raw_query.as_deref()).map_err(AppError::as_json)?;
    let request = request_from(&state, &params).map_err(AppError::as_json)?;
    let view = view_from(&params).map_err(AppError::as_json)?;
    let index = Arc::clone(&state.platform.search);
    let response = tokio::task::spawn_blocking(move || index.map(&request, &view))
        .await
        .map_err(|error| AppError::Internal(error.to_string()).as_json())?
        .map_err(|error| search_error(error).as_json())?;
    Ok(Json(map_json(&state, &response)))
}

/// `GET /api/carte/territoires?niveau=region|departement|epci&…`: the number of results of the
/// search in each territory of the level, as `{"niveau", "total", "counts": {code: n}}`.
pub async fn territory_counts_api(
    State(state): State<Arc<AppState>>,
    RawQuery(raw_query): RawQuery,
) -> Result<Json<Value>, ShownError> {
    let params = parse_params(raw_query.as_deref()).map_err(AppError::as_json)?;
    let request = request_from(&state, &params).map_err(AppError::as_json)?;
    let level = params.single("niveau").ok().flatten().unwrap_or("region");
    let (depth, kind) = match level {
        "region" => (0, TerritoryKind::Region),
        "departement" => (1, TerritoryKind::Departement),
        "epci" => (2, TerritoryKind::Epci),
        other => {
            let message = format!("`niveau` is region, departement or epci, not {other:?}");
            return Err(AppError::BadRequest(message).as_json());
        }
    };
    let index = Arc::clone(&state.platform.search);
    let counts = tokio::task::spawn_blocking(move || index.territory_counts(&request, depth))
        .await
        .map_err(|error| AppError::Internal(error.to_string()).as_json())?
        .map_err(|error| search_error(error).as_json())?;

    let prefix = format!("{}:", kind.slug());
    let mut total = 0;
    let mut by_code = serde_json::Map::new();
    for (key, count) in counts {
        if let Some(code) = key.strip_prefix(&prefix) {
            total += count;
            by_code.insert(code.to_owned(), json!(count));
        }
    }
    Ok(Json(
        json!({ "niveau": level, "total": total, "counts": by_code }),
    ))
}

#[derive(Serialize)]
struct MapPage<'a> {
    #[serde(flatten)]
    search: SearchPage,
    /// The search's parameters, for the map's requests.
    params: String,
    /// The box the results are restricted to, and the link that removes it.
    zone: Option<ZoneView>,
    tiles: Option<&'a TileServer>,
}

#[derive(Serialize)]
struct ZoneView {
    bbox: String,
    remove: String,
}

impl<'a> MapPage<'a> {
    fn new(mut search: SearchPage, params: &FormParams, tiles: Option<&'a TileServer>) -> Self {
        search.title = "Carte des initiatives";
        let mut dropped = vec!["cursor", "limit"];
        dropped.extend(MAP_ONLY_PARAMS);
        let pairs = params_without(params, &dropped);
        let zone = params
            .single("bbox")
            .ok()
            .flatten()
            .filter(|bbox| !bbox.is_empty())
            .map(|bbox| ZoneView {
                bbox: bbox.to_owned(),
                remove: query_string("/carte", &params_without(params, &["bbox", "cursor"])),
            });
        let params = query_string("", &pairs);
        MapPage {
            search,
            params: params.trim_start_matches('?').to_owned(),
            zone,
            tiles,
        }
    }
}

fn view_from(params: &FormParams) -> Result<MapView, AppError> {
    let text = params
        .single("view")
        .ok()
        .flatten()
        .filter(|text| !text.is_empty())
        .ok_or_else(|| {
            AppError::BadRequest("`view` is required: min_lat,min_lon,max_lat,max_lon".into())
        })?;
    let numbers: Vec<f64> = text
        .split(',')
        .map(|part| part.trim().parse::<f64>())
        .collect::<Result<_, _>>()
        .map_err(|_| AppError::BadRequest(format!("`view` must be four numbers, not {text:?}")))?;
    let [min_lat, min_lon, max_lat, max_lon] = numbers[..] else {
        return Err(AppError::BadRequest(format!(
            "`view` must be four numbers min_lat,min_lon,max_lat,max_lon, not {text:?}"
        )));
    };
    // Leaflet reports longitudes beyond ±180 when the world is seen more than once.
    let bbox = [
        min_lat.clamp(-90.0, 90.0),
        min_lon.clamp(-180.0, 180.0),
        max_lat.clamp(-90.0, 90.0),
        max_lon.clamp(-180.0, 180.0),
    ];
    let zoom =
        number(params, "zoom")?.ok_or_else(|| AppError::BadRequest("`zoom` is required".into()))?;
    if !(0.0..=crate::search::MAX_MAP_ZOOM).contains(&zoom) {
        return Err(AppError::BadRequest(
            "`zoom` must be between 0 and 20".into(),
        ));
    }
    Ok(MapView { bbox, zoom })
}

fn map_json(state: &AppState, response: &MapResponse) -> Value {
    let round = |value: f64| (value * COORDINATE_SCALE).round() / COORDINATE_SCALE;
    let minter = &state.platform.config.minter;
    let clusters: Vec<Value> = response
        .clusters
        .iter()
        .map(|cluster| {
            let [min_lat, min_lon, max_lat, max_lon] = cluster.bbox.map(round);
            json!([
                round(cluster.lat),
                round(cluster.lon),
                cluster.count,
                min_lat,
                min_lon,
                max_lat,
                max_lon
            ])
        })
        .collect();
    let points: Vec<Value> = response
        .points
        .iter()
        .map(|point| {
            let href = super::view::href_for(&point.iri, minter);
            json!([round(point.lat), round(point.lon), href, point.name])
        })
        .collect();
    json!({
        "total": response.total,
        "truncated": response.truncated,
        "clusters": clusters,
        "points": points,
    })
}

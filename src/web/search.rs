//! Search: the HTML page (works without JavaScript, facets are links), the JSON API and
//! suggestions as people type.

use std::sync::Arc;

use axum::Json;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{Html, IntoResponse, Response};
use serde::Serialize;

use super::error::{AppError, ShownError};
use super::params::FormParams;
use super::view::Labeler;
use super::{AppState, Lang, templates};
use crate::iri::TerritoryKind;
use crate::search::{DEFAULT_LIMIT, FacetCount, FacetNode, SearchRequest, SearchResponse};
use crate::territory::Territories;

/// Facet parameters of the URL, with the path of their concepts' IRIs.
const FLAT_FACETS: [(&str, &str, &str); 6] = [
    ("public", "Publics", "theme"),
    ("method", "Méthodes", "theme"),
    ("network", "Réseaux", "data-inclusion/reseau-porteur"),
    ("actor_type", "Type de structure", "type-acteur"),
    ("source", "Sources", "source"),
    ("scale", "Échelle d'action", "echelle"),
];

/// `GET /api/search`: the JSON API.
pub async fn search_api(
    State(state): State<Arc<AppState>>,
    RawQuery(raw_query): RawQuery,
) -> Result<Json<ApiResponse>, ShownError> {
    let params = parse_params(raw_query.as_deref()).map_err(AppError::as_json)?;
    let request = request_from(&state, &params).map_err(AppError::as_json)?;
    let response = run_search(&state, request)
        .await
        .map_err(AppError::as_json)?;
    Ok(Json(ApiResponse::from(response)))
}

/// `GET /api/suggest?q=`: names completing what is typed.
pub async fn suggest_api(
    State(state): State<Arc<AppState>>,
    RawQuery(raw_query): RawQuery,
) -> Result<Json<serde_json::Value>, ShownError> {
    let params = parse_params(raw_query.as_deref()).map_err(AppError::as_json)?;
    let prefix = params
        .single("q")
        .ok()
        .flatten()
        .unwrap_or_default()
        .to_owned();
    let limit = number(&params, "limit")?.unwrap_or(8.0) as usize;
    let index = Arc::clone(&state.platform.search);
    let suggestions = tokio::task::spawn_blocking(move || index.suggest(&prefix, limit))
        .await
        .map_err(|error| AppError::Internal(error.to_string()).as_json())?
        .map_err(|error| search_error(error).as_json())?;
    Ok(Json(serde_json::json!({ "suggestions": suggestions })))
}

/// `GET /api/openapi.json`: the description of the JSON API.
pub async fn openapi_show() -> Response {
    let mut response = include_str!("../../static/openapi.json").into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    response
}

/// The JSON API's answer.
#[derive(Debug, Serialize)]
pub struct ApiResponse {
    total: usize,
    results: Vec<crate::search::Hit>,
    facets: crate::search::Facets,
    next_cursor: Option<String>,
}

impl From<SearchResponse> for ApiResponse {
    fn from(response: SearchResponse) -> Self {
        Self {
            total: response.total,
            results: response.hits,
            facets: response.facets,
            next_cursor: response.next_cursor,
        }
    }
}

/// `GET /recherche`: the search page.
pub async fn search_page(
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
    let html = tokio::task::spawn_blocking(move || render_page(&state, &params, &response, lang))
        .await
        .map_err(|error| AppError::Internal(error.to_string()).as_html())?
        .map_err(AppError::as_html)?;
    Ok(Html(html))
}

pub(super) async fn run_search(
    state: &Arc<AppState>,
    request: SearchRequest,
) -> Result<SearchResponse, AppError> {
    let index = Arc::clone(&state.platform.search);
    tokio::task::spawn_blocking(move || index.search(&request))
        .await
        .map_err(|error| AppError::Internal(error.to_string()))?
        .map_err(search_error)
}

pub(super) fn search_error(error: crate::search::SearchError) -> AppError {
    if error.is_client_error() {
        AppError::BadRequest(error.to_string())
    } else {
        AppError::Internal(error.to_string())
    }
}

pub(super) fn parse_params(raw_query: Option<&str>) -> Result<FormParams, AppError> {
    FormParams::parse(raw_query.unwrap_or_default())
        .map_err(|error| AppError::BadRequest(error.to_string()))
}

pub(super) fn number(params: &FormParams, name: &str) -> Result<Option<f64>, AppError> {
    let value = params
        .single(name)
        .map_err(|count| AppError::BadRequest(format!("`{name}` is given {count} times")))?;
    value
        .filter(|value| !value.is_empty())
        .map(|value| {
            value
                .trim()
                .parse::<f64>()
                .ok()
                .filter(|number| number.is_finite())
                .ok_or_else(|| {
                    AppError::BadRequest(format!("`{name}` must be a number, not {value:?}"))
                })
        })
        .transpose()
}

/// The search request a query string asks for.
pub(super) fn request_from(
    state: &AppState,
    params: &FormParams,
) -> Result<SearchRequest, AppError> {
    let all = |name: &str| -> Vec<String> {
        params
            .all(name)
            .into_iter()
            .filter(|value| !value.is_empty())
            .map(str::to_owned)
            .collect()
    };
    let mut request = SearchRequest {
        text: params
            .single("q")
            .ok()
            .flatten()
            .unwrap_or_default()
            .to_owned(),
        themes: all("theme"),
        publics: all("public"),
        methods: all("method"),
        networks: all("network"),
        actor_types: all("actor_type"),
        sources: all("source"),
        scales: all("scale"),
        cursor: params
            .single("cursor")
            .ok()
            .flatten()
            .filter(|c| !c.is_empty())
            .map(str::to_owned),
        limit: number(params, "limit")?.map_or(DEFAULT_LIMIT, |limit| limit.max(0.0) as usize),
        fair_seed: number(params, "seed")?.map(|seed| seed as u64),
        facets: params.single("facets").ok().flatten() != Some("0"),
        ..SearchRequest::default()
    };
    if let Some(code) = params
        .single("territory")
        .ok()
        .flatten()
        .filter(|code| !code.is_empty())
    {
        let territories = state
            .platform
            .territories()
            .map_err(|error| AppError::Internal(error.to_string()))?;
        let path = territory_path(&territories, code)?;
        request.territory = path.last().cloned();
        let serves = params.single("serves").ok().flatten();
        if matches!(serves, Some("1" | "true" | "oui")) {
            request.serves = path;
        }
    }
    if let Some(bbox) = params
        .single("bbox")
        .ok()
        .flatten()
        .filter(|bbox| !bbox.is_empty())
    {
        request.bbox = Some(parse_bbox(bbox)?);
    }
    match (
        number(params, "lat")?,
        number(params, "lon")?,
        number(params, "km")?,
    ) {
        (Some(lat), Some(lon), Some(km)) => request.near = Some((lat, lon, km)),
        (None, None, None) => (),
        _ => {
            return Err(AppError::BadRequest(
                "a radius search needs `lat`, `lon` and `km` together".into(),
            ));
        }
    }
    Ok(request)
}

fn parse_bbox(text: &str) -> Result<[f64; 4], AppError> {
    let numbers: Vec<f64> = text
        .split(',')
        .filter_map(|part| part.trim().parse().ok())
        .collect();
    match numbers.as_slice() {
        [min_lat, min_lon, max_lat, max_lon] => Ok([*min_lat, *min_lon, *max_lat, *max_lon]),
        _ => Err(AppError::BadRequest(format!(
            "`bbox` must be four numbers min_lat,min_lon,max_lat,max_lon, not {text:?}"
        ))),
    }
}

/// A COG code at any level, with or without its kind (`region:84`, `01033`, `200042935`), and
/// the codes of every territory containing it, widest first, as the index writes them.
pub fn territory_path(territories: &Territories, code: &str) -> Result<Vec<String>, AppError> {
    let (kind, code) = match code.split_once(':') {
        Some((kind, code)) => (TerritoryKind::from_slug(kind), code),
        None => (None, code),
    };
    let candidates = match kind {
        Some(kind) => vec![kind],
        None => match code.len() {
            5 => vec![TerritoryKind::Commune],
            9 => vec![TerritoryKind::Epci],
            _ => vec![
                TerritoryKind::Departement,
                TerritoryKind::CollectiviteOutreMer,
                TerritoryKind::Region,
            ],
        },
    };
    let territory = candidates
        .into_iter()
        .find_map(|kind| territories.get(kind, code))
        .ok_or_else(|| {
            AppError::BadRequest(format!(
                "{code:?} is not a territory code (région, département, EPCI or commune)"
            ))
        })?;
    let mut levels: Vec<(usize, String)> = Vec::new();
    let mut add = |territory: &crate::territory::Territory| {
        let rank = match territory.kind {
            TerritoryKind::Region | TerritoryKind::CollectiviteOutreMer => 0,
            TerritoryKind::Departement => 1,
            TerritoryKind::Epci => 2,
            TerritoryKind::Commune => 3,
            _ => return,
        };
        levels.push((
            rank,
            format!("{}:{}", territory.kind.slug(), territory.code),
        ));
    };
    add(territory);
    for ancestor in crate::territory::ancestors(territories, territory) {
        add(ancestor);
    }
    levels.sort();
    levels.dedup();
    Ok(levels.into_iter().map(|(_, code)| code).collect())
}

/// What the search page shows; the map page shows it too, with links to itself.
#[derive(Serialize)]
pub(super) struct SearchPage {
    lang: &'static str,
    pub(super) title: &'static str,
    query: String,
    total: usize,
    hits: Vec<HitView>,
    facets: Vec<FacetGroupView>,
    active: Vec<ActiveFilter>,
    next: Option<String>,
    hidden: Vec<(String, String)>,
    exports: Vec<ExportLink>,
}

/// A link to the export of the whole search in one format.
#[derive(Serialize)]
struct ExportLink {
    label: &'static str,
    href: String,
}

#[derive(Serialize)]
struct HitView {
    href: String,
    name: String,
    snippet: Option<String>,
    matched: Vec<&'static str>,
}

#[derive(Serialize)]
struct FacetGroupView {
    title: &'static str,
    values: Vec<FacetValueView>,
}

#[derive(Serialize)]
struct FacetValueView {
    label: String,
    count: usize,
    href: String,
    selected: bool,
    depth: usize,
}

#[derive(Serialize)]
struct ActiveFilter {
    label: String,
    remove: String,
}

fn render_page(
    state: &AppState,
    params: &FormParams,
    response: &SearchResponse,
    lang: Lang,
) -> Result<String, AppError> {
    let page = page_view(state, params, response, lang, "/recherche")?;
    Ok(templates::render(&state.templates, "search.html", &page)?)
}

/// The results and facets of a search, with links to the page at `path`.
pub(super) fn page_view(
    state: &AppState,
    params: &FormParams,
    response: &SearchResponse,
    lang: Lang,
    path: &str,
) -> Result<SearchPage, AppError> {
    let platform = &state.platform;
    let minter = &platform.config.minter;
    let territories = platform
        .territories()
        .map_err(|error| AppError::Internal(error.to_string()))?;
    let mut labeler = Labeler::new(&platform.store, minter, lang);
    let hits = response
        .hits
        .iter()
        .map(|hit| HitView {
            href: super::view::href_for(&hit.iri, minter),
            name: hit.name.clone(),
            snippet: hit.snippet.clone(),
            matched: hit
                .matched_fields
                .iter()
                .map(|field| matched_label(field))
                .collect(),
        })
        .collect();

    let mut facets = Vec::new();
    let mut theme_values = Vec::new();
    flatten_tree(&response.facets.themes, 0, &mut theme_values);
    facets.push(FacetGroupView {
        title: "Domaines et thèmes",
        values: theme_values
            .into_iter()
            .map(|(node, depth)| {
                facet_value(
                    (path, params),
                    "theme",
                    &node.value,
                    node.count,
                    depth,
                    labeler.label(minter.concept("theme", &node.value).as_str()),
                )
            })
            .collect(),
    });
    let mut territory_values = Vec::new();
    flatten_tree(&response.facets.territories, 0, &mut territory_values);
    facets.push(FacetGroupView {
        title: "Territoires",
        values: territory_values
            .into_iter()
            .map(|(node, depth)| {
                let label = territory_label(&territories, &node.value);
                let mut value = facet_value(
                    (path, params),
                    "territory",
                    &node.value,
                    node.count,
                    depth,
                    label,
                );
                value.href = with_only(path, params, "territory", &node.value);
                value
            })
            .collect(),
    });
    let flat: [&Vec<FacetCount>; 6] = [
        &response.facets.publics,
        &response.facets.methods,
        &response.facets.networks,
        &response.facets.actor_types,
        &response.facets.sources,
        &response.facets.scales,
    ];
    for ((name, title, scheme), counts) in FLAT_FACETS.iter().zip(flat) {
        facets.push(FacetGroupView {
            title,
            values: counts
                .iter()
                .map(|count| {
                    let label = labeler.label(minter.concept(scheme, &count.value).as_str());
                    facet_value((path, params), name, &count.value, count.count, 0, label)
                })
                .collect(),
        });
    }
    facets.retain(|group| !group.values.is_empty());

    let page = SearchPage {
        lang: lang.code(),
        title: "Rechercher",
        query: params
            .single("q")
            .ok()
            .flatten()
            .unwrap_or_default()
            .to_owned(),
        total: response.total,
        hits,
        facets,
        active: active_filters(path, params, &territories, &mut labeler, minter),
        next: response
            .next_cursor
            .as_ref()
            .map(|cursor| with_only(path, params, "cursor", cursor)),
        hidden: params_without(params, &["q", "cursor"]),
        exports: export_links(params),
    };
    Ok(page)
}

/// Links to the exports of every result of the search (not only this page).
fn export_links(params: &FormParams) -> Vec<ExportLink> {
    let pairs = params_without(params, &["cursor", "limit", "facets"]);
    [
        ("CSV", "csv"),
        ("GeoJSON", "geojson"),
        ("JSON-LD", "jsonld"),
    ]
    .into_iter()
    .map(|(label, extension)| ExportLink {
        label,
        href: query_string(&format!("/api/search/export.{extension}"), &pairs),
    })
    .collect()
}

fn matched_label(field: &str) -> &'static str {
    match field {
        "name" => "nom",
        "description" => "description",
        _ => "lieu, structure ou thème",
    }
}

fn flatten_tree(nodes: &[FacetNode], depth: usize, out: &mut Vec<(FacetNode, usize)>) {
    for node in nodes {
        out.push((
            FacetNode {
                value: node.value.clone(),
                count: node.count,
                children: Vec::new(),
            },
            depth,
        ));
        flatten_tree(&node.children, depth + 1, out);
    }
}

pub(super) fn territory_label(territories: &Territories, value: &str) -> String {
    let Some((kind, code)) = value.split_once(':') else {
        return value.to_owned();
    };
    TerritoryKind::from_slug(kind)
        .and_then(|kind| territories.get(kind, code))
        .map_or_else(|| value.to_owned(), |territory| territory.name.clone())
}

fn facet_value(
    (path, params): (&str, &FormParams),
    name: &str,
    value: &str,
    count: usize,
    depth: usize,
    label: String,
) -> FacetValueView {
    let selected = params.all(name).contains(&value);
    FacetValueView {
        label,
        count,
        href: toggled(path, params, name, value),
        selected,
        depth,
    }
}

/// The query string with `value` added to (or removed from) the values of `name`; the cursor is
/// dropped since the result set changes.
fn toggled(path: &str, params: &FormParams, name: &str, value: &str) -> String {
    let mut pairs = params_without(params, &["cursor"]);
    if pairs
        .iter()
        .any(|(key, known)| key == name && known == value)
    {
        pairs.retain(|(key, known)| !(key == name && known == value));
    } else {
        pairs.push((name.to_owned(), value.to_owned()));
    }
    query_string(path, &pairs)
}

/// The query string with `name` set to `value` alone.
fn with_only(path: &str, params: &FormParams, name: &str, value: &str) -> String {
    let mut pairs = params_without(params, &[name, "cursor"]);
    pairs.push((name.to_owned(), value.to_owned()));
    query_string(path, &pairs)
}

pub(super) fn params_without(params: &FormParams, names: &[&str]) -> Vec<(String, String)> {
    params
        .pairs()
        .iter()
        .filter(|(key, _)| !names.contains(&key.as_str()))
        .cloned()
        .collect()
}

/// `path?` followed by the pairs, encoded.
pub(super) fn query_string(path: &str, pairs: &[(String, String)]) -> String {
    let encode = |text: &str| {
        percent_encoding::utf8_percent_encode(text, percent_encoding::NON_ALPHANUMERIC).to_string()
    };
    let joined: Vec<String> = pairs
        .iter()
        .map(|(key, value)| format!("{}={}", encode(key), encode(value)))
        .collect();
    format!("{path}?{}", joined.join("&"))
}

fn active_filters(
    path: &str,
    params: &FormParams,
    territories: &Territories,
    labeler: &mut Labeler<'_>,
    minter: &crate::iri::IriMinter,
) -> Vec<ActiveFilter> {
    let mut active = Vec::new();
    for (name, _, scheme) in std::iter::once(&("theme", "", "theme")).chain(FLAT_FACETS.iter()) {
        for value in params.all(name) {
            let label = labeler.label(minter.concept(scheme, value).as_str());
            active.push(ActiveFilter {
                label,
                remove: toggled(path, params, name, value),
            });
        }
    }
    for value in params
        .all("territory")
        .into_iter()
        .filter(|value| !value.is_empty())
    {
        active.push(ActiveFilter {
            label: territory_label(territories, value),
            remove: toggled(path, params, "territory", value),
        });
    }
    active
}

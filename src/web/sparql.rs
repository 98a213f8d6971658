//! The SPARQL 1.1 Protocol endpoint and its query editor. Queries are open to all; updates are
//! partners' writes, handed to `partner`.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{Html, IntoResponse, Response};
use serde::Serialize;

use super::conneg::negotiate;
use super::error::{AppError, ShownError};
use super::params::FormParams;
use super::{AppState, Lang, templates};
use crate::store::{GraphFormat, OutputFormat, QueryForm, ResultsFormat};

const RESULTS_TYPES: [&str; 6] = [
    "application/sparql-results+json",
    "application/sparql-results+xml",
    "text/csv",
    "text/tab-separated-values",
    "application/json",
    "text/html",
];
const GRAPH_TYPES: [&str; 6] = [
    "text/turtle",
    "application/n-triples",
    "application/ld+json",
    "application/rdf+xml",
    "text/plain",
    "text/html",
];

/// `GET /sparql`: a query in the URL, or the editor for a browser.
pub async fn sparql_get(
    State(state): State<Arc<AppState>>,
    RawQuery(raw_query): RawQuery,
    headers: HeaderMap,
) -> Result<Response, ShownError> {
    let params = FormParams::parse(raw_query.as_deref().unwrap_or_default())
        .map_err(|error| AppError::BadRequest(error.to_string()))?;
    if params.has("update") {
        return Err(AppError::BadRequest(
            "a SPARQL update is sent with POST (application/sparql-update, or the update form \
             field), never in a GET request"
                .into(),
        )
        .into());
    }
    let query = params.single("query").map_err(several_queries)?;
    let Some(query) = query else {
        if accepts_html(&headers) {
            return editor_page(&state, None, &headers);
        }
        return Err(
            AppError::BadRequest("give the SPARQL query in the `query` parameter".into()).into(),
        );
    };
    answer_query(&state, query, &params, &headers, true).await
}

/// `POST /sparql`: a query in a form (`application/x-www-form-urlencoded`) or as the body
/// (`application/sparql-query`). Parameters in the URL count as well, so that a dataset given
/// there is never silently ignored.
pub async fn sparql_post(
    State(state): State<Arc<AppState>>,
    RawQuery(raw_query): RawQuery,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ShownError> {
    let url_params = FormParams::parse(raw_query.as_deref().unwrap_or_default())
        .map_err(|error| AppError::BadRequest(error.to_string()))?;
    let media_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .map(|value| {
            value
                .split(';')
                .next()
                .unwrap_or_default()
                .trim()
                .to_ascii_lowercase()
        })
        .unwrap_or_default();
    match media_type.as_str() {
        "application/x-www-form-urlencoded" => {
            let text = std::str::from_utf8(&body)
                .map_err(|_| AppError::BadRequest("the form body is not valid UTF-8".into()))?;
            let params = FormParams::parse(text)
                .map_err(|error| AppError::BadRequest(error.to_string()))?
                .with_pairs_of(url_params);
            if params.has("update") {
                if params.has("query") {
                    return Err(AppError::BadRequest(
                        "the form holds both a query and an update: send one of them".into(),
                    )
                    .into());
                }
                let update = params.single("update").map_err(several_updates)?;
                let update = update.unwrap_or_default().to_owned();
                return super::partner::update_run(&state, &headers, &update, &params).await;
            }
            let query = params.single("query").map_err(several_queries)?.ok_or_else(|| {
                AppError::BadRequest("give the SPARQL query in the `query` form field".into())
            })?;
            answer_query(&state, query, &params, &headers, false).await
        }
        "application/sparql-query" => {
            let query = std::str::from_utf8(&body).map_err(|_| {
                AppError::BadRequest("the query body is not valid UTF-8: send it encoded as UTF-8".into())
            })?;
            answer_query(&state, query, &url_params, &headers, false).await
        }
        "application/sparql-update" => {
            let update = std::str::from_utf8(&body).map_err(|_| {
                AppError::BadRequest("the update body is not valid UTF-8: send it encoded as UTF-8".into())
            })?;
            super::partner::update_run(&state, &headers, update, &url_params).await
        }
        other => Err(AppError::UnsupportedMediaType(format!(
            "a SPARQL query is sent as application/x-www-form-urlencoded or application/sparql-query \
             (an update as application/sparql-update), not {:?}",
            if other.is_empty() { "no Content-Type" } else { other }
        ))
        .into()),
    }
}

async fn answer_query(
    state: &Arc<AppState>,
    query: &str,
    params: &FormParams,
    headers: &HeaderMap,
    may_show_editor: bool,
) -> Result<Response, ShownError> {
    let platform = &state.platform;
    let default_graphs: Vec<String> = params
        .all("default-graph-uri")
        .into_iter()
        .map(str::to_owned)
        .collect();
    let named_graphs: Vec<String> = params
        .all("named-graph-uri")
        .into_iter()
        .map(str::to_owned)
        .collect();
    let parsed = platform
        .store
        .parse_query(
            query,
            platform.config.minter.base(),
            &platform.config.query_limits,
        )
        .and_then(|parsed| parsed.with_dataset(&default_graphs, &named_graphs))
        .map_err(AppError::from)?;

    let offered: &[&'static str] = if parsed.form().returns_graph() {
        &GRAPH_TYPES
    } else {
        &RESULTS_TYPES
    };
    let accept = headers
        .get(header::ACCEPT)
        .and_then(|value| value.to_str().ok());
    let chosen = negotiate(accept, offered)
        .map_err(|error| AppError::BadRequest(error.to_string()))?
        .ok_or_else(|| AppError::NotAcceptable(offered.to_vec()))?;
    if chosen == "text/html" {
        if may_show_editor {
            return editor_page(state, Some(query), headers);
        }
        return Err(AppError::NotAcceptable(offered[..offered.len() - 1].to_vec()).into());
    }
    let format = output_format(parsed.form(), chosen);

    let limits = platform.config.query_limits.clone();
    let started = std::time::Instant::now();
    let body = evaluate_in_slot(state, parsed, format, limits).await?;
    tracing::debug!(
        bytes = body.len(),
        millis = started.elapsed().as_millis() as u64,
        "query answered"
    );

    let mut response = body.into_response();
    let content_type = if chosen == "application/json" {
        "application/sparql-results+json"
    } else {
        chosen
    };
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(content_type_with_charset(content_type)),
    );
    headers.insert(header::VARY, HeaderValue::from_static("Accept"));
    Ok(response)
}

/// Longest wait for a free evaluation slot before the server says it is busy.
const SLOT_WAIT: std::time::Duration = std::time::Duration::from_secs(2);

/// Evaluates on a blocking thread, at most as many queries at once as the server has slots,
/// and answers at the deadline even if the evaluation has not noticed its cancellation yet.
async fn evaluate_in_slot(
    state: &Arc<AppState>,
    parsed: crate::store::ParsedQuery,
    format: OutputFormat,
    limits: crate::store::QueryLimits,
) -> Result<Vec<u8>, AppError> {
    let busy = || AppError::Busy("every query slot is taken: retry in a moment".into());
    let slot = tokio::time::timeout(SLOT_WAIT, Arc::clone(&state.query_slots).acquire_owned())
        .await
        .map_err(|_| busy())?
        .map_err(|_| busy())?;
    let store = state.platform.store.clone();
    let timeout = limits.timeout;
    let task = tokio::task::spawn_blocking(move || {
        let answer = store.evaluate(&parsed, format, &limits);
        drop(slot);
        answer
    });
    match tokio::time::timeout(timeout + std::time::Duration::from_millis(500), task).await {
        Ok(joined) => joined
            .map_err(|error| AppError::Internal(format!("query task failed: {error}")))?
            .map_err(AppError::from),
        Err(_) => Err(crate::store::StoreError::Timeout { limit: timeout }.into()),
    }
}

fn output_format(form: QueryForm, media_type: &str) -> OutputFormat {
    match (form.returns_graph(), media_type) {
        (false, "application/sparql-results+xml") => OutputFormat::Results(ResultsFormat::Xml),
        (false, "text/csv") => OutputFormat::Results(ResultsFormat::Csv),
        (false, "text/tab-separated-values") => OutputFormat::Results(ResultsFormat::Tsv),
        (false, _) => OutputFormat::Results(ResultsFormat::Json),
        (true, "application/n-triples" | "text/plain") => {
            OutputFormat::Graph(GraphFormat::NTriples)
        }
        (true, "application/ld+json") => OutputFormat::Graph(GraphFormat::JsonLd),
        (true, "application/rdf+xml") => OutputFormat::Graph(GraphFormat::RdfXml),
        (true, _) => OutputFormat::Graph(GraphFormat::Turtle),
    }
}

fn content_type_with_charset(media_type: &str) -> &'static str {
    match media_type {
        "application/sparql-results+xml" => "application/sparql-results+xml; charset=utf-8",
        "text/csv" => "text/csv; charset=utf-8",
        "text/tab-separated-values" => "text/tab-separated-values; charset=utf-8",
        "text/turtle" => "text/turtle; charset=utf-8",
        "application/n-triples" | "text/plain" => "application/n-triples",
        "application/ld+json" => "application/ld+json",
        "application/rdf+xml" => "application/rdf+xml; charset=utf-8",
        _ => "application/sparql-results+json",
    }
}

fn several_updates(count: usize) -> ShownError {
    AppError::BadRequest(format!(
        "the request holds {count} updates: send exactly one `update` (one update may hold \
         several operations separated by `;`)"
    ))
    .into()
}

fn several_queries(count: usize) -> ShownError {
    AppError::BadRequest(format!(
        "the request holds {count} queries: send exactly one `query`"
    ))
    .into()
}

fn accepts_html(headers: &HeaderMap) -> bool {
    let accept = headers
        .get(header::ACCEPT)
        .and_then(|value| value.to_str().ok());
    matches!(
        negotiate(accept, &["application/sparql-results+json", "text/html"]),
        Ok(Some("text/html"))
    )
}

/// An example query shown in the editor.
#[derive(Serialize)]
struct ExampleQuery {
    title: String,
    text: String,
}

#[derive(Serialize)]
struct SparqlPage {
    lang: &'static str,
    title: &'static str,
    endpoint: String,
    query: String,
    examples: Vec<ExampleQuery>,
}

fn editor_page(
    state: &AppState,
    query: Option<&str>,
    headers: &HeaderMap,
) -> Result<Response, ShownError> {
    let lang = Lang::from_headers(headers);
    let examples = super::examples::example_queries();
    let initial = query
        .map(str::to_owned)
        .unwrap_or_else(|| examples[0].1.clone());
    let page = SparqlPage {
        lang: lang.code(),
        title: "Point d'accès SPARQL",
        endpoint: "/sparql".into(),
        query: initial,
        examples: examples
            .into_iter()
            .map(|(title, text)| ExampleQuery { title, text })
            .collect(),
    };
    let html = templates::render(&state.templates, "sparql.html", &page)
        .map_err(|error| AppError::from(error).as_html())?;
    let mut response = Html(html).into_response();
    response
        .headers_mut()
        .insert(header::VARY, HeaderValue::from_static("Accept"));
    Ok(response)
}

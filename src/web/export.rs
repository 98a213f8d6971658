//! `/api/search/export.csv`, `.geojson` and `.jsonld`: every result of a search (the same
//! parameters as `/api/search`), streamed in ranking order as an attachment.

use std::sync::Arc;

use axum::body::{Body, Bytes};
use axum::extract::{RawQuery, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use tokio::sync::{Semaphore, SemaphorePermit, mpsc};

use super::AppState;
use super::error::{AppError, ShownError};
use super::search::{number, parse_params, request_from, search_error};
use crate::export::{ExportError, ExportFormat, SearchExport};
use crate::search::DEFAULT_WALK_PAGE;

/// Exports running at once: each holds a blocking thread while it writes.
static EXPORT_SLOTS: Semaphore = Semaphore::const_new(4);
/// Chunks written ahead of the client: past them the writer waits, so memory stays bounded.
const CHUNKS_AHEAD: usize = 4;

/// `GET /api/search/export.csv`.
pub async fn export_csv(
    state: State<Arc<AppState>>,
    query: RawQuery,
) -> Result<Response, ShownError> {
    search_export(state, query, ExportFormat::Csv).await
}

/// `GET /api/search/export.geojson`.
pub async fn export_geojson(
    state: State<Arc<AppState>>,
    query: RawQuery,
) -> Result<Response, ShownError> {
    search_export(state, query, ExportFormat::GeoJson).await
}

/// `GET /api/search/export.jsonld`.
pub async fn export_jsonld(
    state: State<Arc<AppState>>,
    query: RawQuery,
) -> Result<Response, ShownError> {
    search_export(state, query, ExportFormat::JsonLd).await
}

/// Checks the request and writes the first chunk before answering, so that a bad request or
/// a failing store is an error status; the rest is written by a blocking task as the client
/// reads.
async fn search_export(
    State(state): State<Arc<AppState>>,
    RawQuery(raw_query): RawQuery,
    format: ExportFormat,
) -> Result<Response, ShownError> {
    let params = parse_params(raw_query.as_deref()).map_err(AppError::as_json)?;
    let request = request_from(&state, &params).map_err(AppError::as_json)?;
    let max_rows = number(&params, "limit")
        .map_err(AppError::as_json)?
        .map(|limit| limit.max(0.0) as usize);
    let permit = EXPORT_SLOTS.try_acquire().map_err(|_| {
        AppError::Busy("every export slot is taken: retry in a minute".into()).as_json()
    })?;

    let index = Arc::clone(&state.platform.search);
    let store = state.platform.store.clone();
    let minter = state.platform.config.minter.clone();
    let (export, first_chunk) = tokio::task::spawn_blocking(move || {
        let walk = index.walk(&request, DEFAULT_WALK_PAGE)?;
        let mut export = SearchExport::new(walk, store, minter, format, max_rows)?;
        let first_chunk = export.next_chunk()?.unwrap_or_default();
        Ok::<_, ExportError>((export, first_chunk))
    })
    .await
    .map_err(|error| AppError::Internal(error.to_string()).as_json())?
    .map_err(|error| export_error(error).as_json())?;
    tracing::debug!(
        format = format.extension(),
        total = export.total(),
        "export started"
    );

    let (sender, receiver) = mpsc::channel(CHUNKS_AHEAD);
    tokio::task::spawn_blocking(move || write_rest(export, first_chunk, &sender, permit));
    let chunks = futures_util::stream::unfold(receiver, |mut receiver| async move {
        receiver.recv().await.map(|chunk| (chunk, receiver))
    });
    Ok(with_attachment_headers(
        Body::from_stream(chunks).into_response(),
        format,
    ))
}

/// Sends the chunks until the end, the client's departure or a failure, which cuts the body
/// short: the status is already sent, so the client sees an incomplete transfer.
fn write_rest(
    mut export: SearchExport,
    first_chunk: Vec<u8>,
    sender: &mpsc::Sender<Result<Bytes, std::io::Error>>,
    _permit: SemaphorePermit<'static>,
) {
    if sender.blocking_send(Ok(Bytes::from(first_chunk))).is_err() {
        return;
    }
    loop {
        let chunk = match export.next_chunk() {
            Ok(Some(chunk)) => Ok(Bytes::from(chunk)),
            Ok(None) => return,
            Err(error) => {
                tracing::error!(%error, "export stopped midway");
                Err(std::io::Error::other(error.to_string()))
            }
        };
        let failed = chunk.is_err();
        if sender.blocking_send(chunk).is_err() || failed {
            return;
        }
    }
}

fn with_attachment_headers(mut response: Response, format: ExportFormat) -> Response {
    let date = chrono::Utc::now().format("%Y-%m-%d");
    let disposition = format!(
        "attachment; filename=\"ancrage-recherche-{date}.{}\"",
        format.extension()
    );
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(format.media_type()),
    );
    if let Ok(value) = HeaderValue::from_str(&disposition) {
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
    response
}

fn export_error(error: ExportError) -> AppError {
    match error {
        ExportError::Search(error) => search_error(error),
        ExportError::Store(error) => AppError::Store(error),
        other => AppError::Internal(other.to_string()),
    }
}

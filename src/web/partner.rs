//! Writes of partners over HTTP: SPARQL updates posted to `/sparql`, and Graph Store `PUT`,
//! `POST` and `DELETE` on `/store?graph=IRI`, each authenticated by the partner's API token
//! (`Authorization: Bearer …`). Session cookies authorize no write here.

use std::sync::Arc;

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use oxigraph::model::NamedNode;
use serde::Serialize;

use super::AppState;
use super::error::{AppError, ShownError};
use super::params::FormParams;
use crate::history::HistoryError;
use crate::partner::{Partner, PartnerError, PartnerWrite, WriteOutcome};
use crate::shapes::ReportView;
use crate::store::{GraphFormat, Store};

const NO_TOKEN: &str = "this write needs a partner's API token: send it in the header \
    `Authorization: Bearer <token>` (the operator issues one with `ancrage admin create-partner`)";
const BAD_SCHEME: &str = "the Authorization header must read `Bearer <token>`";
const UNKNOWN_TOKEN: &str = "the API token is unknown or expired: ask the operator for a new one";
const UPDATE_COMMENT: &str = "Écriture d'un partenaire (SPARQL Update)";
const PUT_COMMENT: &str = "Écriture d'un partenaire (Graph Store, PUT)";
const POST_COMMENT: &str = "Écriture d'un partenaire (Graph Store, POST)";
const DELETE_COMMENT: &str = "Écriture d'un partenaire (Graph Store, DELETE)";

/// What a successful write answers.
#[derive(Serialize)]
struct WriteSummary {
    /// The revision published, if anything changed.
    revision: Option<String>,
    added: usize,
    removed: usize,
}

/// A SPARQL update from `/sparql` (in the body or the `update` form field): checked against
/// the partner's graphs and the shapes, then published as a revision.
pub async fn update_run(
    state: &Arc<AppState>,
    headers: &HeaderMap,
    text: &str,
    params: &FormParams,
) -> Result<Response, ShownError> {
    let partner = authenticate(state, headers).await?;
    if params.has("using-graph-uri") || params.has("using-named-graph-uri") {
        return Err(AppError::BadRequest(
            "using-graph-uri and using-named-graph-uri are not supported: write USING <…> or \
             WITH <…> in the update itself"
                .into(),
        )
        .into());
    }
    let platform = &state.platform;
    let update = platform
        .store
        .parse_update(
            text,
            platform.config.minter.base(),
            &platform.config.query_limits,
        )
        .map_err(AppError::from)?;
    let outcome = run_write(state, partner, PartnerWrite::Update(update), UPDATE_COMMENT).await?;
    Ok(summary(StatusCode::OK, &outcome))
}

/// `PUT /store?graph=IRI`: the partner's graph replaced by the document of the body.
pub async fn store_replace(
    State(state): State<Arc<AppState>>,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ShownError> {
    let partner = authenticate(&state, &headers).await?;
    let graph = target_graph(&uri)?;
    let triples = read_document(&state, &headers, body).await?;
    let write = PartnerWrite::Replace { graph, triples };
    let outcome = run_write(&state, partner, write, PUT_COMMENT).await?;
    let status = if outcome.created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok(summary(status, &outcome))
}

/// `POST /store?graph=IRI`: the document of the body merged into the partner's graph.
pub async fn store_merge(
    State(state): State<Arc<AppState>>,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ShownError> {
    let partner = authenticate(&state, &headers).await?;
    let graph = target_graph(&uri)?;
    let triples = read_document(&state, &headers, body).await?;
    let write = PartnerWrite::Merge { graph, triples };
    let outcome = run_write(&state, partner, write, POST_COMMENT).await?;
    let status = if outcome.created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok(summary(status, &outcome))
}

/// `DELETE /store?graph=IRI`: the partner's graph emptied.
pub async fn store_delete(
    State(state): State<Arc<AppState>>,
    uri: Uri,
    headers: HeaderMap,
) -> Result<Response, ShownError> {
    let partner = authenticate(&state, &headers).await?;
    let graph = target_graph(&uri)?;
    let outcome = run_write(
        &state,
        partner,
        PartnerWrite::Delete { graph },
        DELETE_COMMENT,
    )
    .await?;
    Ok(summary(StatusCode::OK, &outcome))
}

/// The partner of the request's bearer token; 401 without a working token.
async fn authenticate(state: &Arc<AppState>, headers: &HeaderMap) -> Result<Partner, AppError> {
    let unauthorized = |message: &str, token_given| AppError::Unauthorized {
        message: message.to_owned(),
        token_given,
    };
    let Some(value) = headers.get(header::AUTHORIZATION) else {
        return Err(unauthorized(NO_TOKEN, false));
    };
    let secret = value
        .to_str()
        .ok()
        .and_then(|value| value.trim().split_once(' '))
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
        .map(|(_, secret)| secret.trim().to_owned())
        .ok_or_else(|| unauthorized(BAD_SCHEME, true))?;
    let platform = Arc::clone(&state.platform);
    let found =
        tokio::task::spawn_blocking(move || crate::partner::partner_for_token(&platform, &secret))
            .await
            .map_err(|error| AppError::Internal(error.to_string()))?
            .map_err(from_partner_error)?;
    found.ok_or_else(|| unauthorized(UNKNOWN_TOKEN, true))
}

/// Applies a write on a blocking thread and logs it.
async fn run_write(
    state: &Arc<AppState>,
    partner: Partner,
    write: PartnerWrite,
    comment: &'static str,
) -> Result<WriteOutcome, AppError> {
    let platform = Arc::clone(&state.platform);
    let agent = partner.account.agent_key.clone();
    let outcome = tokio::task::spawn_blocking(move || {
        crate::partner::apply_write(&platform, &partner, &write, Some(comment.to_owned()))
    })
    .await
    .map_err(|error| AppError::Internal(error.to_string()))?
    .map_err(from_partner_error)?;
    tracing::info!(
        %agent,
        added = outcome.added,
        removed = outcome.removed,
        revision = outcome.revision.as_ref().map(NamedNode::as_str),
        "partner write published"
    );
    Ok(outcome)
}

/// The graph named by `?graph=IRI`; `?default` names the default graph, which no partner
/// writes.
fn target_graph(uri: &Uri) -> Result<NamedNode, AppError> {
    let params = FormParams::parse(uri.query().unwrap_or_default())
        .map_err(|error| AppError::BadRequest(error.to_string()))?;
    if params.has("default") {
        return Err(AppError::Forbidden(
            "the default graph is not writable: write to your partner graph with ?graph=IRI".into(),
        ));
    }
    let graph = params
        .single("graph")
        .map_err(|count| {
            AppError::BadRequest(format!("graph is given {count} times: give it once"))
        })?
        .ok_or_else(|| AppError::BadRequest("name the graph to write: ?graph=IRI".into()))?;
    NamedNode::new(graph)
        .ok()
        .filter(|node| node.as_str().contains(':'))
        .ok_or_else(|| AppError::BadRequest(format!("graph={graph:?} is not an absolute IRI")))
}

/// The triples of the body, in the syntax its `Content-Type` names.
async fn read_document(
    state: &Arc<AppState>,
    headers: &HeaderMap,
    body: Bytes,
) -> Result<Vec<oxigraph::model::Triple>, AppError> {
    let media_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.split(';').next())
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    let format = match media_type.as_str() {
        "text/turtle" => GraphFormat::Turtle,
        "application/n-triples" => GraphFormat::NTriples,
        "application/ld+json" => GraphFormat::JsonLd,
        other => {
            return Err(AppError::UnsupportedMediaType(format!(
                "send the graph as text/turtle, application/n-triples or application/ld+json, \
                 not {}",
                if other.is_empty() {
                    "without Content-Type"
                } else {
                    other
                }
            )));
        }
    };
    let platform = Arc::clone(&state.platform);
    tokio::task::spawn_blocking(move || {
        let config = &platform.config;
        Store::parse_document(&body, format, config.minter.base(), &config.query_limits)
    })
    .await
    .map_err(|error| AppError::Internal(error.to_string()))?
    .map_err(AppError::from)
}

fn summary(status: StatusCode, outcome: &WriteOutcome) -> Response {
    let body = WriteSummary {
        revision: outcome.revision.as_ref().map(|iri| iri.as_str().to_owned()),
        added: outcome.added,
        removed: outcome.removed,
    };
    (status, Json(body)).into_response()
}

fn from_partner_error(error: PartnerError) -> AppError {
    match error {
        PartnerError::Store(error) | PartnerError::History(HistoryError::Store(error)) => {
            AppError::Store(error)
        }
        PartnerError::NotAPartner
        | PartnerError::ForbiddenGraph { .. }
        | PartnerError::ForbiddenOperation(_) => AppError::Forbidden(error.to_string()),
        PartnerError::Invalid { ref report, .. } => {
            let view = ReportView::from_report(report, "fr");
            AppError::Unprocessable {
                message: error.to_string(),
                report: serde_json::to_value(view).unwrap_or_default(),
            }
        }
        PartnerError::EmptyGraph(graph) => AppError::NotFound(format!("the graph <{graph}>")),
        other => AppError::Internal(other.to_string()),
    }
}

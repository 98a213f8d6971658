//! Dereferencing: every IRI under the base answers with HTML or RDF by content negotiation, and
//! with a fixed format at the same path plus an extension.

use std::sync::Arc;

use axum::extract::{Query, State};
use axum::http::{HeaderMap, HeaderValue, Method, Uri, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use oxigraph::model::{NamedNode, Quad, Triple};
use serde::Deserialize;

use super::conneg::negotiate;
use super::error::{AppError, ShownError};
use super::session::Viewer;
use super::{AppState, Lang, pages};
use crate::iri::iri_path_from_request;
use crate::store::{GraphFormat, Store};

/// What ends the path of a resource's Atom feed.
const FEED_SUFFIX: &str = "/flux.atom";

/// Document formats, with their media type and extension; HTML first, as browsers want it.
const FORMATS: [(&str, &str); 5] = [
    ("text/html", "html"),
    ("text/turtle", "ttl"),
    ("application/ld+json", "jsonld"),
    ("application/n-triples", "nt"),
    ("application/rdf+xml", "rdf"),
];

/// The answer for any path the route table does not name: the resource it identifies.
pub async fn resource_show(
    State(state): State<Arc<AppState>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
) -> Result<Response, ShownError> {
    if method != Method::GET && method != Method::HEAD {
        return Err(AppError::MethodNotAllowed(method.to_string()).into());
    }
    if let Some(resource_path) = uri.path().strip_suffix(FEED_SUFFIX) {
        let iri_path = iri_path_from_request(resource_path).ok_or_else(|| {
            AppError::BadRequest("the path is not valid UTF-8 once percent-decoded".into())
        })?;
        return super::feed::feed_show(state, iri_path).await;
    }
    let (path, extension) = split_extension(uri.path());
    let iri_path = iri_path_from_request(path).ok_or_else(|| {
        AppError::BadRequest("the path is not valid UTF-8 once percent-decoded".into())
    })?;
    let page_number = page_number(uri.query());
    if iri_path == "ontologie" {
        return super::ontology::ontology_document(&state, extension, &headers).await;
    }
    let iri = state.platform.config.minter.at(&iri_path);
    let document_path = format!("/{}", crate::iri::request_path_from_iri(&iri_path));
    answer(
        &state,
        iri,
        extension,
        &headers,
        &document_path,
        page_number,
    )
    .await
}

/// `GET /ressource?iri=...`: the page of any resource the graph knows, ours or not.
pub async fn resource_by_iri(
    State(state): State<Arc<AppState>>,
    Query(query): Query<IriQuery>,
    headers: HeaderMap,
) -> Result<Response, ShownError> {
    let minter = &state.platform.config.minter;
    if let Some(relative) = minter.relative(&query.iri) {
        return Ok(
            Redirect::to(&format!("/{}", crate::iri::request_path_from_iri(relative)))
                .into_response(),
        );
    }
    let iri = NamedNode::new(query.iri.clone())
        .map_err(|error| AppError::BadRequest(format!("{:?} is not an IRI: {error}", query.iri)))?;
    let document_path = format!(
        "/ressource?iri={}",
        percent_encoding::utf8_percent_encode(iri.as_str(), percent_encoding::NON_ALPHANUMERIC)
    );
    let answered = answer(
        &state,
        iri.clone(),
        query.format.as_deref(),
        &headers,
        &document_path,
        query.page.unwrap_or(1),
    )
    .await;
    match answered {
        Err(ShownError {
            error: AppError::NotFound(_),
            ..
        }) if is_used_outside_term(&state, &iri).await? => {
            Ok(Redirect::to(iri.as_str()).into_response())
        }
        answered => answered,
    }
}

/// Whether `iri` is an outside `http(s)` term the graph uses without describing it (a property
/// of another vocabulary, a linked page): its description lives at its own address. Terms the
/// graph never mentions are not redirected, so the page cannot send visitors anywhere at all.
async fn is_used_outside_term(state: &AppState, iri: &NamedNode) -> Result<bool, AppError> {
    if !(iri.as_str().starts_with("https://") || iri.as_str().starts_with("http://")) {
        return Ok(false);
    }
    let store = state.platform.store.clone();
    let term = iri.clone();
    tokio::task::spawn_blocking(move || {
        store
            .select(
                include_str!("../../queries/term-is-used.rq"),
                &[("term", term.into())],
            )
            .map(|rows| rows.iter().next().is_some())
    })
    .await
    .map_err(|error| AppError::Internal(error.to_string()))?
    .map_err(AppError::from)
}

/// Parameters of [`resource_by_iri`].
#[derive(Debug, Deserialize)]
pub struct IriQuery {
    /// The resource.
    pub iri: String,
    /// A fixed format (`ttl`, `jsonld`...) instead of content negotiation.
    pub format: Option<String>,
    /// Page of the lists shown in HTML.
    pub page: Option<usize>,
}

/// The `page` parameter of a query string, 1 when absent or not a number.
fn page_number(query: Option<&str>) -> usize {
    let params = super::params::FormParams::parse(query.unwrap_or_default()).unwrap_or_default();
    params
        .single("page")
        .ok()
        .flatten()
        .and_then(|page| page.parse().ok())
        .unwrap_or(1)
        .max(1)
}

async fn answer(
    state: &Arc<AppState>,
    iri: NamedNode,
    extension: Option<&str>,
    headers: &HeaderMap,
    document_path: &str,
    page_number: usize,
) -> Result<Response, ShownError> {
    let wants_html_errors =
        extension == Some("html") || (extension.is_none() && prefers_html(headers));
    let shown = |error: AppError| {
        if wants_html_errors {
            error.as_html()
        } else {
            error.into()
        }
    };

    let media_type = match extension {
        Some(extension) => FORMATS
            .iter()
            .find(|(_, known)| *known == extension)
            .map(|(media_type, _)| *media_type)
            .ok_or_else(|| shown(AppError::NotFound(document_path.to_owned())))?,
        None => {
            let accept = headers
                .get(header::ACCEPT)
                .and_then(|value| value.to_str().ok());
            let offered: Vec<&'static str> =
                FORMATS.iter().map(|(media_type, _)| *media_type).collect();
            negotiate(accept, &offered)
                .map_err(|error| shown(AppError::BadRequest(error.to_string())))?
                .ok_or_else(|| shown(AppError::NotAcceptable(offered.clone())))?
        }
    };

    let store = state.platform.store.clone();
    let subject = iri.clone();
    let quads = tokio::task::spawn_blocking(move || store.describe(subject.as_ref()))
        .await
        .map_err(|error| shown(AppError::Internal(error.to_string())))?
        .map_err(|error| shown(error.into()))?;
    if quads.is_empty() {
        return Err(shown(AppError::NotFound(document_path.to_owned())));
    }

    let mut response = if media_type == "text/html" {
        let lang = Lang::from_headers(headers);
        let state = Arc::clone(state);
        let alternates = alternates(document_path);
        let headers = headers.clone();
        let (html, viewer) = tokio::task::spawn_blocking(move || {
            // The viewer decides the forms an initiative's page shows, and their CSRF token.
            let viewer = Viewer::from_headers(&state.platform, &headers)?;
            let html = pages::render_resource(
                &state,
                &iri,
                &quads,
                lang,
                &alternates,
                page_number,
                &viewer,
            )?;
            Ok::<_, AppError>((html, viewer))
        })
        .await
        .map_err(|error| AppError::Internal(error.to_string()).as_html())?
        .map_err(AppError::as_html)?;
        viewer.with_cookie(Html(html).into_response())
    } else {
        let body = serialize_document(quads, media_type).map_err(|error| shown(error.into()))?;
        let mut response = body.into_response();
        response
            .headers_mut()
            .insert(header::CONTENT_TYPE, HeaderValue::from_static(media_type));
        response
    };
    let headers = response.headers_mut();
    if extension.is_none() {
        headers.insert(header::VARY, HeaderValue::from_static("Accept"));
        let extension = FORMATS
            .iter()
            .find(|(known, _)| *known == media_type)
            .map(|(_, e)| *e)
            .unwrap_or("html");
        if let Ok(location) = HeaderValue::from_str(&document_url(document_path, extension)) {
            headers.insert(header::CONTENT_LOCATION, location);
        }
    }
    Ok(response)
}

/// The RDF document of a resource; triples stated in several graphs appear once.
fn serialize_document(
    quads: Vec<Quad>,
    media_type: &str,
) -> Result<Vec<u8>, crate::store::StoreError> {
    let format = match media_type {
        "application/ld+json" => GraphFormat::JsonLd,
        "application/n-triples" => GraphFormat::NTriples,
        "application/rdf+xml" => GraphFormat::RdfXml,
        _ => GraphFormat::Turtle,
    };
    let mut triples: Vec<Triple> = quads.into_iter().map(Triple::from).collect();
    triples.sort_by_cached_key(|triple| triple.to_string());
    triples.dedup();
    Store::serialize_triples(triples, format, None)
}

/// `/a/b.ttl` → (`/a/b`, `ttl`) for the extensions of [`FORMATS`]; other paths unchanged.
fn split_extension(path: &str) -> (&str, Option<&str>) {
    if let Some((stem, extension)) = path.rsplit_once('.')
        && !extension.contains('/')
        && FORMATS.iter().any(|(_, known)| *known == extension)
    {
        return (stem, Some(extension));
    }
    (path, None)
}

/// The URL of the document of a resource in one format.
fn document_url(document_path: &str, extension: &str) -> String {
    match document_path.split_once('?') {
        Some((path, query)) => format!("{path}?{query}&format={extension}"),
        None => format!("{document_path}.{extension}"),
    }
}

/// The alternate documents a page links to: (media type, URL).
pub fn alternates(document_path: &str) -> Vec<(String, String)> {
    FORMATS
        .iter()
        .skip(1)
        .map(|(media_type, extension)| {
            (
                (*media_type).to_owned(),
                document_url(document_path, extension),
            )
        })
        .collect()
}

fn prefers_html(headers: &HeaderMap) -> bool {
    let accept = headers
        .get(header::ACCEPT)
        .and_then(|value| value.to_str().ok());
    matches!(
        negotiate(accept, &["text/html", "text/turtle"]),
        Ok(Some("text/html"))
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_extensions_are_split_off_and_dots_elsewhere_stay() {
        assert_eq!(
            split_extension("/territoire/commune/01001.ttl"),
            ("/territoire/commune/01001", Some("ttl"))
        );
        assert_eq!(
            split_extension("/initiative/x/a.b"),
            ("/initiative/x/a.b", None)
        );
        assert_eq!(
            split_extension("/initiative/x.y/a"),
            ("/initiative/x.y/a", None)
        );
    }
}

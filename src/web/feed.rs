//! Atom feeds beside the pages of initiatives, territories, themes and communities
//! (`…/flux.atom`): their latest new and changed initiatives.

use std::sync::Arc;

use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use oxigraph::model::vocab::rdf;
use oxigraph::model::{NamedNode, Term};
use serde::Serialize;

use super::AppState;
use super::error::{AppError, ShownError};
use super::view::{Labeler, href_for};
use crate::feed::{FEED_LIMIT, FEED_SEGMENT, FeedEntry, FeedHeader, FeedScope, latest_changes};
use crate::store::Store;
use crate::vocab::{anc, skos};

/// One entry as pages show it.
#[derive(Debug, Clone, Serialize)]
pub struct ChangeView {
    /// The initiative's page.
    pub href: String,
    /// Its name.
    pub label: String,
    /// When it changed, RFC 3339.
    pub datetime: String,
    /// When it changed, in French.
    pub date: String,
    /// Whether a revision (rather than a harvest) made the change.
    pub revision: bool,
}

/// `GET {resource path}/flux.atom`: the Atom feed of the resource at `iri_path`.
pub async fn feed_show(state: Arc<AppState>, iri_path: String) -> Result<Response, ShownError> {
    let xml = tokio::task::spawn_blocking(move || {
        let minter = &state.platform.config.minter;
        let iri = minter.at(&iri_path);
        let store = &state.platform.store;
        let scope = scope_of(store, &iri)?.ok_or_else(|| {
            AppError::NotFound(format!("/{}/{FEED_SEGMENT}", request_path(&iri_path)))
        })?;
        let entries = latest_changes(store, &scope, FEED_LIMIT)?;
        let mut labeler = Labeler::new(store, minter, super::Lang::Fr);
        let header = FeedHeader {
            url: feed_url(&iri),
            page: iri.as_str().to_owned(),
            title: format!("{} · nouveautés · ancrage", labeler.label(iri.as_str())),
        };
        Ok::<_, AppError>(crate::feed::atom_document(
            &header,
            &entries,
            chrono::Utc::now(),
        ))
    })
    .await
    .map_err(|error| AppError::Internal(error.to_string()))??;
    let mut response = xml.into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/atom+xml; charset=utf-8"),
    );
    Ok(response)
}

/// What the feed of `iri` follows, from the resource's types; `None` for other resources.
pub fn scope_of(store: &Store, iri: &NamedNode) -> Result<Option<FeedScope>, AppError> {
    let types = store.objects(iri.as_ref(), rdf::TYPE)?;
    let is =
        |class: oxigraph::model::NamedNodeRef<'_>| types.contains(&Term::from(class.into_owned()));
    let is_territory = types.iter().any(|class| {
        matches!(class, Term::NamedNode(class) if class.as_str().starts_with("http://rdf.insee.fr/def/geo#"))
    });
    Ok(if is(anc::INITIATIVE) {
        Some(FeedScope::Initiative(iri.clone()))
    } else if is(anc::COMMUNITY) {
        Some(FeedScope::Community(iri.clone()))
    } else if is_territory {
        Some(FeedScope::Territory(iri.clone()))
    } else if is(skos::CONCEPT) {
        Some(FeedScope::Theme(iri.clone()))
    } else {
        None
    })
}

/// The URL of the feed beside a resource's page.
pub fn feed_url(iri: &NamedNode) -> String {
    format!("{}/{FEED_SEGMENT}", iri.as_str())
}

/// The path of the feed beside a resource's page, for links inside the site.
pub fn feed_href(iri: &NamedNode, minter: &crate::iri::IriMinter) -> String {
    format!("{}/{FEED_SEGMENT}", href_for(iri.as_str(), minter))
}

/// The latest changes of a scope as pages show them.
pub fn change_views(
    store: &Store,
    scope: &FeedScope,
    limit: usize,
    labeler: &mut Labeler<'_>,
) -> Result<Vec<ChangeView>, AppError> {
    Ok(latest_changes(store, scope, limit)?
        .iter()
        .map(|entry: &FeedEntry| ChangeView {
            href: labeler.link(entry.initiative.as_str()).href,
            label: entry.name.clone(),
            datetime: entry.updated.to_rfc3339(),
            date: super::history_view::french_date(&entry.updated),
            revision: entry.kind == crate::feed::ChangeKind::Revision,
        })
        .collect())
}

fn request_path(iri_path: &str) -> String {
    crate::iri::request_path_from_iri(iri_path)
}

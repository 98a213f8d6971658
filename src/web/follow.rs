//! Following: the button beside the pages of initiatives, territories, themes and communities
//! (`POST /suivre`), and what a page shows of it (the feed link, the button, the collections a
//! member may add an initiative to). Who follows what stays in the private store.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::Response;
use oxigraph::model::NamedNode;
use serde::Serialize;

use super::AppState;
use super::error::{AppError, ShownError};
use super::session::{Viewer, form_fields, local_path, run_blocking};
use super::view::href_for;
use crate::feed::FeedScope;

/// The follow button and feed link of a page.
#[derive(Debug, Serialize)]
pub struct FollowView {
    /// The resource followed.
    pub target: String,
    /// The page's path, to come back to.
    pub back: String,
    /// Its Atom feed.
    pub feed: String,
    /// Whether the viewer is logged in.
    pub signed_in: bool,
    /// Whether the viewer follows it.
    pub following: bool,
    /// The viewer's CSRF token.
    pub csrf: String,
    /// Collections of the viewer's communities the initiative may be added to.
    pub collections: Vec<CollectionChoice>,
}

/// A collection the viewer may add the page's initiative to.
#[derive(Debug, Serialize)]
pub struct CollectionChoice {
    /// Where the form posts.
    pub action: String,
    /// The collection's IRI.
    pub iri: String,
    /// "Community — collection".
    pub label: String,
    /// Whether the initiative is in it already.
    pub holds: bool,
}

/// The follow panel of a page whose resource has a feed.
pub fn follow_view(
    state: &AppState,
    scope: &FeedScope,
    viewer: &Viewer,
) -> Result<FollowView, AppError> {
    let platform = &state.platform;
    let minter = &platform.config.minter;
    let target = scope.resource();
    let following = match &viewer.account {
        Some(account) => platform.follows.is_following(&account.key, target)?,
        None => false,
    };
    let collections = match (&viewer.account, scope) {
        (Some(account), FeedScope::Initiative(initiative)) => {
            collection_choices(state, &minter.contributor(&account.agent_key), initiative)?
        }
        _ => Vec::new(),
    };
    Ok(FollowView {
        target: target.as_str().to_owned(),
        back: href_for(target.as_str(), minter),
        feed: super::feed::feed_href(target, minter),
        signed_in: viewer.account.is_some(),
        following,
        csrf: viewer.csrf_token(),
        collections,
    })
}

/// `POST /suivre`: follows (`action=suivre`) or stops following (`action=arreter`) the resource
/// named by `cible`, then goes back to `suite`.
pub async fn follow_submit(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ShownError> {
    let form = form_fields(&body).map_err(AppError::as_html)?;
    run_blocking(move || {
        let viewer = Viewer::from_headers(&state.platform, &headers)?;
        viewer.check_csrf(&form)?;
        let account = viewer.require_account()?;
        let field = |name: &str| form.text(name);
        let target = NamedNode::new(field("cible").to_owned())
            .map_err(|_| AppError::BadRequest("cible doit être l'IRI d'une ressource".into()))?;
        let minter = &state.platform.config.minter;
        let ours = minter.relative(target.as_str()).is_some();
        if !ours || super::feed::scope_of(&state.platform.store, &target)?.is_none() {
            return Err(AppError::BadRequest(
                "on ne peut suivre qu'une initiative, un territoire, un thème ou une communauté"
                    .into(),
            ));
        }
        let follows = &state.platform.follows;
        match field("action") {
            "suivre" => follows.follow(&account.key, &target)?,
            "arreter" => follows.unfollow(&account.key, &target)?,
            _ => {
                return Err(AppError::BadRequest(
                    "action doit valoir suivre ou arreter".into(),
                ));
            }
        }
        let back =
            local_path(Some(field("suite"))).unwrap_or_else(|| href_for(target.as_str(), minter));
        Ok(viewer.redirect(&back))
    })
    .await
}

/// The collections of the viewer's communities, with whether each holds the initiative.
fn collection_choices(
    state: &AppState,
    agent: &NamedNode,
    initiative: &NamedNode,
) -> Result<Vec<CollectionChoice>, AppError> {
    let communities = state
        .platform
        .with_communities(|communities| communities.of_agent(agent))
        .map_err(|error| AppError::Internal(error.to_string()))??;
    let minter = &state.platform.config.minter;
    Ok(communities
        .iter()
        .flat_map(|community| {
            community
                .collections
                .iter()
                .map(move |collection| CollectionChoice {
                    action: format!(
                        "{}/selections/elements",
                        href_for(community.iri.as_str(), minter)
                    ),
                    iri: collection.iri.as_str().to_owned(),
                    label: format!("{} — {}", community.title, collection.title),
                    holds: collection.items.contains(initiative),
                })
        })
        .collect())
}

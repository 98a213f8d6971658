//! Community pages: the list (`/communautes`), the creation form (`/communautes/nouvelle`), a
//! community's page (its IRI, rendered by the resource pages), and the forms of its owners and
//! members (members, collections, items of collections).

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use oxigraph::model::NamedNode;
use serde::Serialize;

use super::error::{AppError, ShownError};
use super::feed::{ChangeView, change_views};
use super::pages::PageMeta;
use super::params::FormParams;
use super::session::{Viewer, ViewerView, form_fields, local_path, run_blocking};
use super::view::{Labeler, LinkView, href_for};
use super::{AppState, Lang, templates};
use crate::community::{Communities, CommunityError, MemberRole, NewCommunity};
use crate::feed::FeedScope;
use crate::history::AgentRef;
use crate::iri::TerritoryKind;

/// Most territories a community form sends.
const MAX_TERRITORIES: usize = 10;
/// How many recent changes a community page lists.
const RECENT_CHANGES: usize = 20;
/// Kinds of territories a community may gather around.
const COMMUNITY_TERRITORY_KINDS: [TerritoryKind; 5] = [
    TerritoryKind::Commune,
    TerritoryKind::Epci,
    TerritoryKind::Departement,
    TerritoryKind::Region,
    TerritoryKind::CollectiviteOutreMer,
];

/// `GET /communautes`: every community.
pub async fn communities_show(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
) -> Result<Response, ShownError> {
    run_blocking(move || {
        let viewer = Viewer::from_headers(&state.platform, &headers)?;
        let lang = Lang::from_headers(&headers);
        let minter = &state.platform.config.minter;
        let summaries = with_communities(&state, |communities| communities.list())??;
        let page = ListPage {
            lang: lang.code(),
            title: "Communautés",
            viewer: viewer.view(),
            communities: summaries
                .into_iter()
                .map(|summary| SummaryView {
                    href: href_for(summary.iri.as_str(), minter),
                    title: summary.title,
                    members: summary.members,
                })
                .collect(),
        };
        let html = templates::render(&state.templates, "community/list.html", &page)?;
        Ok(viewer.page(StatusCode::OK, html))
    })
    .await
}

/// `GET /communautes/nouvelle`: the creation form, for logged-in accounts.
pub async fn community_new(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
) -> Result<Response, ShownError> {
    run_blocking(move || {
        let viewer = Viewer::from_headers(&state.platform, &headers)?;
        if viewer.account.is_none() {
            return Ok(viewer.redirect("/compte/connexion?suite=/communautes/nouvelle"));
        }
        let page = FormPage::new(&state, &viewer, Lang::from_headers(&headers))?;
        let html = templates::render(&state.templates, "community/form.html", &page)?;
        Ok(viewer.page(StatusCode::OK, html))
    })
    .await
}

/// `POST /communautes/nouvelle`: creates the community, or shows the form again with what to fix.
pub async fn community_create(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ShownError> {
    let form = form_fields(&body).map_err(AppError::as_html)?;
    run_blocking(move || {
        let viewer = Viewer::from_headers(&state.platform, &headers)?;
        viewer.check_csrf(&form)?;
        let account = viewer.require_account()?.clone();
        let owner = AgentRef {
            key: account.agent_key.clone(),
            display_name: account.display_name.clone(),
        };
        let (new, mut problems) = read_new_community(&state, &form)?;
        if problems.is_empty() {
            match with_communities(&state, |communities| communities.create(&new, &owner))? {
                Ok(community) => {
                    tracing::info!(community = %community.iri, "community created");
                    let href = href_for(community.iri.as_str(), &state.platform.config.minter);
                    return Ok(viewer.redirect(&href));
                }
                Err(CommunityError::Invalid { messages }) => problems.extend(messages),
                Err(error) => return Err(error.into()),
            }
        }
        let mut page = FormPage::new(&state, &viewer, Lang::from_headers(&headers))?;
        page.refill(&form, problems);
        let html = templates::render(&state.templates, "community/form.html", &page)?;
        Ok(viewer.page(StatusCode::UNPROCESSABLE_ENTITY, html))
    })
    .await
}

/// `POST /communaute/{slug}/membres`: an owner adds a member by the e-mail address of their
/// account (`action=ajouter`, `courriel`, `role`), or removes one (`action=retirer`, `membre`).
pub async fn members_submit(
    State(state): State<Arc<AppState>>,
    Path(slug): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ShownError> {
    let form = form_fields(&body).map_err(AppError::as_html)?;
    run_blocking(move || {
        let (viewer, by) = member_request(&state, &headers, &form)?;
        let community = state.platform.config.minter.community(&slug);
        let field = |name: &str| form.single(name).ok().flatten().unwrap_or_default().trim();
        match field("action") {
            "ajouter" => {
                let role = MemberRole::from_form(field("role")).unwrap_or(MemberRole::Member);
                let member = state
                    .platform
                    .accounts
                    .find_by_email(field("courriel"))
                    .map_err(|error| AppError::Internal(error.to_string()))?
                    .ok_or_else(|| {
                        AppError::BadRequest(
                            "aucun compte n'a cette adresse : la personne doit d'abord créer \
                             son compte"
                                .into(),
                        )
                    })?;
                let member = AgentRef {
                    key: member.agent_key,
                    display_name: member.display_name,
                };
                with_communities(&state, |c| c.set_member(&community, &by, &member, role))??;
            }
            "retirer" => {
                let agent = named(field("membre"))?;
                with_communities(&state, |c| c.remove_member(&community, &by, &agent))??;
            }
            _ => return Err(bad_action()),
        }
        Ok(viewer.redirect(&href_for(community.as_str(), &state.platform.config.minter)))
    })
    .await
}

/// `POST /communaute/{slug}/selections`: an owner creates a collection (`action=creer`,
/// `titre`) or removes one (`action=supprimer`, `selection`).
pub async fn collections_submit(
    State(state): State<Arc<AppState>>,
    Path(slug): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ShownError> {
    let form = form_fields(&body).map_err(AppError::as_html)?;
    run_blocking(move || {
        let (viewer, by) = member_request(&state, &headers, &form)?;
        let community = state.platform.config.minter.community(&slug);
        let field = |name: &str| form.single(name).ok().flatten().unwrap_or_default().trim();
        match field("action") {
            "creer" => {
                let title = field("titre");
                with_communities(&state, |c| c.add_collection(&community, &by, title))??;
            }
            "supprimer" => {
                let collection = named(field("selection"))?;
                with_communities(&state, |c| {
                    c.remove_collection(&community, &by, &collection)
                })??;
            }
            _ => return Err(bad_action()),
        }
        Ok(viewer.redirect(&href_for(community.as_str(), &state.platform.config.minter)))
    })
    .await
}

/// `POST /communaute/{slug}/selections/elements`: a member adds an initiative to a collection
/// (`action=ajouter`) or removes it (`action=retirer`), then goes back to `suite`.
pub async fn items_submit(
    State(state): State<Arc<AppState>>,
    Path(slug): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ShownError> {
    let form = form_fields(&body).map_err(AppError::as_html)?;
    run_blocking(move || {
        let (viewer, by) = member_request(&state, &headers, &form)?;
        let minter = &state.platform.config.minter;
        let community = minter.community(&slug);
        let field = |name: &str| form.single(name).ok().flatten().unwrap_or_default().trim();
        let collection = named(field("selection"))?;
        let initiative = named(field("initiative"))?;
        match field("action") {
            "ajouter" => with_communities(&state, |c| {
                c.add_item(&community, &by, &collection, &initiative)
            })??,
            "retirer" => with_communities(&state, |c| {
                c.remove_item(&community, &by, &collection, &initiative)
            })??,
            _ => return Err(bad_action()),
        };
        let back = local_path(Some(field("suite")))
            .unwrap_or_else(|| href_for(community.as_str(), minter));
        Ok(viewer.redirect(&back))
    })
    .await
}

/// The page of a community: members, collections, recent changes of its territories and themes.
pub(super) fn render_community(
    state: &AppState,
    labeler: &mut Labeler<'_>,
    iri: &NamedNode,
    meta: PageMeta,
    viewer: &Viewer,
) -> Result<String, AppError> {
    let community = with_communities(state, |communities| communities.get(iri))??
        .ok_or_else(|| AppError::NotFound(href_for(iri.as_str(), labeler_minter(state))))?;
    let minter = labeler_minter(state);
    let viewer_role = viewer
        .account
        .as_ref()
        .and_then(|account| community.role_of(&minter.contributor(&account.agent_key)));
    let href = href_for(iri.as_str(), minter);
    let links = |iris: &[NamedNode], labeler: &mut Labeler<'_>| -> Vec<LinkView> {
        iris.iter().map(|iri| labeler.link(iri.as_str())).collect()
    };
    let page = CommunityPage {
        description: community.description.clone(),
        created: super::history_view::french_date(&community.created),
        territories: links(&community.territories, labeler),
        themes: links(&community.themes, labeler),
        members: community
            .members
            .iter()
            .map(|member| MemberView {
                agent: member.agent.as_str().to_owned(),
                name: member.name.clone(),
                role: member.role,
            })
            .collect(),
        collections: community
            .collections
            .iter()
            .map(|collection| CollectionView {
                iri: collection.iri.as_str().to_owned(),
                title: collection.title.clone(),
                items: links(&collection.items, labeler),
            })
            .collect(),
        changes: change_views(
            &state.platform.store,
            &FeedScope::Community(iri.clone()),
            RECENT_CHANGES,
            labeler,
        )?,
        is_owner: viewer_role == Some(MemberRole::Owner),
        is_member: viewer_role.is_some(),
        viewer: viewer.view(),
        members_action: format!("{href}/membres"),
        collections_action: format!("{href}/selections"),
        items_action: format!("{href}/selections/elements"),
        back: href,
        meta,
    };
    Ok(templates::render(
        &state.templates,
        "community/show.html",
        &page,
    )?)
}

#[derive(Serialize)]
struct ListPage {
    lang: &'static str,
    title: &'static str,
    viewer: ViewerView,
    communities: Vec<SummaryView>,
}

#[derive(Serialize)]
struct SummaryView {
    href: String,
    title: String,
    members: i64,
}

#[derive(Serialize)]
struct CommunityPage {
    #[serde(flatten)]
    meta: PageMeta,
    description: Option<String>,
    created: String,
    territories: Vec<LinkView>,
    themes: Vec<LinkView>,
    members: Vec<MemberView>,
    collections: Vec<CollectionView>,
    changes: Vec<ChangeView>,
    is_owner: bool,
    is_member: bool,
    viewer: ViewerView,
    members_action: String,
    collections_action: String,
    items_action: String,
    back: String,
}

#[derive(Serialize)]
struct MemberView {
    agent: String,
    name: String,
    role: MemberRole,
}

#[derive(Serialize)]
struct CollectionView {
    iri: String,
    title: String,
    items: Vec<LinkView>,
}

/// The creation form.
#[derive(Serialize)]
struct FormPage {
    lang: &'static str,
    title: &'static str,
    viewer: ViewerView,
    themes: Vec<ThemeChoice>,
    territory_slots: Vec<String>,
    name: String,
    description: String,
    problems: Vec<String>,
    territory_kinds: String,
}

#[derive(Serialize)]
struct ThemeChoice {
    iri: String,
    label: String,
    checked: bool,
}

impl FormPage {
    fn new(state: &AppState, viewer: &Viewer, lang: Lang) -> Result<Self, AppError> {
        let scheme = state.platform.config.minter.at("theme/domaines");
        let mut themes: Vec<ThemeChoice> = state
            .platform
            .store
            .select(
                include_str!("../../queries/scheme-concepts.rq"),
                &[("scheme", scheme.into())],
            )?
            .iter()
            .filter_map(|row| {
                Some(ThemeChoice {
                    iri: row.text("concept")?.to_owned(),
                    label: row.text("label").or(row.text("concept"))?.to_owned(),
                    checked: false,
                })
            })
            .collect();
        themes.sort_by_key(|theme| crate::text::fold(&theme.label));
        let kinds: Vec<&str> = COMMUNITY_TERRITORY_KINDS
            .iter()
            .map(|kind| kind.slug())
            .collect();
        Ok(Self {
            lang: lang.code(),
            title: "Créer une communauté",
            viewer: viewer.view(),
            themes,
            territory_slots: vec![String::new(); 3],
            name: String::new(),
            description: String::new(),
            problems: Vec::new(),
            territory_kinds: kinds.join(","),
        })
    }

    /// Keeps what was typed, beside the problems found.
    fn refill(&mut self, form: &FormParams, problems: Vec<String>) {
        let field = |name: &str| {
            form.single(name)
                .ok()
                .flatten()
                .unwrap_or_default()
                .to_owned()
        };
        self.name = field("nom");
        self.description = field("presentation");
        let checked = form.all("theme");
        for theme in &mut self.themes {
            theme.checked = checked.contains(&theme.iri.as_str());
        }
        let mut typed: Vec<String> = form
            .all("territoire")
            .into_iter()
            .map(str::to_owned)
            .collect();
        typed.resize(typed.len().max(3), String::new());
        self.territory_slots = typed;
        self.problems = problems;
    }
}

/// The new community a form describes, and the problems found reading it.
fn read_new_community(
    state: &AppState,
    form: &FormParams,
) -> Result<(NewCommunity, Vec<String>), AppError> {
    let field = |name: &str| form.single(name).ok().flatten().unwrap_or_default().trim();
    let mut problems = Vec::new();
    let mut territories = Vec::new();
    let typed: Vec<&str> = form
        .all("territoire")
        .into_iter()
        .map(str::trim)
        .filter(|text| !text.is_empty())
        .collect();
    if typed.len() > MAX_TERRITORIES {
        problems.push(format!("Choisissez au plus {MAX_TERRITORIES} territoires."));
    }
    for text in typed.iter().take(MAX_TERRITORIES) {
        match resolve_territory(state, text)? {
            Some(territory) => territories.push(territory),
            None => problems.push(format!(
                "« {text} » n'est pas un territoire connu : choisissez-le dans les suggestions, \
                 sous la forme « Nom (code) »."
            )),
        }
    }
    let mut themes = Vec::new();
    for theme in form.all("theme") {
        match NamedNode::new(theme) {
            Ok(theme) => themes.push(theme),
            Err(_) => problems.push("Un des thèmes choisis n'est pas une IRI.".to_owned()),
        }
    }
    territories.dedup();
    themes.dedup();
    let new = NewCommunity {
        title: field("nom").to_owned(),
        description: Some(field("presentation").to_owned()).filter(|text| !text.is_empty()),
        territories,
        themes,
    };
    Ok((new, problems))
}

/// The territory written `Name (code)` (as the suggestions give it) or as a code alone.
fn resolve_territory(state: &AppState, text: &str) -> Result<Option<NamedNode>, AppError> {
    let territories = state
        .platform
        .territories()
        .map_err(|error| AppError::Internal(error.to_string()))?;
    let (name, code) = match text.rsplit_once('(') {
        Some((name, code)) => (name.trim(), code.trim_end_matches(')').trim()),
        None => ("", text.trim()),
    };
    let wanted = crate::text::place_name_key(name);
    let candidates: Vec<_> = territories
        .iter()
        .filter(|territory| COMMUNITY_TERRITORY_KINDS.contains(&territory.kind))
        .filter(|territory| territory.code.eq_ignore_ascii_case(code))
        .collect();
    let chosen = candidates
        .iter()
        .find(|territory| crate::text::place_name_key(&territory.name) == wanted)
        .or(match candidates.as_slice() {
            [only] => Some(only),
            _ => None,
        });
    let minter = &state.platform.config.minter;
    Ok(chosen.map(|territory| minter.territory(territory.kind, &territory.code)))
}

/// The viewer of a form post, checked for its CSRF token and logged in, with their agent IRI.
fn member_request(
    state: &AppState,
    headers: &HeaderMap,
    form: &FormParams,
) -> Result<(Viewer, NamedNode), AppError> {
    let viewer = Viewer::from_headers(&state.platform, headers)?;
    viewer.check_csrf(form)?;
    let agent_key = viewer.require_account()?.agent_key.clone();
    let agent = state.platform.config.minter.contributor(&agent_key);
    Ok((viewer, agent))
}

fn with_communities<T>(
    state: &AppState,
    work: impl FnOnce(&Communities<'_>) -> T,
) -> Result<T, AppError> {
    state
        .platform
        .with_communities(work)
        .map_err(|error| AppError::Internal(error.to_string()))
}

fn named(text: &str) -> Result<NamedNode, AppError> {
    NamedNode::new(text.to_owned())
        .map_err(|_| AppError::BadRequest(format!("« {text} » n'est pas une IRI")))
}

fn bad_action() -> AppError {
    AppError::BadRequest("le champ action ne nomme aucune opération de ce formulaire".into())
}

fn labeler_minter(state: &AppState) -> &crate::iri::IriMinter {
    &state.platform.config.minter
}

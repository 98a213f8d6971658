//! Community pages: the list (`/communautes`), the creation form (`/communautes/nouvelle`), a
//! community's page (its IRI, rendered by the resource pages), the forms of its owners and
//! members (invitations, members, collections, items of collections), and the answer of an
//! invited account (`/compte/invitations`).

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use oxigraph::model::NamedNode;
use serde::Serialize;

use super::contribute::MessagePage;
use super::error::{AppError, ShownError};
use super::feed::{ChangeView, change_views};
use super::pages::PageMeta;
use super::params::FormParams;
use super::session::{Viewer, ViewerView, form_fields, local_path, run_blocking};
use super::view::{Labeler, LinkView, href_for};
use super::{AppState, Lang, templates};
use crate::account::{Account, OutgoingMail};
use crate::community::{Communities, CommunityError, Invitation, MemberRole, NewCommunity};
use crate::feed::FeedScope;
use crate::history::AgentRef;
use crate::iri::TerritoryKind;

/// What an owner reads after inviting, whether an account has the address or not.
const INVITATION_SENT_FR: &str = "Si un compte utilise cette adresse, il trouvera l'invitation \
     sur sa page de compte ; la personne deviendra membre quand elle l'aura acceptée.";
/// The same, in English.
const INVITATION_SENT_EN: &str = "If an account uses this address, it will find the invitation \
     on its account page; the person becomes a member once they accept it.";
/// Subject of the message telling an account it is invited.
const INVITATION_MAIL_SUBJECT: &str =
    "Invitation à rejoindre une communauté ancrage : répondez depuis votre page de compte";
/// Why an invitation can no longer be accepted.
const INVITATION_VOID: &str = "cette invitation n'est plus valable : la personne qui l'a \
     envoyée n'est plus propriétaire de la communauté ; elle a été retirée de votre page";

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

/// `POST /communaute/{slug}/membres`: an owner invites an account by its e-mail address
/// (`action=inviter`, `courriel`, `role`), or removes a member (`action=retirer`, `membre`).
/// An invitation is answered the same whether an account has the address or not, and changes
/// nothing public: the person becomes a member when they accept it from their account page.
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
        let field = |name: &str| form.text(name).trim();
        match field("action") {
            "inviter" => {
                let role = MemberRole::from_form(field("role")).unwrap_or(MemberRole::Member);
                let owned = with_communities(&state, |c| c.owned_by(&community, &by))??;
                invite_by_email(&state, &owned.iri, &by, field("courriel"), role)?;
                let lang = Lang::from_headers(&headers);
                return invitation_sent(&state, &viewer, &owned.iri, lang);
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

/// `POST /compte/invitations`: the invited account accepts (`action=accepter`) or declines
/// (`action=refuser`) the invitation named by `invitation`. Someone else's invitation is
/// answered as an unknown one (404).
pub async fn invitation_answer(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ShownError> {
    let form = form_fields(&body).map_err(AppError::as_html)?;
    run_blocking(move || {
        let viewer = Viewer::from_headers(&state.platform, &headers)?;
        viewer.check_csrf(&form)?;
        let account = viewer.require_account()?.clone();
        let field = |name: &str| form.text(name).trim();
        let invitations = &state.platform.invitations;
        let invitation = invitations
            .get_for(field("invitation"), &account.key)?
            .ok_or_else(|| AppError::NotFound("/compte/invitations".to_owned()))?;

        let accepted = match field("action") {
            "accepter" => true,
            "refuser" => false,
            _ => return Err(bad_action()),
        };
        if accepted {
            accept_invitation(&state, &account, &invitation)?;
        }
        invitations.remove(&invitation)?;
        tracing::info!(community = %invitation.community, accepted, "invitation answered");

        let minter = &state.platform.config.minter;
        let next = if accepted {
            href_for(invitation.community.as_str(), minter)
        } else {
            "/compte".to_owned()
        };
        Ok(viewer.redirect(&next))
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
        let field = |name: &str| form.text(name).trim();
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
        let field = |name: &str| form.text(name).trim();
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
        let field = |name: &str| form.text(name).to_owned();
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
    let field = |name: &str| form.text(name).trim();
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

/// Stores an invitation when an account has `email`, and nothing otherwise; the caller answers
/// the same either way, so the answer tells nothing of which addresses have an account.
fn invite_by_email(
    state: &AppState,
    community: &NamedNode,
    by: &NamedNode,
    email: &str,
    role: MemberRole,
) -> Result<(), AppError> {
    if email.is_empty() {
        return Err(AppError::BadRequest(
            "indiquez l'adresse électronique de la personne à inviter".into(),
        ));
    }
    let platform = &state.platform;
    let found = platform
        .accounts
        .find_by_email(email)
        .map_err(|error| AppError::Internal(error.to_string()))?;
    if let Some(account) = found {
        platform
            .invitations
            .invite(&account.key, community, role, by)?;
        state.mailer.send(&OutgoingMail {
            to: account.email,
            subject: INVITATION_MAIL_SUBJECT.to_owned(),
            link: Some(format!("{}compte", platform.config.minter.base())),
        });
    }
    tracing::info!(community = %community, "invitation requested");
    Ok(())
}

/// The answer to every invitation an owner sends.
fn invitation_sent(
    state: &AppState,
    viewer: &Viewer,
    community: &NamedNode,
    lang: Lang,
) -> Result<Response, AppError> {
    let (title, message, back) = match lang {
        Lang::En => ("Invitation", INVITATION_SENT_EN, "Back to the community"),
        Lang::Fr => ("Invitation", INVITATION_SENT_FR, "Revenir à la communauté"),
    };
    let link = LinkView {
        href: href_for(community.as_str(), &state.platform.config.minter),
        label: back.to_owned(),
        iri: community.as_str().to_owned(),
    };
    let page = MessagePage::new(viewer, title, message, vec![link]).in_lang(lang);
    let html = templates::render(&state.templates, "message.html", &page)?;
    Ok(viewer.page(StatusCode::OK, html))
}

/// Makes the account a member with the invitation's role, on the word of the owner who invited
/// it. An invitation whose sender is no longer an owner (or whose community is gone) is dropped.
fn accept_invitation(
    state: &AppState,
    account: &Account,
    invitation: &Invitation,
) -> Result<(), AppError> {
    let member = AgentRef {
        key: account.agent_key.clone(),
        display_name: account.display_name.clone(),
    };
    let joined = with_communities(state, |c| {
        c.set_member(
            &invitation.community,
            &invitation.invited_by,
            &member,
            invitation.role,
        )
    })?;
    match joined {
        Ok(_) => Ok(()),
        Err(CommunityError::NotOwner | CommunityError::UnknownCommunity(_)) => {
            state.platform.invitations.remove(invitation)?;
            Err(AppError::Forbidden(INVITATION_VOID.into()))
        }
        Err(error) => Err(error.into()),
    }
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

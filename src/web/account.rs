//! Account pages: sign up, log in, log out, forgotten password, and one's own page listing
//! one's proposals and what became of them.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use serde::Serialize;

use super::error::{AppError, ShownError};
use super::history_view::french_date;
use super::params::FormParams;
use super::rate_limit::ClientAddress;
use super::session::{Viewer, ViewerView, form_fields, local_path, run_blocking};
use super::view::{Labeler, LinkView};
use super::{AppState, Lang, templates};
use crate::account::{AccountError, MIN_PASSWORD_CHARS, NewAccount, OutgoingMail, Role};
use crate::contribution::{DraftKind, DraftStatus};

/// A form page of the account family.
#[derive(Serialize)]
struct AccountFormPage {
    lang: &'static str,
    title: &'static str,
    viewer: ViewerView,
    /// What went wrong with the last attempt.
    error: Option<String>,
    /// What went right.
    notice: Option<String>,
    email: String,
    display_name: String,
    next: Option<String>,
    reset_token: Option<String>,
    min_password: usize,
}

impl AccountFormPage {
    fn new(viewer: &Viewer, title: &'static str) -> Self {
        Self {
            lang: "fr",
            title,
            viewer: viewer.view(),
            error: None,
            notice: None,
            email: String::new(),
            display_name: String::new(),
            next: None,
            reset_token: None,
            min_password: MIN_PASSWORD_CHARS,
        }
    }
}

/// `GET /compte/inscription`.
pub async fn signup_show(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
) -> Result<Response, ShownError> {
    show_form(
        state,
        headers,
        "account/signup.html",
        "Créer un compte",
        None,
    )
    .await
}

/// `GET /compte/connexion`: the login form; `?suite=/path` is where to go next.
pub async fn login_show(
    State(state): State<Arc<AppState>>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Result<Response, ShownError> {
    let params = FormParams::parse(query.as_deref().unwrap_or_default()).unwrap_or_default();
    let next = local_path(params.single("suite").ok().flatten());
    show_form(state, headers, "account/login.html", "Se connecter", next).await
}

/// `GET /compte/mot-de-passe`: asks for the address to send a reset link to.
pub async fn forgot_show(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
) -> Result<Response, ShownError> {
    show_form(
        state,
        headers,
        "account/forgot.html",
        "Mot de passe oublié",
        None,
    )
    .await
}

/// `GET /compte/reinitialisation?jeton=…`: the new-password form of a reset link.
pub async fn reset_show(
    State(state): State<Arc<AppState>>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Result<Response, ShownError> {
    let params = FormParams::parse(query.as_deref().unwrap_or_default()).unwrap_or_default();
    let token = params
        .single("jeton")
        .ok()
        .flatten()
        .unwrap_or_default()
        .to_owned();
    run_blocking(move || {
        let viewer = Viewer::from_headers(&state.platform, &headers)?;
        let mut page = AccountFormPage::new(&viewer, "Choisir un nouveau mot de passe");
        page.reset_token = Some(token);
        let html = templates::render(&state.templates, "account/reset.html", &page)?;
        Ok(viewer.page(StatusCode::OK, html))
    })
    .await
}

async fn show_form(
    state: Arc<AppState>,
    headers: HeaderMap,
    template: &'static str,
    title: &'static str,
    next: Option<String>,
) -> Result<Response, ShownError> {
    run_blocking(move || {
        let viewer = Viewer::from_headers(&state.platform, &headers)?;
        let mut page = AccountFormPage::new(&viewer, title);
        page.next = next;
        let html = templates::render(&state.templates, template, &page)?;
        Ok(viewer.page(StatusCode::OK, html))
    })
    .await
}

/// `POST /compte/inscription`: creates a contributor account and logs it in.
pub async fn signup_submit(
    State(state): State<Arc<AppState>>,
    ClientAddress(client): ClientAddress,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ShownError> {
    state.limits.login.check_page(client)?;
    let form = form_fields(&body).map_err(AppError::as_html)?;
    run_blocking(move || {
        let viewer = Viewer::from_headers(&state.platform, &headers)?;
        viewer.check_csrf(&form)?;
        let field = |name: &str| form.text(name).to_owned();
        let created = state.platform.accounts.create(&NewAccount {
            email: &field("email"),
            display_name: &field("nom"),
            password: &field("mot_de_passe"),
            role: Role::Contributor,
        });
        let account = match created {
            Ok(account) => account,
            Err(error) => {
                let mut page = AccountFormPage::new(&viewer, "Créer un compte");
                page.error = Some(signup_error(&error)?);
                page.email = field("email");
                page.display_name = field("nom");
                let html = templates::render(&state.templates, "account/signup.html", &page)?;
                return Ok(viewer.page(StatusCode::UNPROCESSABLE_ENTITY, html));
            }
        };
        tracing::info!(account = %account.key, "account created");
        let secret = open_session(&state, &account)?;
        Ok(Viewer::signed_in(&state.platform, account, secret).redirect("/compte"))
    })
    .await
}

/// `POST /compte/connexion`: opens a session when the address and password match.
pub async fn login_submit(
    State(state): State<Arc<AppState>>,
    ClientAddress(client): ClientAddress,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ShownError> {
    state.limits.login.check_page(client)?;
    let form = form_fields(&body).map_err(AppError::as_html)?;
    run_blocking(move || {
        let viewer = Viewer::from_headers(&state.platform, &headers)?;
        viewer.check_csrf(&form)?;
        let field = |name: &str| form.text(name).to_owned();
        let next = local_path(Some(&field("suite"))).unwrap_or_else(|| "/compte".to_owned());
        let found = state
            .platform
            .accounts
            .authenticate(&field("email"), &field("mot_de_passe"))
            .map_err(internal)?;
        let Some(account) = found else {
            tracing::info!("login refused");
            let mut page = AccountFormPage::new(&viewer, "Se connecter");
            page.error = Some("Adresse ou mot de passe incorrect.".to_owned());
            page.email = field("email");
            page.next = Some(next);
            let html = templates::render(&state.templates, "account/login.html", &page)?;
            return Ok(viewer.page(StatusCode::UNPROCESSABLE_ENTITY, html));
        };
        if viewer.account.is_some() {
            state
                .platform
                .accounts
                .close_session(viewer.secret())
                .map_err(internal)?;
        }
        let secret = open_session(&state, &account)?;
        Ok(Viewer::signed_in(&state.platform, account, secret).redirect(&next))
    })
    .await
}

/// `POST /compte/deconnexion`: closes the session.
pub async fn logout_submit(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ShownError> {
    let form = form_fields(&body).map_err(AppError::as_html)?;
    run_blocking(move || {
        let viewer = Viewer::from_headers(&state.platform, &headers)?;
        viewer.check_csrf(&form)?;
        state
            .platform
            .accounts
            .close_session(viewer.secret())
            .map_err(internal)?;
        Ok(Viewer::signed_out(&state.platform).redirect("/"))
    })
    .await
}

/// `POST /compte/mot-de-passe`: sends a reset link when the address has an account; the answer
/// is the same either way, so that it does not tell which addresses have one.
pub async fn forgot_submit(
    State(state): State<Arc<AppState>>,
    ClientAddress(client): ClientAddress,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ShownError> {
    state.limits.login.check_page(client)?;
    let form = form_fields(&body).map_err(AppError::as_html)?;
    run_blocking(move || {
        let viewer = Viewer::from_headers(&state.platform, &headers)?;
        viewer.check_csrf(&form)?;
        let email = form.single("email").ok().flatten().unwrap_or_default();
        if let Some((account, secret)) = state
            .platform
            .accounts
            .issue_reset_token(email)
            .map_err(internal)?
        {
            let link = format!(
                "{}compte/reinitialisation?jeton={secret}",
                state.platform.config.minter.base()
            );
            state.mailer.send(&OutgoingMail {
                to: account.email,
                subject: "Réinitialisation de votre mot de passe ancrage".to_owned(),
                link: Some(link),
            });
        }
        let mut page = AccountFormPage::new(&viewer, "Mot de passe oublié");
        page.notice = Some(
            "Si un compte existe pour cette adresse, un lien pour choisir un nouveau mot de passe \
             vient de lui être envoyé ; il est valable une heure."
                .to_owned(),
        );
        let html = templates::render(&state.templates, "account/forgot.html", &page)?;
        Ok(viewer.page(StatusCode::OK, html))
    })
    .await
}

/// `POST /compte/reinitialisation`: sets the new password of a reset link.
pub async fn reset_submit(
    State(state): State<Arc<AppState>>,
    ClientAddress(client): ClientAddress,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ShownError> {
    state.limits.login.check_page(client)?;
    let form = form_fields(&body).map_err(AppError::as_html)?;
    run_blocking(move || {
        let viewer = Viewer::from_headers(&state.platform, &headers)?;
        viewer.check_csrf(&form)?;
        let field = |name: &str| form.text(name).to_owned();
        match state
            .platform
            .accounts
            .reset_password(&field("jeton"), &field("mot_de_passe"))
        {
            Ok(_) => Ok(viewer.redirect("/compte/connexion?suite=/compte")),
            Err(error @ (AccountError::WeakPassword | AccountError::InvalidToken)) => {
                let mut page = AccountFormPage::new(&viewer, "Choisir un nouveau mot de passe");
                page.error = Some(match error {
                    AccountError::WeakPassword => format!(
                        "Le mot de passe doit compter au moins {MIN_PASSWORD_CHARS} caractères."
                    ),
                    _ => "Ce lien est inconnu, déjà utilisé ou expiré : demandez-en un nouveau."
                        .to_owned(),
                });
                page.reset_token = Some(field("jeton"));
                let html = templates::render(&state.templates, "account/reset.html", &page)?;
                Ok(viewer.page(StatusCode::UNPROCESSABLE_ENTITY, html))
            }
            Err(error) => Err(internal(error)),
        }
    })
    .await
}

#[derive(Serialize)]
struct AccountPage {
    lang: &'static str,
    title: &'static str,
    viewer: ViewerView,
    role: &'static str,
    proposals: Vec<ProposalLine>,
    follows: Vec<FollowLine>,
    invitations: Vec<InvitationLine>,
}

/// A pending invitation to join a community, with the forms answering it.
#[derive(Serialize)]
struct InvitationLine {
    key: String,
    community: LinkView,
    role: crate::community::MemberRole,
    invited_by: String,
    sent: String,
}

/// Something the account follows, with its feed and latest changes.
#[derive(Serialize)]
struct FollowLine {
    target: LinkView,
    feed: String,
    changes: Vec<super::feed::ChangeView>,
}

#[derive(Serialize)]
struct ProposalLine {
    kind: DraftKind,
    status: DraftStatus,
    initiative: LinkView,
    sent: String,
    decision_comment: Option<String>,
}

/// `GET /compte`: one's own page; the login form when nobody is logged in.
pub async fn account_show(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
) -> Result<Response, ShownError> {
    run_blocking(move || {
        let viewer = Viewer::from_headers(&state.platform, &headers)?;
        let Some(account) = viewer.account.clone() else {
            return Ok(viewer.redirect("/compte/connexion"));
        };
        let platform = &state.platform;
        let mut labeler = Labeler::new(&platform.store, &platform.config.minter, Lang::Fr);
        let proposals = platform
            .drafts
            .by_author(&account.key)?
            .into_iter()
            .map(|draft| ProposalLine {
                kind: draft.kind,
                status: draft.status,
                initiative: proposal_link(&mut labeler, &draft),
                sent: french_date(&draft.created),
                decision_comment: draft.decision.and_then(|decision| decision.comment),
            })
            .collect();
        let follows = follow_lines(&state, &account.key, &mut labeler)?;
        let invitations = invitation_lines(&state, &account.key, &mut labeler)?;
        let page = AccountPage {
            lang: "fr",
            title: "Mon compte",
            viewer: viewer.view(),
            role: account.role.label_fr(),
            proposals,
            follows,
            invitations,
        };
        let html = templates::render(&state.templates, "account/show.html", &page)?;
        Ok(viewer.page(StatusCode::OK, html))
    })
    .await
}

/// A link to the initiative of a draft, named by the proposed name when it is not published.
pub fn proposal_link(labeler: &mut Labeler<'_>, draft: &crate::contribution::Draft) -> LinkView {
    let mut link = labeler.link(draft.initiative.as_str());
    let proposed_name = draft.proposal.iter().find_map(|triple| {
        match (&triple.object, triple.predicate == crate::vocab::anc::NAME) {
            (oxigraph::model::Term::Literal(name), true) => Some(name.value().to_owned()),
            _ => None,
        }
    });
    // A creation has no label in the graph until it is published.
    let unnamed = draft.kind == DraftKind::Creation || link.label.starts_with("initiative/");
    if unnamed && let Some(name) = proposed_name {
        link.label = name;
    }
    link
}

/// What the account follows, each with its feed and latest changes.
fn follow_lines(
    state: &AppState,
    account_key: &str,
    labeler: &mut Labeler<'_>,
) -> Result<Vec<FollowLine>, AppError> {
    const CHANGES_PER_FOLLOW: usize = 3;
    let platform = &state.platform;
    let mut lines = Vec::new();
    for (target, _) in platform.follows.of_account(account_key)? {
        let Some(scope) = super::feed::scope_of(&platform.store, &target)? else {
            continue;
        };
        lines.push(FollowLine {
            target: labeler.link(target.as_str()),
            feed: super::feed::feed_href(&target, &platform.config.minter),
            changes: super::feed::change_views(
                &platform.store,
                &scope,
                CHANGES_PER_FOLLOW,
                labeler,
            )?,
        });
    }
    Ok(lines)
}

/// The invitations waiting for the account's answer, the latest first.
fn invitation_lines(
    state: &AppState,
    account_key: &str,
    labeler: &mut Labeler<'_>,
) -> Result<Vec<InvitationLine>, AppError> {
    let invitations = state.platform.invitations.of_account(account_key)?;
    Ok(invitations
        .into_iter()
        .map(|invitation| InvitationLine {
            community: labeler.link(invitation.community.as_str()),
            invited_by: labeler.label(invitation.invited_by.as_str()),
            sent: french_date(&invitation.created),
            role: invitation.role,
            key: invitation.key,
        })
        .collect())
}

fn open_session(state: &AppState, account: &crate::account::Account) -> Result<String, AppError> {
    state
        .platform
        .accounts
        .open_session(account)
        .map_err(internal)
}

fn signup_error(error: &AccountError) -> Result<String, AppError> {
    Ok(match error {
        // FIXME: this answer tells anyone that the address has an account, since a sign-up that
        // works logs in at once and one with a taken address cannot look the same. Right would be
        // to confirm addresses: every sign-up answers "a link was sent to this address", the
        // account opens only from that link, and the owner of a taken address receives instead
        // a message saying someone tried to sign up with it (as the password reset does).
        AccountError::EmailTaken => {
            "Un compte existe déjà pour cette adresse : connectez-vous, ou demandez un nouveau mot de passe."
                .to_owned()
        }
        AccountError::InvalidEmail => "Cette adresse électronique n'est pas valide.".to_owned(),
        AccountError::WeakPassword => {
            format!("Le mot de passe doit compter au moins {MIN_PASSWORD_CHARS} caractères.")
        }
        AccountError::InvalidDisplayName => {
            "Le nom affiché doit compter 2 à 80 caractères et ne pas être une adresse électronique."
                .to_owned()
        }
        other => return Err(AppError::Internal(other.to_string())),
    })
}

fn internal(error: AccountError) -> AppError {
    AppError::Internal(error.to_string())
}

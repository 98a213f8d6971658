//! Moderation pages: the queue of proposals and error reports, one draft with its difference
//! against the current description and its validation report, and the decisions (publish,
//! refuse, close, revert). Only moderators and administrators get past the door.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use serde::Serialize;

use super::account::proposal_link;
use super::contribute::{FieldFaults, with_context};
use super::error::{AppError, ShownError};
use super::history_view::{DiffView, french_date};
use super::session::{Viewer, ViewerView, form_fields, run_blocking};
use super::view::{Labeler, LinkView, href_for};
use super::{AppState, Lang, templates};
use crate::account::Account;
use crate::contribution::{
    ContributionError, Draft, DraftError, DraftKind, Proposal, close_report, publish_draft,
    refuse_draft, revert_revision,
};
use crate::history::{HistoryError, TripleDiff};
use crate::shapes::engine::Severity;

/// Longest comment of a decision, in characters (as the note of a proposal).
const MAX_COMMENT_CHARS: usize = 2000;

#[derive(Serialize)]
struct QueuePage {
    lang: &'static str,
    title: &'static str,
    viewer: ViewerView,
    drafts: Vec<QueueLine>,
}

#[derive(Serialize)]
struct QueueLine {
    key: String,
    kind: DraftKind,
    initiative: LinkView,
    author: String,
    sent: String,
    comment: Option<String>,
}

/// `GET /moderation`: the drafts waiting, oldest first.
pub async fn queue_show(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
) -> Result<Response, ShownError> {
    run_blocking(move || {
        let viewer = Viewer::from_headers(&state.platform, &headers)?;
        if viewer.account.is_none() {
            return Ok(viewer.redirect("/compte/connexion?suite=/moderation"));
        }
        viewer.require_moderator()?;
        let platform = &state.platform;
        let mut labeler = Labeler::new(&platform.store, &platform.config.minter, Lang::Fr);
        let mut drafts = Vec::new();
        for draft in platform.drafts.pending()? {
            drafts.push(QueueLine {
                author: author_name(&state, &draft)?,
                initiative: proposal_link(&mut labeler, &draft),
                sent: french_date(&draft.created),
                key: draft.key,
                kind: draft.kind,
                comment: draft.comment,
            });
        }
        let page = QueuePage {
            lang: "fr",
            title: "Modération",
            viewer: viewer.view(),
            drafts,
        };
        let html = templates::render(&state.templates, "moderation/queue.html", &page)?;
        Ok(viewer.page(StatusCode::OK, html))
    })
    .await
}

#[derive(Serialize)]
struct DraftPage {
    lang: &'static str,
    title: String,
    viewer: ViewerView,
    key: String,
    kind: DraftKind,
    pending: bool,
    initiative: LinkView,
    author: String,
    sent: String,
    comment: Option<String>,
    diff: Option<DiffView>,
    faults: FieldFaults,
}

/// `GET /moderation/{key}`: one draft, its difference with the current description and the
/// report of the shapes on the description it would give.
pub async fn draft_show(
    State(state): State<Arc<AppState>>,
    Path(key): Path<String>,
    headers: HeaderMap,
) -> Result<Response, ShownError> {
    run_blocking(move || {
        let viewer = Viewer::from_headers(&state.platform, &headers)?;
        viewer.require_moderator()?;
        let platform = &state.platform;
        let draft = platform
            .drafts
            .get(&key)?
            .ok_or_else(|| AppError::NotFound(format!("/moderation/{key}")))?;
        let mut labeler = Labeler::new(&platform.store, &platform.config.minter, Lang::Fr);
        let initiative = proposal_link(&mut labeler, &draft);
        let (diff, faults) = if draft.kind == DraftKind::Report {
            (None, FieldFaults::default())
        } else {
            with_context(&state, |context| {
                let current = context.current(&draft.initiative)?;
                let diff = TripleDiff::between(&current.editable, &draft.proposal);
                let proposal = Proposal::from_draft(&draft);
                let author = platform.config.minter.contributor("verification");
                let report = context.validate(&proposal, &current, &author);
                let mut faults = FieldFaults::default();
                for result in report
                    .results
                    .iter()
                    .filter(|result| result.severity != Severity::Info)
                {
                    let field = context
                        .validator
                        .field_name(&result.source_shape, "fr")
                        .unwrap_or_default();
                    let line = format!("{field} : {}", report.message_for(result, "fr"));
                    match result.severity {
                        Severity::Violation => faults.violations.push(line),
                        _ => faults.warnings.push(line),
                    }
                }
                Ok((
                    Some(DiffView::new(&mut labeler, &diff, &draft.initiative)),
                    faults,
                ))
            })?
        };
        let page = DraftPage {
            lang: "fr",
            title: format!("Proposition : {}", initiative.label),
            viewer: viewer.view(),
            pending: draft.status == crate::contribution::DraftStatus::Pending,
            author: author_name(&state, &draft)?,
            sent: french_date(&draft.created),
            key: draft.key,
            kind: draft.kind,
            comment: draft.comment,
            initiative,
            diff,
            faults,
        };
        let html = templates::render(&state.templates, "moderation/draft.html", &page)?;
        Ok(viewer.page(StatusCode::OK, html))
    })
    .await
}

/// `POST /moderation/{key}/publier`: publishes the proposal, with the moderator's comment
/// (`commentaire`, public) on the revision, and goes to the initiative.
pub async fn draft_publish(
    State(state): State<Arc<AppState>>,
    Path(key): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ShownError> {
    decide(state, headers, body, move |state, moderator, comment| {
        let draft = state.platform.drafts.get(&key)?;
        publish_draft(&state.platform, &key, moderator, comment).map_err(decision_error)?;
        let minter = &state.platform.config.minter;
        Ok(draft.map_or_else(
            || "/moderation".to_owned(),
            |draft| href_for(draft.initiative.as_str(), minter),
        ))
    })
    .await
}

/// `POST /moderation/{key}/refuser`: refuses the proposal with a comment for its author.
pub async fn draft_refuse(
    State(state): State<Arc<AppState>>,
    Path(key): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ShownError> {
    decide(state, headers, body, move |state, moderator, comment| {
        refuse_draft(&state.platform, &key, moderator, comment).map_err(decision_error)?;
        Ok("/moderation".to_owned())
    })
    .await
}

/// `POST /moderation/{key}/clore`: closes an error report once dealt with.
pub async fn report_close(
    State(state): State<Arc<AppState>>,
    Path(key): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ShownError> {
    decide(state, headers, body, move |state, moderator, comment| {
        close_report(&state.platform, &key, moderator, comment).map_err(decision_error)?;
        Ok("/moderation".to_owned())
    })
    .await
}

/// `POST /moderation/revision/{key}/annuler`: publishes the revision undoing another.
pub async fn revision_revert(
    State(state): State<Arc<AppState>>,
    Path(key): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ShownError> {
    decide(state, headers, body, move |state, moderator, comment| {
        let platform = &state.platform;
        let revision = platform.config.minter.revision(&key);
        let record = platform
            .history()
            .revision(&revision)
            .map_err(|error| AppError::Internal(error.to_string()))?
            .ok_or_else(|| AppError::NotFound(format!("/revision/{key}")))?;
        revert_revision(platform, &revision, moderator, comment).map_err(decision_error)?;
        let page = href_for(record.initiative.as_str(), &platform.config.minter);
        Ok(format!("{page}#historique"))
    })
    .await
}

/// Checks the CSRF token and the moderator, runs the decision and follows its redirection.
async fn decide(
    state: Arc<AppState>,
    headers: HeaderMap,
    body: Bytes,
    decision: impl FnOnce(&AppState, &Account, Option<String>) -> Result<String, AppError>
    + Send
    + 'static,
) -> Result<Response, ShownError> {
    let form = form_fields(&body).map_err(AppError::as_html)?;
    run_blocking(move || {
        let viewer = Viewer::from_headers(&state.platform, &headers)?;
        viewer.check_csrf(&form)?;
        let moderator = viewer.require_moderator()?.clone();
        let comment = form
            .single("commentaire")
            .ok()
            .flatten()
            .map(str::trim)
            .filter(|comment| !comment.is_empty())
            .map(str::to_owned);
        if comment
            .as_ref()
            .is_some_and(|comment| comment.chars().count() > MAX_COMMENT_CHARS)
        {
            return Err(AppError::BadRequest(format!(
                "le commentaire compte plus de {MAX_COMMENT_CHARS} caractères : raccourcissez-le"
            )));
        }
        let location = decision(&state, &moderator, comment)?;
        Ok(viewer.redirect(&location))
    })
    .await
}

fn author_name(state: &AppState, draft: &Draft) -> Result<String, AppError> {
    let account = match &draft.author {
        Some(key) => state
            .platform
            .accounts
            .get(key)
            .map_err(|error| AppError::Internal(error.to_string()))?,
        None => None,
    };
    Ok(account.map_or_else(
        || "Visiteur anonyme".to_owned(),
        |account| account.display_name,
    ))
}

/// Refusals the moderator can act on are 4xx; the rest is the server's fault.
fn decision_error(error: ContributionError) -> AppError {
    match error {
        ContributionError::Draft(DraftError::Unknown(key)) => {
            AppError::NotFound(format!("/moderation/{key}"))
        }
        ContributionError::Draft(DraftError::AlreadyDecided) => {
            AppError::BadRequest("cette proposition a déjà été traitée".to_owned())
        }
        ContributionError::Violations(count) => AppError::BadRequest(format!(
            "la proposition enfreint {count} règle(s) des formes sur le graphe actuel : \
             refusez-la en expliquant ce qui a changé"
        )),
        ContributionError::NotPublishable => {
            AppError::BadRequest("un signalement se clôt, il ne se publie pas".to_owned())
        }
        ContributionError::History(HistoryError::NothingToChange) => {
            AppError::BadRequest("cette modification ne change plus rien au graphe".to_owned())
        }
        other => AppError::Internal(other.to_string()),
    }
}

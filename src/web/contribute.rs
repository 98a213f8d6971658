//! The contribution pages: proposing an initiative (`/contribuer`), proposing an edit of one
//! (`/initiative/…/modifier`), reporting an error on its page (`/initiative/…/signaler`), and
//! the collaborative panel of an initiative's page (history, links, report form). A proposal is
//! validated against the shapes and its report shown beside the fields before anything is
//! saved; violations block saving, and what is saved is a draft in the private store.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use chrono::Utc;
use oxigraph::model::vocab::rdf;
use oxigraph::model::{NamedNode, Term};
use serde::Serialize;

use super::error::{AppError, ShownError};
use super::history_view::RevisionView;
use super::params::FormParams;
use super::rate_limit::ClientAddress;
use super::session::{Viewer, ViewerView, form_fields, run_blocking};
use super::view::{Labeler, LinkView, href_for};
use super::{AppState, Lang, templates};
use crate::account::{Account, token};
use crate::contribution::{
    ContributionContext, Draft, DraftKind, DraftStatus, FormField, FormValues, Proposal, ValueKind,
};
use crate::shapes::engine::{Severity, ValidationReport};
use crate::vocab::anc;

/// Path segment of initiatives created in the collaborative space (`initiative/contribution/…`).
pub const CONTRIBUTED: &str = "contribution";
/// Longest error report, in characters.
const MAX_REPORT_CHARS: usize = 2000;

/// What a form is for.
struct FormTarget {
    kind: DraftKind,
    initiative: NamedNode,
    action: String,
}

/// `GET /contribuer`: the empty form.
pub async fn contribution_new(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
) -> Result<Response, ShownError> {
    run_blocking(move || {
        let viewer = Viewer::from_headers(&state.platform, &headers)?;
        if viewer.account.is_none() {
            return Ok(viewer.redirect("/compte/connexion?suite=/contribuer"));
        }
        let target = new_target(&state);
        let html = render_blank_or_prefilled(&state, &viewer, &target)?;
        Ok(viewer.page(StatusCode::OK, html))
    })
    .await
}

/// `POST /contribuer`: checks the proposal, or saves it when asked to and it has no violation.
pub async fn contribution_submit(
    State(state): State<Arc<AppState>>,
    ClientAddress(client): ClientAddress,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ShownError> {
    state.limits.contribution.check_page(client)?;
    let form = form_fields(&body).map_err(AppError::as_html)?;
    run_blocking(move || {
        let viewer = Viewer::from_headers(&state.platform, &headers)?;
        viewer.check_csrf(&form)?;
        let account = viewer.require_account()?.clone();
        submit(&state, &viewer, &account, &new_target(&state), &form)
    })
    .await
}

/// `GET /initiative/{source}/{id}/modifier`: the form prefilled from the current description.
pub async fn edit_new(
    State(state): State<Arc<AppState>>,
    Path((source, id)): Path<(String, String)>,
    headers: HeaderMap,
) -> Result<Response, ShownError> {
    run_blocking(move || {
        let viewer = Viewer::from_headers(&state.platform, &headers)?;
        let target = edit_target(&state, &source, &id);
        if viewer.account.is_none() {
            let back = format!("/compte/connexion?suite={}", target.action);
            return Ok(viewer.redirect(&back));
        }
        let html = render_blank_or_prefilled(&state, &viewer, &target)?;
        Ok(viewer.page(StatusCode::OK, html))
    })
    .await
}

/// `POST /initiative/{source}/{id}/modifier`: checks or saves a proposed edit.
pub async fn edit_submit(
    State(state): State<Arc<AppState>>,
    Path((source, id)): Path<(String, String)>,
    ClientAddress(client): ClientAddress,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ShownError> {
    state.limits.contribution.check_page(client)?;
    let form = form_fields(&body).map_err(AppError::as_html)?;
    run_blocking(move || {
        let viewer = Viewer::from_headers(&state.platform, &headers)?;
        viewer.check_csrf(&form)?;
        let account = viewer.require_account()?.clone();
        let target = edit_target(&state, &source, &id);
        submit(&state, &viewer, &account, &target, &form)
    })
    .await
}

/// `POST /initiative/{source}/{id}/signaler`: a visitor's error report, queued for moderators.
pub async fn report_submit(
    State(state): State<Arc<AppState>>,
    Path((source, id)): Path<(String, String)>,
    ClientAddress(client): ClientAddress,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ShownError> {
    state.limits.contribution.check_page(client)?;
    let form = form_fields(&body).map_err(AppError::as_html)?;
    run_blocking(move || {
        let viewer = Viewer::from_headers(&state.platform, &headers)?;
        viewer.check_csrf(&form)?;
        let initiative = state.platform.config.minter.initiative(&source, &id);
        if !is_initiative(&state, &initiative)? {
            return Err(AppError::NotFound(href_for(
                initiative.as_str(),
                &state.platform.config.minter,
            )));
        }
        let message = form.text("message").trim().to_owned();
        if message.is_empty() || message.chars().count() > MAX_REPORT_CHARS {
            return Err(AppError::BadRequest(format!(
                "décrivez l'erreur en 1 à {MAX_REPORT_CHARS} caractères"
            )));
        }
        let draft = Draft {
            key: token::new_key(),
            kind: DraftKind::Report,
            status: DraftStatus::Pending,
            initiative: initiative.clone(),
            author: viewer.account.as_ref().map(|account| account.key.clone()),
            created: Utc::now(),
            comment: Some(message),
            proposal: Vec::new(),
            decision: None,
        };
        state.platform.drafts.save(&draft)?;
        tracing::info!(initiative = %initiative, draft = %draft.key, "error report received");
        let back = href_for(initiative.as_str(), &state.platform.config.minter);
        let page = MessagePage::new(
            &viewer,
            "Signalement transmis",
            "Merci : votre signalement attend l'examen d'un modérateur.",
            vec![LinkView {
                href: back,
                label: "Revenir à la fiche".to_owned(),
                iri: initiative.as_str().to_owned(),
            }],
        );
        Ok(viewer.page(
            StatusCode::OK,
            templates::render(&state.templates, "message.html", &page)?,
        ))
    })
    .await
}

/// What an initiative's page shows of the collaborative space.
#[derive(Debug, Serialize)]
pub struct CollaborationPanel {
    /// The viewer (for the CSRF token and the moderators' buttons).
    pub viewer: ViewerView,
    /// The edit form.
    pub edit_href: String,
    /// Where the error report form posts.
    pub report_action: String,
    /// Published revisions, newest first.
    pub history: Vec<RevisionView>,
}

/// The collaborative panel of an initiative's page.
pub fn initiative_panel(
    state: &AppState,
    initiative: &NamedNode,
    viewer: &Viewer,
    labeler: &mut Labeler<'_>,
) -> Result<CollaborationPanel, AppError> {
    let platform = &state.platform;
    let minter = &platform.config.minter;
    let records = platform
        .history()
        .revisions_of(initiative)
        .map_err(|error| AppError::Internal(error.to_string()))?;
    let page = href_for(initiative.as_str(), minter);
    Ok(CollaborationPanel {
        viewer: viewer.view(),
        edit_href: format!("{page}/modifier"),
        report_action: format!("{page}/signaler"),
        history: records
            .iter()
            .map(|record| RevisionView::new(labeler, minter, record))
            .collect(),
    })
}

fn new_target(state: &AppState) -> FormTarget {
    let key = token::new_key();
    FormTarget {
        kind: DraftKind::Creation,
        initiative: state.platform.config.minter.initiative(CONTRIBUTED, &key),
        action: "/contribuer".to_owned(),
    }
}

fn edit_target(state: &AppState, source: &str, id: &str) -> FormTarget {
    let minter = &state.platform.config.minter;
    let initiative = minter.initiative(source, id);
    FormTarget {
        action: format!("{}/modifier", href_for(initiative.as_str(), minter)),
        kind: DraftKind::Edit,
        initiative,
    }
}

fn is_initiative(state: &AppState, iri: &NamedNode) -> Result<bool, AppError> {
    let types = state.platform.store.objects(iri.as_ref(), rdf::TYPE)?;
    Ok(types.contains(&Term::from(anc::INITIATIVE.into_owned())))
}

/// The form, empty for a new initiative or prefilled for an edit.
fn render_blank_or_prefilled(
    state: &AppState,
    viewer: &Viewer,
    target: &FormTarget,
) -> Result<String, AppError> {
    if target.kind == DraftKind::Edit && !is_initiative(state, &target.initiative)? {
        return Err(AppError::NotFound(target.action.clone()));
    }
    with_context(state, |context| {
        let current = context.current(&target.initiative)?;
        let values = context.prefill(&target.initiative, &current);
        let page = FormPage::new(state, viewer, context, target, &values, None);
        Ok(templates::render(
            &state.templates,
            "contribution/form.html",
            &page,
        )?)
    })
}

/// Checks a filled form; saves it as a draft when asked to and nothing blocks it.
fn submit(
    state: &AppState,
    viewer: &Viewer,
    account: &Account,
    target: &FormTarget,
    form: &FormParams,
) -> Result<Response, AppError> {
    if target.kind == DraftKind::Edit && !is_initiative(state, &target.initiative)? {
        return Err(AppError::NotFound(target.action.clone()));
    }
    let sending = form.single("action").ok().flatten() == Some("envoyer");
    let minter = &state.platform.config.minter;
    with_context(state, |context| {
        let current = context.current(&target.initiative)?;
        let values = FormValues::from_pairs(context.form, form.pairs());
        let key = match target.kind {
            DraftKind::Creation => minter
                .relative(target.initiative.as_str())
                .and_then(|path| path.rsplit('/').next())
                .unwrap_or_default()
                .to_owned(),
            _ => token::new_key(),
        };
        let proposal = context.build_proposal(
            target.kind,
            key,
            target.initiative.clone(),
            values,
            &current,
        );
        let report = context.validate(&proposal, &current, &minter.contributor(&account.agent_key));
        let unchanged =
            target.kind == DraftKind::Edit && context.changes_nothing(&proposal, &current);
        let violations = count(&report, Severity::Violation);
        if sending && violations == 0 && !unchanged {
            save_proposal(state, account, &proposal)?;
            let page = SentPage::new(viewer, context, &proposal, &report);
            let html = templates::render(&state.templates, "contribution/sent.html", &page)?;
            return Ok(viewer.page(StatusCode::OK, html));
        }
        let checked = Checked {
            report: &report,
            proposal: &proposal,
            unchanged,
            sending,
        };
        let page = FormPage::new(
            state,
            viewer,
            context,
            target,
            &proposal.values,
            Some(checked),
        );
        let html = templates::render(&state.templates, "contribution/form.html", &page)?;
        let status = if sending {
            StatusCode::UNPROCESSABLE_ENTITY
        } else {
            StatusCode::OK
        };
        Ok(viewer.page(status, html))
    })
}

fn save_proposal(state: &AppState, account: &Account, proposal: &Proposal) -> Result<(), AppError> {
    let draft = Draft {
        key: proposal.key.clone(),
        kind: proposal.kind,
        status: DraftStatus::Pending,
        initiative: proposal.initiative.clone(),
        author: Some(account.key.clone()),
        created: Utc::now(),
        comment: proposal.comment(),
        proposal: proposal.triples.clone(),
        decision: None,
    };
    state.platform.drafts.save(&draft)?;
    tracing::info!(draft = %draft.key, initiative = %draft.initiative, "proposal saved for moderation");
    Ok(())
}

/// Runs page work with the contribution context; its failures are the server's.
pub fn with_context<T>(
    state: &AppState,
    work: impl FnOnce(&ContributionContext<'_>) -> Result<T, AppError>,
) -> Result<T, AppError> {
    state
        .platform
        .with_contribution_context(work)
        .map_err(|error| AppError::Internal(error.to_string()))?
}

fn count(report: &ValidationReport, severity: Severity) -> usize {
    report
        .results
        .iter()
        .filter(|result| result.severity == severity)
        .count()
}

/// A checked proposal, for the form page.
struct Checked<'a> {
    report: &'a ValidationReport,
    proposal: &'a Proposal,
    unchanged: bool,
    sending: bool,
}

#[derive(Serialize)]
struct FormPage {
    lang: &'static str,
    title: String,
    viewer: ViewerView,
    action: String,
    editing: Option<LinkView>,
    groups: Vec<GroupView>,
    summary: Option<ReportSummary>,
}

#[derive(Serialize)]
struct GroupView {
    key: String,
    label: String,
    description: Option<String>,
    fields: Vec<FieldView>,
}

#[derive(Serialize)]
struct FieldView {
    #[serde(flatten)]
    field: FormField,
    values: Vec<String>,
    faults: FieldFaults,
}

/// The report's messages about one field, by severity.
#[derive(Debug, Default, Serialize)]
pub struct FieldFaults {
    /// Violations: saving is blocked until they are fixed.
    pub violations: Vec<String>,
    /// Warnings.
    pub warnings: Vec<String>,
    /// Advice.
    pub infos: Vec<String>,
}

/// The report above the form.
#[derive(Debug, Serialize)]
pub struct ReportSummary {
    /// Number of violations.
    pub violations: usize,
    /// Number of warnings.
    pub warnings: usize,
    /// Whether saving was asked for and refused.
    pub refused: bool,
    /// Whether the proposed edit changes nothing.
    pub unchanged: bool,
    /// Fields with faults, for links to them.
    pub fields: Vec<(String, String)>,
    /// Messages that belong to no field of the form.
    pub general: FieldFaults,
}

impl FormPage {
    fn new(
        state: &AppState,
        viewer: &Viewer,
        context: &ContributionContext<'_>,
        target: &FormTarget,
        values: &FormValues,
        checked: Option<Checked<'_>>,
    ) -> Self {
        let minter = &state.platform.config.minter;
        let mut labeler = Labeler::new(&state.platform.store, minter, Lang::Fr);
        let editing =
            (target.kind == DraftKind::Edit).then(|| labeler.link(target.initiative.as_str()));
        let (mut faults, general) = match &checked {
            Some(checked) => faults_by_field(context, checked.report, checked.proposal),
            None => Default::default(),
        };
        let groups: Vec<GroupView> = context
            .form
            .groups
            .iter()
            .map(|group| GroupView {
                key: group.key.clone(),
                label: group.label.clone(),
                description: group.description.clone(),
                fields: group
                    .fields
                    .iter()
                    .map(|field| FieldView {
                        field: field.clone(),
                        values: values.values(&field.key).to_vec(),
                        faults: faults.remove(&field.key).unwrap_or_default(),
                    })
                    .collect(),
            })
            .collect();
        let summary = checked.map(|checked| ReportSummary {
            violations: count(checked.report, Severity::Violation),
            warnings: count(checked.report, Severity::Warning),
            refused: checked.sending,
            unchanged: checked.unchanged,
            fields: groups
                .iter()
                .flat_map(|group| &group.fields)
                .filter(|field| {
                    !field.faults.violations.is_empty() || !field.faults.warnings.is_empty()
                })
                .map(|field| (field.field.key.clone(), field.field.label.clone()))
                .collect(),
            general,
        });
        Self {
            lang: "fr",
            title: match &editing {
                Some(initiative) => format!("Proposer une modification : {}", initiative.label),
                None => "Proposer une initiative".to_owned(),
            },
            viewer: viewer.view(),
            action: target.action.clone(),
            editing,
            groups,
            summary,
        }
    }
}

/// The report's messages sorted by field: a result goes to the field whose shape produced it,
/// or whose owned node (a position) it is about; the rest is general.
pub fn faults_by_field(
    context: &ContributionContext<'_>,
    report: &ValidationReport,
    proposal: &Proposal,
) -> (std::collections::HashMap<String, FieldFaults>, FieldFaults) {
    let mut by_field: std::collections::HashMap<String, FieldFaults> = Default::default();
    let mut general = FieldFaults::default();
    for result in &report.results {
        let field = context
            .form
            .field_of_shape(&result.source_shape)
            .or_else(|| {
                context.form.fields().find(|field| {
                    matches!(field.value_kind, ValueKind::Nested(_))
                        && proposal.triples.iter().any(|triple| {
                            triple.predicate == field.path && triple.object == result.focus_node
                        })
                })
            });
        let message = report.message_for(result, "fr");
        let faults = match field {
            Some(field) => by_field.entry(field.key.clone()).or_default(),
            None => &mut general,
        };
        let list = match result.severity {
            Severity::Violation => &mut faults.violations,
            Severity::Warning => &mut faults.warnings,
            _ => &mut faults.infos,
        };
        let message = match field {
            Some(_) => message,
            None => match context.validator.field_name(&result.source_shape, "fr") {
                Some(name) => format!("{name} : {message}"),
                None => message,
            },
        };
        if !list.contains(&message) {
            list.push(message);
        }
    }
    (by_field, general)
}

#[derive(Serialize)]
struct SentPage {
    lang: &'static str,
    title: &'static str,
    viewer: ViewerView,
    warnings: Vec<String>,
}

impl SentPage {
    fn new(
        viewer: &Viewer,
        context: &ContributionContext<'_>,
        proposal: &Proposal,
        report: &ValidationReport,
    ) -> Self {
        let (by_field, general) = faults_by_field(context, report, proposal);
        let mut warnings: Vec<String> = context
            .form
            .fields()
            .filter_map(|field| by_field.get(&field.key).map(|faults| (field, faults)))
            .flat_map(|(field, faults)| {
                faults
                    .warnings
                    .iter()
                    .map(move |message| format!("{} : {message}", field.label))
            })
            .collect();
        warnings.extend(general.warnings);
        Self {
            lang: "fr",
            title: "Proposition envoyée",
            viewer: viewer.view(),
            warnings,
        }
    }
}

/// A short page saying what happened, with links onward.
#[derive(Serialize)]
pub struct MessagePage {
    lang: &'static str,
    title: String,
    viewer: ViewerView,
    message: String,
    links: Vec<LinkView>,
}

impl MessagePage {
    /// A message page.
    pub fn new(viewer: &Viewer, title: &str, message: &str, links: Vec<LinkView>) -> Self {
        Self {
            lang: "fr",
            title: title.to_owned(),
            viewer: viewer.view(),
            message: message.to_owned(),
            links,
        }
    }

    /// The page marked as written in `lang`; the caller gives its texts in that language.
    pub fn in_lang(mut self, lang: super::Lang) -> Self {
        self.lang = lang.code();
        self
    }
}

//! Validation for the people and programs who write data: `POST /api/valider` checks RDF against
//! the platform's shapes and answers the report, and an initiative's page lists the warnings kept
//! from its harvest as points to complete.

use std::sync::Arc;

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{Html, IntoResponse, Response};
use oxigraph::io::{JsonLdProfileSet, RdfFormat, RdfParser};
use oxigraph::model::{GraphName, NamedNode, Quad, Term};
use serde::Serialize;

use super::conneg::negotiate;
use super::error::{AppError, ShownError};
use super::view::compact_iri;
use super::{AppState, Lang, templates};
use crate::iri::IriMinter;
use crate::shapes::engine::{Severity, ValidationReport, ValidationResult};
use crate::shapes::{ReportView, ShapeValidator};
use crate::store::{GraphFormat, Store};

/// What the report can be answered as, the default first.
const REPORT_TYPES: [&str; 3] = ["application/json", "text/turtle", "text/html"];

/// `POST /api/valider`: validates the RDF of the body against the shapes, with the concepts and
/// territories it links to looked up in the store. Answers 200 whether the data conforms or not;
/// the report says which.
pub async fn validation_run(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ShownError> {
    let format = body_format(&headers).map_err(AppError::as_json)?;
    let accept = headers
        .get(header::ACCEPT)
        .and_then(|value| value.to_str().ok());
    let answer_type = negotiate(accept, &REPORT_TYPES)
        .map_err(|error| AppError::BadRequest(error.to_string()).as_json())?
        .ok_or_else(|| AppError::NotAcceptable(REPORT_TYPES.to_vec()).as_json())?;
    let lang = Lang::from_headers(&headers);

    let minter = &state.platform.config.minter;
    let quads = parse_body(&body, format, minter.base()).map_err(AppError::as_json)?;
    let validator = state
        .platform
        .validator()
        .map_err(|error| AppError::Internal(error.to_string()).as_json())?;
    let n_quads = quads.len();
    let checking = Arc::clone(&validator);
    let report = tokio::task::spawn_blocking(move || checking.report(&quads))
        .await
        .map_err(|error| AppError::Internal(error.to_string()).as_json())?;
    tracing::debug!(quads = n_quads, results = report.results.len(), "validated");

    let mut response = match answer_type {
        "text/turtle" => turtle_answer(&report)?,
        "text/html" => {
            let page = ValidationPage::new(&report, &validator, minter, lang);
            Html(
                templates::render(&state.templates, "validation.html", &page)
                    .map_err(AppError::from)?,
            )
            .into_response()
        }
        _ => Json(ReportView::from_report(&report, lang.code())).into_response(),
    };
    response.headers_mut().insert(
        header::VARY,
        HeaderValue::from_static("Accept, Accept-Language"),
    );
    Ok(response)
}

/// A point still to complete on an initiative, as its page lists it.
#[derive(Debug, Serialize)]
pub struct PointView {
    /// The field, as the shape names it.
    pub field: String,
    /// What to add, in French.
    pub message: String,
}

/// The warnings stored with the records `initiative` comes from.
pub fn points_to_complete(
    state: &AppState,
    initiative: &NamedNode,
    lang: Lang,
) -> Result<Vec<PointView>, AppError> {
    let platform = &state.platform;
    let rows = platform.store.select(
        include_str!("../../queries/initiative-warnings.rq"),
        &[("initiative", initiative.clone().into())],
    )?;
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    let validator = platform
        .validator()
        .map_err(|error| AppError::Internal(error.to_string()))?;
    let mut points: Vec<PointView> = rows
        .iter()
        .filter_map(|row| {
            let message = row.text("message")?.to_owned();
            let shape_name = row
                .term("shape")
                .and_then(|shape| validator.field_name(shape, lang.code()));
            let path = row
                .text("path")
                .map(|path| compact_iri(path, &platform.config.minter));
            let field = shape_name.or(path).unwrap_or_default();
            Some(PointView { field, message })
        })
        .collect();
    points.dedup_by(|a, b| a.field == b.field && a.message == b.message);
    Ok(points)
}

/// The page answering `POST /api/valider` for a browser.
#[derive(Serialize)]
struct ValidationPage {
    lang: &'static str,
    title: &'static str,
    conforms: bool,
    violations: Vec<FaultView>,
    warnings: Vec<FaultView>,
    infos: Vec<FaultView>,
}

/// One fault, named by its field.
#[derive(Serialize)]
struct FaultView {
    field: String,
    focus: String,
    value: Option<String>,
    message: String,
}

impl ValidationPage {
    fn new(
        report: &ValidationReport,
        validator: &ShapeValidator,
        minter: &IriMinter,
        lang: Lang,
    ) -> Self {
        let faults = |severity: Severity| -> Vec<FaultView> {
            report
                .results
                .iter()
                .filter(|result| result.severity == severity)
                .map(|result| FaultView::new(report, result, validator, minter, lang))
                .collect()
        };
        Self {
            lang: lang.code(),
            title: match lang {
                Lang::Fr => "Rapport de validation",
                Lang::En => "Validation report",
            },
            conforms: report.conforms,
            violations: faults(Severity::Violation),
            warnings: faults(Severity::Warning),
            infos: faults(Severity::Info),
        }
    }
}

impl FaultView {
    /// The field is the shape's `sh:name`, else the path, else nothing more than the node.
    fn new(
        report: &ValidationReport,
        result: &ValidationResult,
        validator: &ShapeValidator,
        minter: &IriMinter,
        lang: Lang,
    ) -> Self {
        let path = result.path.as_ref().map(|path| match path.as_predicate() {
            Some(predicate) => compact_iri(predicate.as_str(), minter),
            None => path.to_string(),
        });
        let field = validator
            .field_name(&result.source_shape, lang.code())
            .or(path)
            .unwrap_or_default();
        Self {
            field,
            focus: term_text(&result.focus_node, minter),
            value: result.value.as_ref().map(|value| term_text(value, minter)),
            message: report.message_for(result, lang.code()),
        }
    }
}

fn term_text(term: &Term, minter: &IriMinter) -> String {
    match term {
        Term::NamedNode(node) => compact_iri(node.as_str(), minter),
        Term::Literal(literal) => literal.value().to_owned(),
        other => other.to_string(),
    }
}

/// The RDF syntax of the body, from its `Content-Type`.
fn body_format(headers: &HeaderMap) -> Result<RdfFormat, AppError> {
    let media_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.split(';').next())
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    match media_type.as_str() {
        "text/turtle" => Ok(RdfFormat::Turtle),
        "application/n-triples" => Ok(RdfFormat::NTriples),
        "application/ld+json" => Ok(RdfFormat::JsonLd {
            profile: JsonLdProfileSet::empty(),
        }),
        other => Err(AppError::UnsupportedMediaType(format!(
            "send the data to validate as text/turtle, application/n-triples or \
             application/ld+json, not {}",
            if other.is_empty() {
                "without Content-Type"
            } else {
                other
            }
        ))),
    }
}

/// The quads of the body, relative IRIs resolved against the deployment's base.
fn parse_body(body: &[u8], format: RdfFormat, base_iri: &str) -> Result<Vec<Quad>, AppError> {
    let parser = RdfParser::from_format(format)
        .with_base_iri(base_iri)
        .map_err(|error| AppError::Internal(error.to_string()))?;
    parser
        .for_slice(body)
        .map(|quad| {
            let quad = quad.map_err(|error| {
                AppError::BadRequest(format!("the data is not valid RDF: {error}"))
            })?;
            Ok(Quad::new(
                quad.subject,
                quad.predicate,
                quad.object,
                GraphName::DefaultGraph,
            ))
        })
        .collect()
}

fn turtle_answer(report: &ValidationReport) -> Result<Response, ShownError> {
    let triples = report
        .to_graph()
        .iter()
        .map(|triple| triple.into_owned())
        .collect::<Vec<_>>();
    let bytes = Store::serialize_triples(triples, GraphFormat::Turtle, None)
        .map_err(|error| AppError::from(error).as_json())?;
    Ok((
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/turtle; charset=utf-8"),
        )],
        bytes,
    )
        .into_response())
}

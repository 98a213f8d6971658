//! The ontology document at `/ontologie`: a page with an anchor per term, or its RDF.

use std::sync::Arc;

use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{Html, IntoResponse, Response};
use oxigraph::model::{Literal, Term, Triple};
use serde::Serialize;

use super::conneg::negotiate;
use super::error::{AppError, ShownError};
use super::view::Labeler;
use super::{AppState, Lang, templates};
use crate::iri::GraphKind;
use crate::store::{GraphFormat, Store};

#[derive(Serialize)]
struct OntologyPage {
    lang: &'static str,
    title: &'static str,
    classes: Vec<TermView>,
    object_properties: Vec<TermView>,
    datatype_properties: Vec<TermView>,
}

#[derive(Serialize)]
struct TermView {
    anchor: String,
    iri: String,
    label: String,
    comment: String,
    parents: Vec<super::view::LinkView>,
}

/// Answers for the ontology document in the format asked for.
pub async fn ontology_document(
    state: &Arc<AppState>,
    extension: Option<&str>,
    headers: &HeaderMap,
) -> Result<Response, ShownError> {
    let offered = [
        "text/html",
        "text/turtle",
        "application/ld+json",
        "application/n-triples",
        "application/rdf+xml",
    ];
    let media_type = match extension {
        Some("html") => "text/html",
        Some("ttl") => "text/turtle",
        Some("jsonld") => "application/ld+json",
        Some("nt") => "application/n-triples",
        Some("rdf") => "application/rdf+xml",
        Some(_) => return Err(AppError::NotFound("/ontologie".into()).into()),
        None => {
            let accept = headers
                .get(header::ACCEPT)
                .and_then(|value| value.to_str().ok());
            negotiate(accept, &offered)
                .map_err(|error| AppError::BadRequest(error.to_string()))?
                .ok_or_else(|| AppError::NotAcceptable(offered.to_vec()))?
        }
    };
    let lang = Lang::from_headers(headers);
    let state = Arc::clone(state);
    let body = tokio::task::spawn_blocking(move || render(&state, media_type, lang))
        .await
        .map_err(|error| AppError::Internal(error.to_string()))?
        .map_err(|error| {
            if media_type == "text/html" {
                error.as_html()
            } else {
                error.into()
            }
        })?;
    let mut response = if media_type == "text/html" {
        Html(body).into_response()
    } else {
        let mut response = body.into_response();
        response
            .headers_mut()
            .insert(header::CONTENT_TYPE, HeaderValue::from_static(media_type));
        response
    };
    if extension.is_none() {
        response
            .headers_mut()
            .insert(header::VARY, HeaderValue::from_static("Accept"));
    }
    Ok(response)
}

fn render(state: &AppState, media_type: &str, lang: Lang) -> Result<String, AppError> {
    let platform = &state.platform;
    let graph = platform.config.minter.graph(&GraphKind::Ontology);
    if media_type != "text/html" {
        let triples = platform
            .store
            .graph_quads(graph.as_ref())?
            .into_iter()
            .map(Triple::from);
        let format = match media_type {
            "application/ld+json" => GraphFormat::JsonLd,
            "application/n-triples" => GraphFormat::NTriples,
            "application/rdf+xml" => GraphFormat::RdfXml,
            _ => GraphFormat::Turtle,
        };
        let bytes = Store::serialize_triples(triples, format, None)?;
        return String::from_utf8(bytes).map_err(|error| AppError::Internal(error.to_string()));
    }
    let rows = platform.store.select(
        include_str!("../../queries/ontology-terms.rq"),
        &[
            ("graph", graph.into()),
            ("lang", Literal::new_simple_literal(lang.code()).into()),
        ],
    )?;
    let mut labeler = Labeler::new(&platform.store, &platform.config.minter, lang);
    let mut page = OntologyPage {
        lang: lang.code(),
        title: "Ontologie ancrage",
        classes: Vec::new(),
        object_properties: Vec::new(),
        datatype_properties: Vec::new(),
    };
    for row in rows.iter() {
        let Some(iri) = row.text("term") else {
            continue;
        };
        let view = TermView {
            anchor: iri.rsplit('#').next().unwrap_or(iri).to_owned(),
            iri: iri.to_owned(),
            label: row.text("label").unwrap_or_default().to_owned(),
            comment: row.text("comment").unwrap_or_default().to_owned(),
            parents: row
                .text("parents")
                .unwrap_or_default()
                .split_whitespace()
                .map(|parent| labeler.link(parent))
                .collect(),
        };
        match row.term("kind") {
            Some(Term::NamedNode(kind)) if kind.as_str().ends_with("#Class") => {
                page.classes.push(view)
            }
            Some(Term::NamedNode(kind)) if kind.as_str().ends_with("#ObjectProperty") => {
                page.object_properties.push(view)
            }
            _ => page.datatype_properties.push(view),
        }
    }
    Ok(templates::render(&state.templates, "ontology.html", &page)?)
}

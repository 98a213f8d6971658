//! The data pages: what the graph holds by source, by domaine, by région and over time. Each
//! chart offers its numbers as CSV and shows the SPARQL query behind it (`queries/tableaux-*`).

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{Html, IntoResponse, Response};
use serde::Serialize;

use super::charts::{BarChart, BarValue};
use super::error::{AppError, ShownError};
use super::view::Labeler;
use super::{AppState, Lang, templates};

/// One chart of the data pages.
struct Figure {
    /// Fragment of the chart and name of its CSV file.
    id: &'static str,
    title: &'static str,
    /// A SELECT with `?item` (a resource) or `?period` (a text), and `?count`.
    query: &'static str,
}

const FIGURES: [Figure; 5] = [
    Figure {
        id: "sources",
        title: "Initiatives par source",
        query: include_str!("../../queries/tableaux-sources.rq"),
    },
    Figure {
        id: "domaines",
        title: "Initiatives par domaine",
        query: include_str!("../../queries/tableaux-domaines.rq"),
    },
    Figure {
        id: "regions",
        title: "Initiatives par région",
        query: include_str!("../../queries/tableaux-regions.rq"),
    },
    Figure {
        id: "debuts",
        title: "Initiatives par année de début (quand la source la donne)",
        query: include_str!("../../queries/tableaux-debuts.rq"),
    },
    Figure {
        id: "moissons",
        title: "Enregistrements lus par les moissons, par mois",
        query: include_str!("../../queries/tableaux-moissons.rq"),
    },
];

/// One counted category: its label, its IRI when it is a resource, its count.
struct FigureRow {
    label: String,
    iri: Option<String>,
    count: u64,
}

#[derive(Serialize)]
struct FiguresPage {
    lang: &'static str,
    title: &'static str,
    charts: Vec<BarChart>,
}

/// `GET /donnees/tableaux`: the charts.
pub async fn figures_show(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
) -> Result<Html<String>, ShownError> {
    let lang = Lang::from_headers(&headers);
    let html = tokio::task::spawn_blocking(move || render_figures(&state, lang))
        .await
        .map_err(|error| AppError::Internal(error.to_string()).as_html())?
        .map_err(AppError::as_html)?;
    Ok(Html(html))
}

/// `GET /donnees/tableaux/{id}.csv`: the numbers of one chart.
pub async fn figure_csv(
    State(state): State<Arc<AppState>>,
    Path(file): Path<String>,
    headers: HeaderMap,
) -> Result<Response, ShownError> {
    let lang = Lang::from_headers(&headers);
    let figure = file
        .strip_suffix(".csv")
        .and_then(|id| FIGURES.iter().find(|figure| figure.id == id))
        .ok_or_else(|| {
            let ids: Vec<&str> = FIGURES.iter().map(|figure| figure.id).collect();
            let message = format!("{file}: the tables are {}, each as `.csv`", ids.join(", "));
            AppError::NotFound(message)
        })?;
    let csv = tokio::task::spawn_blocking(move || {
        let platform = &state.platform;
        let mut labeler = Labeler::new(&platform.store, &platform.config.minter, lang);
        let rows = figure_rows(&state, &mut labeler, figure)?;
        rows_to_csv(&rows)
    })
    .await
    .map_err(|error| AppError::Internal(error.to_string()))??;
    let mut response = csv.into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/csv; charset=utf-8"),
    );
    Ok(response)
}

fn render_figures(state: &AppState, lang: Lang) -> Result<String, AppError> {
    let platform = &state.platform;
    let mut labeler = Labeler::new(&platform.store, &platform.config.minter, lang);
    let mut charts = Vec::with_capacity(FIGURES.len());
    for figure in &FIGURES {
        let rows: Vec<(String, Vec<BarValue>)> = figure_rows(state, &mut labeler, figure)?
            .into_iter()
            .map(|row| (row.label, vec![BarValue::Count(row.count)]))
            .collect();
        let chart = BarChart::new(figure.id, figure.title, vec!["Nombre".to_owned()], &rows)
            .with_csv(format!("/donnees/tableaux/{}.csv", figure.id))
            .with_query(figure.query);
        charts.push(chart);
    }
    let page = FiguresPage {
        lang: lang.code(),
        title: "Chiffres du graphe",
        charts,
    };
    Ok(templates::render(&state.templates, "tableaux.html", &page)?)
}

fn figure_rows(
    state: &AppState,
    labeler: &mut Labeler<'_>,
    figure: &Figure,
) -> Result<Vec<FigureRow>, AppError> {
    let solutions = state.platform.store.select(figure.query, &[])?;
    let mut rows = Vec::new();
    for row in solutions.iter() {
        let count = row.integer("count").unwrap_or(0).max(0) as u64;
        if let Some(iri) = row.text("item") {
            rows.push(FigureRow {
                label: labeler.label(iri),
                iri: Some(iri.to_owned()),
                count,
            });
        } else if let Some(period) = row.text("period") {
            rows.push(FigureRow {
                label: period.to_owned(),
                iri: None,
                count,
            });
        }
    }
    Ok(rows)
}

fn rows_to_csv(rows: &[FigureRow]) -> Result<String, AppError> {
    let failed = |error: csv::Error| AppError::Internal(error.to_string());
    let mut writer = csv::Writer::from_writer(Vec::new());
    writer
        .write_record(["libelle", "nombre", "iri"])
        .map_err(failed)?;
    for row in rows {
        let count = row.count.to_string();
        let iri = row.iri.as_deref().unwrap_or_default();
        writer
            .write_record([row.label.as_str(), count.as_str(), iri])
            .map_err(failed)?;
    }
    let bytes = writer
        .into_inner()
        .map_err(|error| AppError::Internal(error.to_string()))?;
    String::from_utf8(bytes).map_err(|error| AppError::Internal(error.to_string()))
}

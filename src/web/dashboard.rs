//! The map and the dashboard of a territory page: its outline with its initiatives, and the
//! shares of its initiatives by domaine, public, méthode, type of structure and source, beside
//! the same shares in the territory above it and in France (counted by the search index).

use geo::BoundingRect;
use serde::Serialize;

use super::AppState;
use super::charts::{BarChart, BarValue};
use super::error::AppError;
use super::view::Labeler;
use crate::iri::TerritoryKind;
use crate::search::{FacetCount, Facets, SearchRequest, SearchResponse};

/// Categories shown per chart; the others are left out.
const MAX_ROWS: usize = 8;
/// Half the side of the box shown around a territory known only by its centre, in degrees.
const CENTRE_MARGIN: f64 = 0.08;

/// The map of a territory page.
#[derive(Debug, Serialize)]
pub struct TerritoryMapView {
    /// Where its outline is served.
    pub contour: String,
    /// The search parameters of its initiatives.
    pub params: String,
    /// `min_lat,min_lon,max_lat,max_lon` to show before the outline is loaded.
    pub bbox: Option<String>,
}

/// The charts of a territory page.
#[derive(Debug, Serialize)]
pub struct DashboardView {
    /// The territories compared, from the page's own to France.
    pub scopes: Vec<String>,
    pub charts: Vec<BarChart>,
}

/// The dimensions charted: title, fragment, concept scheme path, and how to read the facets.
type FacetPick = fn(&Facets) -> Vec<FacetCount>;
const DIMENSIONS: [(&str, &str, &str, FacetPick); 5] = [
    ("Par domaine", "domaines", "theme", theme_roots),
    ("Par public", "publics", "theme", |facets| {
        facets.publics.clone()
    }),
    ("Par méthode", "methodes", "theme", |facets| {
        facets.methods.clone()
    }),
    ("Par type de structure", "types", "type-acteur", |facets| {
        facets.actor_types.clone()
    }),
    ("Par source", "sources", "source", |facets| {
        facets.sources.clone()
    }),
];

/// The map and the dashboard of the territory `iri`, when it is a région, a département, an
/// EPCI, a commune or an overseas collectivity.
pub fn territory_extras(
    state: &AppState,
    labeler: &mut Labeler<'_>,
    iri: &str,
) -> Result<(Option<TerritoryMapView>, Option<DashboardView>), AppError> {
    let minter = &state.platform.config.minter;
    let Some((kind, code)) = minter
        .relative(iri)
        .and_then(|path| path.strip_prefix("territoire/"))
        .and_then(|path| path.split_once('/'))
    else {
        return Ok((None, None));
    };
    let Some(kind) = TerritoryKind::from_slug(kind).filter(|kind| is_mapped(*kind)) else {
        return Ok((None, None));
    };
    let territories = state
        .platform
        .territories()
        .map_err(|error| AppError::Internal(error.to_string()))?;
    let Some(territory) = territories.get(kind, code) else {
        return Ok((None, None));
    };
    let key = format!("{}:{code}", kind.slug());
    let path = super::search::territory_path(&territories, &key)?;

    let map = TerritoryMapView {
        contour: format!("/api/contours/{}/{code}", kind.slug()),
        params: format!("territory={}", encode(&key)),
        bbox: bbox_of(territory),
    };
    let mut scopes = vec![(territory.name.clone(), Some(key.clone()))];
    if let [.., parent, _] = path.as_slice() {
        let label = super::search::territory_label(&territories, parent);
        scopes.push((label, Some(parent.clone())));
    }
    scopes.push(("France".to_owned(), None));
    let dashboard = dashboard(state, labeler, &scopes)?;
    Ok((Some(map), Some(dashboard)))
}

fn is_mapped(kind: TerritoryKind) -> bool {
    matches!(
        kind,
        TerritoryKind::Region
            | TerritoryKind::Departement
            | TerritoryKind::Epci
            | TerritoryKind::Commune
            | TerritoryKind::CollectiviteOutreMer
    )
}

fn dashboard(
    state: &AppState,
    labeler: &mut Labeler<'_>,
    scopes: &[(String, Option<String>)],
) -> Result<DashboardView, AppError> {
    let responses = scopes
        .iter()
        .map(|(_, territory)| count_in(state, territory.clone()))
        .collect::<Result<Vec<_>, _>>()?;
    let minter = &state.platform.config.minter;
    let series: Vec<String> = scopes.iter().map(|(name, _)| name.clone()).collect();

    let mut charts = Vec::new();
    for (title, id, scheme, pick) in DIMENSIONS {
        let counts: Vec<Vec<FacetCount>> = responses
            .iter()
            .map(|response| pick(&response.facets))
            .collect();
        let rows: Vec<(String, Vec<BarValue>)> = chart_values(&counts)
            .into_iter()
            .map(|value| {
                let label = labeler.label(minter.concept(scheme, &value).as_str());
                let shares = responses
                    .iter()
                    .zip(&counts)
                    .map(|(response, counts)| share_of(&value, counts, response.total))
                    .collect();
                (label, shares)
            })
            .collect();
        let chart_id = format!("repartition-{id}");
        charts.push(BarChart::new(&chart_id, title, series.clone(), &rows));
    }
    Ok(DashboardView {
        scopes: series,
        charts,
    })
}

/// The total and the facets of the initiatives located in `territory` (everywhere if `None`).
fn count_in(state: &AppState, territory: Option<String>) -> Result<SearchResponse, AppError> {
    let request = SearchRequest {
        territory,
        limit: 0,
        facets: true,
        ..SearchRequest::default()
    };
    state
        .platform
        .search
        .search(&request)
        .map_err(super::search::search_error)
}

/// The values charted: the most frequent in the page's territory, then in the wider ones.
fn chart_values(counts: &[Vec<FacetCount>]) -> Vec<String> {
    let mut values: Vec<String> = Vec::new();
    for scope in counts {
        for count in scope {
            if values.len() < MAX_ROWS && !values.contains(&count.value) {
                values.push(count.value.clone());
            }
        }
    }
    values
}

fn share_of(value: &str, counts: &[FacetCount], total: usize) -> BarValue {
    let count = counts
        .iter()
        .find(|count| count.value == value)
        .map_or(0, |count| count.count);
    let share = if total == 0 {
        0.0
    } else {
        count as f64 / total as f64
    };
    BarValue::Share(share, count as u64)
}

/// The domaines: the roots of the theme tree.
fn theme_roots(facets: &Facets) -> Vec<FacetCount> {
    facets
        .themes
        .iter()
        .map(|node| FacetCount {
            value: node.value.clone(),
            count: node.count,
        })
        .collect()
}

fn bbox_of(territory: &crate::territory::Territory) -> Option<String> {
    let [min_lat, min_lon, max_lat, max_lon] = match (&territory.boundary, territory.centroid) {
        (Some(boundary), _) => {
            let rect = boundary.bounding_rect()?;
            [rect.min().y, rect.min().x, rect.max().y, rect.max().x]
        }
        (None, Some(centre)) => [
            centre.y() - CENTRE_MARGIN,
            centre.x() - CENTRE_MARGIN,
            centre.y() + CENTRE_MARGIN,
            centre.x() + CENTRE_MARGIN,
        ],
        (None, None) => return None,
    };
    Some(format!(
        "{min_lat:.4},{min_lon:.4},{max_lat:.4},{max_lon:.4}"
    ))
}

fn encode(text: &str) -> String {
    percent_encoding::utf8_percent_encode(text, percent_encoding::NON_ALPHANUMERIC).to_string()
}

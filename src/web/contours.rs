//! Boundaries of territories as GeoJSON, for the maps: the bundled régions and départements
//! (the maps' offline base layer), the communes of a département with their EPCI, and the
//! outline of one territory.

use std::collections::HashMap;
use std::io::Read;
use std::path::Path;
use std::sync::{Arc, Mutex};

use axum::extract::{Path as UrlPath, RawQuery, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::{Value, json};

use super::AppState;
use super::error::{AppError, ShownError};
use crate::iri::TerritoryKind;
use crate::territory::{Territories, Territory};

/// The GeoJSON media type.
const GEOJSON: &str = "application/geo+json";
/// Boundaries change with the geographic code, once a year: a day of caching is safe.
const CACHE_CONTROL: &str = "public, max-age=86400";

/// The commune boundaries, read on first use (the file is large and most requests need none).
#[derive(Default)]
pub struct ContourCache {
    /// Locked while the file is read, so that concurrent first requests read it once.
    communes: Mutex<Option<Arc<CommuneContours>>>,
}

/// Each commune's GeoJSON feature, grouped by département.
struct CommuneContours {
    by_departement: HashMap<String, Vec<CommuneContour>>,
    departement_of: HashMap<String, String>,
}

struct CommuneContour {
    code: String,
    epci: Option<String>,
    /// The whole feature, serialized once.
    feature: String,
}

#[derive(Deserialize)]
struct RawCollection {
    features: Vec<RawFeature>,
}

#[derive(Deserialize)]
struct RawFeature {
    geometry: Option<Value>,
    properties: RawProperties,
}

#[derive(Deserialize)]
struct RawProperties {
    code: String,
    nom: String,
    departement: Option<String>,
}

/// `GET /api/contours/{name}`: `regions`, `departements`, or `communes?departement=33`.
pub async fn contours_show(
    State(state): State<Arc<AppState>>,
    UrlPath(name): UrlPath<String>,
    RawQuery(raw_query): RawQuery,
) -> Result<Response, ShownError> {
    let file = match name.as_str() {
        "regions" => "territories/geo/regions-simplifiees.geojson",
        "departements" => "territories/geo/departements-simplifies.geojson",
        "communes" => {
            let params = super::search::parse_params(raw_query.as_deref()).map_err(json_error)?;
            let code = params
                .single("departement")
                .ok()
                .flatten()
                .unwrap_or_default();
            let body = communes_of(&state, code.to_owned()).await?;
            return Ok(geojson_response(body));
        }
        _ => {
            let message = "the boundaries are `regions`, `departements` or `communes?departement=`";
            return Err(json_error(AppError::NotFound(format!("{name}: {message}"))));
        }
    };
    let path = state.platform.config.home_path(file);
    let body = tokio::fs::read(&path)
        .await
        .map_err(|error| json_error(AppError::Internal(format!("{}: {error}", path.display()))))?;
    Ok(geojson_response(body))
}

/// `GET /api/contours/{kind}/{code}`: the outline of one territory, with its subdivisions
/// (the départements of a région, the communes of a département or an EPCI).
pub async fn territory_contour_show(
    State(state): State<Arc<AppState>>,
    UrlPath((kind, code)): UrlPath<(String, String)>,
) -> Result<Response, ShownError> {
    let body = tokio::task::spawn_blocking(move || territory_outline(&state, &kind, &code))
        .await
        .map_err(|error| json_error(AppError::Internal(error.to_string())))?
        .map_err(json_error)?;
    Ok(geojson_response(body.into_bytes()))
}

impl ContourCache {
    fn communes(
        &self,
        home: &Path,
        territories: &Territories,
    ) -> Result<Arc<CommuneContours>, AppError> {
        let mut loaded = self
            .communes
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if let Some(contours) = loaded.as_ref() {
            return Ok(Arc::clone(contours));
        }
        let path = home.join("territories/geo/communes-simplifiees.geojson.gz");
        let contours = Arc::new(CommuneContours::load(&path, territories)?);
        *loaded = Some(Arc::clone(&contours));
        Ok(contours)
    }
}

impl CommuneContours {
    fn load(path: &Path, territories: &Territories) -> Result<CommuneContours, AppError> {
        let unreadable = |error: &dyn std::fmt::Display| {
            AppError::Internal(format!("cannot read {}: {error}", path.display()))
        };
        let file = std::fs::File::open(path).map_err(|error| unreadable(&error))?;
        let mut text = String::new();
        flate2::read::GzDecoder::new(std::io::BufReader::new(file))
            .read_to_string(&mut text)
            .map_err(|error| unreadable(&error))?;
        let collection: RawCollection =
            serde_json::from_str(&text).map_err(|error| unreadable(&error))?;

        let mut contours = CommuneContours {
            by_departement: HashMap::new(),
            departement_of: HashMap::new(),
        };
        for feature in collection.features {
            let Some(geometry) = feature.geometry else {
                continue;
            };
            let properties = feature.properties;
            let departement = properties.departement.unwrap_or_default();
            let epci = territories
                .get(TerritoryKind::Commune, &properties.code)
                .and_then(|commune| commune.epci.clone());
            let feature = json!({
                "type": "Feature",
                "geometry": geometry,
                "properties": { "code": properties.code, "nom": properties.nom, "epci": epci },
            });
            contours
                .departement_of
                .insert(properties.code.clone(), departement.clone());
            contours
                .by_departement
                .entry(departement)
                .or_default()
                .push(CommuneContour {
                    code: properties.code,
                    epci,
                    feature: feature.to_string(),
                });
        }
        Ok(contours)
    }

    fn collection<'a>(features: impl Iterator<Item = &'a str>) -> String {
        let features: Vec<&str> = features.collect();
        format!(
            "{{\"type\":\"FeatureCollection\",\"features\":[{}]}}",
            features.join(",")
        )
    }
}

async fn communes_of(state: &Arc<AppState>, code: String) -> Result<Vec<u8>, ShownError> {
    let state = Arc::clone(state);
    let collection = tokio::task::spawn_blocking(move || {
        let contours = load_communes(&state)?;
        let Some(communes) = contours.by_departement.get(&code) else {
            return Err(AppError::NotFound(format!(
                "{code:?} is not the code of a département with commune boundaries"
            )));
        };
        Ok(CommuneContours::collection(
            communes.iter().map(|commune| commune.feature.as_str()),
        ))
    })
    .await
    .map_err(|error| json_error(AppError::Internal(error.to_string())))?
    .map_err(json_error)?;
    Ok(collection.into_bytes())
}

fn load_communes(state: &AppState) -> Result<Arc<CommuneContours>, AppError> {
    let territories = state
        .platform
        .territories()
        .map_err(|error| AppError::Internal(error.to_string()))?;
    state
        .contours
        .communes(&state.platform.config.home, &territories)
}

/// The outline of a territory and of its subdivisions, as a FeatureCollection whose features
/// have a `role`: `territoire` or `subdivision`.
fn territory_outline(state: &AppState, kind: &str, code: &str) -> Result<String, AppError> {
    let territories = state
        .platform
        .territories()
        .map_err(|error| AppError::Internal(error.to_string()))?;
    let kind = TerritoryKind::from_slug(kind)
        .ok_or_else(|| AppError::NotFound(format!("{kind:?} is not a kind of territory")))?;
    let territory = territories
        .get(kind, code)
        .ok_or_else(|| AppError::NotFound(format!("no {} has the code {code:?}", kind.slug())))?;

    let mut features = Vec::new();
    match kind {
        TerritoryKind::Region => {
            features.push(boundary_feature(territory, "territoire"));
            let departements = territories
                .of_kind(TerritoryKind::Departement)
                .filter(|departement| departement.region.as_deref() == Some(code));
            features.extend(departements.map(|child| boundary_feature(child, "subdivision")));
        }
        TerritoryKind::Departement => {
            features.push(boundary_feature(territory, "territoire"));
            let contours = load_communes(state)?;
            let communes = contours.by_departement.get(code).into_iter().flatten();
            features.extend(communes.map(|commune| with_role(&commune.feature, "subdivision")));
        }
        TerritoryKind::Epci => {
            let contours = load_communes(state)?;
            let members = contours
                .by_departement
                .values()
                .flatten()
                .filter(|commune| commune.epci.as_deref() == Some(code));
            features.extend(members.map(|commune| with_role(&commune.feature, "territoire")));
        }
        TerritoryKind::Commune => {
            let contours = load_communes(state)?;
            let departement = contours.departement_of.get(code);
            let commune = departement
                .and_then(|departement| contours.by_departement.get(departement))
                .and_then(|communes| communes.iter().find(|commune| commune.code == code));
            features.extend(commune.map(|commune| with_role(&commune.feature, "territoire")));
        }
        _ => {}
    }
    features.retain(|feature| !feature["geometry"].is_null());
    if features.is_empty() {
        features.push(boundary_feature(territory, "territoire"));
    }
    Ok(json!({ "type": "FeatureCollection", "features": features }).to_string())
}

/// A territory's bundled boundary, or its centre when it has none.
fn boundary_feature(territory: &Territory, role: &str) -> Value {
    let geometry = match (&territory.boundary, &territory.centroid) {
        (Some(boundary), _) => serde_json::to_value(geojson::Geometry::new(
            geojson::GeometryValue::from(boundary),
        ))
        .unwrap_or(Value::Null),
        (None, Some(centre)) => json!({ "type": "Point", "coordinates": [centre.x(), centre.y()] }),
        (None, None) => Value::Null,
    };
    json!({
        "type": "Feature",
        "geometry": geometry,
        "properties": { "code": territory.code, "nom": territory.name, "role": role },
    })
}

fn with_role(feature: &str, role: &str) -> Value {
    let mut feature: Value = serde_json::from_str(feature).unwrap_or(Value::Null);
    feature["properties"]["role"] = json!(role);
    feature
}

fn geojson_response(body: Vec<u8>) -> Response {
    let mut response = body.into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(GEOJSON));
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static(CACHE_CONTROL),
    );
    response
}

fn json_error(error: AppError) -> ShownError {
    error.as_json()
}

//! Reading the bundled geographic-code files into [`Territories`].

use std::collections::HashMap;
use std::fs::File;
use std::io::{BufReader, Read};
use std::path::{Path, PathBuf};

use geo::Centroid;
use geo_types::{Geometry, MultiPolygon, Point};
use serde::Deserialize;

use super::{Territories, Territory};
use crate::iri::TerritoryKind;

/// A bundled territory file is missing or does not have the expected shape.
#[derive(Debug, thiserror::Error)]
pub enum TerritoryError {
    /// The file could not be read.
    #[error("cannot read {path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// The operating system's error.
        source: std::io::Error,
    },
    /// The file's content does not match the expected fields.
    #[error("{path} is not in the expected format: {message}")]
    Format {
        /// The file.
        path: PathBuf,
        /// What the parser said.
        message: String,
    },
}

#[derive(Deserialize)]
struct RegionRow {
    code: String,
    nom: String,
    zone: String,
}

#[derive(Deserialize)]
struct DepartementRow {
    code: String,
    nom: String,
    region: String,
    zone: String,
}

#[derive(Deserialize)]
struct ArrondissementRow {
    code: String,
    nom: String,
    departement: String,
    region: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct CommuneRow {
    code: String,
    nom: String,
    #[serde(rename = "type")]
    kind: String,
    departement: Option<String>,
    region: Option<String>,
    arrondissement: Option<String>,
    commune: Option<String>,
    chef_lieu: Option<String>,
    siren: Option<String>,
    #[serde(default)]
    codes_postaux: Vec<String>,
    population: Option<i64>,
    #[serde(default)]
    anciens_codes: Vec<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct EpciRow {
    code: String,
    nom: String,
    #[serde(rename = "type")]
    kind: String,
    population_municipale: Option<i64>,
    membres: Vec<EpciMember>,
}

#[derive(Deserialize)]
struct EpciMember {
    code: String,
}

#[derive(Deserialize)]
struct CentroidRow {
    code_insee: String,
    centroid_lat: Option<f64>,
    centroid_lon: Option<f64>,
}

pub(super) fn load_all(directory: &Path) -> Result<Territories, TerritoryError> {
    let mut territories = Territories::default();

    load_regions(&mut territories, directory)?;
    load_departements(&mut territories, directory)?;
    for row in read_json::<Vec<ArrondissementRow>>(&directory.join("arrondissements.json"))? {
        let mut territory = Territory::new(TerritoryKind::Arrondissement, &row.code, &row.nom);
        territory.departement = Some(row.departement);
        territory.region = Some(row.region);
        territories.insert(territory);
    }
    load_communes(&mut territories, directory)?;
    load_epcis(&mut territories, directory)?;
    load_centroids(&mut territories, directory)?;
    load_boundaries(
        &mut territories,
        directory,
        "geo/regions-simplifiees.geojson",
        TerritoryKind::Region,
    )?;
    load_boundaries(
        &mut territories,
        directory,
        "geo/departements-simplifies.geojson",
        TerritoryKind::Departement,
    )?;
    aggregate_upwards(&mut territories);
    Ok(territories)
}

fn load_regions(territories: &mut Territories, directory: &Path) -> Result<(), TerritoryError> {
    for row in read_json::<Vec<RegionRow>>(&directory.join("regions.json"))? {
        let kind = if row.zone == "com" {
            TerritoryKind::CollectiviteOutreMer
        } else {
            TerritoryKind::Region
        };
        territories.insert(Territory::new(kind, &row.code, &row.nom));
    }
    Ok(())
}

/// Départements; the overseas collectivities are listed among them too, but they were already
/// read as such from the région file.
fn load_departements(
    territories: &mut Territories,
    directory: &Path,
) -> Result<(), TerritoryError> {
    for row in read_json::<Vec<DepartementRow>>(&directory.join("departements.json"))? {
        if row.zone == "com" {
            continue;
        }
        let mut territory = Territory::new(TerritoryKind::Departement, &row.code, &row.nom);
        territory.region = Some(row.region);
        territories.insert(territory);
    }
    Ok(())
}

fn load_communes(territories: &mut Territories, directory: &Path) -> Result<(), TerritoryError> {
    let path = directory.join("communes.json.gz");
    for row in read_json::<Vec<CommuneRow>>(&path)? {
        let kind = match row.kind.as_str() {
            "commune-actuelle" => TerritoryKind::Commune,
            "commune-deleguee" => TerritoryKind::CommuneDeleguee,
            "commune-associee" => TerritoryKind::CommuneAssociee,
            "arrondissement-municipal" => TerritoryKind::ArrondissementMunicipal,
            other => {
                return Err(TerritoryError::Format {
                    path,
                    message: format!("commune {} has an unknown type {other:?}", row.code),
                });
            }
        };
        let mut territory = Territory::new(kind, &row.code, &row.nom);
        territory.departement = row.departement;
        territory.region = row.region;
        territory.arrondissement = row.arrondissement;
        territory.commune = row.commune.or(row.chef_lieu);
        territory.siren = row.siren;
        territory.postcodes = row.codes_postaux;
        territory.population = row.population;
        territory.former_codes = row.anciens_codes;
        territories.insert(territory);
    }
    Ok(())
}

fn load_epcis(territories: &mut Territories, directory: &Path) -> Result<(), TerritoryError> {
    for row in read_json::<Vec<EpciRow>>(&directory.join("epci.json.gz"))? {
        for member in &row.membres {
            if let Some(commune) = territories.get_mut(TerritoryKind::Commune, &member.code) {
                commune.epci = Some(row.code.clone());
            }
        }
        let mut territory = Territory::new(TerritoryKind::Epci, &row.code, &row.nom);
        territory.population = row.population_municipale;
        territory.epci_type = Some(row.kind);
        territory.siren = Some(row.code.clone());
        territories.insert(territory);
    }
    Ok(())
}

fn load_centroids(territories: &mut Territories, directory: &Path) -> Result<(), TerritoryError> {
    let path = directory.join("communes-enrichies.csv.gz");
    let mut reader = csv::Reader::from_reader(open_maybe_gzip(&path)?);
    for row in reader.deserialize::<CentroidRow>() {
        let row = row.map_err(|error| format_error(&path, error))?;
        let (Some(latitude), Some(longitude)) = (row.centroid_lat, row.centroid_lon) else {
            continue;
        };
        if let Some(commune) = territories.get_mut(TerritoryKind::Commune, &row.code_insee) {
            commune.centroid = Some(Point::new(longitude, latitude));
        }
    }
    Ok(())
}

fn load_boundaries(
    territories: &mut Territories,
    directory: &Path,
    file: &str,
    kind: TerritoryKind,
) -> Result<(), TerritoryError> {
    let path = directory.join(file);
    for (code, boundary) in read_boundaries(&path)? {
        if let Some(territory) = territories.get_mut(kind, &code) {
            territory.centroid = boundary.centroid();
            territory.boundary = Some(boundary);
        }
    }
    Ok(())
}

/// Reads a GeoJSON file of polygons with a `code` property, as (code, multipolygon) pairs.
pub(crate) fn read_boundaries(
    path: &Path,
) -> Result<Vec<(String, MultiPolygon<f64>)>, TerritoryError> {
    let mut text = String::new();
    open_maybe_gzip(path)?
        .read_to_string(&mut text)
        .map_err(|source| TerritoryError::Read {
            path: path.to_path_buf(),
            source,
        })?;
    let collection: geojson::FeatureCollection =
        text.parse().map_err(|error| format_error(path, error))?;
    let mut boundaries = Vec::with_capacity(collection.features.len());
    for feature in collection.features {
        let code = feature
            .property("code")
            .and_then(|code| code.as_str())
            .ok_or_else(|| format_error(path, "a feature has no \"code\" property"))?
            .to_owned();
        let Some(geometry) = feature.geometry else {
            continue;
        };
        let geometry =
            Geometry::<f64>::try_from(geometry).map_err(|error| format_error(path, error))?;
        let boundary = match geometry {
            Geometry::MultiPolygon(multi) => multi,
            Geometry::Polygon(polygon) => MultiPolygon(vec![polygon]),
            _ => return Err(format_error(path, format!("{code} is not a polygon"))),
        };
        boundaries.push((code, boundary));
    }
    Ok(boundaries)
}

/// Départements, régions and EPCI get the population of their communes, and those without a
/// boundary (overseas collectivities, EPCI) the population-weighted centre of their communes.
fn aggregate_upwards(territories: &mut Territories) {
    let mut sums: HashMap<(TerritoryKind, String), (i64, f64, f64, f64)> = HashMap::new();
    for commune in territories.of_kind(TerritoryKind::Commune) {
        let population = commune.population.unwrap_or(0);
        let weight = population.max(1) as f64;
        let parents = [
            commune
                .departement
                .as_ref()
                .map(|code| (TerritoryKind::Departement, code)),
            commune
                .departement
                .as_ref()
                .map(|code| (TerritoryKind::CollectiviteOutreMer, code)),
            commune
                .region
                .as_ref()
                .map(|code| (TerritoryKind::Region, code)),
            commune
                .epci
                .as_ref()
                .map(|code| (TerritoryKind::Epci, code)),
        ];
        for (kind, code) in parents.into_iter().flatten() {
            let entry = sums.entry((kind, code.clone())).or_default();
            entry.0 += population;
            if let Some(centroid) = commune.centroid {
                entry.1 += centroid.x() * weight;
                entry.2 += centroid.y() * weight;
                entry.3 += weight;
            }
        }
    }
    for ((kind, code), (population, x, y, weight)) in sums {
        let Some(territory) = territories.get_mut(kind, &code) else {
            continue;
        };
        if territory.population.is_none() {
            territory.population = Some(population);
        }
        if territory.centroid.is_none() && weight > 0.0 {
            territory.centroid = Some(Point::new(x / weight, y / weight));
        }
    }
}

fn read_json<T: serde::de::DeserializeOwned>(path: &Path) -> Result<T, TerritoryError> {
    serde_json::from_reader(BufReader::new(open_maybe_gzip(path)?))
        .map_err(|error| format_error(path, error))
}

fn open_maybe_gzip(path: &Path) -> Result<Box<dyn Read>, TerritoryError> {
    let file = File::open(path).map_err(|source| TerritoryError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    if path.extension().is_some_and(|extension| extension == "gz") {
        Ok(Box::new(flate2::read::GzDecoder::new(BufReader::new(file))))
    } else {
        Ok(Box::new(BufReader::new(file)))
    }
}

fn format_error(path: &Path, error: impl ToString) -> TerritoryError {
    TerritoryError::Format {
        path: path.to_path_buf(),
        message: error.to_string(),
    }
}

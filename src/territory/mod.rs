//! French territories of the official geographic code (COG), read from the bundled files.
//!
//! [`Territories`] holds every région, département, overseas collectivity, arrondissement, EPCI
//! and commune with its parents, population, centroid and boundary; it turns them into RDF for
//! the bootstrap and answers the lookups that place harvested records.

mod load;
mod rdf;

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use geo_types::{MultiPolygon, Point};

pub use self::load::TerritoryError;
pub(crate) use self::load::read_boundaries;
pub use self::rdf::{ancestors, territories_to_quads};
use crate::iri::TerritoryKind;

/// One territory.
#[derive(Debug, Clone)]
pub struct Territory {
    /// What kind of territory it is.
    pub kind: TerritoryKind,
    /// INSEE code (SIREN for EPCI).
    pub code: String,
    /// Official name.
    pub name: String,
    /// Région code (or overseas collectivity code).
    pub region: Option<String>,
    /// Département code (or overseas collectivity code).
    pub departement: Option<String>,
    /// Arrondissement code.
    pub arrondissement: Option<String>,
    /// SIREN of the EPCI the commune belongs to.
    pub epci: Option<String>,
    /// For delegated and associated communes and municipal arrondissements: the current commune.
    pub commune: Option<String>,
    /// SIREN of the local authority (communes).
    pub siren: Option<String>,
    /// Municipal population.
    pub population: Option<i64>,
    /// Postcodes.
    pub postcodes: Vec<String>,
    /// Former codes of communes merged into this one.
    pub former_codes: Vec<String>,
    /// Kind of EPCI (CC, CA, CU, METRO, MET69).
    pub epci_type: Option<String>,
    /// Centroid (WGS84).
    pub centroid: Option<Point<f64>>,
    /// Simplified boundary (WGS84), for régions and départements.
    pub boundary: Option<MultiPolygon<f64>>,
}

impl Territory {
    fn new(kind: TerritoryKind, code: &str, name: &str) -> Self {
        Self {
            kind,
            code: code.to_owned(),
            name: name.to_owned(),
            region: None,
            departement: None,
            arrondissement: None,
            epci: None,
            commune: None,
            siren: None,
            population: None,
            postcodes: Vec::new(),
            former_codes: Vec::new(),
            epci_type: None,
            centroid: None,
            boundary: None,
        }
    }
}

/// Every territory, indexed by kind and code.
#[derive(Debug, Default)]
pub struct Territories {
    territories: Vec<Territory>,
    by_key: HashMap<(TerritoryKind, String), usize>,
}

impl Territories {
    /// Reads the bundled files of the geographic code from `directory` (see
    /// `territories/ATTRIBUTION.md` for what each file holds).
    pub fn load(directory: &Path) -> Result<Self, TerritoryError> {
        load::load_all(directory)
    }

    /// The directory of the bundled files, beside the crate's manifest.
    pub fn bundled_directory() -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("territories")
    }

    fn insert(&mut self, territory: Territory) {
        let key = (territory.kind, territory.code.clone());
        self.by_key.insert(key, self.territories.len());
        self.territories.push(territory);
    }

    /// The territory of a kind with a code.
    pub fn get(&self, kind: TerritoryKind, code: &str) -> Option<&Territory> {
        self.by_key
            .get(&(kind, code.to_owned()))
            .map(|index| &self.territories[*index])
    }

    fn get_mut(&mut self, kind: TerritoryKind, code: &str) -> Option<&mut Territory> {
        let index = *self.by_key.get(&(kind, code.to_owned()))?;
        Some(&mut self.territories[index])
    }

    /// All territories of one kind, in file order.
    pub fn of_kind(&self, kind: TerritoryKind) -> impl Iterator<Item = &Territory> {
        self.territories
            .iter()
            .filter(move |territory| territory.kind == kind)
    }

    /// All territories.
    pub fn iter(&self) -> impl Iterator<Item = &Territory> {
        self.territories.iter()
    }

    /// Number of territories of one kind.
    pub fn count(&self, kind: TerritoryKind) -> usize {
        self.of_kind(kind).count()
    }

    /// The département, or the overseas collectivity that stands in its place, with this code.
    pub fn departement_or_collectivity(&self, code: &str) -> Option<&Territory> {
        self.get(TerritoryKind::Departement, code)
            .or_else(|| self.get(TerritoryKind::CollectiviteOutreMer, code))
    }

    /// The région, or the overseas collectivity that stands in its place, with this code.
    pub fn region_or_collectivity(&self, code: &str) -> Option<&Territory> {
        self.get(TerritoryKind::Region, code)
            .or_else(|| self.get(TerritoryKind::CollectiviteOutreMer, code))
    }
}

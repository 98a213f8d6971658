//! Placing records in territories: from whatever location a source gives (codes, names,
//! postcodes, coordinates) to a commune, or the lowest level that can be known.

use std::collections::HashMap;
use std::path::Path;
use std::sync::{Arc, OnceLock};

use geo::{Contains, Distance, Euclidean};
use geo_types::{MultiPolygon, Point};
use rstar::primitives::{GeomWithData, Rectangle};
use rstar::{AABB, RTree};

use crate::iri::TerritoryKind;
use crate::territory::Territories;
use crate::text::place_name_key;

/// How a record was placed, from the most to the least trusted way.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum PlacementMethod {
    /// A current INSEE commune code.
    InseeCode,
    /// A former commune code (merged, delegated or associated commune).
    FormerInseeCode,
    /// The code of a municipal arrondissement of Paris, Lyon or Marseille.
    MunicipalArrondissement,
    /// A postcode and a commune name.
    PostcodeAndName,
    /// Coordinates inside a commune's boundary.
    Coordinates,
    /// A commune name that is unique in the record's département.
    NameInDepartement,
    /// Only the département is known.
    Departement,
    /// Only the région is known.
    Region,
    /// Nothing locates the record.
    NotPlaced,
}

impl PlacementMethod {
    /// The slug of the method's concept in `vocabularies/placement.ttl`.
    pub fn slug(self) -> &'static str {
        match self {
            Self::InseeCode => "code-insee",
            Self::FormerInseeCode => "ancien-code-insee",
            Self::MunicipalArrondissement => "arrondissement-municipal",
            Self::PostcodeAndName => "code-postal-et-nom",
            Self::Coordinates => "coordonnees",
            Self::NameInDepartement => "nom-dans-departement",
            Self::Departement => "departement",
            Self::Region => "region",
            Self::NotPlaced => "non-place",
        }
    }

    /// Whether the record was placed in a commune.
    pub fn reaches_commune(self) -> bool {
        self < Self::Departement
    }
}

/// What a record says about where it is, as text from the source.
#[derive(Debug, Clone, Default)]
pub struct PlaceHints {
    /// INSEE commune code.
    pub insee_code: Option<String>,
    /// Postcode.
    pub postal_code: Option<String>,
    /// Commune name.
    pub commune_name: Option<String>,
    /// Département code or name.
    pub departement: Option<String>,
    /// Région code or name.
    pub region: Option<String>,
    /// Latitude.
    pub latitude: Option<String>,
    /// Longitude.
    pub longitude: Option<String>,
}

/// Where a record was placed.
#[derive(Debug, Clone, PartialEq)]
pub struct Placement {
    /// Code of the current commune, when found.
    pub commune: Option<String>,
    /// Code of the département (or overseas collectivity), when known.
    pub departement: Option<String>,
    /// Code of the région (or overseas collectivity), when known.
    pub region: Option<String>,
    /// How the territory was found.
    pub method: PlacementMethod,
    /// The record's point (longitude, latitude), when its coordinates are plausible.
    pub point: Option<Point<f64>>,
    /// What was noticed and corrected or ignored on the way, for the source's report.
    pub notes: Vec<String>,
}

impl Placement {
    /// The most precise territory known: commune, else département, else région.
    pub fn territory(&self) -> Option<(TerritoryKind, &str)> {
        if let Some(code) = &self.commune {
            return Some((TerritoryKind::Commune, code));
        }
        if let Some(code) = &self.departement {
            return Some((TerritoryKind::Departement, code));
        }
        self.region
            .as_deref()
            .map(|code| (TerritoryKind::Region, code))
    }
}

/// Everything needed to place records, built once from the territories.
pub struct Gazetteer {
    territories: Arc<Territories>,
    by_code: HashMap<String, (String, PlacementMethod)>,
    by_postcode: HashMap<String, Vec<String>>,
    by_name: HashMap<String, Vec<String>>,
    departements: HashMap<String, String>,
    regions: HashMap<String, String>,
    shapes_path: Option<std::path::PathBuf>,
    shapes: OnceLock<CommuneShapes>,
}

/// Commune boundaries with a spatial index, loaded on first use.
struct CommuneShapes {
    polygons: Vec<(String, MultiPolygon<f64>)>,
    index: RTree<GeomWithData<Rectangle<[f64; 2]>, usize>>,
}

/// Farthest a point may lie outside its commune's département, in degrees (about 10 km).
const MAX_DEGREES_OUTSIDE_DEPARTEMENT: f64 = 0.1;

impl Gazetteer {
    /// Builds the indexes; commune boundaries are read from `shapes_path` when first needed.
    pub fn new(territories: Arc<Territories>, shapes_path: Option<&Path>) -> Self {
        let mut gazetteer = Self {
            territories: Arc::clone(&territories),
            by_code: HashMap::new(),
            by_postcode: HashMap::new(),
            by_name: HashMap::new(),
            departements: HashMap::new(),
            regions: HashMap::new(),
            shapes_path: shapes_path.map(Path::to_path_buf),
            shapes: OnceLock::new(),
        };
        gazetteer.index_communes(&territories);
        gazetteer.index_upper_levels(&territories);
        gazetteer
    }

    /// The territories behind the gazetteer.
    pub fn territories(&self) -> &Territories {
        &self.territories
    }

    fn index_communes(&mut self, territories: &Territories) {
        for commune in territories.of_kind(TerritoryKind::Commune) {
            let code = commune.code.clone();
            self.by_code
                .insert(code.clone(), (code.clone(), PlacementMethod::InseeCode));
            for former in &commune.former_codes {
                self.by_code
                    .entry(former.clone())
                    .or_insert((code.clone(), PlacementMethod::FormerInseeCode));
            }
            for postcode in &commune.postcodes {
                self.by_postcode
                    .entry(postcode.clone())
                    .or_default()
                    .push(code.clone());
            }
            self.by_name
                .entry(place_name_key(&commune.name))
                .or_default()
                .push(code.clone());
        }
        let subdivisions = [
            (
                TerritoryKind::CommuneDeleguee,
                PlacementMethod::FormerInseeCode,
            ),
            (
                TerritoryKind::CommuneAssociee,
                PlacementMethod::FormerInseeCode,
            ),
            (
                TerritoryKind::ArrondissementMunicipal,
                PlacementMethod::MunicipalArrondissement,
            ),
        ];
        for (kind, method) in subdivisions {
            for part in territories.of_kind(kind) {
                let Some(commune) = part.commune.clone() else {
                    continue;
                };
                self.by_code
                    .entry(part.code.clone())
                    .or_insert((commune.clone(), method));
                for postcode in &part.postcodes {
                    self.by_postcode
                        .entry(postcode.clone())
                        .or_default()
                        .push(commune.clone());
                }
                let names = self.by_name.entry(place_name_key(&part.name)).or_default();
                if !names.contains(&commune) {
                    names.push(commune);
                }
            }
        }
        for communes in self.by_postcode.values_mut() {
            communes.sort();
            communes.dedup();
        }
    }

    fn index_upper_levels(&mut self, territories: &Territories) {
        for departement in territories
            .of_kind(TerritoryKind::Departement)
            .chain(territories.of_kind(TerritoryKind::CollectiviteOutreMer))
        {
            self.departements
                .insert(departement.code.clone(), departement.code.clone());
            self.departements
                .insert(place_name_key(&departement.name), departement.code.clone());
        }
        for region in territories
            .of_kind(TerritoryKind::Region)
            .chain(territories.of_kind(TerritoryKind::CollectiviteOutreMer))
        {
            self.regions
                .insert(region.code.clone(), region.code.clone());
            self.regions
                .insert(place_name_key(&region.name), region.code.clone());
        }
    }

    /// Places a record, trying each way in order of trust.
    pub fn place(&self, hints: &PlaceHints) -> Placement {
        let mut notes = Vec::new();
        let point = self.plausible_point(hints, &mut notes);

        let found = self
            .by_insee_code(hints, &mut notes)
            .or_else(|| self.by_postcode_and_name(hints))
            .or_else(|| point.and_then(|point| self.by_coordinates(point)))
            .or_else(|| self.by_name_in_departement(hints));
        let mut placement = match found {
            Some((commune, method)) => self.commune_placement(commune, method),
            None => self.upper_level_placement(hints, &mut notes),
        };
        placement.point = point.filter(|point| self.point_fits(&placement, *point, &mut notes));
        placement.notes = notes;
        placement
    }

    fn commune_placement(&self, commune: String, method: PlacementMethod) -> Placement {
        let territory = self.territories.get(TerritoryKind::Commune, &commune);
        Placement {
            departement: territory.and_then(|t| t.departement.clone()),
            region: territory.and_then(|t| t.region.clone()),
            commune: Some(commune),
            method,
            point: None,
            notes: Vec::new(),
        }
    }

    fn upper_level_placement(&self, hints: &PlaceHints, notes: &mut Vec<String>) -> Placement {
        let departement = hints
            .departement
            .as_deref()
            .and_then(|text| self.departement_code(text));
        if hints.departement.is_some() && departement.is_none() {
            notes.push(format!(
                "unknown département {:?}",
                hints.departement.as_deref().unwrap_or_default()
            ));
        }
        let region = departement
            .as_deref()
            .and_then(|code| self.territories.departement_or_collectivity(code))
            .and_then(|departement| {
                departement
                    .region
                    .clone()
                    .or(Some(departement.code.clone()))
            })
            .or_else(|| {
                hints
                    .region
                    .as_deref()
                    .and_then(|text| self.region_code(text))
            });
        if departement.is_none() && hints.region.is_some() && region.is_none() {
            notes.push(format!(
                "unknown région {:?}",
                hints.region.as_deref().unwrap_or_default()
            ));
        }
        let method = match (&departement, &region) {
            (Some(_), _) => PlacementMethod::Departement,
            (None, Some(_)) => PlacementMethod::Region,
            (None, None) => PlacementMethod::NotPlaced,
        };
        Placement {
            commune: None,
            departement,
            region,
            method,
            point: None,
            notes: Vec::new(),
        }
    }

    fn by_insee_code(
        &self,
        hints: &PlaceHints,
        notes: &mut Vec<String>,
    ) -> Option<(String, PlacementMethod)> {
        let raw = hints.insee_code.as_deref()?.trim();
        let code = normalize_code(raw, 5);
        let found = self.by_code.get(&code).cloned();
        if found.is_none() {
            notes.push(format!("{raw:?} is not an INSEE commune code"));
        }
        found
    }

    fn by_postcode_and_name(&self, hints: &PlaceHints) -> Option<(String, PlacementMethod)> {
        let postcode = normalize_code(hints.postal_code.as_deref()?, 5);
        let name = place_name_key(hints.commune_name.as_deref()?);
        let candidates = self.by_postcode.get(&postcode)?;
        let named = self
            .by_name
            .get(&name)
            .map(Vec::as_slice)
            .unwrap_or_default();
        let exact: Vec<&String> = candidates
            .iter()
            .filter(|code| named.contains(code))
            .collect();
        if let [commune] = exact.as_slice() {
            return Some(((*commune).clone(), PlacementMethod::PostcodeAndName));
        }
        // "Marseille 2e", "Paris 12e": a commune's name followed by a district number.
        let prefixed: Vec<&String> = candidates
            .iter()
            .filter(|code| {
                self.territories
                    .get(TerritoryKind::Commune, code)
                    .is_some_and(|commune| {
                        let key = place_name_key(&commune.name);
                        name.strip_prefix(&key)
                            .is_some_and(|rest| rest.starts_with(' '))
                    })
            })
            .collect();
        match prefixed.as_slice() {
            [commune] => Some(((*commune).clone(), PlacementMethod::PostcodeAndName)),
            _ => None,
        }
    }

    fn by_name_in_departement(&self, hints: &PlaceHints) -> Option<(String, PlacementMethod)> {
        let departement = self.departement_code(hints.departement.as_deref()?)?;
        let name = place_name_key(hints.commune_name.as_deref()?);
        let in_departement: Vec<&String> = self
            .by_name
            .get(&name)?
            .iter()
            .filter(|code| {
                self.territories
                    .get(TerritoryKind::Commune, code)
                    .is_some_and(|commune| {
                        commune.departement.as_deref() == Some(departement.as_str())
                    })
            })
            .collect();
        match in_departement.as_slice() {
            [commune] => Some(((*commune).clone(), PlacementMethod::NameInDepartement)),
            _ => None,
        }
    }

    fn by_coordinates(&self, point: Point<f64>) -> Option<(String, PlacementMethod)> {
        self.commune_containing(point)
            .map(|code| (code, PlacementMethod::Coordinates))
    }

    /// The current commune whose boundary contains the point.
    pub fn commune_containing(&self, point: Point<f64>) -> Option<String> {
        let shapes = self.shapes()?;
        let envelope = AABB::from_point([point.x(), point.y()]);
        shapes
            .index
            .locate_in_envelope_intersecting(&envelope)
            .map(|entry| &shapes.polygons[entry.data])
            .find(|(_, polygon)| polygon.contains(&point))
            .map(|(code, _)| code.clone())
    }

    /// Reads the coordinates; a pair that only makes sense swapped is swapped, and one that
    /// is not a position on Earth is dropped, with a note either way.
    fn plausible_point(&self, hints: &PlaceHints, notes: &mut Vec<String>) -> Option<Point<f64>> {
        let parse = |text: &Option<String>| {
            text.as_deref()
                .and_then(|t| t.trim().replace(',', ".").parse::<f64>().ok())
        };
        let (latitude, longitude) = (parse(&hints.latitude)?, parse(&hints.longitude)?);
        if latitude == 0.0 && longitude == 0.0 {
            notes.push("coordinates 0,0 ignored".into());
            return None;
        }
        if !(-90.0..=90.0).contains(&latitude) || !(-180.0..=180.0).contains(&longitude) {
            if (-90.0..=90.0).contains(&longitude) {
                notes.push("latitude and longitude were swapped".into());
                return Some(Point::new(latitude, longitude));
            }
            notes.push(format!(
                "coordinates {latitude}, {longitude} are not on Earth"
            ));
            return None;
        }
        let point = Point::new(longitude, latitude);
        if self.shapes().is_some() && self.commune_containing(point).is_none() {
            let swapped = Point::new(latitude, longitude);
            if self.commune_containing(swapped).is_some() {
                notes.push("latitude and longitude were swapped".into());
                return Some(swapped);
            }
        }
        Some(point)
    }

    /// Whether a point agrees with the placement: within reach of its département.
    fn point_fits(
        &self,
        placement: &Placement,
        point: Point<f64>,
        notes: &mut Vec<String>,
    ) -> bool {
        let Some(departement) = placement.departement.as_deref() else {
            return true;
        };
        let Some(boundary) = self
            .territories
            .get(TerritoryKind::Departement, departement)
            .and_then(|territory| territory.boundary.as_ref())
        else {
            return true;
        };
        if boundary.contains(&point)
            || Euclidean.distance(&point, boundary) <= MAX_DEGREES_OUTSIDE_DEPARTEMENT
        {
            return true;
        }
        notes.push(format!(
            "coordinates {:.5}, {:.5} are far from département {departement}: dropped",
            point.y(),
            point.x()
        ));
        false
    }

    /// The département code for a code (`"1"`, `"01"`, `"2a"`) or a name (`"RHONE"`).
    pub fn departement_code(&self, text: &str) -> Option<String> {
        let code = normalize_code(text, 2);
        self.departements
            .get(&code)
            .or_else(|| self.departements.get(&place_name_key(text)))
            .cloned()
    }

    /// The région code for a code or a name (`"Centre-Val-de-Loire"`).
    pub fn region_code(&self, text: &str) -> Option<String> {
        let code = normalize_code(text, 2);
        self.regions
            .get(&code)
            .or_else(|| self.regions.get(&place_name_key(text)))
            .cloned()
    }

    fn shapes(&self) -> Option<&CommuneShapes> {
        let path = self.shapes_path.as_ref()?;
        Some(self.shapes.get_or_init(|| load_shapes(path)))
    }
}

fn load_shapes(path: &Path) -> CommuneShapes {
    let polygons = match crate::territory::read_boundaries(path) {
        Ok(polygons) => polygons,
        Err(error) => {
            tracing::warn!(%error, "commune boundaries unavailable: placement by coordinates is off");
            Vec::new()
        }
    };
    let entries = polygons
        .iter()
        .enumerate()
        .filter_map(|(index, (_, polygon))| {
            use geo::BoundingRect;
            let rect = polygon.bounding_rect()?;
            let corners =
                Rectangle::from_corners([rect.min().x, rect.min().y], [rect.max().x, rect.max().y]);
            Some(GeomWithData::new(corners, index))
        })
        .collect();
    CommuneShapes {
        polygons,
        index: RTree::bulk_load(entries),
    }
}

/// Codes as sources write them: trimmed, upper case (`2a` → `2A`), and purely numeric codes
/// left-padded with zeros when a number type dropped them (`1100` → `01100`, `1` → `01`).
pub fn normalize_code(text: &str, width: usize) -> String {
    let code = text.trim().to_ascii_uppercase();
    if !code.is_empty() && code.len() < width && code.chars().all(|c| c.is_ascii_digit()) {
        return format!("{code:0>width$}");
    }
    code
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numeric_codes_get_their_leading_zeros_back() {
        assert_eq!(normalize_code("1100", 5), "01100");
        assert_eq!(normalize_code("1", 2), "01");
        assert_eq!(normalize_code("2a", 2), "2A");
        assert_eq!(normalize_code("971", 2), "971");
    }
}

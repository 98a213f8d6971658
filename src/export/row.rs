//! One exported initiative: its public statements, and the labels of what it links to, read
//! from the store with the lookups of concepts, actors, sources and territories cached.

use std::collections::HashMap;

use oxigraph::model::vocab::rdf;
use oxigraph::model::{GraphName, Literal, NamedNode, NamedNodeRef, Term, Triple};

use crate::iri::{IriMinter, request_path_from_iri};
use crate::opendata::is_public_graph;
use crate::store::{Store, StoreError};
use crate::vocab::{anc, dct, geo, igeo, skos};

/// What the table formats show of an initiative: labels and plain values, no IRI but its page.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct InitiativeRow {
    /// URL of the initiative's page (its IRI, which dereferences).
    pub page: String,
    pub name: String,
    pub description: Option<String>,
    /// Names of the actors carrying it.
    pub carriers: Vec<String>,
    /// French labels of its themes.
    pub themes: Vec<String>,
    /// French labels of its publics.
    pub publics: Vec<String>,
    pub commune: Option<String>,
    /// INSEE code of the commune.
    pub commune_code: Option<String>,
    pub departement: Option<String>,
    pub departement_code: Option<String>,
    pub region: Option<String>,
    pub region_code: Option<String>,
    /// Street address, with its complement after a comma.
    pub address: Option<String>,
    pub postal_code: Option<String>,
    pub locality: Option<String>,
    /// `(latitude, longitude)` of its WKT point.
    pub point: Option<(f64, f64)>,
    pub website: Option<String>,
    pub email: Option<String>,
    pub telephone: Option<String>,
    /// Title of the source it was harvested from.
    pub source: Option<String>,
}

/// Names of the columns of the table formats (CSV header, GeoJSON properties), in order.
pub const COLUMNS: [&str; 21] = [
    "nom",
    "description",
    "porteurs",
    "themes",
    "publics",
    "commune",
    "code_insee",
    "departement",
    "code_departement",
    "region",
    "code_region",
    "adresse",
    "code_postal",
    "localite",
    "latitude",
    "longitude",
    "site_web",
    "courriel",
    "telephone",
    "source",
    "page",
];

/// One value of a row, as the table formats write it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Cell<'a> {
    /// A text, or nothing.
    Text(Option<&'a str>),
    /// Several texts (carriers, themes, publics).
    List(&'a [String]),
    /// A number, or nothing.
    Number(Option<f64>),
}

impl InitiativeRow {
    /// The values of the row, in the order of [`COLUMNS`].
    pub fn cells(&self) -> [Cell<'_>; 21] {
        fn text(value: &Option<String>) -> Cell<'_> {
            Cell::Text(value.as_deref())
        }
        [
            Cell::Text(Some(&self.name)),
            text(&self.description),
            Cell::List(&self.carriers),
            Cell::List(&self.themes),
            Cell::List(&self.publics),
            text(&self.commune),
            text(&self.commune_code),
            text(&self.departement),
            text(&self.departement_code),
            text(&self.region),
            text(&self.region_code),
            text(&self.address),
            text(&self.postal_code),
            text(&self.locality),
            Cell::Number(self.point.map(|(lat, _)| lat)),
            Cell::Number(self.point.map(|(_, lon)| lon)),
            text(&self.website),
            text(&self.email),
            text(&self.telephone),
            text(&self.source),
            Cell::Text(Some(&self.page)),
        ]
    }
}

/// An initiative as every export format needs it.
#[derive(Debug, Clone)]
pub struct ExportedInitiative {
    pub row: InitiativeRow,
    /// Its statements in the public graphs (and those of the nodes it owns, such as its
    /// geometry), followed by the names and codes of the resources it links to.
    pub statements: Vec<Triple>,
}

/// Reads initiatives for an export, remembering the labels it has looked up.
pub struct RowBuilder {
    store: Store,
    minter: IriMinter,
    labels: HashMap<String, Option<Literal>>,
    territories: HashMap<String, Option<TerritoryFacts>>,
    places: HashMap<String, Place>,
}

/// What a row shows of a territory.
#[derive(Debug, Clone)]
struct TerritoryFacts {
    iri: NamedNode,
    name: Option<Literal>,
    code: Option<String>,
    level: Level,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Level {
    Commune,
    Departement,
    Region,
    Other,
}

/// The commune, département and région an initiative's territory lies in.
#[derive(Debug, Clone, Default)]
struct Place {
    commune: Option<TerritoryFacts>,
    departement: Option<TerritoryFacts>,
    region: Option<TerritoryFacts>,
}

impl RowBuilder {
    /// A builder reading the public `store`.
    pub fn new(store: Store, minter: IriMinter) -> Self {
        Self {
            store,
            minter,
            labels: HashMap::new(),
            territories: HashMap::new(),
            places: HashMap::new(),
        }
    }

    /// The initiative at `iri`; `None` when the store no longer describes it.
    pub fn initiative(&mut self, iri: &str) -> Result<Option<ExportedInitiative>, StoreError> {
        let subject = NamedNode::new_unchecked(iri);
        let mut statements = self.public_statements(&subject)?;
        if statements.is_empty() {
            return Ok(None);
        }
        let mut row = self.plain_values(&subject, &statements);
        let mut linked = self.add_labels(&subject, &statements, &mut row)?;
        linked.extend(self.add_place(&subject, &statements, &mut row)?);
        statements.extend(linked);
        Ok(Some(ExportedInitiative { row, statements }))
    }

    /// The statements describing `subject` in the public graphs, each once.
    fn public_statements(&self, subject: &NamedNode) -> Result<Vec<Triple>, StoreError> {
        let mut statements: Vec<Triple> = Vec::new();
        for quad in self.store.describe(subject.as_ref())? {
            let public = match &quad.graph_name {
                GraphName::NamedNode(graph) => is_public_graph(&self.minter, graph.as_str()),
                _ => false,
            };
            let triple = Triple::from(quad);
            if public && !statements.contains(&triple) {
                statements.push(triple);
            }
        }
        Ok(statements)
    }

    /// Fills the carriers, themes, publics and source of `row` with labels; returns the
    /// statements giving them.
    fn add_labels(
        &mut self,
        subject: &NamedNode,
        statements: &[Triple],
        row: &mut InitiativeRow,
    ) -> Result<Vec<Triple>, StoreError> {
        let mut linked = Vec::new();
        for (predicate, label_predicate) in [
            (anc::CARRIED_BY, anc::NAME),
            (anc::THEME, skos::PREF_LABEL),
            (anc::AUDIENCE, skos::PREF_LABEL),
            (anc::SOURCE_PROP, dct::TITLE),
        ] {
            for target in links(subject, statements, predicate) {
                let Some(label) = self.label(&target, label_predicate)? else {
                    continue;
                };
                let value = label.value().to_owned();
                match predicate {
                    p if p == anc::CARRIED_BY => row.carriers.push(value),
                    p if p == anc::THEME => row.themes.push(value),
                    p if p == anc::AUDIENCE => row.publics.push(value),
                    _ => row.source = row.source.take().or(Some(value)),
                }
                linked.push(Triple::new(target, label_predicate, label));
            }
        }
        Ok(linked)
    }

    /// Fills the commune, département and région of `row`; returns the statements giving
    /// their names and codes.
    fn add_place(
        &mut self,
        subject: &NamedNode,
        statements: &[Triple],
        row: &mut InitiativeRow,
    ) -> Result<Vec<Triple>, StoreError> {
        let place = self.place(subject, statements)?;
        let levels = [
            (&place.commune, &mut row.commune, &mut row.commune_code),
            (
                &place.departement,
                &mut row.departement,
                &mut row.departement_code,
            ),
            (&place.region, &mut row.region, &mut row.region_code),
        ];
        let mut linked = Vec::new();
        for (facts, name, code) in levels {
            let Some(facts) = facts else { continue };
            *name = facts.name.as_ref().map(|name| name.value().to_owned());
            code.clone_from(&facts.code);
            linked.extend(territory_statements(facts));
        }
        Ok(linked)
    }

    /// The values read from the initiative's own statements, without lookups.
    fn plain_values(&self, subject: &NamedNode, statements: &[Triple]) -> InitiativeRow {
        let text = |predicate| first_literal(subject, statements, predicate);
        let address = match (text(anc::STREET_ADDRESS), text(anc::ADDRESS_COMPLEMENT)) {
            (Some(street), Some(complement)) => Some(format!("{street}, {complement}")),
            (street, complement) => street.or(complement),
        };
        let website = links(subject, statements, anc::WEBSITE)
            .first()
            .map(|site| site.as_str().to_owned())
            .or_else(|| text(anc::WEBSITE));
        let point = statements
            .iter()
            .filter(|triple| triple.predicate == geo::AS_WKT)
            .find_map(|triple| match &triple.object {
                Term::Literal(wkt) => crate::rdf::parse_wkt_point(wkt.value()),
                _ => None,
            });
        InitiativeRow {
            page: self.page_url(subject.as_str()),
            name: text(anc::NAME).unwrap_or_default(),
            description: text(anc::DESCRIPTION),
            address,
            postal_code: text(anc::POSTAL_CODE),
            locality: text(anc::ADDRESS_LOCALITY),
            point,
            website,
            email: text(anc::EMAIL),
            telephone: text(anc::TELEPHONE),
            ..InitiativeRow::default()
        }
    }

    /// The IRI as a URL a browser follows: non-ASCII characters percent-encoded.
    fn page_url(&self, iri: &str) -> String {
        match self.minter.relative(iri) {
            Some(path) => format!("{}{}", self.minter.base(), request_path_from_iri(path)),
            None => iri.to_owned(),
        }
    }

    /// The label of `target` by `predicate`, in French when there is a choice.
    fn label(
        &mut self,
        target: &NamedNode,
        predicate: NamedNodeRef<'_>,
    ) -> Result<Option<Literal>, StoreError> {
        if let Some(label) = self.labels.get(target.as_str()) {
            return Ok(label.clone());
        }
        let values = self.store.objects(target.as_ref(), predicate)?;
        let label = pick_literal(&values);
        self.labels
            .insert(target.as_str().to_owned(), label.clone());
        Ok(label)
    }

    /// The commune, département and région of the initiative: its commune, then its territory
    /// and the territories containing either.
    fn place(&mut self, subject: &NamedNode, statements: &[Triple]) -> Result<Place, StoreError> {
        let territory = links(subject, statements, anc::TERRITORY)
            .into_iter()
            .next();
        let commune = links(subject, statements, anc::COMMUNE).into_iter().next();
        let Some(start) = commune.clone().or(territory.clone()) else {
            return Ok(Place::default());
        };
        let key = format!(
            "{} {}",
            start.as_str(),
            territory.as_ref().map_or("", |t| t.as_str())
        );
        if let Some(place) = self.places.get(&key) {
            return Ok(place.clone());
        }

        let mut members: Vec<NamedNode> = vec![start.clone()];
        members.extend(territory);
        for ancestor in self.store.objects(start.as_ref(), igeo::SUBDIVISION_DE)? {
            if let Term::NamedNode(ancestor) = ancestor {
                members.push(ancestor);
            }
        }
        let mut place = Place::default();
        for member in members {
            let Some(facts) = self.territory(&member)? else {
                continue;
            };
            let slot = match facts.level {
                Level::Commune => &mut place.commune,
                Level::Departement => &mut place.departement,
                Level::Region => &mut place.region,
                Level::Other => continue,
            };
            slot.get_or_insert(facts);
        }
        self.places.insert(key, place.clone());
        Ok(place)
    }

    fn territory(&mut self, iri: &NamedNode) -> Result<Option<TerritoryFacts>, StoreError> {
        if let Some(facts) = self.territories.get(iri.as_str()) {
            return Ok(facts.clone());
        }
        let types = self.store.objects(iri.as_ref(), rdf::TYPE)?;
        let has_type = |class: NamedNodeRef<'_>| types.iter().any(|t| *t == class.into());
        let level = if has_type(igeo::COMMUNE) {
            Level::Commune
        } else if has_type(igeo::DEPARTEMENT) {
            Level::Departement
        } else if has_type(igeo::REGION) {
            Level::Region
        } else {
            Level::Other
        };
        let facts = if types.is_empty() {
            None
        } else {
            let code = self.store.objects(iri.as_ref(), igeo::CODE_INSEE)?;
            Some(TerritoryFacts {
                iri: iri.clone(),
                name: pick_literal(&self.store.objects(iri.as_ref(), igeo::NOM)?),
                code: pick_literal(&code).map(|code| code.value().to_owned()),
                level,
            })
        };
        self.territories
            .insert(iri.as_str().to_owned(), facts.clone());
        Ok(facts)
    }
}

/// The name and code of a territory, as statements for the linked-data formats.
fn territory_statements(facts: &TerritoryFacts) -> Vec<Triple> {
    let mut statements = Vec::with_capacity(2);
    if let Some(name) = &facts.name {
        statements.push(Triple::new(facts.iri.clone(), igeo::NOM, name.clone()));
    }
    if let Some(code) = &facts.code {
        let literal = Literal::new_simple_literal(code);
        statements.push(Triple::new(facts.iri.clone(), igeo::CODE_INSEE, literal));
    }
    statements
}

/// The IRIs `subject` links to by `predicate`, in the order of the statements.
fn links(
    subject: &NamedNode,
    statements: &[Triple],
    predicate: NamedNodeRef<'_>,
) -> Vec<NamedNode> {
    statements
        .iter()
        .filter(|triple| triple.predicate == predicate && is_subject(triple, subject))
        .filter_map(|triple| match &triple.object {
            Term::NamedNode(node) => Some(node.clone()),
            _ => None,
        })
        .collect()
}

fn first_literal(
    subject: &NamedNode,
    statements: &[Triple],
    predicate: NamedNodeRef<'_>,
) -> Option<String> {
    let values: Vec<Term> = statements
        .iter()
        .filter(|triple| triple.predicate == predicate && is_subject(triple, subject))
        .map(|triple| triple.object.clone())
        .collect();
    pick_literal(&values).map(|literal| literal.value().to_owned())
}

fn is_subject(triple: &Triple, subject: &NamedNode) -> bool {
    matches!(&triple.subject, oxigraph::model::NamedOrBlankNode::NamedNode(node) if node == subject)
}

/// The literal in French, else untagged, else the first one.
fn pick_literal(values: &[Term]) -> Option<Literal> {
    let literals: Vec<&Literal> = values
        .iter()
        .filter_map(|value| match value {
            Term::Literal(literal) => Some(literal),
            _ => None,
        })
        .collect();
    let french = literals
        .iter()
        .find(|literal| literal.language() == Some("fr"));
    let untagged = literals.iter().find(|literal| literal.language().is_none());
    french
        .or(untagged)
        .or(literals.first())
        .map(|literal| (*literal).clone())
}

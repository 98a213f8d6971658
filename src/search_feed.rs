//! Feeding the search index from the graph: each initiative becomes a [`SearchDocument`] built
//! from its own statements and from cached lookups of its concepts and territories.

use std::collections::HashMap;

use oxigraph::model::vocab::rdf;
use oxigraph::model::{NamedNode, NamedNodeRef, Quad, Term};

use crate::iri::{IriMinter, TerritoryKind};
use crate::search::{SearchDocument, SearchError, SearchIndex};
use crate::store::{Store, StoreError};
use crate::vocab::{anc, geo, igeo, prov, skos};

/// Why the index could not be fed.
#[derive(Debug, thiserror::Error)]
pub enum FeedError {
    /// Reading the graph failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// Writing the index failed.
    #[error(transparent)]
    Search(#[from] SearchError),
}

/// Builds search documents, remembering what it learnt about concepts and territories.
pub struct DocumentBuilder<'a> {
    store: &'a Store,
    minter: &'a IriMinter,
    concept_paths: HashMap<String, Vec<String>>,
    concept_labels: HashMap<String, Option<String>>,
    territory_paths: HashMap<String, Vec<String>>,
    territory_centres: HashMap<String, Option<(f64, f64)>>,
    actor_names: HashMap<String, Option<String>>,
}

impl<'a> DocumentBuilder<'a> {
    /// A builder reading `store`.
    pub fn new(store: &'a Store, minter: &'a IriMinter) -> Self {
        Self {
            store,
            minter,
            concept_paths: HashMap::new(),
            concept_labels: HashMap::new(),
            territory_paths: HashMap::new(),
            territory_centres: HashMap::new(),
            actor_names: HashMap::new(),
        }
    }

    /// The document of a current initiative; `None` when it is gone or no longer exists.
    pub fn document(
        &mut self,
        initiative: &NamedNode,
    ) -> Result<Option<SearchDocument>, StoreError> {
        let quads = self.store.describe(initiative.as_ref())?;
        let own: Vec<&Quad> = quads
            .iter()
            .filter(|quad| quad.subject.to_string() == initiative.to_string())
            .collect();
        let values = |predicate: NamedNodeRef<'_>| -> Vec<Term> {
            own.iter()
                .filter(|quad| quad.predicate == predicate)
                .map(|quad| quad.object.clone())
                .collect()
        };
        let is_initiative = values(rdf::TYPE).contains(&Term::from(anc::INITIATIVE.into_owned()));
        if !is_initiative || !values(prov::INVALIDATED_AT_TIME).is_empty() {
            return Ok(None);
        }
        let text = |predicate: NamedNodeRef<'_>| values(predicate).iter().find_map(literal_value);
        let iris = |predicate: NamedNodeRef<'_>| -> Vec<String> {
            values(predicate).iter().filter_map(named_value).collect()
        };

        let mut document = SearchDocument {
            iri: initiative.as_str().to_owned(),
            name: text(anc::NAME).unwrap_or_default(),
            description: text(anc::DESCRIPTION),
            ..SearchDocument::default()
        };
        document.other_texts.extend(text(anc::ADDRESS_LOCALITY));
        for actor in iris(anc::CARRIED_BY) {
            document.other_texts.extend(self.actor_name(&actor)?);
        }
        for theme in iris(anc::THEME) {
            document.themes.push(self.concept_path(&theme)?);
            document.other_texts.extend(self.concept_label(&theme)?);
        }
        for (predicate, target) in [
            (anc::AUDIENCE, &mut document.publics),
            (anc::METHOD, &mut document.methods),
            (anc::NETWORK, &mut document.networks),
            (anc::CARRIER_TYPE, &mut document.actor_types),
            (anc::SCALE, &mut document.scales),
            (anc::SOURCE_PROP, &mut document.sources),
        ] {
            target.extend(
                iris(predicate)
                    .iter()
                    .map(|iri| last_segment(iri).to_owned()),
            );
        }
        if let Some(territory) = iris(anc::TERRITORY).first() {
            document.territory_path = self.territory_path(territory)?;
        }
        for served in iris(anc::SERVES) {
            document
                .serves
                .extend(self.territory_path(&served)?.last().cloned());
        }
        let own_point = quads
            .iter()
            .filter(|quad| quad.predicate == geo::AS_WKT)
            .find_map(|quad| {
                literal_value(&quad.object).and_then(|wkt| crate::rdf::parse_wkt_point(&wkt))
            });
        document.quality = quality(&own, own_point.is_some());
        // Without coordinates of its own, an initiative is drawn at the centre of its commune,
        // so that a place known only by its commune is still on the map.
        document.point = match (own_point, iris(anc::TERRITORY).first()) {
            (Some(point), _) => Some(point),
            (None, Some(territory)) => self.centre_of(territory)?,
            (None, None) => None,
        };
        Ok(Some(document))
    }

    /// The centre (`geo:hasCentroid`) of a territory, as `(latitude, longitude)` like the
    /// points of initiatives.
    fn centre_of(&mut self, territory: &str) -> Result<Option<(f64, f64)>, StoreError> {
        if let Some(centre) = self.territory_centres.get(territory) {
            return Ok(*centre);
        }
        let point = match self.first_iri(territory, geo::HAS_CENTROID)? {
            Some(centre) => self
                .store
                .objects(NamedNode::new_unchecked(centre).as_ref(), geo::AS_WKT)?
                .iter()
                .find_map(literal_value)
                .and_then(|wkt| crate::rdf::parse_wkt_point(&wkt)),
            None => None,
        };
        self.territory_centres.insert(territory.to_owned(), point);
        Ok(point)
    }

    /// Slugs from the top of the concept's scheme down to the concept.
    fn concept_path(&mut self, concept: &str) -> Result<Vec<String>, StoreError> {
        if let Some(path) = self.concept_paths.get(concept) {
            return Ok(path.clone());
        }
        let mut path = vec![last_segment(concept).to_owned()];
        let mut current = concept.to_owned();
        for _ in 0..8 {
            let Some(broader) = self.first_iri(&current, skos::BROADER)? else {
                break;
            };
            path.insert(0, last_segment(&broader).to_owned());
            current = broader;
        }
        self.concept_paths.insert(concept.to_owned(), path.clone());
        Ok(path)
    }

    fn concept_label(&mut self, concept: &str) -> Result<Option<String>, StoreError> {
        if let Some(label) = self.concept_labels.get(concept) {
            return Ok(label.clone());
        }
        let node = NamedNode::new_unchecked(concept);
        let labels = self.store.objects(node.as_ref(), skos::PREF_LABEL)?;
        let label = crate::rdf::pick_language(&labels, "fr");
        self.concept_labels
            .insert(concept.to_owned(), label.clone());
        Ok(label)
    }

    fn actor_name(&mut self, actor: &str) -> Result<Option<String>, StoreError> {
        if let Some(name) = self.actor_names.get(actor) {
            return Ok(name.clone());
        }
        let node = NamedNode::new_unchecked(actor);
        let name = self
            .store
            .objects(node.as_ref(), anc::NAME)?
            .iter()
            .find_map(literal_value);
        self.actor_names.insert(actor.to_owned(), name.clone());
        Ok(name)
    }

    /// `["region:84", "departement:01", "epci:…", "commune:01033"]` for a territory: the levels
    /// the search facets use, widest first.
    fn territory_path(&mut self, territory: &str) -> Result<Vec<String>, StoreError> {
        if let Some(path) = self.territory_paths.get(territory) {
            return Ok(path.clone());
        }
        let node = NamedNode::new_unchecked(territory);
        let mut levels: Vec<(usize, String)> = Vec::new();
        let ancestors = self.store.objects(node.as_ref(), igeo::SUBDIVISION_DE)?;
        let own = Term::from(node.clone());
        for member in std::iter::once(&own).chain(ancestors.iter()) {
            let Some(iri) = named_value(member) else {
                continue;
            };
            if let Some(level) = self.level_of(&iri) {
                levels.push(level);
            }
        }
        levels.sort();
        levels.dedup();
        let path: Vec<String> = levels.into_iter().map(|(_, code)| code).collect();
        self.territory_paths
            .insert(territory.to_owned(), path.clone());
        Ok(path)
    }

    /// Rank and kind-prefixed code of a territory IRI, for the levels the facets show.
    fn level_of(&self, iri: &str) -> Option<(usize, String)> {
        let relative = self.minter.relative(iri)?.strip_prefix("territoire/")?;
        let (kind, code) = relative.split_once('/')?;
        let rank = match TerritoryKind::from_slug(kind)? {
            TerritoryKind::Region | TerritoryKind::CollectiviteOutreMer => 0,
            TerritoryKind::Departement => 1,
            TerritoryKind::Epci => 2,
            TerritoryKind::Commune => 3,
            _ => return None,
        };
        Some((rank, format!("{kind}:{code}")))
    }

    fn first_iri(
        &self,
        subject: &str,
        predicate: NamedNodeRef<'_>,
    ) -> Result<Option<String>, StoreError> {
        let node = NamedNode::new_unchecked(subject);
        Ok(self
            .store
            .objects(node.as_ref(), predicate)?
            .iter()
            .find_map(named_value))
    }
}

/// Writes the documents of `initiatives` to the index, deleting those that are gone.
pub fn sync_initiatives(
    store: &Store,
    minter: &IriMinter,
    index: &SearchIndex,
    initiatives: &[NamedNode],
) -> Result<(), FeedError> {
    let mut builder = DocumentBuilder::new(store, minter);
    for chunk in initiatives.chunks(10_000) {
        let mut documents = Vec::with_capacity(chunk.len());
        let mut gone = Vec::new();
        for initiative in chunk {
            match builder.document(initiative)? {
                Some(document) => documents.push(document),
                None => gone.push(initiative.as_str().to_owned()),
            }
        }
        index.upsert(&documents)?;
        index.delete(&gone)?;
    }
    Ok(())
}

/// Rebuilds the whole index from the graph; returns the number of documents.
pub fn reindex(store: &Store, minter: &IriMinter, index: &SearchIndex) -> Result<usize, FeedError> {
    let rows = store.select(include_str!("../queries/current-initiatives.rq"), &[])?;
    let mut builder = DocumentBuilder::new(store, minter);
    let mut documents = Vec::with_capacity(rows.len());
    for row in rows.iter() {
        let Some(Term::NamedNode(initiative)) = row.term("initiative") else {
            continue;
        };
        if let Some(document) = builder.document(initiative)? {
            documents.push(document);
        }
    }
    Ok(index.replace_all(documents)?)
}

/// Completeness: the share of what people look for that the description gives.
fn quality(own: &[&Quad], has_point: bool) -> f64 {
    let present = |predicate: NamedNodeRef<'_>| own.iter().any(|quad| quad.predicate == predicate);
    let checks = [
        present(anc::DESCRIPTION),
        present(anc::STREET_ADDRESS),
        present(anc::EMAIL) || present(anc::TELEPHONE),
        present(anc::WEBSITE),
        present(anc::COMMUNE),
        has_point,
        present(anc::THEME),
        present(anc::CARRIED_BY) || present(anc::CARRIER_TYPE),
    ];
    checks.iter().filter(|check| **check).count() as f64 / checks.len() as f64
}

fn literal_value(term: &Term) -> Option<String> {
    match term {
        Term::Literal(literal) => Some(literal.value().to_owned()),
        _ => None,
    }
}

fn named_value(term: &Term) -> Option<String> {
    match term {
        Term::NamedNode(node) => Some(node.as_str().to_owned()),
        _ => None,
    }
}

fn last_segment(iri: &str) -> &str {
    iri.rsplit('/').next().unwrap_or(iri)
}

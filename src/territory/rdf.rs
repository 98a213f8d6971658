//! Territories as RDF, typed with INSEE's geographic ontology.

use oxigraph::model::vocab::rdfs;
use oxigraph::model::{NamedNode, NamedNodeRef, Quad};
use wkt::ToWkt;

use super::{Territories, Territory};
use crate::iri::{GraphKind, IriMinter, TerritoryKind};
use crate::rdf::{QuadBuffer, wkt_point};
use crate::vocab::{anc, geo, igeo};

/// Every territory as quads of the territories graph: class, code, name, population, parents
/// (direct ones with `igeo:subdivisionDirecteDe`, all of them with `igeo:subdivisionDe`),
/// centroid and, for régions and départements, boundary.
pub fn territories_to_quads(territories: &Territories, minter: &IriMinter) -> Vec<Quad> {
    let mut buffer = QuadBuffer::new(minter.graph(&GraphKind::Territories));
    for territory in territories.iter() {
        write_territory(&mut buffer, territories, territory, minter);
    }
    buffer.into_quads()
}

fn write_territory(
    buffer: &mut QuadBuffer,
    territories: &Territories,
    territory: &Territory,
    minter: &IriMinter,
) {
    let iri = minter.territory(territory.kind, &territory.code);

    buffer.add_type(&iri, class_of(territory));
    buffer.add_text(&iri, igeo::CODE_INSEE, &territory.code);
    buffer.add_lang_text(&iri, igeo::NOM, &territory.name, "fr");
    buffer.add_lang_text(&iri, rdfs::LABEL, &territory.name, "fr");
    if let Some(population) = territory.population {
        buffer.add_integer(&iri, anc::POPULATION, population);
    }
    if let Some(siren) = &territory.siren {
        buffer.add_text(&iri, anc::SIREN, siren);
    }
    if let Some(epci_type) = &territory.epci_type {
        buffer.add_text(&iri, anc::INTERCOMMUNALITY_TYPE, epci_type);
    }
    for postcode in &territory.postcodes {
        buffer.add_text(&iri, anc::POSTAL_CODE, postcode);
    }

    for parent in direct_parents(territories, territory) {
        buffer.add_link(
            &iri,
            igeo::SUBDIVISION_DIRECTE_DE,
            &minter.territory(parent.kind, &parent.code),
        );
    }
    for ancestor in ancestors(territories, territory) {
        buffer.add_link(
            &iri,
            igeo::SUBDIVISION_DE,
            &minter.territory(ancestor.kind, &ancestor.code),
        );
    }

    write_geometries(buffer, &iri, territory);
}

fn write_geometries(buffer: &mut QuadBuffer, iri: &NamedNode, territory: &Territory) {
    if let Some(centroid) = territory.centroid {
        let node = NamedNode::new_unchecked(format!("{}#centre", iri.as_str()));
        buffer.add_geometry(
            iri,
            geo::HAS_CENTROID,
            &node,
            &wkt_point(centroid.x(), centroid.y()),
        );
        if territory.boundary.is_none() {
            buffer.add_link(iri, geo::HAS_DEFAULT_GEOMETRY, &node);
        }
    }
    if let Some(boundary) = &territory.boundary {
        let node = NamedNode::new_unchecked(format!("{}#contour", iri.as_str()));
        buffer.add_geometry(iri, geo::HAS_GEOMETRY, &node, &boundary.wkt_string());
        buffer.add_link(iri, geo::HAS_DEFAULT_GEOMETRY, &node);
    }
}

fn class_of(territory: &Territory) -> NamedNodeRef<'static> {
    match territory.kind {
        TerritoryKind::Region => igeo::REGION,
        TerritoryKind::Departement => igeo::DEPARTEMENT,
        TerritoryKind::CollectiviteOutreMer => match territory.code.as_str() {
            // Clipperton and the French Southern and Antarctic Lands are not collectivities:
            // INSEE's ontology has a class for the first and the generic one for the second.
            "989" => NamedNodeRef::new_unchecked("http://rdf.insee.fr/def/geo#Clipperton"),
            "984" => NamedNodeRef::new_unchecked("http://rdf.insee.fr/def/geo#TerritoireFrancais"),
            _ => igeo::COLLECTIVITE_D_OUTRE_MER,
        },
        TerritoryKind::Arrondissement => igeo::ARRONDISSEMENT,
        TerritoryKind::Epci => igeo::INTERCOMMUNALITE,
        TerritoryKind::Commune => igeo::COMMUNE,
        TerritoryKind::CommuneDeleguee => igeo::COMMUNE_DELEGUEE,
        TerritoryKind::CommuneAssociee => igeo::COMMUNE_ASSOCIEE,
        TerritoryKind::ArrondissementMunicipal => igeo::ARRONDISSEMENT_MUNICIPAL,
    }
}

/// The territories one level up: the arrondissement (or département) and the EPCI of a commune,
/// the commune of a delegated commune, the région of a département...
pub(crate) fn direct_parents<'a>(
    territories: &'a Territories,
    territory: &Territory,
) -> Vec<&'a Territory> {
    let mut parents = Vec::new();
    match territory.kind {
        TerritoryKind::Commune => {
            let arrondissement = territory
                .arrondissement
                .as_deref()
                .and_then(|code| territories.get(TerritoryKind::Arrondissement, code));
            let departement = territory
                .departement
                .as_deref()
                .and_then(|code| territories.departement_or_collectivity(code));
            parents.extend(arrondissement.or(departement));
            parents.extend(
                territory
                    .epci
                    .as_deref()
                    .and_then(|code| territories.get(TerritoryKind::Epci, code)),
            );
        }
        TerritoryKind::CommuneDeleguee
        | TerritoryKind::CommuneAssociee
        | TerritoryKind::ArrondissementMunicipal => parents.extend(
            territory
                .commune
                .as_deref()
                .and_then(|code| territories.get(TerritoryKind::Commune, code)),
        ),
        TerritoryKind::Arrondissement => parents.extend(
            territory
                .departement
                .as_deref()
                .and_then(|code| territories.departement_or_collectivity(code)),
        ),
        TerritoryKind::Departement => parents.extend(
            territory
                .region
                .as_deref()
                .and_then(|code| territories.region_or_collectivity(code)),
        ),
        TerritoryKind::Region | TerritoryKind::CollectiviteOutreMer | TerritoryKind::Epci => (),
    }
    parents
}

/// Every territory that contains this one, at any level, without repetition.
pub fn ancestors<'a>(territories: &'a Territories, territory: &Territory) -> Vec<&'a Territory> {
    let mut found: Vec<&Territory> = Vec::new();
    let mut pending = direct_parents(territories, territory);
    while let Some(parent) = pending.pop() {
        if found
            .iter()
            .any(|known| known.kind == parent.kind && known.code == parent.code)
        {
            continue;
        }
        pending.extend(direct_parents(territories, parent));
        found.push(parent);
    }
    found
}

//! Mapped records, sources and runs as quads.

use oxigraph::model::vocab::{rdf, rdfs, xsd};
use oxigraph::model::{Literal, NamedNode};

use super::descriptor::SourceDescriptor;
use super::mapping::{ConceptRole, MappedActor, MappedInitiative, TextProperty};
use crate::iri::{IriMinter, TerritoryKind};
use crate::rdf::{QuadBuffer, wkt_point};
use crate::vocab::{anc, dcat, dct, foaf, geo, prov, skos};

/// Writes an accepted record: the record, its initiative and its actor.
pub fn write_initiative(
    buffer: &mut QuadBuffer,
    minter: &IriMinter,
    descriptor: &SourceDescriptor,
    mapped: &MappedInitiative,
    record_hash: &str,
    run: &NamedNode,
) {
    let source = minter.source(&descriptor.id);
    let record = minter.record(&descriptor.id, &mapped.record_id);
    let initiative = minter.initiative(&descriptor.id, &mapped.record_id);

    buffer.add_type(&record, anc::SOURCE_RECORD);
    buffer.add_text(&record, dct::IDENTIFIER, &mapped.record_id);
    buffer.add_link(&record, anc::IN_SOURCE, &source);
    buffer.add_link(&record, prov::WAS_GENERATED_BY, run);
    buffer.add_text(&record, anc::RECORD_HASH, record_hash);
    if let Some(page) = mapped
        .record_page
        .as_deref()
        .and_then(|page| NamedNode::new(page).ok())
    {
        buffer.add_link(&record, anc::RECORD_PAGE, &page);
    }

    buffer.add_type(&initiative, anc::INITIATIVE);
    buffer.add_text(&initiative, anc::NAME, &mapped.name);
    buffer.add_link(&initiative, anc::SOURCE_PROP, &source);
    buffer.add_link(&initiative, prov::WAS_DERIVED_FROM, &record);
    write_texts(buffer, &initiative, mapped, &descriptor.language);
    if let Some(website) = mapped
        .website
        .as_deref()
        .and_then(|url| NamedNode::new(url).ok())
    {
        buffer.add_link(&initiative, anc::WEBSITE, &website);
    }
    for (role, concept) in &mapped.concepts {
        buffer.add_link(&initiative, initiative_property(*role), concept);
    }
    for (field, tag) in &mapped.tags {
        buffer.add_link(
            &initiative,
            dct::SUBJECT,
            &minter.source_tag(&descriptor.id, field, tag),
        );
    }
    write_placement(buffer, minter, &initiative, mapped);
    if let Some(actor) = &mapped.actor {
        let actor_iri = write_actor(buffer, minter, &descriptor.id, actor);
        buffer.add_link(&initiative, anc::CARRIED_BY, &actor_iri);
        buffer.add_link(&actor_iri, anc::CARRIES, &initiative);
        buffer.add_link(&actor_iri, anc::SOURCE_PROP, &source);
        if let Some(actor_type) = &actor.actor_type {
            let already_typed = mapped
                .concepts
                .iter()
                .any(|(role, _)| *role == ConceptRole::ActorType);
            if !already_typed {
                buffer.add_link(&initiative, anc::CARRIER_TYPE, actor_type);
            }
        }
    }
}

fn write_texts(
    buffer: &mut QuadBuffer,
    initiative: &NamedNode,
    mapped: &MappedInitiative,
    language: &str,
) {
    for (property, value) in &mapped.texts {
        match property {
            TextProperty::Description => {
                buffer.add_lang_text(initiative, anc::DESCRIPTION, value, language)
            }
            TextProperty::StartDate => {
                buffer.add_typed(initiative, anc::START_DATE, value, xsd::DATE)
            }
            TextProperty::EndDate => buffer.add_typed(initiative, anc::END_DATE, value, xsd::DATE),
            TextProperty::StreetAddress => buffer.add_text(initiative, anc::STREET_ADDRESS, value),
            TextProperty::AddressComplement => {
                buffer.add_text(initiative, anc::ADDRESS_COMPLEMENT, value)
            }
            TextProperty::PostalCode => buffer.add_text(initiative, anc::POSTAL_CODE, value),
            TextProperty::Locality => buffer.add_text(initiative, anc::ADDRESS_LOCALITY, value),
            TextProperty::Email => buffer.add_text(initiative, anc::EMAIL, value),
            TextProperty::Telephone => buffer.add_text(initiative, anc::TELEPHONE, value),
            TextProperty::OpeningHours => buffer.add_text(initiative, anc::OPENING_HOURS, value),
        }
    }
}

fn write_placement(
    buffer: &mut QuadBuffer,
    minter: &IriMinter,
    initiative: &NamedNode,
    mapped: &MappedInitiative,
) {
    let placement = &mapped.placement;
    if let Some(commune) = &placement.commune {
        buffer.add_link(
            initiative,
            anc::COMMUNE,
            &minter.territory(TerritoryKind::Commune, commune),
        );
    }
    if let Some((kind, code)) = placement.territory() {
        let kind = match kind {
            TerritoryKind::Departement if code.len() == 3 && code.as_bytes()[1] > b'7' => {
                TerritoryKind::CollectiviteOutreMer
            }
            TerritoryKind::Region if code.len() == 3 => TerritoryKind::CollectiviteOutreMer,
            other => other,
        };
        buffer.add_link(initiative, anc::TERRITORY, &minter.territory(kind, code));
    }
    buffer.add_link(
        initiative,
        anc::PLACEMENT,
        &minter.concept("placement", placement.method.slug()),
    );
    if let Some(point) = placement.point {
        let geometry = NamedNode::new_unchecked(format!("{}#position", initiative.as_str()));
        buffer.add_geometry(
            initiative,
            geo::HAS_GEOMETRY,
            &geometry,
            &wkt_point(point.x(), point.y()),
        );
    }
}

fn write_actor(
    buffer: &mut QuadBuffer,
    minter: &IriMinter,
    source_id: &str,
    actor: &MappedActor,
) -> NamedNode {
    let iri = match &actor.siren {
        Some(siren) => minter.actor_by_siren(siren),
        None => minter.actor_in_source(source_id, &crate::text::slugify(&actor.name)),
    };
    buffer.add_type(&iri, anc::ACTOR);
    buffer.add_text(&iri, anc::NAME, &actor.name);
    if let Some(siret) = &actor.siret {
        buffer.add_text(&iri, anc::SIRET, siret);
    }
    if let Some(siren) = &actor.siren {
        buffer.add_text(&iri, anc::SIREN, siren);
    }
    if let Some(form) = &actor.legal_form {
        buffer.add_text(&iri, anc::LEGAL_FORM, form);
    }
    if let Some(actor_type) = &actor.actor_type {
        buffer.add_link(&iri, anc::ACTOR_TYPE, actor_type);
    }
    if let Some(website) = actor
        .website
        .as_deref()
        .and_then(|url| NamedNode::new(url).ok())
    {
        buffer.add_link(&iri, anc::WEBSITE, &website);
    }
    iri
}

/// The property linking an initiative to a concept of a given role.
pub fn initiative_property(role: ConceptRole) -> oxigraph::model::NamedNodeRef<'static> {
    match role {
        ConceptRole::Theme => anc::THEME,
        ConceptRole::Audience => anc::AUDIENCE,
        ConceptRole::Method => anc::METHOD,
        ConceptRole::Network => anc::NETWORK,
        ConceptRole::Scale => anc::SCALE,
        ConceptRole::ActorType => anc::CARRIER_TYPE,
    }
}

/// Describes the source itself, as a DCAT dataset, with its tag scheme and tag mappings.
pub fn write_source(
    buffer: &mut QuadBuffer,
    minter: &IriMinter,
    descriptor: &SourceDescriptor,
    seen_tags: &[(String, String)],
) {
    let source = minter.source(&descriptor.id);
    buffer.add_type(&source, anc::SOURCE);
    buffer.add_type(&source, dcat::DATASET);
    buffer.add_lang_text(&source, dct::TITLE, &descriptor.name, "fr");
    buffer.add_lang_text(&source, rdfs::LABEL, &descriptor.name, "fr");
    buffer.add_text(&source, dct::IDENTIFIER, &descriptor.id);
    if let Some(description) = &descriptor.description {
        buffer.add_lang_text(&source, dct::DESCRIPTION, description, "fr");
    }
    let publisher = NamedNode::new_unchecked(format!("{}#editeur", source.as_str()));
    buffer.add_link(&source, dct::PUBLISHER, &publisher);
    buffer.add_type(
        &publisher,
        NamedNode::new_unchecked("http://xmlns.com/foaf/0.1/Agent").as_ref(),
    );
    buffer.add_text(&publisher, foaf::NAME, &descriptor.publisher);
    if let Ok(licence) = NamedNode::new(descriptor.licence.clone()) {
        buffer.add_link(&source, dct::LICENSE, &licence);
        buffer.add_lang_text(&licence, rdfs::LABEL, &descriptor.licence_name, "fr");
    }
    if let Some(attribution) = &descriptor.attribution {
        buffer.add_text(&source, dct::BIBLIOGRAPHIC_CITATION, attribution);
    }
    if let Some(homepage) = descriptor
        .homepage
        .as_deref()
        .and_then(|url| NamedNode::new(url).ok())
    {
        buffer.add_link(&source, dcat::LANDING_PAGE, &homepage);
    }
    if let Some(schedule) = &descriptor.schedule {
        buffer.add_typed(&source, dct::ACCRUAL_PERIODICITY, schedule, xsd::DURATION);
    }
    let location = descriptor.data.location.trim();
    let is_url = location.starts_with("http://") || location.starts_with("https://");
    if is_url && let Ok(url) = NamedNode::new(location) {
        let distribution = NamedNode::new_unchecked(format!("{}#distribution", source.as_str()));
        buffer.add_link(&source, dcat::DISTRIBUTION_PROP, &distribution);
        buffer.add_type(&distribution, dcat::DISTRIBUTION);
        buffer.add_link(&distribution, dcat::DOWNLOAD_URL, &url);
    }
    write_tag_scheme(buffer, minter, descriptor, seen_tags);
}

/// The source's own tags become concepts of a scheme of the source, with the mappings the
/// descriptor states as SKOS close matches, signed by who mapped them and when.
fn write_tag_scheme(
    buffer: &mut QuadBuffer,
    minter: &IriMinter,
    descriptor: &SourceDescriptor,
    seen_tags: &[(String, String)],
) {
    if descriptor.tags.is_empty() {
        return;
    }
    let scheme = minter.source_tag_scheme(&descriptor.id);
    buffer.add_type(&scheme, skos::CONCEPT_SCHEME);
    buffer.add_lang_text(
        &scheme,
        skos::PREF_LABEL,
        &format!("Étiquettes de la source {}", descriptor.name),
        "fr",
    );
    buffer.add_lang_text(
        &scheme,
        skos::PREF_LABEL,
        &format!("Tags of the source {}", descriptor.name),
        "en",
    );
    let mapped_at = Literal::new_typed_literal(&descriptor.mapped_at, xsd::DATE);
    for (field, tag) in seen_tags {
        let concept = minter.source_tag(&descriptor.id, field, tag);
        buffer.add_type(&concept, skos::CONCEPT);
        buffer.add_link(&concept, skos::IN_SCHEME, &scheme);
        buffer.add_text(&concept, skos::PREF_LABEL, tag);
        buffer.add_text(&concept, skos::NOTATION, &format!("{field}={tag}"));
        let targets = descriptor
            .tags
            .iter()
            .filter(|spec| spec.field == *field)
            .filter_map(|spec| spec.concepts.get(tag))
            .flatten();
        let mut mapped = false;
        for target in targets {
            buffer.add_link(&concept, skos::CLOSE_MATCH, &minter.at(target));
            mapped = true;
        }
        if mapped {
            buffer.add_text(&concept, anc::MAPPED_BY, &descriptor.mapped_by);
            buffer.add(concept.clone(), anc::MAPPED_AT, mapped_at.clone());
        }
    }
}

/// Counts of one harvest run.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct RunCounts {
    /// Records read from the file, including those that could not be read.
    pub read: usize,
    /// Records mapped, validated and written.
    pub accepted: usize,
    /// Records kept in quarantine.
    pub rejected: usize,
    /// Accepted records identical to the previous run.
    pub unchanged: usize,
    /// Accepted records seen for the first time.
    pub new: usize,
    /// Accepted records that changed since the previous run.
    pub changed: usize,
    /// Records of the previous run missing from this one.
    pub gone: usize,
}

/// Describes a run as a PROV-O activity.
pub fn write_run(
    buffer: &mut QuadBuffer,
    run: &NamedNode,
    source: &NamedNode,
    started: chrono::DateTime<chrono::Utc>,
    ended: chrono::DateTime<chrono::Utc>,
    counts: &RunCounts,
) {
    buffer.add_type(run, anc::HARVEST_RUN);
    buffer.add_type(run, prov::ACTIVITY);
    buffer.add_link(run, prov::USED, source);
    buffer.add_typed(
        run,
        prov::STARTED_AT_TIME,
        &started.to_rfc3339(),
        xsd::DATE_TIME,
    );
    buffer.add_typed(
        run,
        prov::ENDED_AT_TIME,
        &ended.to_rfc3339(),
        xsd::DATE_TIME,
    );
    let figures = [
        (anc::RECORDS_READ, counts.read),
        (anc::RECORDS_ACCEPTED, counts.accepted),
        (anc::RECORDS_REJECTED, counts.rejected),
        (anc::RECORDS_UNCHANGED, counts.unchanged),
        (anc::RECORDS_NEW, counts.new),
        (anc::RECORDS_CHANGED, counts.changed),
        (anc::RECORDS_GONE, counts.gone),
    ];
    for (property, value) in figures {
        buffer.add_integer(run, property, value as i64);
    }
    buffer.add(run.clone(), rdf::TYPE, prov::ACTIVITY.into_owned());
}

//! Mapping one record onto the ontology: the descriptor's value mappings applied to the record's
//! fields, concepts checked against the vocabularies, the record placed in a territory.

use std::collections::HashMap;

use oxigraph::model::NamedNode;

use super::descriptor::{ActorSpec, SourceDescriptor};
use super::place::{Gazetteer, PlaceHints, Placement};
use super::record::Record;
use super::value::ValueSpec;
use crate::iri::IriMinter;

/// Which property links an initiative to a concept, decided by the concept's scheme.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ConceptRole {
    /// A *domaine* or *thème* (`anc:theme`).
    Theme,
    /// A public (`anc:audience`).
    Audience,
    /// A method (`anc:method`).
    Method,
    /// A national network (`anc:network`).
    Network,
    /// A scale of action (`anc:scale`).
    Scale,
    /// A type of actor (`anc:carrierType`, `anc:actorType`).
    ActorType,
}

/// The concepts of the platform's vocabularies, by IRI.
#[derive(Debug, Default, Clone)]
pub struct ConceptIndex {
    roles: HashMap<String, ConceptRole>,
}

impl ConceptIndex {
    /// Schemes whose concepts can be attached to initiatives, with their role.
    pub const SCHEMES: [(&'static str, ConceptRole); 6] = [
        ("theme/domaines", ConceptRole::Theme),
        ("theme/publics", ConceptRole::Audience),
        ("theme/methodes", ConceptRole::Method),
        ("data-inclusion/reseau-porteur", ConceptRole::Network),
        ("echelle", ConceptRole::Scale),
        ("type-acteur", ConceptRole::ActorType),
    ];

    /// Records that `concept` belongs to a scheme with `role`.
    pub fn insert(&mut self, concept: &str, role: ConceptRole) {
        self.roles.insert(concept.to_owned(), role);
    }

    /// The role of a concept, if it exists.
    pub fn role(&self, concept: &str) -> Option<ConceptRole> {
        self.roles.get(concept).copied()
    }

    /// Number of concepts known.
    pub fn len(&self) -> usize {
        self.roles.len()
    }

    /// Whether no concept is known.
    pub fn is_empty(&self) -> bool {
        self.roles.is_empty()
    }
}

/// A record mapped onto the ontology, before it becomes RDF.
#[derive(Debug, Clone)]
pub struct MappedInitiative {
    /// The record's id in the source.
    pub record_id: String,
    /// The record's page on the publisher's site.
    pub record_page: Option<String>,
    /// Name.
    pub name: String,
    /// Simple text properties: (property, value).
    pub texts: Vec<(TextProperty, String)>,
    /// Website.
    pub website: Option<String>,
    /// Concepts with their role.
    pub concepts: Vec<(ConceptRole, NamedNode)>,
    /// Tags as the source writes them: (field, value).
    pub tags: Vec<(String, String)>,
    /// The carrying organisation.
    pub actor: Option<MappedActor>,
    /// Where the record is.
    pub placement: Placement,
    /// What was corrected or ignored while mapping.
    pub notes: Vec<String>,
}

/// Text properties of an initiative.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TextProperty {
    /// `anc:description` (language-tagged).
    Description,
    /// `anc:streetAddress`
    StreetAddress,
    /// `anc:addressComplement`
    AddressComplement,
    /// `anc:postalCode`
    PostalCode,
    /// `anc:addressLocality`
    Locality,
    /// `anc:email`
    Email,
    /// `anc:telephone`
    Telephone,
    /// `anc:openingHours`
    OpeningHours,
    /// `anc:startDate` (`xsd:date`)
    StartDate,
    /// `anc:endDate` (`xsd:date`)
    EndDate,
}

/// The organisation carrying an initiative.
#[derive(Debug, Clone)]
pub struct MappedActor {
    /// Name.
    pub name: String,
    /// SIRET, when valid.
    pub siret: Option<String>,
    /// SIREN, when valid (given, or the first nine digits of the SIRET).
    pub siren: Option<String>,
    /// Legal form as written.
    pub legal_form: Option<String>,
    /// Type, a concept of the actor-type scheme.
    pub actor_type: Option<NamedNode>,
    /// Website.
    pub website: Option<String>,
}

/// Why a record could not be mapped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MappingFault {
    /// The field or property at fault.
    pub field: String,
    /// What is wrong and how to fix it.
    pub message: String,
}

/// Applies a descriptor to records.
pub struct RecordMapper<'a> {
    descriptor: &'a SourceDescriptor,
    concepts: &'a ConceptIndex,
    gazetteer: &'a Gazetteer,
    minter: &'a IriMinter,
}

impl<'a> RecordMapper<'a> {
    /// A mapper for one source.
    pub fn new(
        descriptor: &'a SourceDescriptor,
        concepts: &'a ConceptIndex,
        gazetteer: &'a Gazetteer,
        minter: &'a IriMinter,
    ) -> Self {
        Self {
            descriptor,
            concepts,
            gazetteer,
            minter,
        }
    }

    /// The record's id, needed even to report a record that cannot be mapped.
    pub fn record_id(&self, record: &Record) -> Option<String> {
        self.descriptor
            .record
            .id
            .first(record, &self.descriptor.data.null_values)
    }

    /// Maps a record, or says which fields prevent it.
    pub fn map(&self, record: &Record) -> Result<MappedInitiative, Vec<MappingFault>> {
        let mut faults = Vec::new();
        let mut notes = Vec::new();
        let spec = &self.descriptor.initiative;

        let record_id = self.record_id(record);
        if record_id.is_none() {
            faults.push(fault("record.id", "the record has no identifier"));
        }
        let name = spec.name.as_ref().and_then(|name| self.first(name, record));
        if name.is_none() {
            faults.push(fault("initiative.name", "the record has no name"));
        }

        let texts = self.texts(record, &mut faults);
        let website = spec
            .website
            .as_ref()
            .and_then(|website| self.first(website, record));
        let website = website.and_then(|url| normalize_url(&url, &mut notes));
        let concepts = self.concepts_of(record, &mut faults);
        let actor = self
            .descriptor
            .actor
            .as_ref()
            .and_then(|actor| self.actor(actor, record, &mut notes));
        let placement = self.gazetteer.place(&self.place_hints(record));
        notes.extend(placement.notes.iter().cloned());

        if !faults.is_empty() {
            return Err(faults);
        }
        Ok(MappedInitiative {
            record_id: record_id.unwrap_or_default(),
            record_page: self
                .descriptor
                .record
                .page
                .as_ref()
                .and_then(|page| self.first(page, record)),
            name: name.unwrap_or_default(),
            texts,
            website,
            concepts,
            tags: self.tags(record),
            actor,
            placement,
            notes,
        })
    }

    fn first(&self, spec: &ValueSpec, record: &Record) -> Option<String> {
        spec.first(record, &self.descriptor.data.null_values)
    }

    fn all(&self, spec: &ValueSpec, record: &Record) -> Vec<String> {
        spec.values(record, &self.descriptor.data.null_values)
    }

    fn texts(
        &self,
        record: &Record,
        faults: &mut Vec<MappingFault>,
    ) -> Vec<(TextProperty, String)> {
        let spec = &self.descriptor.initiative;
        let fields = [
            (TextProperty::Description, &spec.description),
            (TextProperty::StreetAddress, &spec.street_address),
            (TextProperty::AddressComplement, &spec.address_complement),
            (TextProperty::PostalCode, &spec.postal_code),
            (TextProperty::Locality, &spec.locality),
            (TextProperty::Email, &spec.email),
            (TextProperty::Telephone, &spec.telephone),
            (TextProperty::OpeningHours, &spec.opening_hours),
            (TextProperty::StartDate, &spec.start_date),
            (TextProperty::EndDate, &spec.end_date),
        ];
        let mut texts = Vec::new();
        for (property, mapping) in fields {
            let Some(mapping) = mapping else { continue };
            // Contacts may be several (a cell split by the mapping); other texts are single.
            let values = match property {
                TextProperty::Email | TextProperty::Telephone => self.all(mapping, record),
                _ => self.first(mapping, record).into_iter().collect(),
            };
            for value in values {
                self.push_text(&mut texts, faults, property, value);
            }
        }
        texts
    }

    /// Adds a text value; a date must already read `YYYY-MM-DD`.
    fn push_text(
        &self,
        texts: &mut Vec<(TextProperty, String)>,
        faults: &mut Vec<MappingFault>,
        property: TextProperty,
        value: String,
    ) {
        let field = match property {
            TextProperty::StartDate => "initiative.start_date",
            TextProperty::EndDate => "initiative.end_date",
            _ => {
                texts.push((property, value));
                return;
            }
        };
        if chrono::NaiveDate::parse_from_str(&value, "%Y-%m-%d").is_err() {
            let message =
                format!("{value:?} is not a date YYYY-MM-DD: adjust `extract` and `format`");
            faults.push(fault(field, &message));
            return;
        }
        texts.push((property, value));
    }

    fn concepts_of(
        &self,
        record: &Record,
        faults: &mut Vec<MappingFault>,
    ) -> Vec<(ConceptRole, NamedNode)> {
        let spec = &self.descriptor.initiative;
        let mut paths: Vec<(String, &str)> = Vec::new();
        let lists = [
            (&spec.themes, "initiative.themes"),
            (&spec.networks, "initiative.networks"),
            (&spec.scale, "initiative.scale"),
            (&spec.carrier_type, "initiative.carrier_type"),
        ];
        for (mapping, field) in lists {
            if let Some(mapping) = mapping {
                paths.extend(
                    self.all(mapping, record)
                        .into_iter()
                        .map(|path| (path, field)),
                );
            }
        }
        for tag_spec in &self.descriptor.tags {
            for tag in self.tag_values(tag_spec, record) {
                if let Some(targets) = tag_spec.concepts.get(&tag) {
                    paths.extend(targets.iter().map(|path| (path.clone(), "tags")));
                }
            }
        }

        let mut concepts = Vec::new();
        for (path, field) in paths {
            let iri = self.minter.at(&path);
            match self.concepts.role(iri.as_str()) {
                Some(role) if !concepts.contains(&(role, iri.clone())) => {
                    concepts.push((role, iri))
                }
                Some(_) => (),
                None => faults.push(fault(
                    field,
                    &format!("{path:?} is not a concept of the platform's vocabularies"),
                )),
            }
        }
        concepts
    }

    fn tags(&self, record: &Record) -> Vec<(String, String)> {
        let mut tags = Vec::new();
        for tag_spec in &self.descriptor.tags {
            for tag in self.tag_values(tag_spec, record) {
                let entry = (tag_spec.field.clone(), tag);
                if !tags.contains(&entry) {
                    tags.push(entry);
                }
            }
        }
        tags
    }

    /// The tags of one field, split and trimmed.
    pub fn tag_values(&self, spec: &super::descriptor::TagSpec, record: &Record) -> Vec<String> {
        let nulls = &self.descriptor.data.null_values;
        let values = ValueSpec::Field(spec.field.clone()).values(record, nulls);
        let split: Vec<String> = match &spec.split {
            Some(separators) => values
                .iter()
                .flat_map(|value| separators.split(value))
                .collect(),
            None => values,
        };
        split
            .into_iter()
            .filter(|tag| !tag.is_empty() && !nulls.iter().any(|n| n.eq_ignore_ascii_case(tag)))
            .collect()
    }

    fn actor(
        &self,
        spec: &ActorSpec,
        record: &Record,
        notes: &mut Vec<String>,
    ) -> Option<MappedActor> {
        let name = self.first(&spec.name, record)?;
        let siret = spec
            .siret
            .as_ref()
            .and_then(|siret| self.first(siret, record))
            .map(|siret| digits_only(&siret));
        let siret = siret.filter(|siret| {
            let valid = siret.len() == 14 && luhn_valid(siret);
            if !valid {
                notes.push(format!("SIRET {siret:?} is not valid and was ignored"));
            }
            valid
        });
        let siren = spec
            .siren
            .as_ref()
            .and_then(|siren| self.first(siren, record))
            .map(|siren| digits_only(&siren))
            .filter(|siren| siren.len() == 9 && luhn_valid(siren))
            .or_else(|| siret.as_ref().map(|siret| siret[..9].to_owned()));
        let actor_type = spec
            .actor_type
            .as_ref()
            .and_then(|mapping| self.first(mapping, record))
            .and_then(|path| {
                let iri = self.minter.at(&path);
                (self.concepts.role(iri.as_str()) == Some(ConceptRole::ActorType)).then_some(iri)
            });
        Some(MappedActor {
            name,
            siret,
            siren,
            legal_form: spec
                .legal_form
                .as_ref()
                .and_then(|form| self.first(form, record)),
            actor_type,
            website: spec
                .website
                .as_ref()
                .and_then(|website| self.first(website, record))
                .and_then(|url| normalize_url(&url, notes)),
        })
    }

    fn place_hints(&self, record: &Record) -> PlaceHints {
        let place = &self.descriptor.place;
        let get = |mapping: &Option<ValueSpec>| {
            mapping
                .as_ref()
                .and_then(|mapping| self.first(mapping, record))
        };
        PlaceHints {
            insee_code: get(&place.insee_code),
            postal_code: get(&place.postal_code),
            commune_name: get(&place.commune_name),
            departement: get(&place.departement),
            region: get(&place.region),
            latitude: get(&place.latitude),
            longitude: get(&place.longitude),
        }
    }
}

fn fault(field: &str, message: &str) -> MappingFault {
    MappingFault {
        field: field.to_owned(),
        message: message.to_owned(),
    }
}

fn digits_only(text: &str) -> String {
    text.chars().filter(char::is_ascii_digit).collect()
}

/// The Luhn check that SIREN and SIRET numbers satisfy (La Poste's SIRETs excepted).
pub fn luhn_valid(number: &str) -> bool {
    if number.starts_with("356000000") {
        // La Poste's establishments use a sum of digits divisible by 5 instead.
        return number
            .bytes()
            .map(|b| u32::from(b - b'0'))
            .sum::<u32>()
            .is_multiple_of(5);
    }
    let sum: u32 = number
        .bytes()
        .rev()
        .enumerate()
        .map(|(position, byte)| {
            let digit = u32::from(byte - b'0');
            if position % 2 == 1 {
                let doubled = digit * 2;
                if doubled > 9 { doubled - 9 } else { doubled }
            } else {
                digit
            }
        })
        .sum();
    sum.is_multiple_of(10)
}

/// A web address as an absolute http(s) IRI: a bare host gets `https://`; anything that still
/// is not a valid IRI is dropped with a note.
fn normalize_url(text: &str, notes: &mut Vec<String>) -> Option<String> {
    let text = text.trim();
    let candidate = if text.starts_with("http://") || text.starts_with("https://") {
        text.to_owned()
    } else if text.contains('.') && !text.contains(' ') && !text.contains('@') {
        format!("https://{text}")
    } else {
        notes.push(format!("{text:?} is not a web address and was ignored"));
        return None;
    };
    match oxiri::Iri::parse(candidate.clone()) {
        Ok(_) => Some(candidate),
        Err(_) => {
            notes.push(format!(
                "{text:?} is not a valid web address and was ignored"
            ));
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn siren_and_siret_checksums() {
        assert!(luhn_valid("200042935"));
        assert!(luhn_valid("20004293500011"));
        assert!(!luhn_valid("20004293500012"));
    }

    #[test]
    fn a_bare_host_becomes_a_web_address() {
        let mut notes = Vec::new();
        assert_eq!(
            normalize_url("abracodabra.fr", &mut notes).as_deref(),
            Some("https://abracodabra.fr")
        );
        assert_eq!(normalize_url("contact@x.fr", &mut notes), None);
        assert_eq!(notes.len(), 1);
    }
}

//! Source descriptors: one TOML file per source saying where its data is, what it is and how
//! its records map onto the ontology. The format is documented in `sources/README.md`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use super::IngestError;
use super::value::{Separators, ValueSpec};

/// Everything the platform knows about a source, read from its descriptor.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SourceDescriptor {
    /// Short identifier used in IRIs (`france-services`).
    pub id: String,
    /// Human name.
    pub name: String,
    /// Who publishes the data.
    pub publisher: String,
    /// IRI of the licence.
    pub licence: String,
    /// Human name of the licence.
    pub licence_name: String,
    /// Attribution to show wherever the data is shown.
    pub attribution: Option<String>,
    /// Web page about the data.
    pub homepage: Option<String>,
    /// What the source lists, in French.
    pub description: Option<String>,
    /// How often to harvest again, as an ISO 8601 duration (`P1D`, `P1M`); none means never.
    pub schedule: Option<String>,
    /// Language of the source's free texts (descriptions), as a BCP 47 tag.
    #[serde(default = "default_language")]
    pub language: String,
    /// Who wrote the mappings of this descriptor, and when (`2026-12-03`).
    pub mapped_by: String,
    /// Date the mappings were last reviewed.
    pub mapped_at: String,
    /// Where the data is and how to read it.
    pub data: DataSpec,
    /// How to identify a record.
    pub record: RecordSpec,
    /// How a record's fields become an initiative.
    pub initiative: InitiativeSpec,
    /// Which fields locate a record.
    #[serde(default)]
    pub place: PlaceSpec,
    /// The organisation carrying the initiative, when the source names it.
    pub actor: Option<ActorSpec>,
    /// The source's own categories and how they map onto the theme scheme.
    #[serde(default)]
    pub tags: Vec<TagSpec>,
    /// The file the descriptor was read from.
    #[serde(skip)]
    pub path: PathBuf,
}

/// Where the data is and how to read it.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DataSpec {
    /// A path relative to the descriptor's directory, or an `http(s)://` URL.
    pub location: String,
    /// Syntax of the data.
    pub format: DataFormat,
    /// Character encoding: `auto` (UTF-8, else Windows-1252), `utf-8`, `windows-1252`, `latin1`.
    #[serde(default = "default_auto")]
    pub encoding: String,
    /// CSV field delimiter: `auto` or one character.
    #[serde(default = "default_auto")]
    pub delimiter: String,
    /// JSON: dotted path of the array of records (empty: the document is the array).
    #[serde(default)]
    pub records: String,
    /// RDF: the class whose instances are the records.
    pub record_class: Option<String>,
    /// RDF: prefixes used to name properties as fields (`schema = "https://schema.org/"`).
    #[serde(default)]
    pub prefixes: BTreeMap<String, String>,
    /// Values meaning "no value" in this source (compared after trimming, ignoring case).
    #[serde(default)]
    pub null_values: Vec<String>,
}

/// Syntaxes the harvester reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum DataFormat {
    /// Comma- (or otherwise) separated values with a header line.
    Csv,
    /// A JSON array of objects (possibly nested inside the document).
    Json,
    /// A GeoJSON feature collection; properties are the fields.
    Geojson,
    /// RDF Turtle.
    Turtle,
    /// RDF N-Triples.
    Ntriples,
    /// JSON-LD.
    Jsonld,
    /// RDF/XML.
    Rdfxml,
}

/// How to identify a record and find its page.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RecordSpec {
    /// The record's identifier in the source; must be unique and stable.
    pub id: ValueSpec,
    /// URL of the record's page on the publisher's site.
    pub page: Option<ValueSpec>,
}

/// How fields become the initiative's properties. Concept lists (themes, audiences...) are
/// either fixed lists of concept paths (`["theme/inclusion"]`) or values mapped by a table.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InitiativeSpec {
    /// Name (required).
    pub name: Option<ValueSpec>,
    /// Free-text description.
    pub description: Option<ValueSpec>,
    /// Street address.
    pub street_address: Option<ValueSpec>,
    /// Second address line.
    pub address_complement: Option<ValueSpec>,
    /// Postcode as written in the address.
    pub postal_code: Option<ValueSpec>,
    /// Commune name as written in the address.
    pub locality: Option<ValueSpec>,
    /// Contact e-mail.
    pub email: Option<ValueSpec>,
    /// Contact phone.
    pub telephone: Option<ValueSpec>,
    /// Website.
    pub website: Option<ValueSpec>,
    /// Opening hours, free text.
    pub opening_hours: Option<ValueSpec>,
    /// Start date (`YYYY-MM-DD` after mapping).
    pub start_date: Option<ValueSpec>,
    /// End date (`YYYY-MM-DD` after mapping).
    pub end_date: Option<ValueSpec>,
    /// Concepts of the theme schemes (domaines, publics, méthodes), as `theme/slug` paths.
    pub themes: Option<ValueSpec>,
    /// National networks, as `data-inclusion/reseau-porteur/slug` paths.
    pub networks: Option<ValueSpec>,
    /// Scale of action, as an `echelle/slug` path.
    pub scale: Option<ValueSpec>,
    /// Type of the carrying structure, as a `type-acteur/slug` path.
    pub carrier_type: Option<ValueSpec>,
}

/// Fields that locate a record, from the most to the least precise.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PlaceSpec {
    /// INSEE commune code (current, former or municipal arrondissement).
    pub insee_code: Option<ValueSpec>,
    /// Postcode.
    pub postal_code: Option<ValueSpec>,
    /// Commune name.
    pub commune_name: Option<ValueSpec>,
    /// Département code or name.
    pub departement: Option<ValueSpec>,
    /// Région code or name.
    pub region: Option<ValueSpec>,
    /// Latitude in decimal degrees (WGS84).
    pub latitude: Option<ValueSpec>,
    /// Longitude in decimal degrees (WGS84).
    pub longitude: Option<ValueSpec>,
}

/// The organisation carrying the initiative.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ActorSpec {
    /// Name (an actor without a name is not created).
    pub name: ValueSpec,
    /// SIRET (14 digits); its first nine digits give the SIREN that identifies the actor.
    pub siret: Option<ValueSpec>,
    /// SIREN (9 digits).
    pub siren: Option<ValueSpec>,
    /// Legal form as the source writes it.
    pub legal_form: Option<ValueSpec>,
    /// Actor type, as a `type-acteur/slug` path.
    pub actor_type: Option<ValueSpec>,
    /// Website of the actor.
    pub website: Option<ValueSpec>,
}

/// One field of the source's own categories.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TagSpec {
    /// The field holding the tags.
    pub field: String,
    /// Separator between several tags in one value, or a list of separators.
    pub split: Option<Separators>,
    /// Tag → concept paths of the platform's schemes (`theme/...`, `data-inclusion/...`).
    #[serde(default)]
    pub concepts: BTreeMap<String, Vec<String>>,
}

impl SourceDescriptor {
    /// Reads and checks a descriptor file.
    pub fn from_file(path: &Path) -> Result<Self, IngestError> {
        let text = std::fs::read_to_string(path).map_err(|source| IngestError::Io {
            path: path.to_path_buf(),
            source,
        })?;
        let mut descriptor: Self =
            toml::from_str(&text).map_err(|error| IngestError::Descriptor {
                path: path.to_path_buf(),
                message: error.to_string(),
            })?;
        descriptor.path = path.to_path_buf();
        descriptor.check()?;
        Ok(descriptor)
    }

    /// All descriptors (`*.toml`) directly inside a directory, sorted by file name.
    pub fn from_directory(directory: &Path) -> Result<Vec<Self>, IngestError> {
        let entries = std::fs::read_dir(directory).map_err(|source| IngestError::Io {
            path: directory.to_path_buf(),
            source,
        })?;
        let mut paths: Vec<PathBuf> = entries
            .filter_map(|entry| entry.ok().map(|entry| entry.path()))
            .filter(|path| {
                path.extension()
                    .is_some_and(|extension| extension == "toml")
            })
            .collect();
        paths.sort();
        paths.iter().map(|path| Self::from_file(path)).collect()
    }

    /// Where the data is: an absolute path, or the URL as written.
    pub fn data_location(&self) -> DataLocation {
        let location = self.data.location.trim();
        if location.starts_with("http://") || location.starts_with("https://") {
            return DataLocation::Url(location.to_owned());
        }
        let directory = self.path.parent().unwrap_or(Path::new("."));
        DataLocation::File(directory.join(location))
    }

    fn check(&self) -> Result<(), IngestError> {
        let fault = |message: String| IngestError::Descriptor {
            path: self.path.clone(),
            message,
        };
        let id_is_slug = !self.id.is_empty()
            && self
                .id
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
        if !id_is_slug {
            return Err(fault(format!(
                "id {:?} must be lower-case letters, digits and hyphens (it is used in IRIs)",
                self.id
            )));
        }
        if self.initiative.name.is_none() {
            return Err(fault("[initiative] needs a `name` mapping".into()));
        }
        if let Some(schedule) = &self.schedule
            && super::schedule::parse_period(schedule).is_none()
        {
            return Err(fault(format!(
                "schedule {schedule:?} is not an ISO 8601 duration such as P1D, PT6H or P1M"
            )));
        }
        let is_rdf = matches!(
            self.data.format,
            DataFormat::Turtle | DataFormat::Ntriples | DataFormat::Jsonld | DataFormat::Rdfxml
        );
        if is_rdf && self.data.record_class.is_none() {
            return Err(fault(
                "RDF sources need [data] record_class: the class of records".into(),
            ));
        }
        Ok(())
    }
}

/// Where a source's data is read from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DataLocation {
    /// A local file.
    File(PathBuf),
    /// A URL fetched over HTTP.
    Url(String),
}

fn default_auto() -> String {
    "auto".into()
}

fn default_language() -> String {
    "fr".into()
}

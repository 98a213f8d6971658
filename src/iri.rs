//! IRIs minted under the deployment's base IRI, and their mapping to and from request paths.
//!
//! Every resource of the platform lives at `{base}{kind}/{key...}`; keys are IRI path segments
//! in which non-ASCII letters stay as they are and everything outside the unreserved set is
//! percent-encoded, so that a key always round-trips through a URL.

use std::fmt;

use oxigraph::model::NamedNode;

/// Kinds of territories, each with its own IRI path.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum TerritoryKind {
    /// Région (and the five overseas régions).
    Region,
    /// Département.
    Departement,
    /// Overseas collectivity or territory outside the régions (Saint-Martin, Polynésie...).
    CollectiviteOutreMer,
    /// Arrondissement départemental.
    Arrondissement,
    /// Intercommunality with its own taxation (EPCI), keyed by SIREN.
    Epci,
    /// Current commune.
    Commune,
    /// Delegated commune of a commune nouvelle.
    CommuneDeleguee,
    /// Associated commune.
    CommuneAssociee,
    /// Municipal arrondissement of Paris, Lyon or Marseille.
    ArrondissementMunicipal,
}

impl TerritoryKind {
    /// Every kind, from the widest to the narrowest.
    pub const ALL: [Self; 9] = [
        Self::Region,
        Self::CollectiviteOutreMer,
        Self::Departement,
        Self::Arrondissement,
        Self::Epci,
        Self::Commune,
        Self::CommuneDeleguee,
        Self::CommuneAssociee,
        Self::ArrondissementMunicipal,
    ];

    /// The path segment naming the kind in IRIs.
    pub fn slug(self) -> &'static str {
        match self {
            Self::Region => "region",
            Self::Departement => "departement",
            Self::CollectiviteOutreMer => "collectivite-outre-mer",
            Self::Arrondissement => "arrondissement",
            Self::Epci => "epci",
            Self::Commune => "commune",
            Self::CommuneDeleguee => "commune-deleguee",
            Self::CommuneAssociee => "commune-associee",
            Self::ArrondissementMunicipal => "arrondissement-municipal",
        }
    }

    /// The kind named by a path segment.
    pub fn from_slug(slug: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|kind| kind.slug() == slug)
    }

    /// A French label for pages.
    pub fn label_fr(self) -> &'static str {
        match self {
            Self::Region => "Région",
            Self::Departement => "Département",
            Self::CollectiviteOutreMer => "Collectivité d'outre-mer",
            Self::Arrondissement => "Arrondissement",
            Self::Epci => "Intercommunalité",
            Self::Commune => "Commune",
            Self::CommuneDeleguee => "Commune déléguée",
            Self::CommuneAssociee => "Commune associée",
            Self::ArrondissementMunicipal => "Arrondissement municipal",
        }
    }
}

/// Named graphs of the dataset.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GraphKind {
    /// The ontology.
    Ontology,
    /// The SKOS vocabularies (themes, actor types, scales, placement methods, external ones).
    Vocabularies,
    /// The territories of the official geographic code.
    Territories,
    /// Descriptions of sources and their harvest runs.
    Harvests,
    /// The records, initiatives and actors of one source.
    Source(String),
    /// The rejected records of one source, with their reports.
    Quarantine(String),
    /// Links between duplicates found across sources.
    Links,
    /// Initiatives and changes published from the collaborative space, with their contributions.
    Contributions,
    /// Published revisions (PROV-O activities) and the agents who made them.
    History,
    /// Communities, their memberships (public agents only) and their collections.
    Communities,
    /// What one partner writes through SPARQL Update or the Graph Store.
    Partner(String),
}

/// Mints and recognises the platform's IRIs for one deployment.
#[derive(Debug, Clone)]
pub struct IriMinter {
    base: String,
}

/// The base IRI given is not an absolute http(s) IRI.
#[derive(Debug, thiserror::Error)]
#[error("the base IRI {0:?} must be an absolute http:// or https:// IRI")]
pub struct BaseIriError(String);

impl IriMinter {
    /// A minter for the given base; a missing final `/` is added.
    pub fn new(base: &str) -> Result<Self, BaseIriError> {
        let mut base = base.trim().to_owned();
        if !base.ends_with('/') {
            base.push('/');
        }
        let valid = (base.starts_with("http://") || base.starts_with("https://"))
            && oxiri::Iri::parse(base.as_str()).is_ok();
        if !valid {
            return Err(BaseIriError(base));
        }
        Ok(Self { base })
    }

    /// The base IRI, ending with `/`.
    pub fn base(&self) -> &str {
        &self.base
    }

    /// The IRI of a path relative to the base (already encoded).
    pub fn at(&self, relative_path: &str) -> NamedNode {
        NamedNode::new_unchecked(format!("{}{}", self.base, relative_path))
    }

    /// The path of `iri` relative to the base, if the IRI is one of ours.
    pub fn relative<'a>(&self, iri: &'a str) -> Option<&'a str> {
        iri.strip_prefix(self.base.as_str())
    }

    /// IRI of a territory.
    pub fn territory(&self, kind: TerritoryKind, code: &str) -> NamedNode {
        self.at(&format!(
            "territoire/{}/{}",
            kind.slug(),
            encode_segment(code)
        ))
    }

    /// IRI of an initiative harvested from a source.
    pub fn initiative(&self, source_id: &str, record_id: &str) -> NamedNode {
        self.at(&format!(
            "initiative/{}/{}",
            encode_segment(source_id),
            encode_segment(record_id)
        ))
    }

    /// IRI of an actor identified by its SIREN, shared by every source that names it.
    pub fn actor_by_siren(&self, siren: &str) -> NamedNode {
        self.at(&format!("acteur/siren/{}", encode_segment(siren)))
    }

    /// IRI of an actor known only inside one source.
    pub fn actor_in_source(&self, source_id: &str, key: &str) -> NamedNode {
        self.at(&format!(
            "acteur/{}/{}",
            encode_segment(source_id),
            encode_segment(key)
        ))
    }

    /// IRI of a source.
    pub fn source(&self, source_id: &str) -> NamedNode {
        self.at(&format!("source/{}", encode_segment(source_id)))
    }

    /// IRI of one record of a source.
    pub fn record(&self, source_id: &str, record_id: &str) -> NamedNode {
        self.at(&format!(
            "source/{}/enregistrement/{}",
            encode_segment(source_id),
            encode_segment(record_id)
        ))
    }

    /// IRI of one harvest run of a source.
    pub fn harvest_run(&self, source_id: &str, run_key: &str) -> NamedNode {
        self.at(&format!(
            "source/{}/moisson/{}",
            encode_segment(source_id),
            encode_segment(run_key)
        ))
    }

    /// IRI of a tag as a source writes it, a concept of the source's own scheme.
    pub fn source_tag(&self, source_id: &str, field: &str, tag: &str) -> NamedNode {
        self.at(&format!(
            "source/{}/etiquette/{}/{}",
            encode_segment(source_id),
            encode_segment(field),
            encode_segment(tag)
        ))
    }

    /// IRI of the concept scheme holding a source's own tags.
    pub fn source_tag_scheme(&self, source_id: &str) -> NamedNode {
        self.at(&format!("source/{}/etiquettes", encode_segment(source_id)))
    }

    /// IRI of a concept of one of the platform's vocabularies (`theme/inclusion`, ...).
    pub fn concept(&self, scheme_path: &str, slug: &str) -> NamedNode {
        self.at(&format!("{scheme_path}/{}", encode_segment(slug)))
    }

    /// IRI of a published contribution.
    pub fn contribution(&self, key: &str) -> NamedNode {
        self.at(&format!("contribution/{}", encode_segment(key)))
    }

    /// IRI of a published revision.
    pub fn revision(&self, key: &str) -> NamedNode {
        self.at(&format!("revision/{}", encode_segment(key)))
    }

    /// IRI of the public agent standing for an account: a random key, never its e-mail.
    pub fn contributor(&self, agent_key: &str) -> NamedNode {
        self.at(&format!("contributeur/{}", encode_segment(agent_key)))
    }

    /// IRI of a community, keyed by the slug of its title.
    pub fn community(&self, slug: &str) -> NamedNode {
        self.at(&format!("communaute/{}", encode_segment(slug)))
    }

    /// IRI of a named graph.
    pub fn graph(&self, kind: &GraphKind) -> NamedNode {
        match kind {
            GraphKind::Ontology => self.at("graphe/ontologie"),
            GraphKind::Vocabularies => self.at("graphe/vocabulaires"),
            GraphKind::Territories => self.at("graphe/territoires"),
            GraphKind::Harvests => self.at("graphe/moissons"),
            GraphKind::Links => self.at("graphe/liens"),
            GraphKind::Contributions => self.at("graphe/contributions"),
            GraphKind::History => self.at("graphe/historique"),
            GraphKind::Communities => self.at("graphe/communautes"),
            GraphKind::Source(id) => self.at(&format!("graphe/source/{}", encode_segment(id))),
            GraphKind::Partner(id) => self.at(&format!("graphe/partenaire/{}", encode_segment(id))),
            GraphKind::Quarantine(id) => {
                self.at(&format!("graphe/quarantaine/{}", encode_segment(id)))
            }
        }
    }
}

impl fmt::Display for IriMinter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.base)
    }
}

/// Encodes text as one IRI path segment: unreserved ASCII and non-ASCII letters are kept,
/// everything else is percent-encoded as UTF-8.
pub fn encode_segment(text: &str) -> String {
    let mut encoded = String::with_capacity(text.len());
    for character in text.chars() {
        if is_kept_in_segment(character) {
            encoded.push(character);
        } else {
            let mut buffer = [0u8; 4];
            for byte in character.encode_utf8(&mut buffer).bytes() {
                encoded.push_str(&format!("%{byte:02X}"));
            }
        }
    }
    encoded
}

/// Turns the path of an HTTP request (percent-encoded ASCII, as sent by clients) into the IRI
/// path that [`encode_segment`] would have minted. `None` if a segment is not valid UTF-8.
pub fn iri_path_from_request(raw_path: &str) -> Option<String> {
    let segments = raw_path.trim_start_matches('/').split('/').map(|segment| {
        let decoded = percent_encoding::percent_decode_str(segment)
            .decode_utf8()
            .ok()?;
        Some(encode_segment(&decoded))
    });
    segments
        .collect::<Option<Vec<_>>>()
        .map(|segments| segments.join("/"))
}

/// The request path (plain ASCII) for an IRI path: non-ASCII characters percent-encoded.
pub fn request_path_from_iri(iri_path: &str) -> String {
    percent_encoding::utf8_percent_encode(iri_path, NON_ASCII).to_string()
}

const NON_ASCII: &percent_encoding::AsciiSet = &percent_encoding::CONTROLS.add(b' ');

fn is_kept_in_segment(character: char) -> bool {
    character.is_ascii_alphanumeric()
        || matches!(character, '-' | '.' | '_' | '~')
        || is_ucschar(character)
}

/// The non-ASCII characters RFC 3987 allows unencoded in an IRI path.
fn is_ucschar(character: char) -> bool {
    let code = u32::from(character);
    matches!(code,
        0xA0..=0xD7FF | 0xF900..=0xFDCF | 0xFDF0..=0xFFEF)
        || (0x10000..=0xEFFFD).contains(&code) && (code & 0xFFFF) < 0xFFFE
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accents_stay_and_reserved_characters_are_encoded() {
        assert_eq!(
            encode_segment("Médiathèque d'Orée/Anjou"),
            "Médiathèque%20d%27Orée%2FAnjou"
        );
    }

    #[test]
    fn a_request_path_maps_back_to_the_minted_iri_path() {
        let minted = format!(
            "initiative/x/{}",
            encode_segment("Médiathèque d'Orée/Anjou ?#")
        );
        let sent_by_browser = request_path_from_iri(&minted);
        assert!(sent_by_browser.is_ascii());
        assert_eq!(
            iri_path_from_request(&format!("/{sent_by_browser}")).unwrap(),
            minted
        );
    }

    #[test]
    fn a_request_may_encode_unreserved_characters_needlessly() {
        assert_eq!(
            iri_path_from_request("/territoire/commune/%30%31001").unwrap(),
            "territoire/commune/01001"
        );
    }

    #[test]
    fn invalid_utf8_in_a_request_path_is_refused() {
        assert_eq!(iri_path_from_request("/initiative/%FF%FE"), None);
    }

    #[test]
    fn the_base_must_be_absolute_http() {
        assert!(IriMinter::new("ftp://x/").is_err());
        assert_eq!(
            IriMinter::new("http://127.0.0.1:8080").unwrap().base(),
            "http://127.0.0.1:8080/"
        );
    }
}

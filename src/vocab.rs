//! IRIs of the vocabularies the platform writes and reads, as constants.
//!
//! Terms of deployment-relative vocabularies (themes, actor types, scales, placement methods,
//! territories) are not here: they are minted under the base IRI by [`crate::iri::IriMinter`].

use oxigraph::model::NamedNodeRef;

macro_rules! terms {
    ($namespace:expr; $($name:ident = $local:literal),* $(,)?) => {
        $(
            #[doc = concat!("`", $local, "`")]
            pub const $name: NamedNodeRef<'static> =
                NamedNodeRef::new_unchecked(concat!($namespace, $local));
        )*
    };
}

/// The ancrage ontology, `https://w3id.org/ancrage/ontology#`.
pub mod anc {
    use super::NamedNodeRef;

    /// Namespace of the ontology.
    pub const NAMESPACE: &str = "https://w3id.org/ancrage/ontology#";
    /// IRI of the ontology document.
    pub const ONTOLOGY: &str = "https://w3id.org/ancrage/ontology";

    terms!("https://w3id.org/ancrage/ontology#";
        INITIATIVE = "Initiative",
        ACTOR = "Actor",
        SOURCE = "Source",
        SOURCE_RECORD = "SourceRecord",
        REJECTED_RECORD = "RejectedRecord",
        HARVEST_RUN = "HarvestRun",
        DUPLICATE_CANDIDATE = "DuplicateCandidate",
        CONTRIBUTION = "Contribution",
        REVISION = "Revision",
        REVISION_OF = "revisionOf",
        ADDED_STATEMENT = "addedStatement",
        REMOVED_STATEMENT = "removedStatement",
        REVERTS = "reverts",
        CARRIED_BY = "carriedBy",
        CARRIES = "carries",
        CARRIER_TYPE = "carrierType",
        ACTOR_TYPE = "actorType",
        THEME = "theme",
        AUDIENCE = "audience",
        METHOD = "method",
        NETWORK = "network",
        TERRITORY = "territory",
        COMMUNE = "commune",
        SERVES = "serves",
        SCALE = "scale",
        PLACEMENT = "placement",
        WEBSITE = "website",
        RECORD_PAGE = "recordPage",
        IN_SOURCE = "inSource",
        SOURCE_PROP = "source",
        VALIDATION_REPORT = "validationReport",
        CANDIDATE_RESOURCE = "candidateResource",
        MAPPED_BY = "mappedBy",
        MAPPED_AT = "mappedAt",
        NAME = "name",
        DESCRIPTION = "description",
        STREET_ADDRESS = "streetAddress",
        ADDRESS_COMPLEMENT = "addressComplement",
        POSTAL_CODE = "postalCode",
        ADDRESS_LOCALITY = "addressLocality",
        EMAIL = "email",
        TELEPHONE = "telephone",
        OPENING_HOURS = "openingHours",
        START_DATE = "startDate",
        END_DATE = "endDate",
        SIRET = "siret",
        SIREN = "siren",
        LEGAL_FORM = "legalForm",
        POPULATION = "population",
        INTERCOMMUNALITY_TYPE = "intercommunalityType",
        RECORD_HASH = "recordHash",
        RAW_RECORD = "rawRecord",
        RECORDS_READ = "recordsRead",
        RECORDS_ACCEPTED = "recordsAccepted",
        RECORDS_REJECTED = "recordsRejected",
        RECORDS_UNCHANGED = "recordsUnchanged",
        RECORDS_NEW = "recordsNew",
        RECORDS_CHANGED = "recordsChanged",
        RECORDS_GONE = "recordsGone",
        SIMILARITY = "similarity",
        COMMUNITY = "Community",
        COLLECTION = "Collection",
        MEMBER = "member",
        ABOUT_TERRITORY = "aboutTerritory",
        ABOUT_THEME = "aboutTheme",
        HAS_COLLECTION = "hasCollection",
        ITEM = "item",
        OWNER_ROLE = "ownerRole",
        MEMBER_ROLE = "memberRole",
        CHANGED_GRAPH = "changedGraph",
    );
}

/// INSEE's geographic ontology, `http://rdf.insee.fr/def/geo#`.
pub mod igeo {
    use super::NamedNodeRef;

    terms!("http://rdf.insee.fr/def/geo#";
        REGION = "Region",
        DEPARTEMENT = "Departement",
        ARRONDISSEMENT = "Arrondissement",
        COMMUNE = "Commune",
        COMMUNE_DELEGUEE = "CommuneDeleguee",
        COMMUNE_ASSOCIEE = "CommuneAssociee",
        ARRONDISSEMENT_MUNICIPAL = "ArrondissementMunicipal",
        INTERCOMMUNALITE = "Intercommunalite",
        COLLECTIVITE_D_OUTRE_MER = "CollectiviteDOutreMer",
        CODE_INSEE = "codeINSEE",
        NOM = "nom",
        CHEF_LIEU = "chefLieu",
        SUBDIVISION_DE = "subdivisionDe",
        SUBDIVISION_DIRECTE_DE = "subdivisionDirecteDe",
    );
}

/// OGC GeoSPARQL, `http://www.opengis.net/ont/geosparql#`.
pub mod geo {
    use super::NamedNodeRef;

    terms!("http://www.opengis.net/ont/geosparql#";
        GEOMETRY = "Geometry",
        HAS_GEOMETRY = "hasGeometry",
        HAS_DEFAULT_GEOMETRY = "hasDefaultGeometry",
        HAS_CENTROID = "hasCentroid",
        AS_WKT = "asWKT",
        WKT_LITERAL = "wktLiteral",
    );
}

/// SKOS, `http://www.w3.org/2004/02/skos/core#`.
pub mod skos {
    use super::NamedNodeRef;

    terms!("http://www.w3.org/2004/02/skos/core#";
        CONCEPT = "Concept",
        CONCEPT_SCHEME = "ConceptScheme",
        PREF_LABEL = "prefLabel",
        ALT_LABEL = "altLabel",
        NOTATION = "notation",
        IN_SCHEME = "inScheme",
        TOP_CONCEPT_OF = "topConceptOf",
        HAS_TOP_CONCEPT = "hasTopConcept",
        BROADER = "broader",
        NARROWER = "narrower",
        EXACT_MATCH = "exactMatch",
        CLOSE_MATCH = "closeMatch",
        BROAD_MATCH = "broadMatch",
        NARROW_MATCH = "narrowMatch",
        RELATED_MATCH = "relatedMatch",
        SCOPE_NOTE = "scopeNote",
        DEFINITION = "definition",
    );
}

/// W3C PROV-O, `http://www.w3.org/ns/prov#`.
pub mod prov {
    use super::NamedNodeRef;

    terms!("http://www.w3.org/ns/prov#";
        ACTIVITY = "Activity",
        AGENT = "Agent",
        USED = "used",
        WAS_GENERATED_BY = "wasGeneratedBy",
        WAS_DERIVED_FROM = "wasDerivedFrom",
        STARTED_AT_TIME = "startedAtTime",
        ENDED_AT_TIME = "endedAtTime",
        GENERATED_AT_TIME = "generatedAtTime",
        INVALIDATED_AT_TIME = "invalidatedAtTime",
        WAS_ASSOCIATED_WITH = "wasAssociatedWith",
    );
}

/// DCMI terms, `http://purl.org/dc/terms/`.
pub mod dct {
    use super::NamedNodeRef;

    terms!("http://purl.org/dc/terms/";
        TITLE = "title",
        DESCRIPTION = "description",
        IDENTIFIER = "identifier",
        PUBLISHER = "publisher",
        LICENSE = "license",
        ACCRUAL_PERIODICITY = "accrualPeriodicity",
        CREATED = "created",
        MODIFIED = "modified",
        CREATOR = "creator",
        SOURCE = "source",
        BIBLIOGRAPHIC_CITATION = "bibliographicCitation",
        FORMAT = "format",
        SUBJECT = "subject",
        SPATIAL = "spatial",
        TEMPORAL = "temporal",
        PERIOD_OF_TIME = "PeriodOfTime",
        LANGUAGE = "language",
        CONFORMS_TO = "conformsTo",
        HAS_PART = "hasPart",
        IS_PART_OF = "isPartOf",
    );
}

/// W3C DCAT, `http://www.w3.org/ns/dcat#`.
pub mod dcat {
    use super::NamedNodeRef;

    terms!("http://www.w3.org/ns/dcat#";
        DATASET = "Dataset",
        DISTRIBUTION = "Distribution",
        DISTRIBUTION_PROP = "distribution",
        LANDING_PAGE = "landingPage",
        DOWNLOAD_URL = "downloadURL",
        ACCESS_URL = "accessURL",
        MEDIA_TYPE = "mediaType",
        CATALOG = "Catalog",
        DATA_SERVICE = "DataService",
        DATASET_PROP = "dataset",
        SERVICE = "service",
        ENDPOINT_URL = "endpointURL",
        SERVES_DATASET = "servesDataset",
        THEME = "theme",
        THEME_TAXONOMY = "themeTaxonomy",
        BYTE_SIZE = "byteSize",
        COMPRESS_FORMAT = "compressFormat",
        START_DATE = "startDate",
        END_DATE = "endDate",
    );
}

/// FOAF, `http://xmlns.com/foaf/0.1/`.
pub mod foaf {
    use super::NamedNodeRef;

    terms!("http://xmlns.com/foaf/0.1/";
        NAME = "name",
        HOMEPAGE = "homepage",
        PAGE = "page",
        AGENT = "Agent",
        PRIMARY_TOPIC = "primaryTopic",
    );
}

/// The W3C Organization ontology, `http://www.w3.org/ns/org#`: memberships of communities.
pub mod org {
    use super::NamedNodeRef;

    terms!("http://www.w3.org/ns/org#";
        MEMBERSHIP = "Membership",
        HAS_MEMBERSHIP = "hasMembership",
        MEMBER = "member",
        ORGANIZATION = "organization",
        ROLE = "role",
    );
}

/// schema.org, `https://schema.org/`.
pub mod schema {
    use super::NamedNodeRef;

    terms!("https://schema.org/";
        NAME = "name",
        DESCRIPTION = "description",
    );
}

/// OWL, `http://www.w3.org/2002/07/owl#`.
pub mod owl {
    use super::NamedNodeRef;

    terms!("http://www.w3.org/2002/07/owl#";
        SAME_AS = "sameAs",
        ONTOLOGY = "Ontology",
    );
}

/// W3C SHACL, `http://www.w3.org/ns/shacl#`: the terms of the validation reports the platform
/// stores.
pub mod sh {
    use super::NamedNodeRef;

    terms!("http://www.w3.org/ns/shacl#";
        VALIDATION_REPORT = "ValidationReport",
        VALIDATION_RESULT = "ValidationResult",
        CONFORMS = "conforms",
        RESULT = "result",
        FOCUS_NODE = "focusNode",
        RESULT_PATH = "resultPath",
        RESULT_SEVERITY = "resultSeverity",
        RESULT_MESSAGE = "resultMessage",
        SOURCE_SHAPE = "sourceShape",
        VIOLATION = "Violation",
        WARNING = "Warning",
        NAME = "name",
        DESCRIPTION = "description",
        ORDER = "order",
        GROUP = "group",
    );
}

/// DASH, `http://datashapes.org/dash#`: the one form annotation the shapes use.
pub mod dash {
    use super::NamedNodeRef;

    terms!("http://datashapes.org/dash#";
        HIDDEN = "hidden",
    );
}

/// VoID, `http://rdfs.org/ns/void#`: descriptions of the dataset and its parts.
pub mod void {
    use super::NamedNodeRef;

    /// Namespace of VoID.
    pub const NAMESPACE: &str = "http://rdfs.org/ns/void#";

    terms!("http://rdfs.org/ns/void#";
        DATASET = "Dataset",
        DATASET_DESCRIPTION = "DatasetDescription",
        LINKSET = "Linkset",
        SUBSET = "subset",
        SPARQL_ENDPOINT = "sparqlEndpoint",
        DATA_DUMP = "dataDump",
        URI_SPACE = "uriSpace",
        VOCABULARY = "vocabulary",
        FEATURE = "feature",
        TRIPLES = "triples",
        ENTITIES = "entities",
        CLASSES = "classes",
        PROPERTIES = "properties",
        CLASS_PARTITION = "classPartition",
        PROPERTY_PARTITION = "propertyPartition",
        CLASS = "class",
        PROPERTY = "property",
        LINK_PREDICATE = "linkPredicate",
        SUBJECTS_TARGET = "subjectsTarget",
        OBJECTS_TARGET = "objectsTarget",
        IN_DATASET = "inDataset",
    );
}

/// Terms of the private store only (accounts, sessions, drafts, tokens): they are never written
/// to the public store, so no public document or query ever shows them.
pub mod ancp {
    use super::NamedNodeRef;

    terms!("https://w3id.org/ancrage/prive#";
        ACCOUNT = "Account",
        EMAIL = "email",
        PASSWORD_HASH = "passwordHash",
        DISPLAY_NAME = "displayName",
        ROLE = "role",
        AGENT_KEY = "agentKey",
        CREATED = "created",
        SESSION = "Session",
        RESET_TOKEN = "ResetToken",
        API_TOKEN = "ApiToken",
        ACCOUNT_PROP = "account",
        EXPIRES = "expires",
        LABEL = "label",
        DRAFT = "Draft",
        KIND = "kind",
        STATUS = "status",
        TARGET = "target",
        AUTHOR = "author",
        COMMENT = "comment",
        DECIDED_BY = "decidedBy",
        DECIDED_AT = "decidedAt",
        DECISION_COMMENT = "decisionComment",
        REVISION = "revision",
        FOLLOW = "Follow",
        INVITATION = "Invitation",
        INVITED_BY = "invitedBy",
        GRAPH_PREFIX = "graphPrefix",
        WRITES_GRAPH = "writesGraph",
    );
}

/// The prefixes used when the platform writes Turtle or shows compact IRIs.
pub const PREFIXES: &[(&str, &str)] = &[
    ("anc", anc::NAMESPACE),
    ("igeo", "http://rdf.insee.fr/def/geo#"),
    ("geo", "http://www.opengis.net/ont/geosparql#"),
    ("skos", "http://www.w3.org/2004/02/skos/core#"),
    ("prov", "http://www.w3.org/ns/prov#"),
    ("dct", "http://purl.org/dc/terms/"),
    ("dcat", "http://www.w3.org/ns/dcat#"),
    ("foaf", "http://xmlns.com/foaf/0.1/"),
    ("schema", "https://schema.org/"),
    ("owl", "http://www.w3.org/2002/07/owl#"),
    ("rdf", "http://www.w3.org/1999/02/22-rdf-syntax-ns#"),
    ("rdfs", "http://www.w3.org/2000/01/rdf-schema#"),
    ("xsd", "http://www.w3.org/2001/XMLSchema#"),
    ("sh", "http://www.w3.org/ns/shacl#"),
    ("org", "http://www.w3.org/ns/org#"),
    ("sdg", "http://metadata.un.org/sdg/"),
    ("eurovoc", "http://eurovoc.europa.eu/"),
    ("search", "https://w3id.org/ancrage/search#"),
    ("geof", "http://www.opengis.net/def/function/geosparql/"),
];

//! Harvesting the example sources of `sources/examples/`: every row accounted for, each source's
//! quirks resolved by its descriptor, encodings, malformed files and change detection.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use ancrage::ingest::{HarvestOutcome, IngestError, SourceDescriptor};
use ancrage::iri::{GraphKind, TerritoryKind};
use ancrage::platform::Platform;
use oxigraph::model::{NamedNode, Quad, Term};

const CNFS: &str = "conseillers-numeriques-2021";
const OCCITANIE: &str = "mediation-numerique-occitanie";
const GIRONDE: &str = "mediation-numerique-gironde";
const COOPTECH: &str = "ess-cooperatives-numerique";

const ANC: &str = "https://w3id.org/ancrage/ontology#";

/// A platform with the four examples harvested once, and what each harvest reported.
struct HarvestSite {
    platform: Platform,
    outcomes: Vec<HarvestOutcome>,
}

impl HarvestSite {
    fn outcome(&self, source_id: &str) -> &HarvestOutcome {
        self.outcomes
            .iter()
            .find(|outcome| outcome.source_id == source_id)
            .unwrap_or_else(|| panic!("{source_id} was harvested"))
    }
}

/// The shared harvest site, built on first use.
fn harvest_site() -> &'static HarvestSite {
    static SITE: OnceLock<HarvestSite> = OnceLock::new();
    SITE.get_or_init(|| {
        let platform = crate::common::reference_platform("harvest");
        let descriptors = SourceDescriptor::from_directory(&examples_dir()).unwrap();
        let outcomes = platform
            .harvest(&descriptors)
            .unwrap()
            .into_iter()
            .map(|harvest| harvest.outcome.expect("the example harvests"))
            .collect();
        HarvestSite { platform, outcomes }
    })
}

/// A second platform, for the tests that harvest altered copies of the examples.
fn scratch() -> &'static Platform {
    static SCRATCH: OnceLock<Platform> = OnceLock::new();
    SCRATCH.get_or_init(|| crate::common::reference_platform("harvest-scratch"))
}

fn examples_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("sources/examples")
}

fn example(source_id: &str) -> SourceDescriptor {
    SourceDescriptor::from_file(&examples_dir().join(format!("{source_id}.toml"))).unwrap()
}

/// The data file an example descriptor points to.
fn data_file(source_id: &str) -> PathBuf {
    match example(source_id).data_location() {
        ancrage::ingest::descriptor::DataLocation::File(path) => path,
        other => panic!("the example {source_id} reads a local file, not {other:?}"),
    }
}

/// The records of a JSON example, read directly from its file.
fn json_records(source_id: &str) -> Vec<serde_json::Value> {
    serde_json::from_slice(&std::fs::read(data_file(source_id)).unwrap()).unwrap()
}

/// The rows of a CSV example, read directly from its file, as header → value maps.
fn csv_rows(source_id: &str) -> Vec<std::collections::HashMap<String, String>> {
    csv::Reader::from_path(data_file(source_id))
        .unwrap()
        .deserialize()
        .map(|row| row.unwrap())
        .collect()
}

/// A copy of an example descriptor in `directory`, under another id, reading `data` there.
fn descriptor_copy(
    source_id: &str,
    new_id: &str,
    directory: &Path,
    data: &str,
) -> SourceDescriptor {
    let text = std::fs::read_to_string(examples_dir().join(format!("{source_id}.toml"))).unwrap();
    let mut id_replaced = false;
    let lines: Vec<String> = text
        .lines()
        .map(|line| {
            if line.starts_with("location = ") {
                format!("location = {data:?}")
            } else if line.starts_with("id = ") && !id_replaced {
                id_replaced = true;
                format!("id = {new_id:?}")
            } else {
                line.to_owned()
            }
        })
        .collect();
    let path = directory.join(format!("{new_id}.toml"));
    std::fs::write(&path, lines.join("\n")).unwrap();
    SourceDescriptor::from_file(&path).unwrap()
}

fn harvest_one(
    platform: &Platform,
    descriptor: SourceDescriptor,
) -> Result<HarvestOutcome, IngestError> {
    platform
        .harvest(&[descriptor])
        .unwrap()
        .pop()
        .expect("one source, one result")
        .outcome
}

/// The values of `property` (a local name of the ontology) on `subject`, as text.
fn values_of(platform: &Platform, subject: &NamedNode, property: &str) -> Vec<String> {
    let query = format!("SELECT ?o WHERE {{ ?s <{ANC}{property}> ?o }}");
    let solutions = platform
        .store
        .select(&query, &[("s", Term::NamedNode(subject.clone()))])
        .unwrap();
    solutions
        .iter()
        .filter_map(|row| row.text("o").map(str::to_owned))
        .collect()
}

fn initiative(platform: &Platform, source_id: &str, record_id: &str) -> NamedNode {
    platform.config.minter.initiative(source_id, record_id)
}

fn commune(platform: &Platform, code: &str) -> String {
    platform
        .config
        .minter
        .territory(TerritoryKind::Commune, code)
        .into_string()
}

fn placement(platform: &Platform, slug: &str) -> String {
    platform
        .config
        .minter
        .concept("placement", slug)
        .into_string()
}

fn source_graph(platform: &Platform, source_id: &str) -> Vec<Quad> {
    let graph = platform
        .config
        .minter
        .graph(&GraphKind::Source(source_id.to_owned()));
    platform.store.graph_quads(graph.as_ref()).unwrap()
}

// --- Every row accounted for -------------------------------------------------------------------

fn check_counts(source_id: &str, records_in_file: usize) {
    let site = harvest_site();
    let counts = &site.outcome(source_id).counts;
    assert_eq!(counts.read, records_in_file, "{source_id}: records read");
    assert_eq!(
        counts.read,
        counts.accepted + counts.rejected,
        "{source_id}: every record is accepted or rejected"
    );
    let initiatives = source_graph(&site.platform, source_id)
        .iter()
        .filter(|quad| {
            quad.predicate.as_str() == "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
                && quad.object
                    == Term::NamedNode(NamedNode::new_unchecked(format!("{ANC}Initiative")))
        })
        .count();
    assert_eq!(
        initiatives, counts.accepted,
        "{source_id}: initiatives written"
    );
}

#[test]
fn every_cnfs_record_is_accepted_or_rejected() {
    check_counts(CNFS, json_records(CNFS).len());
}

#[test]
fn every_occitanie_row_is_accepted_or_rejected() {
    check_counts(OCCITANIE, csv_rows(OCCITANIE).len());
}

#[test]
fn every_gironde_record_is_accepted_or_rejected() {
    check_counts(GIRONDE, json_records(GIRONDE).len());
}

#[test]
fn every_cooptech_row_is_accepted_or_rejected() {
    check_counts(COOPTECH, csv_rows(COOPTECH).len());
}

// --- Quirks of each source ---------------------------------------------------------------------

#[test]
fn cnfs_records_named_by_a_placeholder_are_rejected_for_lack_of_a_name() {
    // SOURCE.md: "0" stands for the name of some broken rows; the descriptor declares it a
    // placeholder, so those rows have no name and go to quarantine, and only those.
    let broken: Vec<usize> = json_records(CNFS)
        .iter()
        .enumerate()
        .filter(|(_, record)| record["raison_sociale"] == "0")
        .map(|(record_idx, _)| record_idx + 1)
        .collect();
    assert!(!broken.is_empty());
    let rejects = &harvest_site().outcome(CNFS).rejects;
    let rejected: Vec<usize> = rejects.iter().map(|reject| reject.number).collect();
    assert_eq!(rejected, broken);
    for reject in rejects {
        assert!(
            reject
                .reasons
                .iter()
                .any(|reason| reason.contains("initiative.name")),
            "{reject:?}"
        );
    }
}

#[test]
fn a_cnfs_siret_written_null_never_becomes_a_siret() {
    // SOURCE.md: an unknown SIRET is the string "null". Every SIRET in the graph has 14 digits.
    assert!(
        json_records(CNFS)
            .iter()
            .any(|record| record["siret"] == "null")
    );
    let site = harvest_site();
    let sirets: Vec<String> = source_graph(&site.platform, CNFS)
        .iter()
        .filter(|quad| quad.predicate.as_str() == format!("{ANC}siret"))
        .map(|quad| match &quad.object {
            Term::Literal(literal) => literal.value().to_owned(),
            other => other.to_string(),
        })
        .collect();
    assert!(!sirets.is_empty());
    for siret in sirets {
        assert!(
            siret.len() == 14 && siret.bytes().all(|b| b.is_ascii_digit()),
            "{siret}"
        );
    }
}

#[test]
fn a_cnfs_postcode_stored_as_a_number_gets_its_leading_zero_back() {
    // Record 1 (HAUT - BUGEY AGGLOMERATION) has "code_postal": 1100 and "insee_com": "01283";
    // communes.json lists 01283 as Oyonnax, postcode 01100.
    let record = &json_records(CNFS)[0];
    assert_eq!(record["id"], 1);
    assert_eq!(record["code_postal"], 1100);
    let site = harvest_site();
    let initiative = initiative(&site.platform, CNFS, "1");
    assert_eq!(
        values_of(&site.platform, &initiative, "postalCode"),
        ["01100"]
    );
    assert_eq!(
        values_of(&site.platform, &initiative, "commune"),
        [commune(&site.platform, "01283")]
    );
}

#[test]
fn cnfs_merged_and_arrondissement_codes_land_in_the_current_commune() {
    // Record 186 has insee_com 69152, Pierre-Bénite, a commune-deleguee of 69149
    // (Oullins-Pierre-Bénite) in communes.json; record 706 has 75112, the arrondissement
    // municipal "Paris 12e Arrondissement" of commune 75056.
    let records = json_records(CNFS);
    assert_eq!(records[185]["insee_com"], "69152");
    assert_eq!(records[705]["insee_com"], "75112");
    let site = harvest_site();
    let platform = &site.platform;
    let merged = initiative(platform, CNFS, "186");
    assert_eq!(
        values_of(platform, &merged, "commune"),
        [commune(platform, "69149")]
    );
    assert_eq!(
        values_of(platform, &merged, "placement"),
        [placement(platform, "ancien-code-insee")]
    );
    let paris = initiative(platform, CNFS, "706");
    assert_eq!(
        values_of(platform, &paris, "commune"),
        [commune(platform, "75056")]
    );
}

#[test]
fn an_occitanie_row_without_insee_code_is_placed_by_postcode_and_name() {
    // Ref_0001: empty code_commune, code_postal 11170, ville Alzonne; communes.json has one
    // Alzonne, 11009, postcode 11170.
    let rows = csv_rows(OCCITANIE);
    let row = rows.iter().find(|row| row["n_ref"] == "Ref_0001").unwrap();
    assert_eq!(
        (
            row["code_commune"].as_str(),
            row["code_postal"].as_str(),
            row["ville"].as_str()
        ),
        ("", "11170", "Alzonne")
    );
    let site = harvest_site();
    let platform = &site.platform;
    let alzonne = initiative(platform, OCCITANIE, "Ref_0001");
    assert_eq!(
        values_of(platform, &alzonne, "commune"),
        [commune(platform, "11009")]
    );
    assert_eq!(
        values_of(platform, &alzonne, "placement"),
        [placement(platform, "code-postal-et-nom")]
    );
}

#[test]
fn occitanie_codes_that_lost_their_leading_zero_are_read_with_it() {
    // Ref_0678 (Foix, Ariège): code_commune "9122" and code_postal "9000"; communes.json lists
    // 09122 Foix, postcode 09000.
    let rows = csv_rows(OCCITANIE);
    let row = rows.iter().find(|row| row["n_ref"] == "Ref_0678").unwrap();
    assert_eq!(
        (row["code_commune"].as_str(), row["code_postal"].as_str()),
        ("9122", "9000")
    );
    let site = harvest_site();
    let platform = &site.platform;
    let foix = initiative(platform, OCCITANIE, "Ref_0678");
    assert_eq!(
        values_of(platform, &foix, "commune"),
        [commune(platform, "09122")]
    );
    assert_eq!(values_of(platform, &foix, "postalCode"), ["09000"]);
}

#[test]
fn an_occitanie_row_with_only_a_town_and_coordinates_is_placed_by_them() {
    // Ref_0262 (ADVITAM, Toulouse) has neither INSEE code nor postcode; its point 43.604082,
    // 1.433805 is in Toulouse, 31555, which is also the name the row gives.
    let rows = csv_rows(OCCITANIE);
    let row = rows.iter().find(|row| row["n_ref"] == "Ref_0262").unwrap();
    assert_eq!(
        (
            row["code_commune"].as_str(),
            row["code_postal"].as_str(),
            row["ville"].as_str()
        ),
        ("", "", "Toulouse")
    );
    let site = harvest_site();
    let platform = &site.platform;
    let advitam = initiative(platform, OCCITANIE, "Ref_0262");
    assert_eq!(
        values_of(platform, &advitam, "commune"),
        [commune(platform, "31555")]
    );
    assert_eq!(
        values_of(platform, &advitam, "placement"),
        [placement(platform, "coordonnees")]
    );
}

#[test]
fn a_gironde_postcode_is_taken_from_the_free_address() {
    // Abracodabra: "8 rue de la Boétie - 33000 Bordeaux", Commune Bordeaux; communes.json has
    // 33063 Bordeaux with postcode 33000.
    let record = json_records(GIRONDE)
        .into_iter()
        .find(|record| record["Lieu"] == "Abracodabra")
        .unwrap();
    assert_eq!(
        record["Adresse postale"],
        "8 rue de la Boétie - 33000 Bordeaux"
    );
    let site = harvest_site();
    let platform = &site.platform;
    let abracodabra = initiative(platform, GIRONDE, "Abracodabra");
    assert_eq!(
        values_of(platform, &abracodabra, "commune"),
        [commune(platform, "33063")]
    );
    assert_eq!(values_of(platform, &abracodabra, "postalCode"), ["33000"]);
    assert_eq!(
        values_of(platform, &abracodabra, "streetAddress"),
        ["8 rue de la Boétie"]
    );
}

#[test]
fn gironde_coord_x_is_read_as_the_latitude() {
    // "ADELE - Service Emploi de Bègles": address "Rue Robert Schuman" without postcode, Commune
    // Bègles (33039, the only Bègles in communes.json), Coord. X 44.8127 and Coord. Y -0.5509.
    // Only X as the latitude puts the point in Gironde, and there in Bègles.
    let name = "ADELE - Service Emploi de Bègles";
    let record = json_records(GIRONDE)
        .into_iter()
        .find(|record| record["Lieu"] == name)
        .unwrap();
    assert_eq!(record["Adresse postale"], "Rue Robert Schuman");
    assert_eq!(record["Coord. X"], 44.8127);
    let site = harvest_site();
    let platform = &site.platform;
    let adele = initiative(platform, GIRONDE, name);
    assert_eq!(
        values_of(platform, &adele, "commune"),
        [commune(platform, "33039")]
    );
    assert_eq!(
        values_of(platform, &adele, "placement"),
        [placement(platform, "coordonnees")]
    );
}

#[test]
fn a_cooptech_cooperative_is_placed_in_its_region() {
    // Access 42: "Île-de-France (FR)" and nothing else; regions.json gives Île-de-France the
    // code 11.
    let rows = csv_rows(COOPTECH);
    let row = rows.iter().find(|row| row["Nom"] == "Access 42").unwrap();
    assert_eq!(row["Région(s)"], "Île-de-France (FR)");
    let site = harvest_site();
    let platform = &site.platform;
    let access = initiative(platform, COOPTECH, "Access 42");
    let region = platform
        .config
        .minter
        .territory(TerritoryKind::Region, "11");
    assert_eq!(
        values_of(platform, &access, "territory"),
        [region.into_string()]
    );
    assert!(values_of(platform, &access, "commune").is_empty());
    assert_eq!(
        values_of(platform, &access, "placement"),
        [placement(platform, "region")]
    );
}

#[test]
fn the_one_cooptech_address_places_its_cooperative_in_a_commune() {
    // Multi: "116 rue Dalayrac 94120 Fontenay-sous-Bois"; communes.json has 94033
    // Fontenay-sous-Bois, postcode 94120.
    let rows = csv_rows(COOPTECH);
    let row = rows.iter().find(|row| row["Nom"] == "Multi").unwrap();
    assert_eq!(row["Adresse"], "116 rue Dalayrac 94120 Fontenay-sous-Bois");
    let site = harvest_site();
    let platform = &site.platform;
    let multi = initiative(platform, COOPTECH, "Multi");
    assert_eq!(
        values_of(platform, &multi, "commune"),
        [commune(platform, "94033")]
    );
}

// --- Encodings and malformed files -------------------------------------------------------------

/// The source graph without what differs from run to run: the runs and the record hashes (a
/// hash covers the descriptor's text, which names the data file).
fn comparable_quads(platform: &Platform, source_id: &str) -> BTreeSet<String> {
    source_graph(platform, source_id)
        .into_iter()
        .filter(|quad| {
            quad.predicate.as_str() != format!("{ANC}recordHash")
                && quad.predicate.as_str() != "http://www.w3.org/ns/prov#wasGeneratedBy"
        })
        .map(|quad| quad.to_string())
        .collect()
}

#[test]
fn a_windows_1252_copy_gives_the_same_graph_as_its_utf8_original() {
    let directory = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(data_file(COOPTECH)).unwrap();
    let (bytes, _, unmappable) = encoding_rs::WINDOWS_1252.encode(&text);
    assert!(
        !unmappable,
        "every character of the file exists in Windows-1252"
    );
    assert!(
        std::str::from_utf8(&bytes).is_err(),
        "the copy is not UTF-8"
    );
    std::fs::write(directory.path().join("cooptech-cp1252.csv"), &bytes).unwrap();
    let descriptor = descriptor_copy(COOPTECH, COOPTECH, directory.path(), "cooptech-cp1252.csv");

    let outcome = harvest_one(scratch(), descriptor).unwrap();

    assert_eq!(outcome.counts, harvest_site().outcome(COOPTECH).counts);
    let original = comparable_quads(&harvest_site().platform, COOPTECH);
    // Access 42's presentation, "Accessibilité numérique : …", has accents to get right.
    assert!(
        original
            .iter()
            .any(|quad| quad.contains("Accessibilité numérique"))
    );
    assert_eq!(comparable_quads(scratch(), COOPTECH), original);
}

#[test]
fn a_truncated_json_file_is_refused_with_the_position_of_the_fault() {
    let directory = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(data_file(GIRONDE)).unwrap();
    let mut end = text.len() / 2;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    let truncated = &text[..end];
    std::fs::write(directory.path().join("gironde-tronque.json"), truncated).unwrap();
    let descriptor = descriptor_copy(
        GIRONDE,
        "gironde-tronque",
        directory.path(),
        "gironde-tronque.json",
    );

    let error = harvest_one(scratch(), descriptor).unwrap_err();

    let IngestError::Syntax { position, .. } = &error else {
        panic!("a syntax error, not {error:?}");
    };
    // The parser runs out of text on the last line of what is left.
    let last_line = truncated.lines().count();
    assert!(
        position.starts_with(&format!("line {last_line},")),
        "{position}"
    );
    assert!(source_graph(scratch(), "gironde-tronque").is_empty());
}

#[test]
fn a_json_record_that_is_not_an_object_is_reported_with_its_number() {
    let directory = tempfile::tempdir().unwrap();
    let mut records = json_records(GIRONDE);
    records[1] = serde_json::Value::String("pas un lieu".into());
    let text = serde_json::to_string_pretty(&records).unwrap();
    std::fs::write(directory.path().join("gironde-intrus.json"), text).unwrap();
    let descriptor = descriptor_copy(
        GIRONDE,
        "gironde-intrus",
        directory.path(),
        "gironde-intrus.json",
    );

    let outcome = harvest_one(scratch(), descriptor).unwrap();

    assert_eq!(outcome.counts.read, records.len());
    assert_eq!(outcome.counts.rejected, 1);
    let reject = &outcome.rejects[0];
    assert_eq!(reject.number, 2);
    assert!(
        reject.reasons[0].contains("record 2"),
        "{:?}",
        reject.reasons
    );
    assert!(reject.reasons[0].contains("string"), "{:?}", reject.reasons);
}

// --- Change detection --------------------------------------------------------------------------

#[test]
fn harvesting_the_same_file_again_changes_nothing() {
    let site = harvest_site();
    let first = site.outcome(GIRONDE);
    let before: BTreeSet<String> = source_graph(&site.platform, GIRONDE)
        .iter()
        .map(Quad::to_string)
        .collect();

    let again = harvest_one(&site.platform, example(GIRONDE)).unwrap();

    let after: BTreeSet<String> = source_graph(&site.platform, GIRONDE)
        .iter()
        .map(Quad::to_string)
        .collect();
    assert_eq!(after, before);
    assert_eq!(again.counts.read, first.counts.read);
    assert_eq!(again.counts.unchanged, first.counts.accepted);
    assert_eq!(
        (again.counts.new, again.counts.changed, again.counts.gone),
        (0, 0, 0)
    );
    assert!(again.touched.is_empty());
}

#[test]
fn a_record_removed_from_its_file_is_marked_gone_not_deleted() {
    let directory = tempfile::tempdir().unwrap();
    let source_id = "cooptech-disparition";
    let full = std::fs::read_to_string(data_file(COOPTECH)).unwrap();
    let data = directory.path().join("cooptech.csv");
    std::fs::write(&data, &full).unwrap();
    let descriptor = descriptor_copy(COOPTECH, source_id, directory.path(), "cooptech.csv");
    let first = harvest_one(scratch(), descriptor.clone()).unwrap();

    // Access 42 is one line of the file, its name starting the line.
    let without: Vec<&str> = full
        .lines()
        .filter(|line| !line.starts_with("Access 42,"))
        .collect();
    assert_eq!(without.len() + 1, full.lines().count());
    std::fs::write(&data, without.join("\n")).unwrap();
    let second = harvest_one(scratch(), descriptor).unwrap();

    assert_eq!(second.counts.gone, 1);
    assert_eq!(second.counts.unchanged, first.counts.accepted - 1);
    let gone = initiative(scratch(), source_id, "Access 42");
    assert_eq!(values_of(scratch(), &gone, "name"), ["Access 42"]);
    let invalidated = scratch()
        .store
        .select(
            "SELECT ?t WHERE { ?i <http://www.w3.org/ns/prov#invalidatedAtTime> ?t }",
            &[("i", Term::NamedNode(gone.clone()))],
        )
        .unwrap();
    assert_eq!(invalidated.len(), 1);
    assert!(second.touched.contains(&gone));
}

// --- Hostile files -----------------------------------------------------------------------------

/// A descriptor of a test source reading `data` in `directory`, records named by `schema:`.
fn minimal_descriptor(
    directory: &Path,
    source_id: &str,
    data: &str,
    format: &str,
) -> SourceDescriptor {
    let text = format!(
        "id = {source_id:?}\nname = \"Source de test\"\npublisher = \"ancrage\"\n\
         licence = \"https://www.etalab.gouv.fr/licence-ouverte-open-licence/\"\n\
         licence_name = \"Licence Ouverte\"\nmapped_by = \"ancrage\"\nmapped_at = \"2026-12-03\"\n\
         [data]\nlocation = {data:?}\nformat = {format:?}\nrecord_class = \"schema:Place\"\n\
         prefixes = {{ schema = \"https://schema.org/\" }}\n\
         [record]\nid = \"@id\"\n[initiative]\nname = \"schema:name\"\n\
         [place]\npostal_code = \"schema:postalCode\"\ncommune_name = \"schema:addressLocality\"\n"
    );
    let path = directory.join(format!("{source_id}.toml"));
    std::fs::write(&path, text).unwrap();
    SourceDescriptor::from_file(&path).unwrap()
}

const RDF_XML_PLACES: &str = r#"<?xml version="1.0" encoding="utf-8"?>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns:schema="https://schema.org/">
  <schema:Place rdf:about="http://lieux.test/1">
    <schema:name>Café numérique des Chartrons</schema:name>
    <schema:postalCode>33000</schema:postalCode><schema:addressLocality>Bordeaux</schema:addressLocality>
  </schema:Place>
  <schema:Place rdf:about="http://lieux.test/2">
    <schema:name>Atelier informatique</schema:name>
    <schema:postalCode>33600</schema:postalCode><schema:addressLocality>Pessac</schema:addressLocality>
  </schema:Place>
</rdf:RDF>
"#;

/// Asserts that `harvest` failed on an unsafe or malformed file, wrote nothing for it, and that
/// its report names the fault.
fn assert_refused(platform: &Platform, harvest: &ancrage::platform::SourceHarvest, fault: &str) {
    let Err(error) = &harvest.outcome else {
        panic!("{} was refused", harvest.source_id);
    };
    assert!(
        matches!(
            error,
            IngestError::Unsafe { .. } | IngestError::Syntax { .. }
        ),
        "{error:?}"
    );
    assert!(error.to_string().contains(fault), "{error}");
    assert!(source_graph(platform, &harvest.source_id).is_empty());
}

#[test]
fn rdf_xml_sources_declaring_entities_are_refused_and_the_next_source_is_harvested() {
    let directory = tempfile::tempdir().unwrap();
    // Ten levels of ten references: 10^10 "lol" once expanded.
    let mut laughs =
        String::from("<?xml version=\"1.0\"?>\n<!DOCTYPE rdf:RDF [\n<!ENTITY l0 \"lol\">\n");
    for level in 1..=10 {
        let references = format!("&l{};", level - 1).repeat(10);
        laughs.push_str(&format!("<!ENTITY l{level} \"{references}\">\n"));
    }
    laughs.push_str("]>\n");
    laughs.push_str(
        &RDF_XML_PLACES
            .replace("Atelier informatique", "&l10;")
            .replacen("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n", "", 1),
    );
    std::fs::write(directory.path().join("rires.rdf"), laughs).unwrap();
    // One entity of a megabyte, referenced ten thousand times: 10 GB once expanded.
    let big = format!(
        "<?xml version=\"1.0\"?>\n<!doctype rdf:RDF [<!ENTITY gros \"{}\">]>\n{}",
        "x".repeat(1 << 20),
        RDF_XML_PLACES
            .replace("Atelier informatique", &"&gros;".repeat(10_000))
            .replacen("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n", "", 1)
    );
    std::fs::write(directory.path().join("gros.rdf"), big).unwrap();
    std::fs::write(directory.path().join("lieux.rdf"), RDF_XML_PLACES).unwrap();
    let descriptors = [
        minimal_descriptor(directory.path(), "rires", "rires.rdf", "rdfxml"),
        minimal_descriptor(directory.path(), "gros", "gros.rdf", "rdfxml"),
        minimal_descriptor(directory.path(), "lieux-rdf", "lieux.rdf", "rdfxml"),
    ];

    let harvests = scratch().harvest(&descriptors).unwrap();

    assert_refused(scratch(), &harvests[0], "entities");
    assert_refused(scratch(), &harvests[1], "entities");
    let good = harvests[2]
        .outcome
        .as_ref()
        .expect("the clean source is harvested");
    assert_eq!(
        (good.counts.read, good.counts.accepted),
        (2, 2),
        "{:?}",
        good.rejects
    );
    assert!(!source_graph(scratch(), "lieux-rdf").is_empty());
}

#[test]
fn json_and_geojson_sources_nested_too_deep_are_refused_and_the_next_source_is_harvested() {
    let directory = tempfile::tempdir().unwrap();
    let deep =
        |open: &str, close: &str| format!("{}{}", open.repeat(100_000), close.repeat(100_000));
    let geojson = format!(
        "{{\"type\": \"FeatureCollection\", \"features\": [{{\"type\": \"Feature\", \
         \"geometry\": null, \"properties\": {{\"schema:name\": {}}}}}]}}",
        deep("[", "]")
    );
    std::fs::write(directory.path().join("profond.geojson"), geojson).unwrap();
    std::fs::write(
        directory.path().join("profond.json"),
        format!("[{{\"schema:name\": {}}}]", deep("{\"a\": ", "}")),
    )
    .unwrap();
    std::fs::write(directory.path().join("lieux.rdf"), RDF_XML_PLACES).unwrap();
    let descriptors = [
        minimal_descriptor(
            directory.path(),
            "profond-geojson",
            "profond.geojson",
            "geojson",
        ),
        minimal_descriptor(directory.path(), "profond-json", "profond.json", "json"),
        minimal_descriptor(directory.path(), "lieux-apres", "lieux.rdf", "rdfxml"),
    ];

    let harvests = scratch().harvest(&descriptors).unwrap();

    assert_refused(scratch(), &harvests[0], "nested");
    assert_refused(scratch(), &harvests[1], "nested");
    let good = harvests[2]
        .outcome
        .as_ref()
        .expect("the clean source is harvested");
    assert_eq!(good.counts.accepted, 2, "{:?}", good.rejects);
}

//! The bootstrapped site: counts taken from the bundled data files, and pages of real resources.

use std::io::Read;

use crate::common::{get, select_column, site};

/// Counts the rows of the bundled COG files by kind, as the files themselves say.
fn counts_in_files() -> (usize, usize, usize, usize) {
    let directory = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("territories");
    let read = |name: &str| -> serde_json::Value {
        let file = std::fs::File::open(directory.join(name)).unwrap();
        let mut text = String::new();
        if name.ends_with(".gz") {
            flate2::read::GzDecoder::new(file)
                .read_to_string(&mut text)
                .unwrap();
        } else {
            std::io::BufReader::new(file)
                .read_to_string(&mut text)
                .unwrap();
        }
        serde_json::from_str(&text).unwrap()
    };
    let regions = read("regions.json")
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["zone"] != "com")
        .count();
    let departements = read("departements.json")
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["zone"] != "com")
        .count();
    let epci = read("epci.json.gz").as_array().unwrap().len();
    let communes = read("communes.json.gz")
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["type"] == "commune-actuelle")
        .count();
    (regions, departements, epci, communes)
}

#[test]
fn bootstrap_counts_match_the_geographic_code_files() {
    let (regions, departements, epci, communes) = counts_in_files();
    assert_eq!(
        (regions, departements, epci, communes),
        (18, 101, 1255, 34969)
    );
    let count = |class: &str| {
        select_column(&format!(
            "SELECT (COUNT(?t) AS ?n) WHERE {{ ?t a <http://rdf.insee.fr/def/geo#{class}> }}"
        ))[0]
            .parse::<usize>()
            .unwrap()
    };
    site();
    assert_eq!(count("Region"), regions);
    assert_eq!(count("Departement"), departements);
    assert_eq!(count("Intercommunalite"), epci);
    assert_eq!(count("Commune"), communes);
}

#[test]
fn every_france_services_row_is_an_initiative_or_is_reported() {
    let csv_path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("sources/france-services/liste-fs-20240801.csv");
    let rows = csv::Reader::from_path(csv_path).unwrap().records().count();
    assert_eq!(rows, 2845);
    let initiatives: usize = select_column(
        "SELECT (COUNT(?i) AS ?n) WHERE { ?i a <https://w3id.org/ancrage/ontology#Initiative> }",
    )[0]
    .parse()
    .unwrap();
    let rejected: usize = select_column(
        "SELECT (COUNT(?r) AS ?n) WHERE { ?r a <https://w3id.org/ancrage/ontology#RejectedRecord> }",
    )[0]
    .parse()
    .unwrap();
    assert_eq!(initiatives + rejected, rows);
}

#[test]
fn arrondissement_and_former_commune_codes_land_in_the_current_commune() {
    // SOURCE.md of France services: some insee_com values are Paris/Lyon/Marseille
    // arrondissements or communes merged since (49069 is now in 49126 Orée d'Anjou).
    let csv_path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("sources/france-services/liste-fs-20240801.csv");
    let mut reader = csv::Reader::from_path(csv_path).unwrap();
    let rows: Vec<(String, String)> = reader
        .deserialize::<std::collections::HashMap<String, String>>()
        .map(|row| row.unwrap())
        .map(|row| (row["id_fs"].clone(), row["insee_com"].clone()))
        .collect();
    let commune_of = |id: &str| {
        select_column(&format!(
            "SELECT ?c WHERE {{ <http://ancrage.test/initiative/france-services/{id}> \
             <https://w3id.org/ancrage/ontology#commune> ?c }}"
        ))
    };
    let merged: Vec<&(String, String)> = rows.iter().filter(|(_, code)| code == "49069").collect();
    assert!(!merged.is_empty());
    for (id, _) in merged {
        assert_eq!(
            commune_of(id),
            ["http://ancrage.test/territoire/commune/49126"]
        );
    }
    let marseille: Vec<&(String, String)> = rows
        .iter()
        .filter(|(_, code)| code.starts_with("132"))
        .collect();
    assert!(!marseille.is_empty());
    for (id, _) in marseille {
        assert_eq!(
            commune_of(id),
            ["http://ancrage.test/territoire/commune/13055"]
        );
    }
}

#[tokio::test]
async fn an_initiative_page_shows_its_facts_territories_and_source() {
    let answer = get("/initiative/france-services/1", Some("text/html")).await;
    assert_eq!(answer.status, 200);
    let html = answer.text();
    assert!(html.contains("France services de Valserhône"), "name");
    assert!(
        html.contains("href=\"/territoire/commune/01033\""),
        "commune link"
    );
    assert!(
        html.contains("href=\"/territoire/region/84\""),
        "région link"
    );
    assert!(
        html.contains("href=\"/source/france-services\""),
        "source link"
    );
    assert!(
        html.contains("rel=\"alternate\" type=\"text/turtle\""),
        "alternate link"
    );
}

#[tokio::test]
async fn a_region_page_lists_the_initiatives_of_all_its_communes() {
    let expected: usize = select_column(
        "SELECT (COUNT(DISTINCT ?i) AS ?n) WHERE { ?i <https://w3id.org/ancrage/ontology#commune> ?c . \
         ?c <http://rdf.insee.fr/def/geo#subdivisionDe> <http://ancrage.test/territoire/region/84> }",
    )[0]
    .parse()
    .unwrap();
    assert!(
        expected > 50,
        "Auvergne-Rhône-Alpes has many France services"
    );
    let answer = get("/territoire/region/84", Some("text/html")).await;
    assert_eq!(answer.status, 200);
    let html = answer.text();
    assert!(html.contains("Auvergne-Rhône-Alpes"));
    assert!(
        html.contains(&format!("Initiatives ({expected})")),
        "count of initiatives"
    );
    assert!(html.contains("rel=\"next\""), "the list is paginated");
    let second = get("/territoire/region/84?page=2", Some("text/html")).await;
    assert!(second.text().contains("Page 2 sur"));
}

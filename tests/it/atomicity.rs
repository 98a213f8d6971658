//! A harvest replaces a source's graph in one transaction: a process killed in the middle of a
//! harvest leaves the previous version whole.

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use ancrage::Config;
use ancrage::platform::Platform;
use ancrage::territory::Territories;

/// Names of the source's initiatives, by record id, as the store holds them.
fn names_in_store(data_dir: &Path) -> std::collections::BTreeMap<String, String> {
    let config = Config::for_data_dir(
        data_dir.to_path_buf(),
        "127.0.0.1:8080".parse().unwrap(),
        None,
    )
    .unwrap();
    let platform = Platform::open(config).expect("the store reopens after the kill");
    let rows = platform
        .store
        .select(
            "SELECT ?id ?name WHERE { ?i <https://w3id.org/ancrage/ontology#source> ?s ; \
             <https://w3id.org/ancrage/ontology#name> ?name ; \
             <http://www.w3.org/ns/prov#wasDerivedFrom>/<http://purl.org/dc/terms/identifier> ?id . \
             FILTER(CONTAINS(STR(?s), 'synthetique')) }",
            &[],
        )
        .unwrap();
    rows.iter()
        .map(|row| {
            (
                row.text("id").unwrap().to_owned(),
                row.text("name").unwrap().to_owned(),
            )
        })
        .collect()
}

/// Names by id as a generated CSV file holds them.
fn names_in_file(path: &Path) -> std::collections::BTreeMap<String, String> {
    let mut reader = csv::Reader::from_path(path).unwrap();
    reader
        .deserialize::<std::collections::HashMap<String, String>>()
        .map(|row| row.unwrap())
        .map(|row| (row["id"].clone(), row["nom"].clone()))
        .collect()
}

fn harvest_command(data_dir: &Path, descriptor: &Path) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_ancrage"));
    command
        .arg("harvest")
        .arg("--data")
        .arg(data_dir)
        .arg(descriptor);
    command.env("RUST_LOG", "warn");
    command
}

#[test]
fn a_harvest_killed_midway_leaves_the_previous_graph_whole() {
    let work = tempfile::tempdir().unwrap();
    let data_dir = work.path().join("data");
    let csv_path = work.path().join("synthetique.csv");
    let territories = Territories::load(&Territories::bundled_directory()).unwrap();

    // First version, harvested to the end.
    let first = ancrage::generate::generate_source(&territories, 8_000, 1, &csv_path).unwrap();
    let first_names = names_in_file(&csv_path);
    let status = harvest_command(&data_dir, &first.descriptor)
        .status()
        .unwrap();
    assert!(status.success());
    assert_eq!(names_in_store(&data_dir), first_names);

    // Second version, same ids, other names: the harvest is killed while it maps the records.
    ancrage::generate::generate_source(&territories, 8_000, 2, &csv_path).unwrap();
    let second_names = names_in_file(&csv_path);
    assert_ne!(first_names, second_names);
    let mut child = harvest_command(&data_dir, &first.descriptor)
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_secs(3));
    let finished_before_the_kill = child.try_wait().unwrap().is_some();
    child.kill().ok();
    child.wait().unwrap();

    let after = names_in_store(&data_dir);
    if finished_before_the_kill {
        assert_eq!(
            after, second_names,
            "a finished harvest leaves the new version whole"
        );
    } else {
        assert_eq!(
            after, first_names,
            "a killed harvest leaves the old version whole"
        );
    }
}

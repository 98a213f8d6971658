//! Inputs found by the fuzz targets (`fuzz/`) that once crashed the platform, replayed through
//! the same entry points, each named after the behaviour it guards.

use std::path::Path;

use ancrage::ingest::descriptor::{DataFormat, DataSpec};
use ancrage::ingest::read::read_records;

fn spec(format: DataFormat) -> DataSpec {
    DataSpec {
        location: String::new(),
        format,
        encoding: "auto".into(),
        delimiter: "auto".into(),
        records: String::new(),
        record_class: None,
        prefixes: Default::default(),
        null_values: Vec::new(),
    }
}

fn input(name: &str) -> Vec<u8> {
    std::fs::read(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/data/fuzz")
            .join(name),
    )
    .unwrap()
}

/// A polygon whose last-but-one position holds a single number: the GeoJSON crate's
/// conversion indexed its missing latitude and panicked. The feature is read, without a point.
#[test]
fn a_geojson_position_with_one_number_gives_a_record_without_a_point() {
    let bytes = input("read_geojson/position-with-one-number.geojson");
    let outcome = read_records(
        &bytes,
        &spec(DataFormat::Geojson),
        "http://fuzz.ancrage.test/",
    )
    .expect("the file is valid GeoJSON");
    assert_eq!(outcome.records.len(), 1);
    let fields = format!("{:?}", outcome.records[0]);
    assert!(!fields.contains("@latitude"), "{fields}");
}

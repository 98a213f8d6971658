//! A GeoJSON source file: features, properties and a representative point of each geometry.

#![no_main]

use ancrage::ingest::descriptor::{DataFormat, DataSpec};
use ancrage::ingest::read::read_records;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let spec = DataSpec {
        location: String::new(),
        format: DataFormat::Geojson,
        encoding: "auto".into(),
        delimiter: "auto".into(),
        records: String::new(),
        record_class: None,
        prefixes: Default::default(),
        null_values: Vec::new(),
    };
    let _ = read_records(data, &spec, "http://fuzz.ancrage.test/");
});

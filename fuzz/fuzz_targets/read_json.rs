//! A JSON source file, its records taken from the whole document or from a member.

#![no_main]

use ancrage::ingest::descriptor::{DataFormat, DataSpec};
use ancrage::ingest::read::read_records;
use libfuzzer_sys::fuzz_target;

fn spec(records: &str) -> DataSpec {
    DataSpec {
        location: String::new(),
        format: DataFormat::Json,
        encoding: "auto".into(),
        delimiter: "auto".into(),
        records: records.into(),
        record_class: None,
        prefixes: Default::default(),
        null_values: Vec::new(),
    }
}

fuzz_target!(|data: &[u8]| {
    for records in ["", "data", "data.items"] {
        let _ = read_records(data, &spec(records), "http://fuzz.ancrage.test/");
    }
});

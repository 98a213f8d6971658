//! A CSV source file, read with the delimiter sniffed and the encoding detected, then declared.

#![no_main]

use ancrage::ingest::descriptor::{DataFormat, DataSpec};
use ancrage::ingest::read::read_records;
use libfuzzer_sys::fuzz_target;

fn spec(encoding: &str, delimiter: &str) -> DataSpec {
    DataSpec {
        location: String::new(),
        format: DataFormat::Csv,
        encoding: encoding.into(),
        delimiter: delimiter.into(),
        records: String::new(),
        record_class: None,
        prefixes: Default::default(),
        null_values: Vec::new(),
    }
}

fuzz_target!(|data: &[u8]| {
    for (encoding, delimiter) in [("auto", "auto"), ("utf-8", ";"), ("windows-1252", "\\t")] {
        let _ = read_records(data, &spec(encoding, delimiter), "http://fuzz.ancrage.test/");
    }
});

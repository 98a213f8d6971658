//! An RDF source file, read as each of the four RDF syntaxes a descriptor can declare.

#![no_main]

use ancrage::ingest::descriptor::{DataFormat, DataSpec};
use ancrage::ingest::read::read_records;
use libfuzzer_sys::fuzz_target;

fn spec(format: DataFormat) -> DataSpec {
    DataSpec {
        location: String::new(),
        format,
        encoding: "auto".into(),
        delimiter: "auto".into(),
        records: String::new(),
        record_class: Some("schema:Place".into()),
        prefixes: [("schema".to_owned(), "https://schema.org/".to_owned())].into(),
        null_values: Vec::new(),
    }
}

fuzz_target!(|data: &[u8]| {
    let formats = [
        DataFormat::Turtle,
        DataFormat::Ntriples,
        DataFormat::Jsonld,
        DataFormat::Rdfxml,
    ];
    for format in formats {
        let _ = read_records(data, &spec(format), "http://fuzz.ancrage.test/");
    }
});

//! Reading RDF sources (Turtle, N-Triples, JSON-LD, RDF/XML) as records.
//!
//! A record is a subject typed with the descriptor's `record_class`; its fields are its
//! predicates, written with the descriptor's prefixes (`schema:name`) or as full IRIs, and the
//! field `@id` holds the subject's IRI.

use std::collections::HashMap;

use oxigraph::io::{JsonLdProfileSet, RdfFormat, RdfParser};
use oxigraph::model::vocab::rdf;
use oxigraph::model::{NamedOrBlankNode, Term};
use serde_json::{Map, Value};

use super::IngestError;
use super::descriptor::{DataFormat, DataSpec};
use super::record::{ReadOutcome, Record};

/// Reads the records of an RDF file.
pub fn read_rdf(bytes: &[u8], spec: &DataSpec, base_iri: &str) -> Result<ReadOutcome, IngestError> {
    let format = match spec.format {
        DataFormat::Turtle => RdfFormat::Turtle,
        DataFormat::Ntriples => RdfFormat::NTriples,
        DataFormat::Jsonld => RdfFormat::JsonLd {
            profile: JsonLdProfileSet::empty(),
        },
        DataFormat::Rdfxml => {
            refuse_xml_declarations(bytes)?;
            RdfFormat::RdfXml
        }
        _ => unreachable!("only RDF formats are read here"),
    };
    let record_class = expand(spec.data_record_class(), &spec.prefixes);
    let parser = RdfParser::from_format(format)
        .with_base_iri(base_iri)
        .map_err(|error| IngestError::Syntax {
            position: "base IRI".into(),
            message: error.to_string(),
        })?;

    let mut order: Vec<NamedOrBlankNode> = Vec::new();
    let mut fields: HashMap<NamedOrBlankNode, Map<String, Value>> = HashMap::new();
    let mut records: Vec<NamedOrBlankNode> = Vec::new();
    for quad in parser.for_slice(bytes) {
        let quad = quad.map_err(|error| IngestError::Syntax {
            position: "document".into(),
            message: format!("the RDF document is not valid: {error}"),
        })?;
        if quad.predicate == rdf::TYPE
            && matches!(&quad.object, Term::NamedNode(class) if class.as_str() == record_class)
        {
            records.push(quad.subject.clone());
        }
        let entry = fields.entry(quad.subject.clone()).or_insert_with(|| {
            order.push(quad.subject.clone());
            Map::new()
        });
        let key = compact(quad.predicate.as_str(), &spec.prefixes);
        let value = Value::String(term_text(&quad.object));
        match entry.get_mut(&key) {
            Some(Value::Array(values)) => values.push(value),
            Some(existing) => *existing = Value::Array(vec![existing.clone(), value]),
            None => {
                entry.insert(key, value);
            }
        }
    }

    let mut outcome = ReadOutcome::default();
    let wanted: std::collections::HashSet<_> = records.into_iter().collect();
    for subject in order.into_iter().filter(|subject| wanted.contains(subject)) {
        let mut record_fields = fields.remove(&subject).unwrap_or_default();
        record_fields.insert(
            "@id".into(),
            Value::String(subject.to_string().trim_matches(['<', '>']).to_owned()),
        );
        let number = outcome.records.len() + 1;
        outcome
            .records
            .push(Record::from_json(number, record_fields));
    }
    Ok(outcome)
}

/// Entity and doctype declarations let a small file expand into gigabytes ("billion laughs")
/// or reach other files; RDF never needs them, so such files are refused before parsing.
fn refuse_xml_declarations(bytes: &[u8]) -> Result<(), IngestError> {
    // The XML reader takes `<!doctype` in any case, so the search ignores case too.
    let found = |needle: &[u8]| {
        bytes
            .windows(needle.len())
            .position(|window| window.eq_ignore_ascii_case(needle))
    };
    if let Some(offset) = found(b"<!DOCTYPE").or_else(|| found(b"<!ENTITY")) {
        return Err(IngestError::Unsafe {
            message: format!(
                "the XML declares a DOCTYPE or entities at byte {offset}; they are refused \
                 because they can expand without bound or read other files: remove them"
            ),
        });
    }
    Ok(())
}

impl DataSpec {
    fn data_record_class(&self) -> &str {
        self.record_class.as_deref().unwrap_or_default()
    }
}

fn expand(name: &str, prefixes: &std::collections::BTreeMap<String, String>) -> String {
    if let Some((prefix, local)) = name.split_once(':')
        && let Some(namespace) = prefixes.get(prefix)
    {
        return format!("{namespace}{local}");
    }
    name.trim_matches(['<', '>']).to_owned()
}

fn compact(iri: &str, prefixes: &std::collections::BTreeMap<String, String>) -> String {
    for (prefix, namespace) in prefixes {
        if let Some(local) = iri.strip_prefix(namespace.as_str()) {
            return format!("{prefix}:{local}");
        }
    }
    iri.to_owned()
}

fn term_text(term: &Term) -> String {
    match term {
        Term::NamedNode(node) => node.as_str().to_owned(),
        Term::BlankNode(node) => format!("_:{}", node.as_str()),
        Term::Literal(literal) => literal.value().to_owned(),
        #[allow(unreachable_patterns)]
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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

    #[test]
    fn subjects_of_the_record_class_become_records_with_compact_field_names() {
        let turtle = br#"@prefix schema: <https://schema.org/> .
            <http://e/a> a schema:Place ; schema:name "A" ; schema:keywords "x", "y" .
            <http://e/b> schema:name "not a record" ."#;
        let outcome = read_rdf(turtle, &spec(DataFormat::Turtle), "http://e/").unwrap();
        assert_eq!(outcome.records.len(), 1);
        let record = &outcome.records[0];
        assert_eq!(record.text("@id").as_deref(), Some("http://e/a"));
        assert_eq!(record.values("schema:keywords"), ["x", "y"]);
    }

    #[test]
    fn xml_entity_declarations_are_refused() {
        let xml = br#"<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "aaaa">]><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"/>"#;
        let error = read_rdf(xml, &spec(DataFormat::Rdfxml), "http://e/").unwrap_err();
        assert!(matches!(error, IngestError::Unsafe { .. }));
    }

    #[test]
    fn a_doctype_in_lower_case_is_refused_as_well() {
        let xml = br#"<!doctype r SYSTEM "file:///etc/passwd"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"/>"#;
        let error = read_rdf(xml, &spec(DataFormat::Rdfxml), "http://e/").unwrap_err();
        assert!(matches!(error, IngestError::Unsafe { .. }));
    }
}

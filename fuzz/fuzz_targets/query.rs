//! A public SPARQL query: parsing with the endpoint's limits and guards, then evaluation on a
//! tiny in-memory store under a short deadline and small caps.

#![no_main]

use std::sync::OnceLock;
use std::time::Duration;

use ancrage::store::{GraphFormat, OutputFormat, QueryLimits, ResultsFormat, Store};
use libfuzzer_sys::fuzz_target;
use oxigraph::io::RdfFormat;
use oxigraph::model::NamedNodeRef;

const BASE: &str = "http://fuzz.ancrage.test/";

/// A few resources with the kinds of values public queries meet: labels in two languages,
/// numbers, dates, a point and a polygon.
const DATA: &str = r#"
@prefix anc: <https://w3id.org/ancrage/ontology#> .
@prefix geo: <http://www.opengis.net/ont/geosparql#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
<initiative/a> a anc:Initiative ; rdfs:label "Café numérique"@fr, "Digital café"@en ;
    anc:population 1234 ; anc:debut "2021-03-04"^^xsd:date ;
    geo:hasGeometry [ geo:asWKT "POINT(2.35 48.85)"^^geo:wktLiteral ] .
<initiative/b> a anc:Initiative ; rdfs:label "Atelier\u0000vélo" ; anc:population -7.5e3 ;
    geo:hasGeometry [ geo:asWKT "POLYGON((0 0, 1 0, 1 1, 0 1, 0 0))"^^geo:wktLiteral ] .
<territoire/commune/01001> rdfs:label "L'Abergement-Clémenciat" ; anc:contient <initiative/a> .
"#;

fn tiny_store() -> &'static Store {
    static STORE: OnceLock<Store> = OnceLock::new();
    STORE.get_or_init(|| {
        let store = Store::in_memory().expect("in-memory store");
        let graph = NamedNodeRef::new_unchecked("http://fuzz.ancrage.test/graphe/fuzz");
        store
            .bulk_load_document(DATA.as_bytes(), RdfFormat::Turtle, BASE, graph)
            .expect("the fuzz data loads");
        store
    })
}

fn evaluation_limits() -> QueryLimits {
    QueryLimits {
        timeout: Duration::from_millis(200),
        max_results: 10_000,
        max_output_bytes: 1 << 20,
        ..QueryLimits::default()
    }
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let store = tiny_store();
    let Ok(parsed) = store.parse_query(text, BASE, &QueryLimits::default()) else {
        return;
    };
    // The length picks the output syntax, so that every serializer meets every query shape.
    let format = if parsed.form().returns_graph() {
        let formats = [
            GraphFormat::Turtle,
            GraphFormat::NTriples,
            GraphFormat::JsonLd,
            GraphFormat::RdfXml,
        ];
        OutputFormat::Graph(formats[text.len() % formats.len()])
    } else {
        let formats = [
            ResultsFormat::Json,
            ResultsFormat::Xml,
            ResultsFormat::Csv,
            ResultsFormat::Tsv,
        ];
        OutputFormat::Results(formats[text.len() % formats.len()])
    };
    let _ = store.evaluate(&parsed, format, &evaluation_limits());
});

//! The JSON-LD context published at `/contexte.jsonld`: the platform's prefixes, and a short
//! name for every term of the ancrage ontology and for the outside terms its data uses most.

use serde_json::{Map, Value, json};

use crate::store::{Store, StoreError};
use crate::vocab::anc;

const OWL_OBJECT_PROPERTY: &str = "http://www.w3.org/2002/07/owl#ObjectProperty";
const XSD: &str = "http://www.w3.org/2001/XMLSchema#";

/// Outside terms the graph uses on every resource: short name, compact IRI, and whether the
/// value is a resource (`@id`) or a literal of a datatype.
const OUTSIDE_TERMS: [(&str, &str, Option<&str>); 11] = [
    ("label", "rdfs:label", None),
    ("prefLabel", "skos:prefLabel", None),
    ("inScheme", "skos:inScheme", Some("@id")),
    ("broader", "skos:broader", Some("@id")),
    ("codeINSEE", "igeo:codeINSEE", None),
    ("nom", "igeo:nom", None),
    ("subdivisionDe", "igeo:subdivisionDe", Some("@id")),
    (
        "subdivisionDirecteDe",
        "igeo:subdivisionDirecteDe",
        Some("@id"),
    ),
    ("hasGeometry", "geo:hasGeometry", Some("@id")),
    ("asWKT", "geo:asWKT", Some("geo:wktLiteral")),
    ("sameAs", "owl:sameAs", Some("@id")),
];

/// The context, as a JSON document `{ "@context": { ... } }`.
pub fn jsonld_context(store: &Store) -> Result<Value, StoreError> {
    let mut context = Map::new();
    context.insert("id".into(), json!("@id"));
    context.insert("type".into(), json!("@type"));
    for (prefix, namespace) in crate::vocab::PREFIXES {
        context.insert((*prefix).into(), json!(namespace));
    }
    for (name, iri, coercion) in OUTSIDE_TERMS {
        context.insert(name.into(), term_definition(iri, coercion));
    }

    let rows = store.select(include_str!("../../queries/context-terms.rq"), &[])?;
    for row in rows.iter() {
        let Some(local_name) = row
            .text("term")
            .and_then(|term| term.strip_prefix(anc::NAMESPACE))
        else {
            continue;
        };
        let compact = format!("anc:{local_name}");
        let coercion = if row.text("kind") == Some(OWL_OBJECT_PROPERTY) {
            Some("@id".to_owned())
        } else {
            row.text("range")
                .and_then(|range| range.strip_prefix(XSD))
                .filter(|datatype| *datatype != "string")
                .map(|datatype| format!("xsd:{datatype}"))
        };
        context.insert(
            local_name.to_owned(),
            term_definition(&compact, coercion.as_deref()),
        );
    }
    Ok(json!({ "@context": Value::Object(context) }))
}

fn term_definition(iri: &str, coercion: Option<&str>) -> Value {
    match coercion {
        Some(coercion) => json!({ "@id": iri, "@type": coercion }),
        None => json!(iri),
    }
}

//! JSON-LD: the statements of each initiative (and the names of what it links to) as node
//! objects of one `@graph`, with keys taken from the published context at `/contexte.jsonld`.
//!
//! Values are written as explicit `@id` and `@value` objects whenever a plain JSON string could
//! be read otherwise through a coercion of the context, so the document states exactly the
//! triples of the graph.

use std::collections::HashMap;

use oxigraph::model::vocab::{rdf, xsd};
use oxigraph::model::{NamedOrBlankNode, Term, Triple};
use serde_json::{Map, Value, json};

use super::ExportError;
use crate::iri::IriMinter;
use crate::opendata::{CONTEXT_PATH, jsonld_context};
use crate::store::Store;
use crate::vocab::PREFIXES;

/// Writes node objects into the chunks of an export.
pub(super) struct JsonLdWriter {
    context_url: String,
    /// Short name of a term of the context, by IRI, and whether the context coerces its values.
    terms: HashMap<String, (String, bool)>,
    written: usize,
}

impl JsonLdWriter {
    /// A writer using the context the platform publishes for `store`.
    pub(super) fn new(store: &Store, minter: &IriMinter) -> Result<Self, ExportError> {
        let context = jsonld_context(store)?;
        Ok(Self {
            context_url: minter.at(CONTEXT_PATH).as_str().to_owned(),
            terms: terms_of_context(&context),
            written: 0,
        })
    }

    pub(super) fn begin(&mut self, out: &mut Vec<u8>) -> Result<(), ExportError> {
        out.extend_from_slice(b"{\"@context\":");
        serde_json::to_writer(&mut *out, &self.context_url)?;
        out.extend_from_slice(b",\"@graph\":[");
        Ok(())
    }

    /// One node object per subject of `statements`, in the order they first appear.
    pub(super) fn write(
        &mut self,
        statements: &[Triple],
        out: &mut Vec<u8>,
    ) -> Result<(), ExportError> {
        let mut nodes: Vec<(&NamedOrBlankNode, Map<String, Value>)> = Vec::new();
        for triple in statements {
            let position = match nodes
                .iter()
                .position(|(subject, _)| **subject == triple.subject)
            {
                Some(position) => position,
                None => {
                    let mut node = Map::new();
                    node.insert("@id".into(), json!(node_id(&triple.subject)));
                    nodes.push((&triple.subject, node));
                    nodes.len() - 1
                }
            };
            let (key, value) = self.entry(triple);
            let values = nodes[position].1.entry(key).or_insert_with(|| json!([]));
            if let Value::Array(values) = values {
                values.push(value);
            }
        }
        for (_, node) in nodes {
            if self.written > 0 {
                out.push(b',');
            }
            out.push(b'\n');
            serde_json::to_writer(&mut *out, &node)?;
            self.written += 1;
        }
        Ok(())
    }

    /// The key and value of one statement.
    fn entry(&self, triple: &Triple) -> (String, Value) {
        if triple.predicate == rdf::TYPE
            && let Term::NamedNode(class) = &triple.object
        {
            return ("@type".into(), json!(self.key_of(class.as_str())));
        }
        let key = self.key_of(triple.predicate.as_str());
        let coerced = self
            .terms
            .get(triple.predicate.as_str())
            .is_some_and(|(_, coerced)| *coerced);
        let value = match &triple.object {
            Term::NamedNode(node) => json!({ "@id": node.as_str() }),
            Term::BlankNode(node) => json!({ "@id": format!("_:{}", node.as_str()) }),
            Term::Literal(literal) => match (literal.language(), literal.datatype()) {
                (Some(language), _) => json!({ "@value": literal.value(), "@language": language }),
                (None, datatype) if datatype == xsd::STRING && !coerced => json!(literal.value()),
                (None, datatype) if datatype == xsd::STRING => json!({ "@value": literal.value() }),
                (None, datatype) => {
                    json!({ "@value": literal.value(), "@type": datatype.as_str() })
                }
            },
            #[allow(unreachable_patterns)]
            _ => Value::Null,
        };
        (key, value)
    }

    /// The context's short name of `iri`, else a compact IRI with a known prefix, else `iri`.
    fn key_of(&self, iri: &str) -> String {
        if let Some((name, _)) = self.terms.get(iri) {
            return name.clone();
        }
        PREFIXES
            .iter()
            .find_map(|(prefix, namespace)| {
                let local = iri.strip_prefix(namespace)?;
                let plain = !local.is_empty() && !local.starts_with("//");
                plain.then(|| format!("{prefix}:{local}"))
            })
            .unwrap_or_else(|| iri.to_owned())
    }
}

/// The terms a context defines, by the IRI they expand to.
fn terms_of_context(context: &Value) -> HashMap<String, (String, bool)> {
    let mut terms = HashMap::new();
    let Some(definitions) = context["@context"].as_object() else {
        return terms;
    };
    for (name, definition) in definitions {
        let (iri, coerced) = match definition {
            Value::String(iri) => (iri.as_str(), false),
            Value::Object(object) => match object.get("@id").and_then(Value::as_str) {
                Some(iri) => (iri, object.contains_key("@type")),
                None => continue,
            },
            _ => continue,
        };
        if iri.starts_with('@') || name.contains(':') {
            continue;
        }
        let expanded = expand(iri);
        // Prefix declarations map to a namespace, which no statement uses as a predicate.
        terms
            .entry(expanded)
            .or_insert_with(|| (name.clone(), coerced));
    }
    terms
}

/// `prefix:local` with a known prefix as a full IRI; anything else unchanged.
fn expand(iri: &str) -> String {
    if let Some((prefix, local)) = iri.split_once(':')
        && let Some((_, namespace)) = PREFIXES.iter().find(|(known, _)| *known == prefix)
    {
        return format!("{namespace}{local}");
    }
    iri.to_owned()
}

fn node_id(subject: &NamedOrBlankNode) -> String {
    match subject {
        NamedOrBlankNode::NamedNode(node) => node.as_str().to_owned(),
        NamedOrBlankNode::BlankNode(node) => format!("_:{}", node.as_str()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn context_terms_are_found_by_the_iri_they_expand_to() {
        let context = json!({ "@context": {
            "id": "@id",
            "anc": "https://w3id.org/ancrage/ontology#",
            "name": "anc:name",
            "theme": { "@id": "anc:theme", "@type": "@id" },
        }});
        let terms = terms_of_context(&context);
        let name = "https://w3id.org/ancrage/ontology#name";
        assert_eq!(terms[name], ("name".to_owned(), false));
        assert!(terms["https://w3id.org/ancrage/ontology#theme"].1);
        assert!(!terms.contains_key("@id"));
    }
}

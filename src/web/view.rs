//! Turning RDF into what pages show: labels in the reader's language, links that stay inside
//! the site, and facts grouped by property with the source each came from.

use std::collections::HashMap;

use oxigraph::model::vocab::rdfs;
use oxigraph::model::{GraphName, NamedNode, NamedNodeRef, Quad, Term};
use serde::Serialize;

use super::Lang;
use crate::iri::{IriMinter, request_path_from_iri};
use crate::store::Store;
use crate::vocab::{anc, dct, foaf, igeo, schema, skos};

/// A link to a resource, with its label.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct LinkView {
    /// Where the link goes (a path of this site, or an external URL).
    pub href: String,
    /// What the link says.
    pub label: String,
    /// The resource's IRI.
    pub iri: String,
}

/// One value of a property.
#[derive(Debug, Clone, Serialize)]
pub struct ValueView {
    /// The text shown.
    pub text: String,
    /// Link target when the value is a resource.
    pub href: Option<String>,
    /// Language tag of a literal.
    pub lang: Option<String>,
    /// Datatype of a typed literal, compacted (`xsd:date`).
    pub datatype: Option<String>,
    /// Where the fact comes from.
    pub source: Option<LinkView>,
}

/// A property and its values.
#[derive(Debug, Clone, Serialize)]
pub struct FactView {
    /// The property.
    pub property: LinkView,
    /// Its values.
    pub values: Vec<ValueView>,
}

/// Label lookups with a cache, in the reader's language.
pub struct Labeler<'a> {
    store: &'a Store,
    minter: &'a IriMinter,
    lang: Lang,
    cache: HashMap<String, String>,
    graph_labels: HashMap<String, Option<LinkView>>,
}

/// Properties that name things, most specific first.
const LABEL_PROPERTIES: [NamedNodeRef<'static>; 7] = [
    skos::PREF_LABEL,
    anc::NAME,
    rdfs::LABEL,
    dct::TITLE,
    igeo::NOM,
    foaf::NAME,
    schema::NAME,
];

impl<'a> Labeler<'a> {
    /// A labeler for one page.
    pub fn new(store: &'a Store, minter: &'a IriMinter, lang: Lang) -> Self {
        Self {
            store,
            minter,
            lang,
            cache: HashMap::new(),
            graph_labels: HashMap::new(),
        }
    }

    /// The best label of a resource: in the reader's language, else French, else English, else
    /// untagged, else its compact IRI.
    pub fn label(&mut self, iri: &str) -> String {
        if let Some(label) = self.cache.get(iri) {
            return label.clone();
        }
        let label = self
            .lookup_label(iri)
            .unwrap_or_else(|| compact_iri(iri, self.minter));
        self.cache.insert(iri.to_owned(), label.clone());
        label
    }

    fn lookup_label(&self, iri: &str) -> Option<String> {
        let node = NamedNode::new(iri).ok()?;
        for property in LABEL_PROPERTIES {
            let objects = self.store.objects(node.as_ref(), property).ok()?;
            if let Some(label) = pick_language(&objects, self.lang) {
                return Some(label);
            }
        }
        None
    }

    /// A link to a resource with its label.
    pub fn link(&mut self, iri: &str) -> LinkView {
        LinkView {
            href: href_for(iri, self.minter),
            label: self.label(iri),
            iri: iri.to_owned(),
        }
    }

    /// The source a graph stands for, shown beside the facts it holds.
    pub fn graph_source(&mut self, graph: &GraphName) -> Option<LinkView> {
        let GraphName::NamedNode(graph) = graph else {
            return None;
        };
        if let Some(known) = self.graph_labels.get(graph.as_str()) {
            return known.clone();
        }
        let relative = self.minter.relative(graph.as_str()).unwrap_or_default();
        let link = if let Some(source_id) = relative.strip_prefix("graphe/source/") {
            Some(self.link(self.minter.at(&format!("source/{source_id}")).as_str()))
        } else {
            let label = match relative {
                "graphe/territoires" => "Code officiel géographique (INSEE)",
                "graphe/vocabulaires" => "Vocabulaires",
                "graphe/ontologie" => "Ontologie ancrage",
                "graphe/moissons" => "Journal des moissons",
                _ => relative,
            };
            Some(LinkView {
                href: String::new(),
                label: label.to_owned(),
                iri: graph.as_str().to_owned(),
            })
        };
        self.graph_labels
            .insert(graph.as_str().to_owned(), link.clone());
        link
    }

    /// Facts of `subject` grouped by property (sorted by label), each value with its source.
    pub fn facts(&mut self, subject: &str, quads: &[Quad]) -> Vec<FactView> {
        let mut by_property: Vec<(String, Vec<ValueView>)> = Vec::new();
        for quad in quads
            .iter()
            .filter(|quad| quad.subject.to_string().trim_matches(['<', '>']) == subject)
        {
            let value = self.value(&quad.object, &quad.graph_name);
            match by_property
                .iter_mut()
                .find(|(property, _)| *property == quad.predicate.as_str())
            {
                Some((_, values)) => {
                    if !values
                        .iter()
                        .any(|known| known.text == value.text && known.href == value.href)
                    {
                        values.push(value)
                    }
                }
                None => by_property.push((quad.predicate.as_str().to_owned(), vec![value])),
            }
        }
        let mut facts: Vec<FactView> = by_property
            .into_iter()
            .map(|(property, values)| FactView {
                property: self.link(&property),
                values,
            })
            .collect();
        facts.sort_by(|a, b| {
            a.property
                .label
                .to_lowercase()
                .cmp(&b.property.label.to_lowercase())
        });
        facts
    }

    fn value(&mut self, term: &Term, graph: &GraphName) -> ValueView {
        let source = self.graph_source(graph);
        match term {
            Term::NamedNode(node) => {
                let link = self.link(node.as_str());
                ValueView {
                    text: link.label,
                    href: Some(link.href),
                    lang: None,
                    datatype: None,
                    source,
                }
            }
            Term::Literal(literal) => {
                let datatype = literal.datatype();
                let shows_datatype =
                    literal.language().is_none() && datatype != oxigraph::model::vocab::xsd::STRING;
                ValueView {
                    text: literal.value().to_owned(),
                    href: None,
                    lang: literal.language().map(str::to_owned),
                    datatype: shows_datatype.then(|| compact_iri(datatype.as_str(), self.minter)),
                    source,
                }
            }
            other => ValueView {
                text: other.to_string(),
                href: None,
                lang: None,
                datatype: None,
                source,
            },
        }
    }

    /// The language of the page.
    pub fn lang(&self) -> Lang {
        self.lang
    }
}

/// The literal in the best language among `terms`, for the reader's language.
pub fn pick_language(terms: &[Term], lang: Lang) -> Option<String> {
    crate::rdf::pick_language(terms, lang.code())
}

/// Where a link to `iri` goes: our resources by their path, ontology terms to the ontology
/// page, anything else to its generic page on this site.
pub fn href_for(iri: &str, minter: &IriMinter) -> String {
    if let Some(relative) = minter.relative(iri) {
        return format!("/{}", request_path_from_iri(relative));
    }
    if let Some(term) = iri.strip_prefix(anc::NAMESPACE) {
        return format!("/ontologie#{term}");
    }
    if iri == anc::ONTOLOGY {
        return "/ontologie".into();
    }
    format!(
        "/ressource?iri={}",
        percent_encoding::utf8_percent_encode(iri, percent_encoding::NON_ALPHANUMERIC)
    )
}

/// `prefix:local` for known namespaces, the path for our own IRIs, else the IRI.
pub fn compact_iri(iri: &str, minter: &IriMinter) -> String {
    if let Some(relative) = minter.relative(iri) {
        return relative.to_owned();
    }
    for (prefix, namespace) in crate::vocab::PREFIXES {
        if let Some(local) = iri.strip_prefix(namespace)
            && !local.is_empty()
        {
            return format!("{prefix}:{local}");
        }
    }
    iri.to_owned()
}

//! A small builder of quads, shared by every module that writes RDF.

use oxigraph::model::vocab::{rdf, xsd};
use oxigraph::model::{GraphName, Literal, NamedNode, NamedNodeRef, NamedOrBlankNode, Quad, Term};

use crate::vocab::geo;

/// Collects quads for one named graph.
#[derive(Debug)]
pub struct QuadBuffer {
    graph: GraphName,
    quads: Vec<Quad>,
}

impl QuadBuffer {
    /// An empty buffer writing into `graph`.
    pub fn new(graph: NamedNode) -> Self {
        Self {
            graph: graph.into(),
            quads: Vec::new(),
        }
    }

    /// Adds one statement.
    pub fn add(
        &mut self,
        subject: impl Into<NamedOrBlankNode>,
        predicate: NamedNodeRef<'_>,
        object: impl Into<Term>,
    ) {
        self.quads
            .push(Quad::new(subject, predicate, object, self.graph.clone()));
    }

    /// States the class of a subject.
    pub fn add_type(&mut self, subject: &NamedNode, class: NamedNodeRef<'_>) {
        self.add(subject.clone(), rdf::TYPE, class.into_owned());
    }

    /// Adds a link to another resource.
    pub fn add_link(
        &mut self,
        subject: &NamedNode,
        predicate: NamedNodeRef<'_>,
        object: &NamedNode,
    ) {
        self.add(subject.clone(), predicate, object.clone());
    }

    /// Adds a plain string, unless it is empty.
    pub fn add_text(&mut self, subject: &NamedNode, predicate: NamedNodeRef<'_>, value: &str) {
        if !value.trim().is_empty() {
            self.add(
                subject.clone(),
                predicate,
                Literal::new_simple_literal(value.trim()),
            );
        }
    }

    /// Adds a language-tagged string, unless it is empty.
    pub fn add_lang_text(
        &mut self,
        subject: &NamedNode,
        predicate: NamedNodeRef<'_>,
        value: &str,
        language: &str,
    ) {
        if value.trim().is_empty() {
            return;
        }
        let literal = Literal::new_language_tagged_literal_unchecked(value.trim(), language);
        self.add(subject.clone(), predicate, literal);
    }

    /// Adds a typed literal.
    pub fn add_typed(
        &mut self,
        subject: &NamedNode,
        predicate: NamedNodeRef<'_>,
        value: &str,
        datatype: NamedNodeRef<'_>,
    ) {
        self.add(
            subject.clone(),
            predicate,
            Literal::new_typed_literal(value, datatype),
        );
    }

    /// Adds an `xsd:integer`.
    pub fn add_integer(&mut self, subject: &NamedNode, predicate: NamedNodeRef<'_>, value: i64) {
        self.add_typed(subject, predicate, &value.to_string(), xsd::INTEGER);
    }

    /// Gives `subject` a geometry node `geometry` holding `wkt`, linked by `link`
    /// (`geo:hasGeometry`, `geo:hasCentroid`...).
    pub fn add_geometry(
        &mut self,
        subject: &NamedNode,
        link: NamedNodeRef<'_>,
        geometry: &NamedNode,
        wkt: &str,
    ) {
        self.add_link(subject, link, geometry);
        self.add_type(geometry, geo::GEOMETRY);
        self.add_typed(geometry, geo::AS_WKT, wkt, geo::WKT_LITERAL);
    }

    /// Number of quads so far.
    pub fn len(&self) -> usize {
        self.quads.len()
    }

    /// Whether nothing was added.
    pub fn is_empty(&self) -> bool {
        self.quads.is_empty()
    }

    /// The quads collected.
    pub fn into_quads(self) -> Vec<Quad> {
        self.quads
    }

    /// Moves the quads of `other` (whatever their graph) into this buffer's graph.
    pub fn absorb(&mut self, other: Vec<Quad>) {
        for quad in other {
            self.quads.push(Quad::new(
                quad.subject,
                quad.predicate,
                quad.object,
                self.graph.clone(),
            ));
        }
    }
}

/// (latitude, longitude) of a `POINT(longitude latitude)` WKT literal.
pub fn parse_wkt_point(wkt: &str) -> Option<(f64, f64)> {
    let inner = wkt.trim().strip_prefix("POINT(")?.strip_suffix(')')?;
    let mut numbers = inner.split_whitespace().map(str::parse::<f64>);
    let longitude = numbers.next()?.ok()?;
    let latitude = numbers.next()?.ok()?;
    Some((latitude, longitude))
}

/// The literal in the best language among `terms`: `preferred`, else French, else English,
/// else untagged, else any.
pub fn pick_language(terms: &[Term], preferred: &str) -> Option<String> {
    let literals: Vec<&Literal> = terms
        .iter()
        .filter_map(|term| match term {
            Term::Literal(literal) => Some(literal),
            _ => None,
        })
        .collect();
    for wanted in [Some(preferred), Some("fr"), Some("en"), None] {
        let found = literals
            .iter()
            .find(|literal| match (wanted, literal.language()) {
                (Some(code), Some(tag)) => {
                    tag.eq_ignore_ascii_case(code)
                        || tag.to_ascii_lowercase().starts_with(&format!("{code}-"))
                }
                (None, None) => true,
                _ => false,
            });
        if let Some(literal) = found {
            return Some(literal.value().to_owned());
        }
    }
    literals.first().map(|literal| literal.value().to_owned())
}

/// An `xsd:dateTime` literal, in UTC to the second.
pub fn date_time(time: chrono::DateTime<chrono::Utc>) -> Literal {
    Literal::new_typed_literal(
        time.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        xsd::DATE_TIME,
    )
}

/// A time written by [`date_time`] (or any RFC 3339 time), in UTC.
pub fn parse_date_time(text: &str) -> Option<chrono::DateTime<chrono::Utc>> {
    chrono::DateTime::parse_from_rfc3339(text)
        .ok()
        .map(|time| time.with_timezone(&chrono::Utc))
}

/// A WKT point, longitude first as GeoSPARQL's default CRS requires.
pub fn wkt_point(longitude: f64, latitude: f64) -> String {
    format!("POINT({longitude} {latitude})")
}

/// The statements one subject makes, as read back from a store, with typed accessors.
#[derive(Debug, Clone)]
pub struct SubjectFacts {
    subject: NamedNode,
    quads: Vec<Quad>,
}

impl SubjectFacts {
    /// The statements of `subject` among `quads` (others are dropped).
    pub fn new(subject: NamedNode, quads: Vec<Quad>) -> Self {
        let quads = quads
            .into_iter()
            .filter(|quad| matches!(&quad.subject, NamedOrBlankNode::NamedNode(node) if *node == subject))
            .collect();
        Self { subject, quads }
    }

    /// Whether the subject states nothing.
    pub fn is_empty(&self) -> bool {
        self.quads.is_empty()
    }

    /// The subject.
    pub fn subject(&self) -> &NamedNode {
        &self.subject
    }

    /// The statements, with their graphs.
    pub fn quads(&self) -> &[Quad] {
        &self.quads
    }

    /// The lexical form of the first literal of `predicate`.
    pub fn text(&self, predicate: NamedNodeRef<'_>) -> Option<&str> {
        self.quads
            .iter()
            .filter(|quad| quad.predicate == predicate)
            .find_map(|quad| match &quad.object {
                Term::Literal(literal) => Some(literal.value()),
                _ => None,
            })
    }

    /// The first IRI object of `predicate`.
    pub fn iri(&self, predicate: NamedNodeRef<'_>) -> Option<&NamedNode> {
        self.quads
            .iter()
            .filter(|quad| quad.predicate == predicate)
            .find_map(|quad| match &quad.object {
                Term::NamedNode(node) => Some(node),
                _ => None,
            })
    }

    /// The statements of `predicate`.
    pub fn quads_of(&self, predicate: NamedNodeRef<'_>) -> Vec<Quad> {
        self.quads
            .iter()
            .filter(|quad| quad.predicate == predicate)
            .cloned()
            .collect()
    }
}

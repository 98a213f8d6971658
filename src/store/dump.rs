//! Whole graphs as streams: N-Quads dumps written quad by quad, graph documents in any RDF
//! syntax, and bulk loads of a dump into an empty store.

use std::collections::HashMap;
use std::io::{Read, Write};

use oxigraph::io::{RdfFormat, RdfSerializer};
use oxigraph::model::{GraphName, GraphNameRef, NamedNode, NamedNodeRef, NamedOrBlankNode, Triple};
use oxigraph::store::LoaderError;

use super::{GraphFormat, Store, StoreError};

impl Store {
    /// Number of quads in one graph.
    pub fn graph_len(&self, graph: NamedNodeRef<'_>) -> Result<usize, StoreError> {
        let rows = self.select(
            include_str!("../../queries/graph-size.rq"),
            &[("graph", graph.into_owned().into())],
        )?;
        let quads = rows.iter().next().and_then(|row| row.integer("quads"));
        Ok(quads.map_or(0, |quads| usize::try_from(quads).unwrap_or(0)))
    }

    /// Whether `graph` holds at least one quad.
    pub fn has_graph(&self, graph: NamedNodeRef<'_>) -> Result<bool, StoreError> {
        match self
            .db
            .quads_for_pattern(None, None, None, Some(graph.into()))
            .next()
        {
            Some(quad) => quad.map(|_| true).map_err(StoreError::from),
            None => Ok(false),
        }
    }

    /// Writes the quads of `graph` as N-Quads while it reads them, so that a graph of any size
    /// goes through little memory. Returns the writer and the number of quads written.
    pub fn write_graph_as_nquads<W: Write>(
        &self,
        graph: NamedNodeRef<'_>,
        writer: W,
    ) -> Result<(W, usize), StoreError> {
        let mut serializer = RdfSerializer::from_format(RdfFormat::NQuads).for_writer(writer);
        let mut count = 0;
        for quad in self
            .db
            .quads_for_pattern(None, None, None, Some(graph.into()))
        {
            serializer.serialize_quad(&quad?)?;
            count += 1;
        }
        Ok((serializer.finish()?, count))
    }

    /// Writes the triples of `graphs` in `format`, as it reads them. A triple that several of
    /// the graphs state is written once, with the first of them, so that the document is their
    /// union, as SPARQL's default graph is.
    pub fn write_graphs<W: Write>(
        &self,
        graphs: &[NamedNode],
        format: GraphFormat,
        writer: W,
    ) -> Result<W, StoreError> {
        let rank: HashMap<GraphName, usize> = graphs
            .iter()
            .enumerate()
            .map(|(position, graph)| (GraphName::from(graph.clone()), position))
            .collect();
        let mut serializer = RdfSerializer::from_format(format.rdf_format());
        for (prefix, namespace) in crate::vocab::PREFIXES {
            serializer = serializer
                .with_prefix(*prefix, *namespace)
                .expect("valid prefix");
        }
        let mut serializer = serializer.for_writer(writer);
        for (position, graph) in graphs.iter().enumerate() {
            let graph = GraphNameRef::NamedNode(graph.as_ref());
            for quad in self.db.quads_for_pattern(None, None, None, Some(graph)) {
                let quad = quad?;
                if graphs.len() > 1 && self.first_graph_stating(&quad, &rank)? != Some(position) {
                    continue;
                }
                serializer.serialize_triple(quad.as_ref())?;
            }
        }
        Ok(serializer.finish()?)
    }

    /// Writes a document in `format`, declaring the platform's prefixes and `extra_prefixes`.
    pub fn serialize_document(
        triples: impl IntoIterator<Item = Triple>,
        format: GraphFormat,
        extra_prefixes: &[(&str, &str)],
    ) -> Result<Vec<u8>, StoreError> {
        let mut serializer = RdfSerializer::from_format(format.rdf_format());
        for (prefix, namespace) in crate::vocab::PREFIXES.iter().chain(extra_prefixes) {
            serializer = serializer
                .with_prefix(*prefix, *namespace)
                .map_err(|error| StoreError::Output {
                    message: error.to_string(),
                })?;
        }
        let mut writer = serializer.for_writer(Vec::new());
        for triple in triples {
            writer.serialize_triple(&triple)?;
        }
        Ok(writer.finish()?)
    }

    /// Loads an N-Quads stream (a dump) into the store, which must be empty, with the bulk
    /// loader. Returns the number of quads the store then holds.
    ///
    /// # Errors
    ///
    /// [`StoreError::NotEmpty`] when the store already holds quads: a dump is a whole dataset,
    /// and mixing it with another would leave two versions of the same graphs.
    pub fn load_nquads_into_empty(&self, reader: impl Read) -> Result<usize, StoreError> {
        let quads = self.db.len()?;
        if quads > 0 {
            return Err(StoreError::NotEmpty { quads });
        }
        let mut loader = self.db.bulk_loader();
        loader
            .load_from_reader(RdfFormat::NQuads, reader)
            .map_err(|error| match error {
                LoaderError::Parsing(error) => StoreError::Parse {
                    message: error.to_string(),
                },
                LoaderError::Storage(error) => StoreError::Storage(error),
                other => StoreError::Parse {
                    message: other.to_string(),
                },
            })?;
        loader.commit()?;
        Ok(self.db.len()?)
    }

    /// The rank, in `rank`, of the first graph holding the triple of `quad`.
    fn first_graph_stating(
        &self,
        quad: &oxigraph::model::Quad,
        rank: &HashMap<GraphName, usize>,
    ) -> Result<Option<usize>, StoreError> {
        let subject = match &quad.subject {
            NamedOrBlankNode::NamedNode(node) => node.as_ref().into(),
            NamedOrBlankNode::BlankNode(node) => node.as_ref().into(),
        };
        let mut first = None;
        for stated in self.db.quads_for_pattern(
            Some(subject),
            Some(quad.predicate.as_ref()),
            Some(quad.object.as_ref()),
            None,
        ) {
            if let Some(&position) = rank.get(&stated?.graph_name) {
                first = Some(first.map_or(position, |known: usize| known.min(position)));
            }
        }
        Ok(first)
    }
}

//! The knowledge graph on disk: the only module that sees Oxigraph.
//!
//! Everything else reads and writes the graph through [`Store`], so that a remote SPARQL 1.1
//! Protocol + Graph Store server can later take the embedded store's place behind the same API.

mod deadline;
mod dump;
mod error;
mod federation;
mod guard;
mod query;
mod shacl;
mod update;

use std::collections::HashSet;
use std::path::Path;
use std::sync::Arc;

use oxigraph::io::{RdfFormat, RdfParser, RdfSerializer};
use oxigraph::model::{
    GraphNameRef, NamedNode, NamedNodeRef, NamedOrBlankNode, Quad, QuadRef, Term, TermRef, Triple,
};
use oxigraph::sparql::QueryResults;

pub use self::error::{RemoteLimit, StoreError};
pub use self::federation::{FederationConfig, has_http_scheme};
pub use self::query::{
    GraphFormat, LocalService, OutputFormat, ParsedQuery, QueryForm, QueryLimits, ResultsFormat,
    Solutions,
};
pub use self::shacl::StoreGraph;
pub use self::update::{GraphRevision, ParsedUpdate, WriteTarget};

/// The platform's RDF dataset: one named graph per concern (territories, vocabularies, ontology,
/// each source), all public. Private data never enters this store.
#[derive(Clone)]
pub struct Store {
    db: oxigraph::store::Store,
    extensions: Arc<query::Extensions>,
}

impl Store {
    /// Opens (or creates) the on-disk store in `directory`.
    pub fn open(directory: &Path) -> Result<Self, StoreError> {
        std::fs::create_dir_all(directory).map_err(|source| StoreError::Directory {
            path: directory.to_path_buf(),
            source,
        })?;
        #[cfg(feature = "disk")]
        {
            let db = oxigraph::store::Store::open(directory)?;
            Ok(Self::from_db(db))
        }
        #[cfg(not(feature = "disk"))]
        Err(StoreError::NoDiskStorage {
            path: directory.to_path_buf(),
        })
    }

    /// A store kept in memory only, with the same behaviour; for tests and tools.
    pub fn in_memory() -> Result<Self, StoreError> {
        Ok(Self::from_db(oxigraph::store::Store::new()?))
    }

    fn from_db(db: oxigraph::store::Store) -> Self {
        Self {
            db,
            extensions: Arc::new(query::Extensions::default()),
        }
    }

    /// Bounds the resident memory of the process while queries run: past it, running queries
    /// are stopped with an error (see [`QueryLimits::max_process_bytes`]).
    pub fn bound_query_memory(limits: &QueryLimits) {
        deadline::set_memory_limit(limits.max_process_bytes);
    }

    /// Registers a SERVICE IRI answered inside the process (the full-text search service).
    pub fn with_service(mut self, service: Arc<dyn LocalService>) -> Self {
        let mut extensions = (*self.extensions).clone();
        extensions.services.push(service);
        self.extensions = Arc::new(extensions);
        self
    }

    /// Lets public queries call the remote SPARQL endpoints `config` allows with SERVICE. The
    /// platform's own queries and updates never call them.
    pub fn with_federation(mut self, config: &FederationConfig) -> Self {
        let mut extensions = (*self.extensions).clone();
        extensions.federation = (!config.endpoints.is_empty())
            .then(|| Arc::new(federation::Federation::new(config.clone())));
        self.extensions = Arc::new(extensions);
        self
    }

    /// True when no quad has ever been written.
    pub fn is_empty(&self) -> Result<bool, StoreError> {
        Ok(self.db.is_empty()?)
    }

    /// Number of quads in the whole dataset.
    pub fn len(&self) -> Result<usize, StoreError> {
        Ok(self.db.len()?)
    }

    /// Names of all named graphs.
    pub fn graph_names(&self) -> Result<Vec<NamedNode>, StoreError> {
        let mut names = Vec::new();
        for name in self.db.named_graphs() {
            if let NamedOrBlankNode::NamedNode(name) = name? {
                names.push(name);
            }
        }
        Ok(names)
    }

    /// Loads many quads at once into an empty or append-only dataset, atomically.
    ///
    /// Much faster than [`Store::replace_graph`], but it neither removes nor replaces anything.
    pub fn bulk_load(
        &self,
        quads: impl IntoIterator<Item = Quad>,
        on_progress: impl Fn(u64) + Send + Sync + 'static,
    ) -> Result<(), StoreError> {
        let mut loader = self.db.bulk_loader().on_progress(on_progress);
        loader.load_quads(quads)?;
        loader.commit()?;
        Ok(())
    }

    /// Parses an RDF file and bulk-loads its triples into `graph` (quads keep their graph).
    pub fn bulk_load_document(
        &self,
        data: &[u8],
        format: RdfFormat,
        base_iri: &str,
        graph: NamedNodeRef<'_>,
    ) -> Result<usize, StoreError> {
        let parser = RdfParser::from_format(format)
            .with_base_iri(base_iri)
            .map_err(|error| StoreError::Parse {
                message: error.to_string(),
            })?
            .with_default_graph(graph);
        let quads = parser
            .for_slice(data)
            .collect::<Result<Vec<_>, _>>()
            .map_err(|error| StoreError::Parse {
                message: error.to_string(),
            })?;
        let count = quads.len();
        self.bulk_load(quads, |_| ())?;
        Ok(count)
    }

    /// Replaces the whole content of `graph` by `quads` in one transaction: a reader sees either
    /// the old graph or the new one, never a mix, and a crash midway leaves the old one.
    pub fn replace_graph(&self, graph: NamedNodeRef<'_>, quads: &[Quad]) -> Result<(), StoreError> {
        let mut transaction = self.db.start_transaction()?;
        transaction.clear_graph(graph)?;
        for quad in quads {
            transaction.insert(QuadRef::new(
                &quad.subject,
                &quad.predicate,
                &quad.object,
                graph,
            ));
        }
        transaction.commit()?;
        Ok(())
    }

    /// Replaces several graphs and appends quads atomically: a reader sees all the old graphs
    /// or all the new ones, and a crash midway leaves the old ones.
    pub fn replace_graphs(
        &self,
        replacements: &[(NamedNode, Vec<Quad>)],
        append: &[Quad],
    ) -> Result<(), StoreError> {
        let mut first_time = true;
        for (graph, _) in replacements {
            let mut existing = self
                .db
                .quads_for_pattern(None, None, None, Some(graph.into()));
            first_time &= existing.next().is_none();
        }
        if first_time {
            // Empty graphs: the bulk loader writes everything at once, still atomically.
            let quads = replacements
                .iter()
                .flat_map(|(graph, quads)| quads.iter().map(move |quad| in_graph(quad, graph)));
            return self.bulk_load(quads.chain(append.iter().cloned()), |_| ());
        }
        // Otherwise only what changed is written, so a harvest that changes little writes little.
        let mut removed = Vec::new();
        let mut added = Vec::new();
        for (graph, quads) in replacements {
            let new: HashSet<Quad> = quads.iter().map(|quad| in_graph(quad, graph)).collect();
            let old = self.graph_quads(graph.as_ref())?;
            let old_set: HashSet<&Quad> = old.iter().collect();
            added.extend(new.iter().filter(|quad| !old_set.contains(quad)).cloned());
            removed.extend(old.into_iter().filter(|quad| !new.contains(quad)));
        }
        added.extend(append.iter().cloned());
        self.apply_change(&removed, &added)
    }

    /// Adds quads in one transaction.
    pub fn insert_quads(&self, quads: &[Quad]) -> Result<(), StoreError> {
        let mut transaction = self.db.start_transaction()?;
        transaction.extend(quads.iter().map(Quad::as_ref));
        transaction.commit()?;
        Ok(())
    }

    /// Removes the quads of `remove` and adds those of `insert` in one transaction.
    pub fn apply_change(&self, remove: &[Quad], insert: &[Quad]) -> Result<(), StoreError> {
        let mut transaction = self.db.start_transaction()?;
        for quad in remove {
            transaction.remove(quad.as_ref());
        }
        transaction.extend(insert.iter().map(Quad::as_ref));
        transaction.commit()?;
        Ok(())
    }

    /// All quads of one graph.
    pub fn graph_quads(&self, graph: NamedNodeRef<'_>) -> Result<Vec<Quad>, StoreError> {
        let graph = GraphNameRef::NamedNode(graph);
        Ok(self
            .db
            .quads_for_pattern(None, None, None, Some(graph))
            .collect::<Result<_, _>>()?)
    }

    /// Every quad stating `triple`, one per graph that holds it.
    pub fn quads_of_triple(&self, triple: &Triple) -> Result<Vec<Quad>, StoreError> {
        Ok(self
            .db
            .quads_for_pattern(
                Some(triple.subject.as_ref()),
                Some(triple.predicate.as_ref()),
                Some(triple.object.as_ref()),
                None,
            )
            .collect::<Result<_, _>>()?)
    }

    /// Whether any quad has `subject` as subject, in any graph.
    pub fn has_subject(&self, subject: NamedNodeRef<'_>) -> Result<bool, StoreError> {
        Ok(self
            .db
            .quads_for_pattern(Some(subject.into()), None, None, None)
            .next()
            .is_some())
    }

    /// The quads that describe `subject`: its own statements, and those of the nodes it owns
    /// (blank nodes and `subject#fragment` IRIs it points to), in any graph.
    pub fn describe(&self, subject: NamedNodeRef<'_>) -> Result<Vec<Quad>, StoreError> {
        let mut quads = Vec::new();
        let mut pending = vec![NamedOrBlankNode::from(subject.into_owned())];
        let mut seen = std::collections::HashSet::new();
        let owned_prefix = format!("{}#", subject.as_str());
        while let Some(node) = pending.pop() {
            if !seen.insert(node.clone()) {
                continue;
            }
            for quad in self
                .db
                .quads_for_pattern(Some(node.as_ref()), None, None, None)
            {
                let quad = quad?;
                match &quad.object {
                    Term::BlankNode(blank) => pending.push(blank.clone().into()),
                    Term::NamedNode(named) if named.as_str().starts_with(&owned_prefix) => {
                        pending.push(named.clone().into())
                    }
                    _ => (),
                }
                quads.push(quad);
            }
        }
        Ok(quads)
    }

    /// Objects of `(subject, predicate)` in any graph.
    pub fn objects(
        &self,
        subject: NamedNodeRef<'_>,
        predicate: NamedNodeRef<'_>,
    ) -> Result<Vec<Term>, StoreError> {
        self.db
            .quads_for_pattern(Some(subject.into()), Some(predicate), None, None)
            .map(|quad| Ok(quad?.object))
            .collect()
    }

    /// Subjects of `(predicate, object)` in any graph.
    pub fn subjects(
        &self,
        predicate: NamedNodeRef<'_>,
        object: TermRef<'_>,
    ) -> Result<Vec<NamedOrBlankNode>, StoreError> {
        self.db
            .quads_for_pattern(None, Some(predicate), Some(object), None)
            .map(|quad| Ok(quad?.subject))
            .collect()
    }

    /// Parses a SPARQL query with the platform's prefixes and extensions.
    pub fn parse_query(
        &self,
        text: &str,
        base_iri: &str,
        limits: &QueryLimits,
    ) -> Result<ParsedQuery, StoreError> {
        query::parse_within(text, base_iri, limits)
    }

    /// Evaluates a query and serializes its answer, within `limits`. The answer is complete or
    /// an error: it is never cut short.
    pub fn evaluate(
        &self,
        parsed: &ParsedQuery,
        format: OutputFormat,
        limits: &QueryLimits,
    ) -> Result<Vec<u8>, StoreError> {
        query::evaluate_to_bytes(&self.db, &self.extensions, parsed, format, limits)
    }

    /// Parses a SPARQL update with the platform's prefixes, within the limits of queries.
    pub fn parse_update(
        &self,
        text: &str,
        base_iri: &str,
        limits: &QueryLimits,
    ) -> Result<ParsedUpdate, StoreError> {
        update::parse_within(text, base_iri, limits)
    }

    /// Each of `graphs` before and after `update`, evaluated on a transaction that is never
    /// committed: the store is unchanged. The caller checks the result, then writes it with
    /// [`Store::apply_change`].
    pub fn preview_update(
        &self,
        update: &ParsedUpdate,
        graphs: &[NamedNode],
        limits: &QueryLimits,
    ) -> Result<Vec<GraphRevision>, StoreError> {
        update::preview(&self.db, &self.extensions, update, graphs, limits)
    }

    /// The triples of an RDF document (Turtle, N-Triples or JSON-LD) sent to be written, checked
    /// for size and nesting before it is parsed.
    pub fn parse_document(
        data: &[u8],
        format: GraphFormat,
        base_iri: &str,
        limits: &QueryLimits,
    ) -> Result<Vec<Triple>, StoreError> {
        update::parse_document(data, format, base_iri, limits)
    }

    /// Runs one of the platform's own SELECT queries and returns its rows.
    pub fn select(&self, text: &str, bindings: &[(&str, Term)]) -> Result<Solutions, StoreError> {
        query::select(&self.db, &self.extensions, text, bindings)
    }

    /// Runs one of the platform's own CONSTRUCT queries.
    pub fn construct(
        &self,
        text: &str,
        bindings: &[(&str, Term)],
    ) -> Result<Vec<Triple>, StoreError> {
        let prepared = query::prepare_internal(&self.extensions, text, bindings)?;
        match prepared.on_store(&self.db).execute()? {
            QueryResults::Graph(triples) => Ok(triples.collect::<Result<_, _>>()?),
            _ => Err(StoreError::UnexpectedQueryForm),
        }
    }

    /// Writes quads in the given RDF syntax.
    pub fn serialize_triples(
        triples: impl IntoIterator<Item = Triple>,
        format: GraphFormat,
        base_iri: Option<&str>,
    ) -> Result<Vec<u8>, StoreError> {
        let mut serializer = RdfSerializer::from_format(format.rdf_format());
        for (prefix, namespace) in crate::vocab::PREFIXES {
            serializer = serializer
                .with_prefix(*prefix, *namespace)
                .expect("valid prefix");
        }
        if let Some(base_iri) = base_iri {
            serializer = serializer
                .with_base_iri(base_iri)
                .map_err(|error| StoreError::Parse {
                    message: error.to_string(),
                })?;
        }
        let mut writer = serializer.for_writer(Vec::new());
        for triple in triples {
            writer.serialize_triple(&triple)?;
        }
        Ok(writer.finish()?)
    }

    /// Flushes and compacts the on-disk files; used after the bootstrap.
    pub fn optimize(&self) -> Result<(), StoreError> {
        #[cfg(feature = "disk")]
        {
            self.db.flush()?;
            self.db.optimize()?;
        }
        Ok(())
    }
}

/// The quad moved into `graph`.
fn in_graph(quad: &Quad, graph: &NamedNode) -> Quad {
    Quad::new(
        quad.subject.clone(),
        quad.predicate.clone(),
        quad.object.clone(),
        graph.clone(),
    )
}

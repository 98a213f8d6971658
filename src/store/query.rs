//! SPARQL queries on the store: parsing within limits, evaluation under a deadline, output.

use std::sync::Arc;
use std::time::Duration;

use oxigraph::io::{JsonLdProfileSet, RdfFormat, RdfSerializer};
use oxigraph::model::Term;
use oxigraph::sparql::results::{QueryResultsFormat, QueryResultsSerializer};
use oxigraph::sparql::{
    CancellationToken, PreparedSparqlQuery, QueryEvaluationError, QueryResults, QuerySolutionIter,
    SparqlEvaluator,
};
use spargebra::algebra::GraphPattern;

use super::StoreError;
use super::deadline;
use super::federation::{Federation, RemoteCalls};
use crate::limits::LimitExceeded;

/// The four SPARQL query forms, which decide the kinds of output a query can have.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QueryForm {
    /// Rows of variable bindings.
    Select,
    /// A yes or no answer.
    Ask,
    /// A graph built from a template.
    Construct,
    /// A graph describing resources.
    Describe,
}

impl QueryForm {
    /// Whether the answer is an RDF graph rather than a results table.
    pub fn returns_graph(self) -> bool {
        matches!(self, Self::Construct | Self::Describe)
    }
}

/// Syntaxes of SPARQL results (SELECT and ASK).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResultsFormat {
    /// `application/sparql-results+json`
    Json,
    /// `application/sparql-results+xml`
    Xml,
    /// `text/csv`
    Csv,
    /// `text/tab-separated-values`
    Tsv,
}

impl ResultsFormat {
    fn oxigraph_format(self) -> QueryResultsFormat {
        match self {
            Self::Json => QueryResultsFormat::Json,
            Self::Xml => QueryResultsFormat::Xml,
            Self::Csv => QueryResultsFormat::Csv,
            Self::Tsv => QueryResultsFormat::Tsv,
        }
    }
}

/// Syntaxes of RDF graphs (CONSTRUCT, DESCRIBE and resource documents).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GraphFormat {
    /// `text/turtle`
    Turtle,
    /// `application/n-triples`
    NTriples,
    /// `application/ld+json`
    JsonLd,
    /// `application/rdf+xml`
    RdfXml,
}

impl GraphFormat {
    pub(super) fn rdf_format(self) -> RdfFormat {
        match self {
            Self::Turtle => RdfFormat::Turtle,
            Self::NTriples => RdfFormat::NTriples,
            Self::JsonLd => RdfFormat::JsonLd {
                profile: JsonLdProfileSet::empty(),
            },
            Self::RdfXml => RdfFormat::RdfXml,
        }
    }
}

/// The syntax chosen for a query's answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OutputFormat {
    /// For SELECT and ASK.
    Results(ResultsFormat),
    /// For CONSTRUCT and DESCRIBE.
    Graph(GraphFormat),
}

/// Bounds on one query: how long it may run and how much it may return.
#[derive(Debug, Clone)]
pub struct QueryLimits {
    /// Wall-clock time after which evaluation is cancelled.
    pub timeout: Duration,
    /// Most rows (or triples) an answer may hold.
    pub max_results: usize,
    /// Most bytes a serialized answer may hold.
    pub max_output_bytes: usize,
    /// Longest query text accepted, in bytes.
    pub max_query_bytes: usize,
    /// Deepest nesting of brackets, braces and parentheses accepted.
    pub max_nesting: usize,
    /// Longest string a query may build, in bytes.
    pub max_string_bytes: u64,
    /// Resident memory of the whole process past which running queries are stopped, in bytes
    /// (0: no bound).
    pub max_process_bytes: u64,
}

impl Default for QueryLimits {
    fn default() -> Self {
        Self {
            timeout: Duration::from_secs(10),
            max_results: 200_000,
            max_output_bytes: 64 * 1024 * 1024,
            max_query_bytes: 64 * 1024,
            max_nesting: 64,
            max_string_bytes: 64 * 1024 * 1024,
            max_process_bytes: 6 * 1024 * 1024 * 1024,
        }
    }
}

/// A query that passed the syntax check, ready to be evaluated.
#[derive(Clone)]
pub struct ParsedQuery {
    query: spargebra::Query,
    form: QueryForm,
    protocol_dataset: Option<(
        Vec<oxigraph::model::NamedNode>,
        Vec<oxigraph::model::NamedNode>,
    )>,
}

impl ParsedQuery {
    /// The form of the query.
    pub fn form(&self) -> QueryForm {
        self.form
    }

    /// Replaces the query's dataset by the protocol's `default-graph-uri` and `named-graph-uri`
    /// parameters when either is given, as the SPARQL protocol requires: the protocol's dataset
    /// then wins over FROM and FROM NAMED.
    pub fn with_dataset(
        mut self,
        default_graphs: &[String],
        named_graphs: &[String],
    ) -> Result<Self, StoreError> {
        if default_graphs.is_empty() && named_graphs.is_empty() {
            return Ok(self);
        }
        let parse = |iri: &String| {
            oxigraph::model::NamedNode::new(iri.clone()).map_err(|error| StoreError::Syntax {
                message: format!("<{iri}>: {error}"),
            })
        };
        let default_graphs = default_graphs
            .iter()
            .map(parse)
            .collect::<Result<Vec<_>, _>>()?;
        let named_graphs = named_graphs
            .iter()
            .map(parse)
            .collect::<Result<Vec<_>, _>>()?;
        self.protocol_dataset = Some((default_graphs, named_graphs));
        Ok(self)
    }

    /// Whether the query text itself names its dataset (FROM or FROM NAMED).
    pub fn has_dataset(&self) -> bool {
        self.query.dataset().is_some()
    }
}

/// Rows returned by one of the platform's own SELECT queries.
#[derive(Debug, Default)]
pub struct Solutions {
    /// Names of the projected variables, in order.
    pub variables: Vec<String>,
    /// One entry per row, one cell per variable.
    pub rows: Vec<Vec<Option<Term>>>,
}

impl Solutions {
    /// The value of `variable` in row `row_idx`.
    pub fn get(&self, row_idx: usize, variable: &str) -> Option<&Term> {
        let column = self.variables.iter().position(|name| name == variable)?;
        self.rows.get(row_idx)?.get(column)?.as_ref()
    }

    /// Iterates over rows as lookups by variable name.
    pub fn iter(&self) -> impl Iterator<Item = Row<'_>> {
        (0..self.rows.len()).map(move |row_idx| Row {
            solutions: self,
            row_idx,
        })
    }

    /// Number of rows.
    pub fn len(&self) -> usize {
        self.rows.len()
    }

    /// Whether there are no rows.
    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }
}

/// One row of [`Solutions`].
#[derive(Clone, Copy)]
pub struct Row<'a> {
    solutions: &'a Solutions,
    row_idx: usize,
}

impl<'a> Row<'a> {
    /// The term bound to `variable`, if any.
    pub fn term(&self, variable: &str) -> Option<&'a Term> {
        self.solutions.get(self.row_idx, variable)
    }

    /// The lexical value of the term bound to `variable` (IRI, literal value or blank node id).
    pub fn text(&self, variable: &str) -> Option<&'a str> {
        Some(match self.term(variable)? {
            Term::NamedNode(node) => node.as_str(),
            Term::BlankNode(node) => node.as_str(),
            Term::Literal(literal) => literal.value(),
            #[allow(unreachable_patterns)]
            _ => return None,
        })
    }

    /// The integer value of the term bound to `variable`.
    pub fn integer(&self, variable: &str) -> Option<i64> {
        self.text(variable)?.parse().ok()
    }
}

/// A SERVICE answered inside the process instead of over HTTP.
pub trait LocalService: Send + Sync {
    /// The IRI of the service, as written after `SERVICE` in queries.
    fn iri(&self) -> &str;

    /// Evaluates the pattern inside `SERVICE <iri> { ... }`.
    fn evaluate(
        &self,
        pattern: &GraphPattern,
    ) -> Result<QuerySolutionIter<'static>, Box<dyn std::error::Error + Send + Sync>>;
}

/// Functions and services added to every evaluator.
#[derive(Clone, Default)]
pub(super) struct Extensions {
    pub(super) services: Vec<Arc<dyn LocalService>>,
    /// The remote endpoints public queries may call; `None` when the operator allows none.
    pub(super) federation: Option<Arc<Federation>>,
}

impl Extensions {
    /// An evaluator that refuses every SERVICE but the local ones: the platform's own queries
    /// and updates never call another host.
    pub(super) fn evaluator(&self) -> SparqlEvaluator {
        self.evaluator_with(RefuseRemoteServices)
    }

    /// An evaluator whose SERVICE calls to other IRIs than the local ones go to `remote`.
    pub(super) fn evaluator_with(
        &self,
        remote: impl oxigraph::sparql::DefaultServiceHandler + 'static,
    ) -> SparqlEvaluator {
        let mut evaluator = SparqlEvaluator::new();
        for (prefix, namespace) in crate::vocab::PREFIXES {
            evaluator = evaluator
                .with_prefix(*prefix, *namespace)
                .expect("valid prefix");
        }
        for (name, function) in spargeo::GEOSPARQL_EXTENSION_FUNCTIONS {
            evaluator = evaluator.with_custom_function(name.into_owned(), function);
        }
        for service in &self.services {
            let name = oxigraph::model::NamedNode::new_unchecked(service.iri());
            evaluator = evaluator.with_service_handler(name, ServiceAdapter(Arc::clone(service)));
        }
        evaluator.with_default_service_handler(remote)
    }
}

struct ServiceAdapter(Arc<dyn LocalService>);

impl oxigraph::sparql::ServiceHandler for ServiceAdapter {
    type Error = ServiceError;

    fn handle(
        &self,
        pattern: &GraphPattern,
        _base_iri: Option<&oxiri::Iri<String>>,
    ) -> Result<QuerySolutionIter<'static>, ServiceError> {
        self.0.evaluate(pattern).map_err(|error| {
            ServiceError(StoreError::Service {
                message: error.to_string(),
            })
        })
    }
}

/// Refuses every remote SERVICE call.
struct RefuseRemoteServices;

impl oxigraph::sparql::DefaultServiceHandler for RefuseRemoteServices {
    type Error = ServiceError;

    fn handle(
        &self,
        service_name: &oxigraph::model::NamedNode,
        _pattern: &GraphPattern,
        _base_iri: Option<&oxiri::Iri<String>>,
    ) -> Result<QuerySolutionIter<'static>, ServiceError> {
        Err(ServiceError(StoreError::ServiceRefused {
            service: service_name.as_str().to_owned(),
        }))
    }
}

/// Why a SERVICE call failed, carried through the evaluator back to [`evaluation_error`].
#[derive(Debug, thiserror::Error)]
#[error(transparent)]
pub(super) struct ServiceError(pub(super) StoreError);

/// A parser with the platform's prefixes, for `text` once its size and nesting are within the
/// limits: no input reaches the recursive parser unchecked.
pub(super) fn checked_parser(
    text: &str,
    base_iri: &str,
    limits: &QueryLimits,
) -> Result<spargebra::SparqlParser, StoreError> {
    crate::limits::check_text(text, limits.max_query_bytes, limits.max_nesting)
        .map_err(|limit| StoreError::LimitExceeded { limit })?;
    let mut parser = spargebra::SparqlParser::new()
        .with_base_iri(base_iri)
        .map_err(|error| StoreError::Syntax {
            message: error.to_string(),
        })?;
    for (prefix, namespace) in crate::vocab::PREFIXES {
        parser = parser
            .with_prefix(*prefix, *namespace)
            .expect("valid prefix");
    }
    Ok(parser)
}

/// Parses a query after checking its size and nesting, so that no input can exhaust the
/// recursive parser, then bounds the strings it can build.
pub(super) fn parse_within(
    text: &str,
    base_iri: &str,
    limits: &QueryLimits,
) -> Result<ParsedQuery, StoreError> {
    let query = checked_parser(text, base_iri, limits)?
        .parse_query(text)
        .map_err(|error| StoreError::Syntax {
            message: error.to_string(),
        })?;
    super::guard::check_scan_products(&query).map_err(|message| StoreError::Syntax {
        message: format!("refused: {message}"),
    })?;
    super::guard::check_string_growth(&query, limits.max_string_bytes).map_err(|bound| {
        StoreError::LimitExceeded {
            limit: LimitExceeded::StringGrowth {
                bound,
                limit: limits.max_string_bytes,
            },
        }
    })?;
    let form = match &query {
        spargebra::Query::Select { .. } => QueryForm::Select,
        spargebra::Query::Ask { .. } => QueryForm::Ask,
        spargebra::Query::Construct { .. } => QueryForm::Construct,
        spargebra::Query::Describe { .. } => QueryForm::Describe,
    };
    Ok(ParsedQuery {
        query,
        form,
        protocol_dataset: None,
    })
}

/// Evaluates `parsed` on the union of all named graphs (unless the query or the request names
/// its own dataset) and serializes the whole answer before returning it.
pub(super) fn evaluate_to_bytes(
    db: &oxigraph::store::Store,
    extensions: &Extensions,
    parsed: &ParsedQuery,
    format: OutputFormat,
    limits: &QueryLimits,
) -> Result<Vec<u8>, StoreError> {
    let token = CancellationToken::new();
    let deadline_guard = deadline::cancel_after(limits.timeout, token.clone());
    let remote_calls = extensions.federation.as_ref().map(|federation| {
        RemoteCalls::new(
            Arc::clone(federation),
            deadline_guard.deadline(),
            limits,
            token.clone(),
        )
    });

    let evaluator = match &remote_calls {
        Some(remote_calls) => extensions.evaluator_with(remote_calls.clone()),
        None => extensions.evaluator(),
    };
    let mut prepared = evaluator
        .with_cancellation_token(token)
        .for_query(parsed.query.clone());
    if let Some((default_graphs, named_graphs)) = &parsed.protocol_dataset {
        let dataset = prepared.dataset_mut();
        dataset.set_default_graph(default_graphs.iter().cloned().map(Into::into).collect());
        dataset.set_available_named_graphs(named_graphs.iter().cloned().map(Into::into).collect());
    } else if prepared.dataset().is_default_dataset() {
        prepared.dataset_mut().set_default_graph_as_union();
    }
    let memory_error = |error: StoreError| match error {
        StoreError::Timeout { .. } if deadline_guard.hit_memory_limit() => StoreError::OutOfMemory,
        other => other,
    };
    let results = prepared
        .on_store(db)
        .execute()
        .map_err(|error| memory_error(evaluation_error(error, limits)))?;
    let output = CappedWriter::new(limits.max_output_bytes);
    let written = match (results, format) {
        (QueryResults::Solutions(solutions), OutputFormat::Results(format)) => {
            write_solutions(solutions, format, output, limits)
        }
        (QueryResults::Boolean(value), OutputFormat::Results(format)) => {
            QueryResultsSerializer::from_format(format.oxigraph_format())
                .serialize_boolean_to_writer(output, value)
                .map_err(|error| output_error(error, limits))
        }
        (QueryResults::Graph(triples), OutputFormat::Graph(format)) => {
            write_triples(triples, format, output, limits)
        }
        _ => return Err(StoreError::UnexpectedQueryForm),
    }
    .map_err(memory_error)?;
    // A remote call cut by the deadline inside SERVICE SILENT leaves no error behind, yet the
    // query ran out of time: its answer would be missing what the remote had not sent.
    if remote_calls.is_some_and(|remote_calls| remote_calls.hit_deadline()) {
        return Err(memory_error(StoreError::Timeout {
            limit: limits.timeout,
        }));
    }
    let bytes = written.into_inner();
    let is_xml = matches!(
        format,
        OutputFormat::Results(ResultsFormat::Xml) | OutputFormat::Graph(GraphFormat::RdfXml)
    );
    if is_xml && let Some(character) = first_character_outside_xml(&bytes) {
        return Err(StoreError::NotRepresentable {
            character,
            format: "XML",
        });
    }
    Ok(bytes)
}

/// The first character that XML 1.0 cannot carry, not even escaped (U+0000, most C0 controls,
/// U+FFFE, U+FFFF): an XML answer holding one would not parse.
fn first_character_outside_xml(bytes: &[u8]) -> Option<char> {
    let text = String::from_utf8_lossy(bytes);
    text.chars().find(|character| {
        let code = u32::from(*character);
        (code < 0x20 && !matches!(code, 0x09 | 0x0A | 0x0D)) || matches!(code, 0xFFFE | 0xFFFF)
    })
}

fn write_solutions(
    solutions: QuerySolutionIter<'_>,
    format: ResultsFormat,
    output: CappedWriter,
    limits: &QueryLimits,
) -> Result<CappedWriter, StoreError> {
    let variables = solutions.variables().to_vec();
    let mut serializer = QueryResultsSerializer::from_format(format.oxigraph_format())
        .serialize_solutions_to_writer(output, variables)
        .map_err(|error| output_error(error, limits))?;
    for (row_idx, solution) in solutions.enumerate() {
        if row_idx >= limits.max_results {
            return Err(StoreError::TooManyResults {
                limit: limits.max_results,
            });
        }
        let solution = solution.map_err(|error| evaluation_error(error, limits))?;
        serializer
            .serialize(&solution)
            .map_err(|error| output_error(error, limits))?;
    }
    serializer
        .finish()
        .map_err(|error| output_error(error, limits))
}

fn write_triples(
    triples: oxigraph::sparql::QueryTripleIter<'_>,
    format: GraphFormat,
    output: CappedWriter,
    limits: &QueryLimits,
) -> Result<CappedWriter, StoreError> {
    let mut serializer = RdfSerializer::from_format(format.rdf_format());
    for (prefix, namespace) in crate::vocab::PREFIXES {
        serializer = serializer
            .with_prefix(*prefix, *namespace)
            .expect("valid prefix");
    }
    let mut writer = serializer.for_writer(output);
    for (triple_idx, triple) in triples.enumerate() {
        if triple_idx >= limits.max_results {
            return Err(StoreError::TooManyResults {
                limit: limits.max_results,
            });
        }
        let triple = triple.map_err(|error| evaluation_error(error, limits))?;
        writer
            .serialize_triple(&triple)
            .map_err(|error| output_error(error, limits))?;
    }
    writer.finish().map_err(|error| output_error(error, limits))
}

/// Runs an internal SELECT query and collects its rows.
pub(super) fn select(
    db: &oxigraph::store::Store,
    extensions: &Extensions,
    text: &str,
    bindings: &[(&str, Term)],
) -> Result<Solutions, StoreError> {
    let prepared = prepare_internal(extensions, text, bindings)?;
    let QueryResults::Solutions(solutions) = prepared.on_store(db).execute()? else {
        return Err(StoreError::UnexpectedQueryForm);
    };
    let variables = solutions
        .variables()
        .iter()
        .map(|v| v.as_str().to_owned())
        .collect();
    let mut rows = Vec::new();
    for solution in solutions {
        let solution = solution?;
        rows.push(solution.values().to_vec());
    }
    Ok(Solutions { variables, rows })
}

/// Prepares an internal query on the union of all named graphs, with variables pre-bound.
pub(super) fn prepare_internal(
    extensions: &Extensions,
    text: &str,
    bindings: &[(&str, Term)],
) -> Result<PreparedSparqlQuery, StoreError> {
    let text = bindings
        .iter()
        .fold(text.to_owned(), |text, (name, value)| {
            bind_in_text(&text, name, value)
        });
    let mut prepared =
        extensions
            .evaluator()
            .parse_query(&text)
            .map_err(|error| StoreError::Syntax {
                message: error.to_string(),
            })?;
    prepared.dataset_mut().set_default_graph_as_union();
    Ok(prepared)
}

/// Replaces the variable `?name` (or `$name`) of a query by a constant term.
///
/// Oxigraph only substitutes projected variables, while the platform's queries bind inputs
/// that they do not return; terms are written in their SPARQL syntax, so no text can escape.
fn bind_in_text(text: &str, name: &str, value: &Term) -> String {
    let constant = value.to_string();
    let mut output = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(position) = rest.find(['?', '$']) {
        output.push_str(&rest[..position]);
        let after = &rest[position + 1..];
        let is_variable = after.starts_with(name)
            && !after[name.len()..].starts_with(|c: char| c.is_alphanumeric() || c == '_');
        if is_variable {
            output.push_str(&constant);
            rest = &after[name.len()..];
        } else {
            output.push_str(&rest[position..position + 1]);
            rest = after;
        }
    }
    output.push_str(rest);
    output
}

fn evaluation_error(error: QueryEvaluationError, limits: &QueryLimits) -> StoreError {
    match error {
        QueryEvaluationError::Cancelled => StoreError::Timeout {
            limit: limits.timeout,
        },
        QueryEvaluationError::Service(inner) => match inner.downcast::<ServiceError>() {
            Ok(service) => service.0,
            Err(inner) => StoreError::Service {
                message: inner.to_string(),
            },
        },
        other => StoreError::from(other),
    }
}

fn output_error(error: std::io::Error, limits: &QueryLimits) -> StoreError {
    if error.kind() == std::io::ErrorKind::FileTooLarge {
        return StoreError::OutputTooLarge {
            limit: limits.max_output_bytes,
        };
    }
    if let Some(inner) = error.get_ref()
        && let Some(evaluation) = inner.downcast_ref::<QueryEvaluationError>()
        && matches!(evaluation, QueryEvaluationError::Cancelled)
    {
        return StoreError::Timeout {
            limit: limits.timeout,
        };
    }
    StoreError::Output {
        message: error.to_string(),
    }
}

/// An in-memory writer that refuses to grow past a size.
struct CappedWriter {
    buffer: Vec<u8>,
    limit: usize,
}

impl CappedWriter {
    fn new(limit: usize) -> Self {
        Self {
            buffer: Vec::new(),
            limit,
        }
    }

    fn into_inner(self) -> Vec<u8> {
        self.buffer
    }
}

impl std::io::Write for CappedWriter {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        if self.buffer.len() + bytes.len() > self.limit {
            return Err(std::io::Error::new(
                std::io::ErrorKind::FileTooLarge,
                "answer too large",
            ));
        }
        self.buffer.extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use oxigraph::model::NamedNode;

    #[test]
    fn binding_replaces_whole_variable_names_only() {
        let value = Term::from(NamedNode::new_unchecked("http://e/g"));
        let text = "SELECT ?x WHERE { GRAPH ?graph { ?x ?p ?graphs } FILTER(?graph != $graph) }";
        assert_eq!(
            bind_in_text(text, "graph", &value),
            "SELECT ?x WHERE { GRAPH <http://e/g> { ?x ?p ?graphs } FILTER(<http://e/g> != <http://e/g>) }"
        );
    }
}

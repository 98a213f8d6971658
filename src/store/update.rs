//! SPARQL updates and Graph Store documents sent by partners: parsed within limits, their
//! target graphs read from the text, and evaluated on a transaction that is never committed, so
//! that the caller sees the graphs as the write would leave them before anything is written.

use oxigraph::io::{RdfFormat, RdfParser};
use oxigraph::model::{GraphNameRef, NamedNode, Triple};
use oxigraph::sparql::{CancellationToken, QueryEvaluationError, UpdateEvaluationError};
use spargebra::GraphUpdateOperation;
use spargebra::algebra::GraphTarget;
use spargebra::term::{GraphName, GraphNamePattern};

use super::query::{Extensions, QueryLimits};
use super::{StoreError, deadline};
use crate::limits::LimitExceeded;

/// An update that passed the syntax check and the limits, ready to be previewed.
#[derive(Clone)]
pub struct ParsedUpdate {
    update: spargebra::Update,
}

/// A graph, or a set of graphs, that an update writes to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WriteTarget {
    /// One named graph.
    Graph(NamedNode),
    /// The unnamed default graph.
    DefaultGraph,
    /// Every named graph (`CLEAR NAMED`, `DROP NAMED`).
    NamedGraphs,
    /// Every graph (`CLEAR ALL`, `DROP ALL`).
    AllGraphs,
    /// A graph chosen by a variable while the update runs (`INSERT { GRAPH ?g { … } }`).
    GraphVariable(String),
    /// A document fetched from elsewhere (`LOAD <source>`).
    Load(NamedNode),
}

/// A graph before and after a write.
#[derive(Debug, Clone)]
pub struct GraphRevision {
    /// The graph.
    pub graph: NamedNode,
    /// Its triples before the write.
    pub before: Vec<Triple>,
    /// Its triples as the write would leave them.
    pub after: Vec<Triple>,
}

impl ParsedUpdate {
    /// Every graph the update writes to, in the order of its operations, without repeats.
    /// `WITH` is already applied to the templates it names.
    pub fn write_targets(&self) -> Vec<WriteTarget> {
        let mut targets = Vec::new();
        for operation in &self.update.operations {
            match operation {
                GraphUpdateOperation::InsertData { data } => {
                    targets.extend(data.iter().map(|quad| graph_target(&quad.graph_name)));
                }
                GraphUpdateOperation::DeleteData { data } => {
                    targets.extend(data.iter().map(|quad| graph_target(&quad.graph_name)));
                }
                GraphUpdateOperation::DeleteInsert { delete, insert, .. } => {
                    let names = delete
                        .iter()
                        .map(|quad| &quad.graph_name)
                        .chain(insert.iter().map(|quad| &quad.graph_name));
                    targets.extend(names.map(pattern_target));
                }
                GraphUpdateOperation::Load { source, .. } => {
                    targets.push(WriteTarget::Load(source.clone()));
                }
                GraphUpdateOperation::Clear { graph, .. }
                | GraphUpdateOperation::Drop { graph, .. } => targets.push(match graph {
                    GraphTarget::NamedNode(graph) => WriteTarget::Graph(graph.clone()),
                    GraphTarget::DefaultGraph => WriteTarget::DefaultGraph,
                    GraphTarget::NamedGraphs => WriteTarget::NamedGraphs,
                    GraphTarget::AllGraphs => WriteTarget::AllGraphs,
                }),
                GraphUpdateOperation::Create { graph, .. } => {
                    targets.push(WriteTarget::Graph(graph.clone()));
                }
            }
        }
        let mut unique = Vec::new();
        for target in targets {
            if !unique.contains(&target) {
                unique.push(target);
            }
        }
        unique
    }
}

/// Parses an update after checking its size and nesting, then bounds the work of its `WHERE`
/// patterns as for queries.
pub(super) fn parse_within(
    text: &str,
    base_iri: &str,
    limits: &QueryLimits,
) -> Result<ParsedUpdate, StoreError> {
    let update = super::query::checked_parser(text, base_iri, limits)?
        .parse_update(text)
        .map_err(|error| StoreError::Syntax {
            message: error.to_string(),
        })?;
    for operation in &update.operations {
        if let GraphUpdateOperation::DeleteInsert { pattern, .. } = operation {
            super::guard::check_pattern_scan_products(pattern).map_err(|message| {
                StoreError::Syntax {
                    message: format!("refused: {message}"),
                }
            })?;
            super::guard::check_pattern_string_growth(pattern, limits.max_string_bytes).map_err(
                |bound| StoreError::LimitExceeded {
                    limit: LimitExceeded::StringGrowth {
                        bound,
                        limit: limits.max_string_bytes,
                    },
                },
            )?;
        }
    }
    Ok(ParsedUpdate { update })
}

/// Runs `update` on a transaction that is dropped without being committed, and returns each of
/// `graphs` before and after. `WHERE` patterns without `USING` read the union of the named
/// graphs, as public queries do. The store is left as it was.
pub(super) fn preview(
    db: &oxigraph::store::Store,
    extensions: &Extensions,
    update: &ParsedUpdate,
    graphs: &[NamedNode],
    limits: &QueryLimits,
) -> Result<Vec<GraphRevision>, StoreError> {
    let token = CancellationToken::new();
    let _deadline = deadline::cancel_after(limits.timeout, token.clone());
    let mut prepared = extensions
        .evaluator()
        .with_cancellation_token(token)
        .for_update(update.update.clone());
    for dataset in prepared.using_datasets_mut() {
        if dataset.is_default_dataset() {
            dataset.set_default_graph_as_union();
        }
    }

    let mut transaction = db.start_transaction()?;
    let mut revisions = Vec::new();
    for graph in graphs {
        revisions.push(GraphRevision {
            graph: graph.clone(),
            before: transaction_triples(&transaction, graph)?,
            after: Vec::new(),
        });
    }
    prepared
        .on_transaction(&mut transaction)
        .execute()
        .map_err(|error| update_error(error, limits))?;
    for revision in &mut revisions {
        revision.after = transaction_triples(&transaction, &revision.graph)?;
        let changed = revision.after.len().max(revision.before.len());
        if changed > limits.max_results {
            return Err(StoreError::TooManyResults {
                limit: limits.max_results,
            });
        }
    }
    // The transaction is dropped here, uncommitted: nothing reaches the store.
    Ok(revisions)
}

/// Parses an RDF document sent to the Graph Store (Turtle, N-Triples or JSON-LD) after checking
/// its size and nesting; relative IRIs resolve against `base_iri`. Quads lose their graph.
pub(super) fn parse_document(
    data: &[u8],
    format: super::GraphFormat,
    base_iri: &str,
    limits: &QueryLimits,
) -> Result<Vec<Triple>, StoreError> {
    let text = std::str::from_utf8(data).map_err(|error| StoreError::Parse {
        message: format!("the document is not valid UTF-8: {error}"),
    })?;
    crate::limits::check_text(text, limits.max_output_bytes, limits.max_nesting)
        .map_err(|limit| StoreError::LimitExceeded { limit })?;
    let format = format.rdf_format();
    if matches!(format, RdfFormat::RdfXml) {
        return Err(StoreError::Parse {
            message: "RDF/XML is not accepted here: send Turtle, N-Triples or JSON-LD".into(),
        });
    }
    let parser = RdfParser::from_format(format)
        .with_base_iri(base_iri)
        .map_err(|error| StoreError::Parse {
            message: error.to_string(),
        })?;
    parser
        .for_slice(data)
        .map(|quad| {
            quad.map(Triple::from).map_err(|error| StoreError::Parse {
                message: format!("the document is not valid RDF: {error}"),
            })
        })
        .collect()
}

fn transaction_triples(
    transaction: &oxigraph::store::Transaction<'_>,
    graph: &NamedNode,
) -> Result<Vec<Triple>, StoreError> {
    transaction
        .quads_for_pattern(
            None,
            None,
            None,
            Some(GraphNameRef::NamedNode(graph.as_ref())),
        )
        .map(|quad| Ok(Triple::from(quad?)))
        .collect::<Result<Vec<_>, StoreError>>()
}

fn graph_target(name: &GraphName) -> WriteTarget {
    match name {
        GraphName::NamedNode(graph) => WriteTarget::Graph(graph.clone()),
        GraphName::DefaultGraph => WriteTarget::DefaultGraph,
    }
}

fn pattern_target(name: &GraphNamePattern) -> WriteTarget {
    match name {
        GraphNamePattern::NamedNode(graph) => WriteTarget::Graph(graph.clone()),
        GraphNamePattern::DefaultGraph => WriteTarget::DefaultGraph,
        GraphNamePattern::Variable(variable) => WriteTarget::GraphVariable(variable.to_string()),
    }
}

/// A failed update as a store error: a cancelled `WHERE` is a timeout, a storage failure stays
/// one, anything else is the update's fault.
fn update_error(error: UpdateEvaluationError, limits: &QueryLimits) -> StoreError {
    if let UpdateEvaluationError::Storage(storage) = error {
        return StoreError::Storage(storage);
    }
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(&error);
    while let Some(current) = source {
        if let Some(QueryEvaluationError::Cancelled) = current.downcast_ref() {
            return StoreError::Timeout {
                limit: limits.timeout,
            };
        }
        source = current.source();
    }
    StoreError::Update {
        message: error.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn targets(text: &str) -> Vec<WriteTarget> {
        parse_within(text, "http://e.test/", &QueryLimits::default())
            .unwrap()
            .write_targets()
    }

    fn graph(iri: &str) -> WriteTarget {
        WriteTarget::Graph(NamedNode::new_unchecked(iri))
    }

    #[test]
    fn every_graph_an_update_writes_is_read_from_its_text() {
        assert_eq!(
            targets("WITH <http://e.test/g> DELETE { ?s ?p ?o } WHERE { ?s ?p ?o }"),
            vec![graph("http://e.test/g")]
        );
        assert_eq!(
            targets("COPY <http://e.test/a> TO <http://e.test/b>"),
            vec![graph("http://e.test/b")]
        );
        assert_eq!(
            targets("ADD <a> TO DEFAULT"),
            vec![WriteTarget::DefaultGraph]
        );
        assert_eq!(
            targets("INSERT DATA { GRAPH <g> { <s> <p> <o> } } ; DROP ALL"),
            vec![graph("http://e.test/g"), WriteTarget::AllGraphs]
        );
        assert_eq!(
            targets("INSERT { GRAPH ?g { <s> <p> <o> } } WHERE { GRAPH ?g { } }"),
            vec![WriteTarget::GraphVariable("?g".into())]
        );
        assert_eq!(
            targets("LOAD <file:///etc/passwd> INTO GRAPH <g>"),
            vec![WriteTarget::Load(NamedNode::new_unchecked(
                "file:///etc/passwd"
            ))]
        );
    }

    #[test]
    fn a_preview_leaves_the_store_unchanged() {
        let db = oxigraph::store::Store::new().unwrap();
        let update = parse_within(
            "INSERT DATA { GRAPH <g> { <s> <p> \"nouveau\" } }",
            "http://e.test/",
            &QueryLimits::default(),
        )
        .unwrap();
        let graphs = [NamedNode::new_unchecked("http://e.test/g")];
        let revisions = preview(
            &db,
            &Extensions::default(),
            &update,
            &graphs,
            &QueryLimits::default(),
        )
        .unwrap();
        assert!(revisions[0].before.is_empty());
        assert_eq!(revisions[0].after.len(), 1);
        assert!(db.is_empty().unwrap(), "nothing was committed");
    }
}

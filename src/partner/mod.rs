//! Partners: accounts allowed to write their own named graphs (`graphe/partenaire/{id}`)
//! through SPARQL Update and the Graph Store, authenticated by an API token. A write is first
//! evaluated on a copy the store never commits, checked against the partner's graphs and the
//! shapes, then published as one revision.

use std::collections::BTreeSet;
use std::sync::Mutex;

use oxigraph::model::vocab::rdf;
use oxigraph::model::{GraphName, NamedNode, NamedOrBlankNode, Quad, Term, Triple};

use crate::account::{Account, AccountError};
use crate::history::{AgentRef, GraphChangeRequest, HistoryError, TripleDiff};
use crate::iri::{GraphKind, IriMinter};
use crate::opendata::DumpScope;
use crate::platform::{Platform, PlatformError};
use crate::shapes::engine::{Severity, ValidationReport};
use crate::store::{GraphRevision, ParsedUpdate, StoreError, WriteTarget};
use crate::vocab::anc;

/// Partner writes run one at a time, so that no write lands between the preview of another and
/// its publication.
static WRITING: Mutex<()> = Mutex::new(());

/// What can go wrong with a partner's write.
#[derive(Debug, thiserror::Error)]
pub enum PartnerError {
    /// The private store could not be read.
    #[error(transparent)]
    Account(#[from] AccountError),
    /// The public store failed, or the update or document is invalid.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The revision could not be published.
    #[error(transparent)]
    History(#[from] HistoryError),
    /// The shapes could not be loaded.
    #[error(transparent)]
    Platform(#[from] Box<PlatformError>),
    /// The token's account may write no graph.
    #[error(
        "this API token belongs to an account that is not a partner: ask the operator to run \
         `ancrage admin create-partner` for it"
    )]
    NotAPartner,
    /// The write touches a graph that is not the partner's.
    #[error(
        "the write touches {graph}, which this partner may not write: write only to {}",
        .allowed.join(" or ")
    )]
    ForbiddenGraph {
        /// The graph, as `<IRI>` or in words (the default graph, every graph).
        graph: String,
        /// The partner's graphs, as `<IRI>`.
        allowed: Vec<String>,
    },
    /// The write does what no partner may do.
    #[error("{0}")]
    ForbiddenOperation(String),
    /// The graphs as the write would leave them break rules of the shapes; nothing was written.
    #[error(
        "the data would break the shapes ({violations} violations): nothing was written; fix the \
         data as the report says"
    )]
    Invalid {
        /// Number of violations.
        violations: usize,
        /// The whole report.
        report: ValidationReport,
    },
    /// The graph to delete holds nothing.
    #[error("the graph <{0}> holds nothing: there is nothing to delete")]
    EmptyGraph(String),
}

/// An account allowed to write some graphs.
#[derive(Debug, Clone)]
pub struct Partner {
    /// The account.
    pub account: Account,
    /// The graphs it may write.
    pub graphs: Vec<NamedNode>,
}

/// A write sent by a partner.
#[derive(Clone)]
pub enum PartnerWrite {
    /// A SPARQL update.
    Update(ParsedUpdate),
    /// Graph Store `PUT`: the graph's content replaced by these triples.
    Replace {
        /// The graph.
        graph: NamedNode,
        /// Its new content.
        triples: Vec<Triple>,
    },
    /// Graph Store `POST`: these triples merged into the graph.
    Merge {
        /// The graph.
        graph: NamedNode,
        /// The triples to add.
        triples: Vec<Triple>,
    },
    /// Graph Store `DELETE`: the graph emptied.
    Delete {
        /// The graph.
        graph: NamedNode,
    },
}

/// What a write did.
#[derive(Debug, Clone, Default)]
pub struct WriteOutcome {
    /// The revision published, if anything changed.
    pub revision: Option<NamedNode>,
    /// Triples added.
    pub added: usize,
    /// Triples removed.
    pub removed: usize,
    /// Whether a graph that held nothing holds triples now.
    pub created: bool,
}

/// The partner holding an API token: `None` when the token is unknown or expired.
pub fn partner_for_token(
    platform: &Platform,
    secret: &str,
) -> Result<Option<Partner>, PartnerError> {
    let Some(account) = platform.accounts.api_token_account(secret)? else {
        return Ok(None);
    };
    let graphs = platform.accounts.writable_graphs(&account)?;
    if graphs.is_empty() {
        return Err(PartnerError::NotAPartner);
    }
    Ok(Some(Partner { account, graphs }))
}

/// The graph of the partner `id`: `graphe/partenaire/{id}`.
pub fn partner_graph(minter: &IriMinter, id: &str) -> NamedNode {
    minter.graph(&GraphKind::Partner(id.to_owned()))
}

/// Checks, previews, validates and publishes a partner's write, then refreshes the dumps.
/// Nothing is written when any step fails.
pub fn apply_write(
    platform: &Platform,
    partner: &Partner,
    write: &PartnerWrite,
    comment: Option<String>,
) -> Result<WriteOutcome, PartnerError> {
    let graphs = checked_graphs(partner, write)?;
    let _one_writer = WRITING
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    let revisions = preview(platform, write, &graphs)?;
    if let PartnerWrite::Delete { graph } = write
        && revisions.iter().all(|revision| revision.before.is_empty())
    {
        return Err(PartnerError::EmptyGraph(graph.as_str().to_owned()));
    }

    let changes: Vec<(NamedNode, TripleDiff)> = revisions
        .iter()
        .map(|revision| {
            let diff = TripleDiff::between(&revision.before, &revision.after);
            (revision.graph.clone(), diff)
        })
        .filter(|(_, diff)| !diff.is_empty())
        .collect();
    let mut outcome = WriteOutcome {
        created: revisions
            .iter()
            .any(|revision| revision.before.is_empty() && !revision.after.is_empty()),
        added: changes.iter().map(|(_, diff)| diff.added.len()).sum(),
        removed: changes.iter().map(|(_, diff)| diff.removed.len()).sum(),
        revision: None,
    };
    if changes.is_empty() {
        return Ok(outcome);
    }
    validate(platform, &revisions)?;

    let subjects = changed_subjects(platform, &changes)?;
    let change = GraphChangeRequest {
        graphs: changes,
        subjects,
        author: AgentRef {
            key: partner.account.agent_key.clone(),
            display_name: partner.account.display_name.clone(),
        },
        comment,
    };
    outcome.revision = Some(platform.history().publish_in_graphs(&change)?);
    // FIXME: every public graph's dump is written again after each partner write, as after a
    // harvest; right would be to rewrite only the changed graphs' files and the whole dump.
    if let Err(error) = platform.refresh_dumps(DumpScope::KeepReferenceData) {
        tracing::warn!(%error, "dumps not refreshed after a partner write");
    }
    Ok(outcome)
}

/// The graphs a write changes, each one of the partner's; the first other target refuses it.
fn checked_graphs(partner: &Partner, write: &PartnerWrite) -> Result<Vec<NamedNode>, PartnerError> {
    let targets = match write {
        PartnerWrite::Update(update) => update.write_targets(),
        PartnerWrite::Replace { graph, .. }
        | PartnerWrite::Merge { graph, .. }
        | PartnerWrite::Delete { graph } => vec![WriteTarget::Graph(graph.clone())],
    };
    let forbidden = |graph: String| PartnerError::ForbiddenGraph {
        graph,
        allowed: partner
            .graphs
            .iter()
            .map(|graph| format!("<{}>", graph.as_str()))
            .collect(),
    };
    let mut graphs = Vec::new();
    for target in targets {
        match target {
            WriteTarget::Graph(graph) if partner.graphs.contains(&graph) => graphs.push(graph),
            WriteTarget::Graph(graph) => return Err(forbidden(format!("<{}>", graph.as_str()))),
            WriteTarget::DefaultGraph => {
                return Err(forbidden(
                    "the default graph (name the graph with GRAPH <…> or WITH <…>)".into(),
                ));
            }
            WriteTarget::NamedGraphs => return Err(forbidden("every named graph".into())),
            WriteTarget::AllGraphs => return Err(forbidden("every graph".into())),
            WriteTarget::GraphVariable(variable) => {
                return Err(PartnerError::ForbiddenOperation(format!(
                    "the graph written is chosen by the variable {variable}: name the graph \
                     itself, GRAPH <…> or WITH <…>, so that it can be checked before the update \
                     runs"
                )));
            }
            WriteTarget::Load(source) => {
                return Err(PartnerError::ForbiddenOperation(format!(
                    "LOAD <{}> is refused: the server fetches no document; send the data with \
                     INSERT DATA or PUT /store?graph=…",
                    source.as_str()
                )));
            }
        }
    }
    Ok(graphs)
}

/// Each graph the write changes, before and after, with nothing written yet.
fn preview(
    platform: &Platform,
    write: &PartnerWrite,
    graphs: &[NamedNode],
) -> Result<Vec<GraphRevision>, PartnerError> {
    let store = &platform.store;
    let limits = &platform.config.query_limits;
    let current = |graph: &NamedNode| -> Result<Vec<Triple>, StoreError> {
        Ok(store
            .graph_quads(graph.as_ref())?
            .into_iter()
            .map(Triple::from)
            .collect())
    };
    let revision = |graph: &NamedNode, before: Vec<Triple>, after: Vec<Triple>| GraphRevision {
        graph: graph.clone(),
        before,
        after,
    };
    Ok(match write {
        PartnerWrite::Update(update) => store.preview_update(update, graphs, limits)?,
        PartnerWrite::Replace { graph, triples } => {
            vec![revision(graph, current(graph)?, triples.clone())]
        }
        PartnerWrite::Merge { graph, triples } => {
            let before = current(graph)?;
            let mut after = before.clone();
            after.extend(triples.iter().cloned());
            vec![revision(graph, before, after)]
        }
        PartnerWrite::Delete { graph } => vec![revision(graph, current(graph)?, Vec::new())],
    })
}

/// Validates the graphs as the write would leave them, each subject with what the other graphs
/// say about it; a violation refuses the write.
// FIXME: every subject of the written graphs is validated at each write, so a partner graph of
// many thousands of resources makes each small write slow; right would be to validate the
// subjects the write changed and those that link to them.
fn validate(platform: &Platform, revisions: &[GraphRevision]) -> Result<(), PartnerError> {
    let written: BTreeSet<&str> = revisions
        .iter()
        .map(|revision| revision.graph.as_str())
        .collect();
    let mut quads: Vec<Quad> = Vec::new();
    let mut subjects = BTreeSet::new();
    for revision in revisions {
        for triple in &revision.after {
            if let NamedOrBlankNode::NamedNode(subject) = &triple.subject {
                subjects.insert(subject.clone());
            }
            quads.push(triple.clone().in_graph(GraphName::DefaultGraph));
        }
    }
    for subject in &subjects {
        let elsewhere = platform.store.describe(subject.as_ref())?.into_iter().filter(
            |quad| !matches!(&quad.graph_name, GraphName::NamedNode(graph) if written.contains(graph.as_str())),
        );
        quads.extend(elsewhere.map(|quad| Quad {
            graph_name: GraphName::DefaultGraph,
            ..quad
        }));
    }
    let validator = platform.validator().map_err(Box::new)?;
    let report = validator.report(&quads);
    let violations = report
        .results
        .iter()
        .filter(|result| result.severity == Severity::Violation)
        .count();
    if violations > 0 {
        return Err(PartnerError::Invalid { violations, report });
    }
    Ok(())
}

/// The resources a change is about: the subjects of its triples, `#fragment` IRIs standing for
/// the resource they belong to, initiatives first; the graphs themselves when every subject is
/// a blank node.
fn changed_subjects(
    platform: &Platform,
    changes: &[(NamedNode, TripleDiff)],
) -> Result<Vec<NamedNode>, PartnerError> {
    let mut subjects = BTreeSet::new();
    for (_, diff) in changes {
        for triple in diff.added.iter().chain(&diff.removed) {
            if let NamedOrBlankNode::NamedNode(subject) = &triple.subject {
                let owner = subject.as_str().split('#').next().unwrap_or_default();
                subjects.insert(NamedNode::new_unchecked(owner));
            }
        }
    }
    let initiative_class = Term::from(anc::INITIATIVE.into_owned());
    let mut initiatives = Vec::new();
    let mut others = Vec::new();
    for subject in subjects {
        let typed_in_change = changes.iter().any(|(_, diff)| {
            diff.added.iter().any(|triple| {
                triple.subject == subject.clone().into()
                    && triple.predicate == rdf::TYPE
                    && triple.object == initiative_class
            })
        });
        let typed_in_store = platform
            .store
            .objects(subject.as_ref(), rdf::TYPE)?
            .contains(&initiative_class);
        if typed_in_change || typed_in_store {
            initiatives.push(subject);
        } else {
            others.push(subject);
        }
    }
    initiatives.extend(others);
    if initiatives.is_empty() {
        initiatives.extend(changes.iter().map(|(graph, _)| graph.clone()));
    }
    Ok(initiatives)
}

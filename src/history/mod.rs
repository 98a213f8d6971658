//! The history of initiatives. Every change published to the graph is a revision: the triples
//! it adds go to the contributions graph, those it removes leave the graph that stated them, and
//! the revision itself is written in PROV-O to `graphe/historique`, with its added and removed
//! triples as reified statements (so that the history graph never asserts them). The store
//! transaction covers the change and its record; the search index follows in the same call.
//!
//! [`History::publish`] is the one way to change a published initiative: the moderation of
//! contributions calls it and reverts call it; a partner's write to its own graph goes through
//! [`History::publish_in_graphs`].

mod diff;

use chrono::{DateTime, Utc};
use oxigraph::model::vocab::{rdf, rdfs};
use oxigraph::model::{GraphName, Literal, NamedNode, Quad, Term, Triple};

pub use self::diff::TripleDiff;
use crate::iri::{GraphKind, IriMinter};
use crate::rdf::QuadBuffer;
use crate::rdf::{date_time, parse_date_time as parse_time};
use crate::search::SearchIndex;
use crate::search_feed::FeedError;
use crate::store::{Store, StoreError};
use crate::vocab::{anc, dct, foaf, prov};

/// What can go wrong while publishing or reading the history.
#[derive(Debug, thiserror::Error)]
pub enum HistoryError {
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The search index could not follow the change.
    #[error(transparent)]
    Feed(#[from] FeedError),
    /// The change adds and removes nothing.
    #[error("the change adds and removes nothing")]
    NothingToChange,
    /// No revision has this IRI.
    #[error("no revision is published at {0}")]
    UnknownRevision(String),
}

/// The public face of the person who made a change: a random key and a display name, never an
/// e-mail address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AgentRef {
    /// Key of the agent IRI (`contributeur/{key}`).
    pub key: String,
    /// The name shown in the history.
    pub display_name: String,
}

/// The contribution a change comes from, published with it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContributionFacts {
    /// Key of the contribution IRI (`contribution/{key}`).
    pub key: String,
    /// When it was sent.
    pub created: DateTime<Utc>,
    /// Whether it amends an existing initiative (rather than creating one).
    pub amends: bool,
}

/// A change to publish.
#[derive(Debug, Clone)]
pub struct ChangeRequest {
    /// The initiative changed.
    pub initiative: NamedNode,
    /// The triples added and removed.
    pub diff: TripleDiff,
    /// Who made the change.
    pub author: AgentRef,
    /// Why, in French, published with the revision: for a proposal, the moderator's comment,
    /// never the author's note to moderators.
    pub comment: Option<String>,
    /// The contribution it comes from, if any.
    pub contribution: Option<ContributionFacts>,
    /// The revision it undoes, if it is a revert.
    pub reverts: Option<NamedNode>,
}

/// A partner's write to its graphs, published as one revision.
#[derive(Debug, Clone)]
pub struct GraphChangeRequest {
    /// Each graph written, with the triples that enter and leave it.
    pub graphs: Vec<(NamedNode, TripleDiff)>,
    /// The resources whose descriptions changed, each named by `anc:revisionOf`.
    pub subjects: Vec<NamedNode>,
    /// The partner.
    pub author: AgentRef,
    /// Why, published with the revision.
    pub comment: Option<String>,
}

/// A published revision, as read back from the history graph.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RevisionRecord {
    /// Its IRI.
    pub iri: NamedNode,
    /// The initiative it changed.
    pub initiative: NamedNode,
    /// The agent who made it.
    pub author: Option<NamedNode>,
    /// The agent's display name.
    pub author_name: Option<String>,
    /// When it was published.
    pub ended: DateTime<Utc>,
    /// Its note.
    pub comment: Option<String>,
    /// The contribution it comes from.
    pub contribution: Option<NamedNode>,
    /// The revision it undid.
    pub reverts: Option<NamedNode>,
    /// What it added and removed.
    pub diff: TripleDiff,
}

/// The history over the public store.
pub struct History<'a> {
    /// The public store.
    pub store: &'a Store,
    /// The deployment's IRIs.
    pub minter: &'a IriMinter,
    /// The search index kept in step.
    pub search: &'a SearchIndex,
}

impl History<'_> {
    /// Publishes a change in one transaction (the triples, the revision and its statements,
    /// the agent, the contribution), then updates the initiative's search entry. Returns the
    /// revision's IRI.
    pub fn publish(&self, change: &ChangeRequest) -> Result<NamedNode, HistoryError> {
        if change.diff.is_empty() {
            return Err(HistoryError::NothingToChange);
        }
        let now = Utc::now();
        let revision = self.minter.revision(&revision_key(now));
        let contributions = self.minter.graph(&GraphKind::Contributions);

        let mut removals = Vec::new();
        for triple in &change.diff.removed {
            removals.extend(self.editable_quads(triple)?);
        }
        let mut inserts: Vec<Quad> = change
            .diff
            .added
            .iter()
            .map(|triple| triple.clone().in_graph(contributions.clone()))
            .collect();

        let agent = self.minter.contributor(&change.author.key);
        let history = self.minter.graph(&GraphKind::History);
        removals.extend(
            self.store
                .objects(agent.as_ref(), foaf::NAME)?
                .into_iter()
                .map(|name| Quad::new(agent.clone(), foaf::NAME, name, history.clone())),
        );
        inserts.extend(self.revision_quads(&revision, &agent, change, now));
        if let Some(contribution) = &change.contribution {
            inserts.extend(self.contribution_quads(contribution, &agent, change));
        }
        self.store.apply_change(&removals, &inserts)?;
        crate::search_feed::sync_initiatives(
            self.store,
            self.minter,
            self.search,
            std::slice::from_ref(&change.initiative),
        )?;
        Ok(revision)
    }

    /// Publishes a partner's write in one transaction: the removed triples leave the graph the
    /// partner named only, the added ones enter it, and the revision names each graph
    /// (`anc:changedGraph`) and every changed resource. The search entries of those resources
    /// follow.
    pub fn publish_in_graphs(
        &self,
        change: &GraphChangeRequest,
    ) -> Result<NamedNode, HistoryError> {
        let mut diff = TripleDiff::default();
        let (mut removals, mut inserts) = (Vec::new(), Vec::new());
        for (graph, graph_diff) in &change.graphs {
            let in_graph = |triple: &Triple| triple.clone().in_graph(graph.clone());
            removals.extend(graph_diff.removed.iter().map(in_graph));
            inserts.extend(graph_diff.added.iter().map(in_graph));
            diff.added.extend(graph_diff.added.iter().cloned());
            diff.removed.extend(graph_diff.removed.iter().cloned());
        }
        diff.normalize();
        let Some(first) = change.subjects.first().filter(|_| !diff.is_empty()) else {
            return Err(HistoryError::NothingToChange);
        };
        let now = Utc::now();
        let revision = self.minter.revision(&revision_key(now));

        let agent = self.minter.contributor(&change.author.key);
        let history = self.minter.graph(&GraphKind::History);
        removals.extend(
            self.store
                .objects(agent.as_ref(), foaf::NAME)?
                .into_iter()
                .map(|name| Quad::new(agent.clone(), foaf::NAME, name, history.clone())),
        );
        let record = ChangeRequest {
            initiative: first.clone(),
            diff,
            author: change.author.clone(),
            comment: change.comment.clone(),
            contribution: None,
            reverts: None,
        };
        inserts.extend(self.revision_quads(&revision, &agent, &record, now));
        let mut links = QuadBuffer::new(history);
        for subject in &change.subjects[1..] {
            links.add_link(&revision, anc::REVISION_OF, subject);
        }
        for (graph, _) in &change.graphs {
            links.add_link(&revision, anc::CHANGED_GRAPH, graph);
        }
        inserts.extend(links.into_quads());
        self.store.apply_change(&removals, &inserts)?;
        crate::search_feed::sync_initiatives(
            self.store,
            self.minter,
            self.search,
            &change.subjects,
        )?;
        Ok(revision)
    }

    /// The revisions of an initiative, newest first.
    pub fn revisions_of(
        &self,
        initiative: &NamedNode,
    ) -> Result<Vec<RevisionRecord>, HistoryError> {
        self.read_revisions(("initiative", initiative))
    }

    /// One revision.
    pub fn revision(&self, iri: &NamedNode) -> Result<Option<RevisionRecord>, HistoryError> {
        Ok(self.read_revisions(("revision", iri))?.into_iter().next())
    }

    /// Publishes the revision undoing `target`: what it added and is still stated is removed,
    /// what it removed and is not stated again is added back.
    pub fn revert(
        &self,
        target: &NamedNode,
        author: AgentRef,
        comment: Option<String>,
    ) -> Result<NamedNode, HistoryError> {
        let record = self
            .revision(target)?
            .ok_or_else(|| HistoryError::UnknownRevision(target.as_str().to_owned()))?;
        let mut diff = TripleDiff::default();
        for triple in &record.diff.added {
            if !self.editable_quads(triple)?.is_empty() {
                diff.removed.push(triple.clone());
            }
        }
        for triple in &record.diff.removed {
            if self.editable_quads(triple)?.is_empty() {
                diff.added.push(triple.clone());
            }
        }
        diff.normalize();
        self.publish(&ChangeRequest {
            initiative: record.initiative,
            diff,
            author,
            comment,
            contribution: None,
            reverts: Some(record.iri),
        })
    }

    /// The quads stating `triple` in a graph a revision may change: a source's graph, a
    /// partner's graph or the contributions graph, never the reference data or the history.
    // FIXME: a triple removed from a source's graph comes back at the next harvest of that
    // source, beside the contributed value. Right would be to keep the retractions of published
    // revisions and have the harvest leave those triples out (or flag the conflict for review).
    // FIXME: reverting a partner's revision puts the triples it removed back into the
    // contributions graph, not into the partner's graph; right would be to read the revision's
    // `anc:changedGraph` and restore them there.
    fn editable_quads(&self, triple: &Triple) -> Result<Vec<Quad>, StoreError> {
        let contributions = self.minter.graph(&GraphKind::Contributions);
        Ok(self
            .store
            .quads_of_triple(triple)?
            .into_iter()
            .filter(|quad| match &quad.graph_name {
                GraphName::NamedNode(graph) => {
                    *graph == contributions
                        || self.minter.relative(graph.as_str()).is_some_and(|path| {
                            path.starts_with("graphe/source/")
                                || path.starts_with("graphe/partenaire/")
                        })
                }
                _ => false,
            })
            .collect())
    }

    fn revision_quads(
        &self,
        revision: &NamedNode,
        agent: &NamedNode,
        change: &ChangeRequest,
        now: DateTime<Utc>,
    ) -> Vec<Quad> {
        let mut quads = QuadBuffer::new(self.minter.graph(&GraphKind::History));
        quads.add_type(revision, anc::REVISION);
        quads.add_type(revision, prov::ACTIVITY);
        quads.add_link(revision, anc::REVISION_OF, &change.initiative);
        quads.add_link(revision, prov::WAS_ASSOCIATED_WITH, agent);
        quads.add(revision.clone(), prov::ENDED_AT_TIME, date_time(now));
        if let Some(comment) = &change.comment {
            quads.add_lang_text(revision, rdfs::COMMENT, comment, "fr");
        }
        if let Some(contribution) = &change.contribution {
            quads.add_link(
                revision,
                prov::USED,
                &self.minter.contribution(&contribution.key),
            );
        }
        if let Some(reverted) = &change.reverts {
            quads.add_link(revision, anc::REVERTS, reverted);
        }
        let changes = [
            (anc::ADDED_STATEMENT, "ajout", &change.diff.added),
            (anc::REMOVED_STATEMENT, "retrait", &change.diff.removed),
        ];
        for (link, name, triples) in changes {
            for (index, triple) in triples.iter().enumerate() {
                let statement =
                    NamedNode::new_unchecked(format!("{}#{name}-{}", revision.as_str(), index + 1));
                quads.add_link(revision, link, &statement);
                quads.add_type(&statement, rdf::STATEMENT);
                quads.add(
                    statement.clone(),
                    rdf::SUBJECT,
                    Term::from(triple.subject.clone()),
                );
                quads.add(statement.clone(), rdf::PREDICATE, triple.predicate.clone());
                quads.add(statement, rdf::OBJECT, triple.object.clone());
            }
        }
        quads.add_type(agent, prov::AGENT);
        quads.add(
            agent.clone(),
            foaf::NAME,
            Literal::new_simple_literal(&change.author.display_name),
        );
        quads.into_quads()
    }

    fn contribution_quads(
        &self,
        contribution: &ContributionFacts,
        agent: &NamedNode,
        change: &ChangeRequest,
    ) -> Vec<Quad> {
        let iri = self.minter.contribution(&contribution.key);
        let mut quads = QuadBuffer::new(self.minter.graph(&GraphKind::Contributions));
        quads.add_type(&iri, anc::CONTRIBUTION);
        quads.add_link(&iri, dct::CREATOR, agent);
        quads.add(iri.clone(), dct::CREATED, date_time(contribution.created));
        quads.add_link(&iri, dct::HAS_PART, &change.initiative);
        if contribution.amends {
            quads.add_link(&iri, dct::SUBJECT, &change.initiative);
        }
        // The contribution's `rdfs:comment` is the author's note to moderators: it stays in the
        // private draft. The revision carries the comment published with the change.
        quads.into_quads()
    }

    fn read_revisions(
        &self,
        binding: (&str, &NamedNode),
    ) -> Result<Vec<RevisionRecord>, HistoryError> {
        let rows = self.store.select(
            include_str!("../../queries/revisions.rq"),
            &[(binding.0, binding.1.clone().into())],
        )?;
        let mut records: Vec<RevisionRecord> = Vec::new();
        for row in rows.iter() {
            let named = |variable: &str| match row.term(variable) {
                Some(Term::NamedNode(node)) => Some(node.clone()),
                _ => None,
            };
            let (Some(iri), Some(initiative), Some(ended)) = (
                named("the_revision"),
                named("the_initiative"),
                row.text("ended").and_then(parse_time),
            ) else {
                continue;
            };
            if records.iter().any(|record| record.iri == iri) {
                continue;
            }
            let diff = self.statements_of(&iri)?;
            records.push(RevisionRecord {
                author: named("agent"),
                author_name: row.text("name").map(str::to_owned),
                comment: row.text("comment").map(str::to_owned),
                contribution: named("contribution"),
                reverts: named("reverts"),
                iri,
                initiative,
                ended,
                diff,
            });
        }
        Ok(records)
    }

    fn statements_of(&self, revision: &NamedNode) -> Result<TripleDiff, StoreError> {
        let rows = self.store.select(
            include_str!("../../queries/revision-statements.rq"),
            &[("revision", revision.clone().into())],
        )?;
        let mut diff = TripleDiff::default();
        for row in rows.iter() {
            let (Some(Term::NamedNode(subject)), Some(Term::NamedNode(predicate)), Some(object)) = (
                row.term("subject"),
                row.term("predicate"),
                row.term("object"),
            ) else {
                continue;
            };
            let triple = Triple::new(subject.clone(), predicate.clone(), object.clone());
            if row.text("change") == Some(anc::ADDED_STATEMENT.as_str()) {
                diff.added.push(triple);
            } else {
                diff.removed.push(triple);
            }
        }
        diff.normalize();
        Ok(diff)
    }
}

/// A key that sorts revisions by time: `20261203T150000123-3fa2`.
fn revision_key(now: DateTime<Utc>) -> String {
    format!(
        "{}-{:04x}",
        now.format("%Y%m%dT%H%M%S%3f"),
        rand::random::<u16>()
    )
}

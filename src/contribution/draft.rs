//! Drafts: proposals and error reports waiting for a moderator, kept in the private store. A
//! draft's metadata lives in the graph of drafts, its proposed triples in a graph of its own;
//! nothing of it reaches the public store until a moderator publishes it as a revision.

use std::sync::{Mutex, MutexGuard};

use chrono::{DateTime, Utc};
use oxigraph::model::{Literal, NamedNode, NamedOrBlankNode, Quad, Term, Triple};
use serde::Serialize;

use crate::account::{account_iri, account_key};
use crate::rdf::{QuadBuffer, SubjectFacts};
use crate::rdf::{date_time, parse_date_time as parse_time};
use crate::store::{Store, StoreError};
use crate::vocab::ancp;

const DRAFTS_GRAPH: &str = "urn:ancrage:prive:brouillons";
const DRAFT_PREFIX: &str = "urn:ancrage:brouillon:";

/// What a draft asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum DraftKind {
    /// A new initiative.
    Creation,
    /// A change to a published initiative.
    Edit,
    /// A visitor's report of an error on an initiative's page.
    Report,
}

/// Where a draft stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum DraftStatus {
    /// Waiting in the moderation queue.
    Pending,
    /// Published as a revision.
    Published,
    /// Refused by a moderator, with a comment.
    Refused,
    /// An error report a moderator has dealt with.
    Closed,
}

/// A moderator's decision on a draft.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decision {
    /// The moderator's account key.
    pub by: String,
    /// When.
    pub at: DateTime<Utc>,
    /// Why, for the contributor.
    pub comment: Option<String>,
    /// The revision published, if any.
    pub revision: Option<NamedNode>,
}

/// A proposal or report, with the moderator's decision once taken.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Draft {
    /// Random key; the published contribution is `contribution/{key}`.
    pub key: String,
    /// What it asks for.
    pub kind: DraftKind,
    /// Where it stands.
    pub status: DraftStatus,
    /// The initiative concerned (minted for a creation).
    pub initiative: NamedNode,
    /// The author's account key; none for an anonymous report.
    pub author: Option<String>,
    /// When it was sent.
    pub created: DateTime<Utc>,
    /// The note to moderators, or the report's message.
    pub comment: Option<String>,
    /// The proposed description's triples that the form writes (none for a report).
    pub proposal: Vec<Triple>,
    /// The decision, once taken.
    pub decision: Option<Decision>,
}

/// Why a decision could not be recorded.
#[derive(Debug, thiserror::Error)]
pub enum DraftError {
    /// The private store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// No draft has this key.
    #[error("no proposal has the key {0}")]
    Unknown(String),
    /// The draft was already decided on.
    #[error("this proposal was already dealt with")]
    AlreadyDecided,
}

/// The drafts of the private store.
pub struct Drafts {
    store: Store,
    decisions: Mutex<()>,
}

impl Drafts {
    /// The drafts kept in `store`, the private store.
    pub fn new(store: Store) -> Self {
        Self {
            store,
            decisions: Mutex::new(()),
        }
    }

    /// Saves a new pending draft.
    pub fn save(&self, draft: &Draft) -> Result<(), StoreError> {
        let iri = draft_iri(&draft.key);
        let mut quads = QuadBuffer::new(NamedNode::new_unchecked(DRAFTS_GRAPH));
        quads.add_type(&iri, ancp::DRAFT);
        quads.add_text(&iri, ancp::KIND, kind_name(draft.kind));
        quads.add_text(&iri, ancp::STATUS, status_name(draft.status));
        quads.add_link(&iri, ancp::TARGET, &draft.initiative);
        if let Some(author) = &draft.author {
            quads.add_link(&iri, ancp::AUTHOR, &account_iri(author));
        }
        quads.add(iri.clone(), ancp::CREATED, date_time(draft.created));
        if let Some(comment) = &draft.comment {
            quads.add_text(&iri, ancp::COMMENT, comment);
        }
        let proposal_graph = proposal_graph(&draft.key);
        let mut all = quads.into_quads();
        all.extend(
            draft
                .proposal
                .iter()
                .map(|triple| triple.clone().in_graph(proposal_graph.clone())),
        );
        self.store.insert_quads(&all)
    }

    /// The draft with this key.
    pub fn get(&self, key: &str) -> Result<Option<Draft>, StoreError> {
        self.read(&draft_iri(key))
    }

    /// Pending drafts, oldest first.
    pub fn pending(&self) -> Result<Vec<Draft>, StoreError> {
        let status = Term::from(Literal::new_simple_literal(status_name(
            DraftStatus::Pending,
        )));
        self.read_all(self.store.subjects(ancp::STATUS, status.as_ref())?)
    }

    /// The drafts of one account, newest first.
    pub fn by_author(&self, account: &str) -> Result<Vec<Draft>, StoreError> {
        let author = Term::from(account_iri(account));
        let mut drafts = self.read_all(self.store.subjects(ancp::AUTHOR, author.as_ref())?)?;
        drafts.reverse();
        Ok(drafts)
    }

    /// Holds the decisions while a moderator publishes, so that one draft is never published
    /// twice; [`Drafts::decide`] must be called while the guard is held.
    pub fn hold_decisions(&self) -> MutexGuard<'_, ()> {
        self.decisions
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Records a decision on a pending draft. The caller holds [`Drafts::hold_decisions`].
    pub fn decide(
        &self,
        key: &str,
        status: DraftStatus,
        decision: &Decision,
    ) -> Result<Draft, DraftError> {
        let iri = draft_iri(key);
        let draft = self
            .read(&iri)?
            .ok_or_else(|| DraftError::Unknown(key.to_owned()))?;
        if draft.status != DraftStatus::Pending {
            return Err(DraftError::AlreadyDecided);
        }
        let facts = SubjectFacts::new(iri.clone(), self.store.describe(iri.as_ref())?);
        let mut added = QuadBuffer::new(NamedNode::new_unchecked(DRAFTS_GRAPH));
        added.add_text(&iri, ancp::STATUS, status_name(status));
        added.add_link(&iri, ancp::DECIDED_BY, &account_iri(&decision.by));
        added.add(iri.clone(), ancp::DECIDED_AT, date_time(decision.at));
        if let Some(comment) = &decision.comment {
            added.add_text(&iri, ancp::DECISION_COMMENT, comment);
        }
        if let Some(revision) = &decision.revision {
            added.add_link(&iri, ancp::REVISION, revision);
        }
        self.store
            .apply_change(&facts.quads_of(ancp::STATUS), &added.into_quads())?;
        Ok(Draft {
            status,
            decision: Some(decision.clone()),
            ..draft
        })
    }

    fn read_all(&self, subjects: Vec<NamedOrBlankNode>) -> Result<Vec<Draft>, StoreError> {
        let mut drafts = Vec::new();
        for subject in subjects {
            if let NamedOrBlankNode::NamedNode(iri) = subject
                && let Some(draft) = self.read(&iri)?
            {
                drafts.push(draft);
            }
        }
        drafts.sort_by(|a, b| a.created.cmp(&b.created).then_with(|| a.key.cmp(&b.key)));
        Ok(drafts)
    }

    fn read(&self, iri: &NamedNode) -> Result<Option<Draft>, StoreError> {
        let facts = SubjectFacts::new(iri.clone(), self.store.describe(iri.as_ref())?);
        let Some(key) = iri.as_str().strip_prefix(DRAFT_PREFIX) else {
            return Ok(None);
        };
        let (Some(kind), Some(status), Some(initiative), Some(created)) = (
            facts.text(ancp::KIND).and_then(parse_kind),
            facts.text(ancp::STATUS).and_then(parse_status),
            facts.iri(ancp::TARGET),
            facts.text(ancp::CREATED).and_then(parse_time),
        ) else {
            return Ok(None);
        };
        let decision = facts
            .text(ancp::DECIDED_AT)
            .and_then(parse_time)
            .map(|at| Decision {
                by: facts
                    .iri(ancp::DECIDED_BY)
                    .and_then(account_key)
                    .unwrap_or_default()
                    .to_owned(),
                at,
                comment: facts.text(ancp::DECISION_COMMENT).map(str::to_owned),
                revision: facts.iri(ancp::REVISION).cloned(),
            });
        let proposal = self
            .store
            .graph_quads(proposal_graph(key).as_ref())?
            .into_iter()
            .map(Quad::into)
            .collect();
        Ok(Some(Draft {
            key: key.to_owned(),
            kind,
            status,
            initiative: initiative.clone(),
            author: facts
                .iri(ancp::AUTHOR)
                .and_then(account_key)
                .map(str::to_owned),
            created,
            comment: facts.text(ancp::COMMENT).map(str::to_owned),
            proposal,
            decision,
        }))
    }
}

fn draft_iri(key: &str) -> NamedNode {
    NamedNode::new_unchecked(format!("{DRAFT_PREFIX}{}", crate::iri::encode_segment(key)))
}

fn proposal_graph(key: &str) -> NamedNode {
    NamedNode::new_unchecked(format!(
        "urn:ancrage:proposition:{}",
        crate::iri::encode_segment(key)
    ))
}

fn kind_name(kind: DraftKind) -> &'static str {
    match kind {
        DraftKind::Creation => "creation",
        DraftKind::Edit => "modification",
        DraftKind::Report => "signalement",
    }
}

fn parse_kind(name: &str) -> Option<DraftKind> {
    [DraftKind::Creation, DraftKind::Edit, DraftKind::Report]
        .into_iter()
        .find(|kind| kind_name(*kind) == name)
}

fn status_name(status: DraftStatus) -> &'static str {
    match status {
        DraftStatus::Pending => "en-attente",
        DraftStatus::Published => "publiee",
        DraftStatus::Refused => "refusee",
        DraftStatus::Closed => "close",
    }
}

fn parse_status(name: &str) -> Option<DraftStatus> {
    [
        DraftStatus::Pending,
        DraftStatus::Published,
        DraftStatus::Refused,
        DraftStatus::Closed,
    ]
    .into_iter()
    .find(|status| status_name(*status) == name)
}

#[cfg(test)]
mod tests {
    use super::*;
    use oxigraph::model::vocab::rdf;

    fn draft(key: &str) -> Draft {
        let initiative = NamedNode::new_unchecked("http://example.test/initiative/contribution/1");
        Draft {
            key: key.to_owned(),
            kind: DraftKind::Creation,
            status: DraftStatus::Pending,
            initiative: initiative.clone(),
            author: Some("a1".to_owned()),
            created: crate::rdf::parse_date_time("2026-12-03T15:00:00Z").unwrap(),
            comment: Some("Vu sur le site de la mairie".to_owned()),
            proposal: vec![Triple::new(
                initiative,
                rdf::TYPE,
                crate::vocab::anc::INITIATIVE,
            )],
            decision: None,
        }
    }

    #[test]
    fn a_draft_is_read_back_and_decided_once() {
        let drafts = Drafts::new(Store::in_memory().unwrap());
        drafts.save(&draft("k1")).unwrap();
        assert_eq!(drafts.get("k1").unwrap(), Some(draft("k1")));
        assert_eq!(drafts.pending().unwrap().len(), 1);
        assert_eq!(drafts.by_author("a1").unwrap().len(), 1);
        let decision = Decision {
            by: "m1".to_owned(),
            at: Utc::now(),
            comment: Some("Doublon".to_owned()),
            revision: None,
        };
        let _guard = drafts.hold_decisions();
        let refused = drafts
            .decide("k1", DraftStatus::Refused, &decision)
            .unwrap();
        assert_eq!(refused.status, DraftStatus::Refused);
        assert!(matches!(
            drafts.decide("k1", DraftStatus::Published, &decision),
            Err(DraftError::AlreadyDecided)
        ));
        assert!(drafts.pending().unwrap().is_empty());
        let read = drafts.get("k1").unwrap().unwrap();
        assert_eq!(read.decision.unwrap().comment.as_deref(), Some("Doublon"));
    }
}

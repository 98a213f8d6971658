//! Moderators' decisions: publishing a draft as a revision, refusing it, closing an error
//! report, reverting a revision. Each decision is recorded on the draft in the private store;
//! what is published goes through [`crate::history::History::publish`].

use chrono::Utc;
use oxigraph::model::NamedNode;

use super::{ContributionError, Decision, Draft, DraftError, DraftKind, DraftStatus, Proposal};
use crate::account::Account;
use crate::history::{AgentRef, ChangeRequest, ContributionFacts, TripleDiff};
use crate::platform::Platform;
use crate::shapes::engine::Severity;

/// Publishes a pending proposal: its difference with the initiative's current description
/// becomes a revision by its author, whose public comment is the moderator's `comment` (none
/// when empty). The author's note to moderators stays in the private draft. Refused when the
/// proposal no longer conforms to the shapes (the graph changed since it was sent). Returns
/// the revision's IRI.
pub fn publish_draft(
    platform: &Platform,
    key: &str,
    moderator: &Account,
    comment: Option<String>,
) -> Result<NamedNode, ContributionError> {
    let _one_decision = platform.drafts.hold_decisions();
    let draft = pending_draft(platform, key)?;
    if draft.kind == DraftKind::Report {
        return Err(ContributionError::NotPublishable);
    }
    let author = author_of(platform, &draft)?;
    let agent = platform.config.minter.contributor(&author.key);
    let proposal = Proposal::from_draft(&draft);
    let (current, violations) = platform
        .with_contribution_context(|context| -> Result<_, ContributionError> {
            let current = context.current(&draft.initiative)?;
            let report = context.validate(&proposal, &current, &agent);
            let violations = report
                .results
                .iter()
                .filter(|result| result.severity == Severity::Violation)
                .count();
            Ok((current, violations))
        })
        .map_err(Box::new)??;
    if violations > 0 {
        return Err(ContributionError::Violations(violations));
    }

    let change = ChangeRequest {
        initiative: draft.initiative.clone(),
        diff: TripleDiff::between(&current.editable, &draft.proposal),
        author,
        comment: comment.clone(),
        contribution: Some(ContributionFacts {
            key: draft.key.clone(),
            created: draft.created,
            amends: draft.kind == DraftKind::Edit,
        }),
        reverts: None,
    };
    let revision = platform.history().publish(&change)?;
    let decision = Decision {
        by: moderator.key.clone(),
        at: Utc::now(),
        comment,
        revision: Some(revision.clone()),
    };
    platform
        .drafts
        .decide(key, DraftStatus::Published, &decision)?;
    tracing::info!(draft = key, revision = %revision, "contribution published");
    Ok(revision)
}

/// Refuses a pending proposal, with a comment for its author.
pub fn refuse_draft(
    platform: &Platform,
    key: &str,
    moderator: &Account,
    comment: Option<String>,
) -> Result<Draft, ContributionError> {
    decide(platform, key, moderator, comment, DraftStatus::Refused)
}

/// Closes an error report once dealt with.
pub fn close_report(
    platform: &Platform,
    key: &str,
    moderator: &Account,
    comment: Option<String>,
) -> Result<Draft, ContributionError> {
    decide(platform, key, moderator, comment, DraftStatus::Closed)
}

/// Publishes the revision undoing `revision`, made by `moderator`.
pub fn revert_revision(
    platform: &Platform,
    revision: &NamedNode,
    moderator: &Account,
    comment: Option<String>,
) -> Result<NamedNode, ContributionError> {
    let author = AgentRef {
        key: moderator.agent_key.clone(),
        display_name: moderator.display_name.clone(),
    };
    let revert = platform.history().revert(revision, author, comment)?;
    tracing::info!(reverted = %revision, revision = %revert, "revision reverted");
    Ok(revert)
}

fn decide(
    platform: &Platform,
    key: &str,
    moderator: &Account,
    comment: Option<String>,
    status: DraftStatus,
) -> Result<Draft, ContributionError> {
    let _one_decision = platform.drafts.hold_decisions();
    let decision = Decision {
        by: moderator.key.clone(),
        at: Utc::now(),
        comment,
        revision: None,
    };
    Ok(platform.drafts.decide(key, status, &decision)?)
}

fn pending_draft(platform: &Platform, key: &str) -> Result<Draft, ContributionError> {
    let draft = platform
        .drafts
        .get(key)?
        .ok_or_else(|| DraftError::Unknown(key.to_owned()))?;
    if draft.status != DraftStatus::Pending {
        return Err(DraftError::AlreadyDecided.into());
    }
    Ok(draft)
}

/// The public agent of a draft's author; an account deleted since then shows as unknown.
fn author_of(platform: &Platform, draft: &Draft) -> Result<AgentRef, ContributionError> {
    let account = match &draft.author {
        Some(key) => platform.accounts.get(key)?,
        None => None,
    };
    Ok(match account {
        Some(account) => AgentRef {
            key: account.agent_key,
            display_name: account.display_name,
        },
        None => AgentRef {
            key: "anonyme".to_owned(),
            display_name: "Anonyme".to_owned(),
        },
    })
}

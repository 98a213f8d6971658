//! Who follows what: an account follows initiatives, territories, themes or communities. This is
//! private (it tells what a person cares about), so it lives in the private store only, under
//! `urn:ancrage:` IRIs that nothing public names.

use chrono::{DateTime, Utc};
use oxigraph::model::{NamedNode, NamedOrBlankNode, Term};

use crate::account::{account_iri, token};
use crate::rdf::{QuadBuffer, SubjectFacts, date_time, parse_date_time};
use crate::store::{Store, StoreError};
use crate::vocab::ancp;

/// Graph of the private store holding the follows.
const FOLLOWS_GRAPH: &str = "urn:ancrage:prive:abonnements";
/// Start of every follow's IRI.
const FOLLOW_PREFIX: &str = "urn:ancrage:abonnement:";

/// The follows of every account, in the private store.
pub struct Follows {
    store: Store,
}

impl Follows {
    /// The follows kept in `store`, the private store.
    pub fn new(store: Store) -> Self {
        Self { store }
    }

    /// Starts following `target`; following twice changes nothing.
    pub fn follow(&self, account_key: &str, target: &NamedNode) -> Result<(), StoreError> {
        if self.is_following(account_key, target)? {
            return Ok(());
        }
        let iri = follow_iri(account_key, target);
        let mut quads = QuadBuffer::new(NamedNode::new_unchecked(FOLLOWS_GRAPH));
        quads.add_type(&iri, ancp::FOLLOW);
        quads.add_link(&iri, ancp::ACCOUNT_PROP, &account_iri(account_key));
        quads.add_link(&iri, ancp::TARGET, target);
        quads.add(iri.clone(), ancp::CREATED, date_time(Utc::now()));
        self.store.insert_quads(&quads.into_quads())
    }

    /// Stops following `target`.
    pub fn unfollow(&self, account_key: &str, target: &NamedNode) -> Result<(), StoreError> {
        let quads = self
            .store
            .describe(follow_iri(account_key, target).as_ref())?;
        self.store.apply_change(&quads, &[])
    }

    /// Whether the account follows `target`.
    pub fn is_following(&self, account_key: &str, target: &NamedNode) -> Result<bool, StoreError> {
        self.store
            .has_subject(follow_iri(account_key, target).as_ref())
    }

    /// What the account follows, with the time it started, the latest first.
    pub fn of_account(
        &self,
        account_key: &str,
    ) -> Result<Vec<(NamedNode, DateTime<Utc>)>, StoreError> {
        let account = Term::from(account_iri(account_key));
        let mut followed = Vec::new();
        for subject in self.store.subjects(ancp::ACCOUNT_PROP, account.as_ref())? {
            let NamedOrBlankNode::NamedNode(iri) = subject else {
                continue;
            };
            // Sessions and tokens name their account too.
            if !iri.as_str().starts_with(FOLLOW_PREFIX) {
                continue;
            }
            let facts = SubjectFacts::new(iri.clone(), self.store.describe(iri.as_ref())?);
            if let (Some(target), Some(since)) = (
                facts.iri(ancp::TARGET),
                facts.text(ancp::CREATED).and_then(parse_date_time),
            ) {
                followed.push((target.clone(), since));
            }
        }
        followed.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.as_str().cmp(b.0.as_str())));
        Ok(followed)
    }
}

/// The follow of an account and a target: one IRI per pair, so a follow is stored once.
fn follow_iri(account_key: &str, target: &NamedNode) -> NamedNode {
    let key = token::digest(&format!("suivi:{account_key} {}", target.as_str()));
    NamedNode::new_unchecked(format!("{FOLLOW_PREFIX}{key}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_follow_is_kept_once_and_dropped_on_unfollow() {
        let follows = Follows::new(Store::in_memory().unwrap());
        let target = NamedNode::new_unchecked("http://x.test/territoire/commune/01053");
        follows.follow("abc", &target).unwrap();
        follows.follow("abc", &target).unwrap();
        assert!(follows.is_following("abc", &target).unwrap());
        assert!(!follows.is_following("other", &target).unwrap());
        assert_eq!(follows.of_account("abc").unwrap().len(), 1);
        follows.unfollow("abc", &target).unwrap();
        assert!(follows.of_account("abc").unwrap().is_empty());
    }
}

//! Invitations to join a community. An owner invites an account by its e-mail address; until the
//! invited person accepts, nothing public changes. A pending invitation ties an address to a
//! community, so it lives in the private store only, under `urn:ancrage:` IRIs.

use chrono::{DateTime, Utc};
use oxigraph::model::{NamedNode, NamedOrBlankNode, Term};

use super::MemberRole;
use crate::account::{account_iri, token};
use crate::rdf::{QuadBuffer, SubjectFacts, date_time, parse_date_time};
use crate::store::{Store, StoreError};
use crate::vocab::ancp;

/// Graph of the private store holding the invitations.
const INVITATIONS_GRAPH: &str = "urn:ancrage:prive:invitations";
/// Start of every invitation's IRI.
const INVITATION_PREFIX: &str = "urn:ancrage:invitation:";

/// A pending invitation, as its invited account sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invitation {
    /// Key of the invitation's IRI, sent back by the forms that answer it.
    pub key: String,
    /// The community to join.
    pub community: NamedNode,
    /// Key of the invited account.
    pub account_key: String,
    /// The role offered.
    pub role: MemberRole,
    /// The public agent of the owner who sent it.
    pub invited_by: NamedNode,
    /// When it was sent (or sent again).
    pub created: DateTime<Utc>,
}

/// The pending invitations of every account, in the private store.
pub struct Invitations {
    store: Store,
}

impl Invitations {
    /// The invitations kept in `store`, the private store.
    pub fn new(store: Store) -> Self {
        Self { store }
    }

    /// Invites the account to join `community` with `role`; inviting again replaces the
    /// earlier invitation of that account to that community.
    pub fn invite(
        &self,
        account_key: &str,
        community: &NamedNode,
        role: MemberRole,
        invited_by: &NamedNode,
    ) -> Result<(), StoreError> {
        let iri = invitation_iri(account_key, community);
        let earlier = self.store.describe(iri.as_ref())?;
        let mut quads = QuadBuffer::new(NamedNode::new_unchecked(INVITATIONS_GRAPH));
        quads.add_type(&iri, ancp::INVITATION);
        quads.add_link(&iri, ancp::ACCOUNT_PROP, &account_iri(account_key));
        quads.add_link(&iri, ancp::TARGET, community);
        quads.add_link(&iri, ancp::ROLE, &role.iri());
        quads.add_link(&iri, ancp::INVITED_BY, invited_by);
        quads.add(iri.clone(), ancp::CREATED, date_time(Utc::now()));
        self.store.apply_change(&earlier, &quads.into_quads())
    }

    /// The invitation with this key, if it is addressed to `account_key`: someone else's
    /// invitation is answered as if it did not exist.
    pub fn get_for(&self, key: &str, account_key: &str) -> Result<Option<Invitation>, StoreError> {
        if key.is_empty() || !key.bytes().all(|byte| byte.is_ascii_hexdigit()) {
            return Ok(None);
        }
        let iri = NamedNode::new_unchecked(format!("{INVITATION_PREFIX}{key}"));
        Ok(self
            .read(&iri)?
            .filter(|invitation| invitation.account_key == account_key))
    }

    /// The pending invitations of an account, the latest first.
    pub fn of_account(&self, account_key: &str) -> Result<Vec<Invitation>, StoreError> {
        let account = Term::from(account_iri(account_key));
        let mut found = Vec::new();
        for subject in self.store.subjects(ancp::ACCOUNT_PROP, account.as_ref())? {
            // Sessions, tokens and follows name their account too.
            if let NamedOrBlankNode::NamedNode(iri) = subject
                && iri.as_str().starts_with(INVITATION_PREFIX)
                && let Some(invitation) = self.read(&iri)?
            {
                found.push(invitation);
            }
        }
        found.sort_by(|a, b| b.created.cmp(&a.created).then_with(|| a.key.cmp(&b.key)));
        Ok(found)
    }

    /// Drops an invitation, once accepted or declined.
    pub fn remove(&self, invitation: &Invitation) -> Result<(), StoreError> {
        let iri = invitation_iri(&invitation.account_key, &invitation.community);
        let quads = self.store.describe(iri.as_ref())?;
        self.store.apply_change(&quads, &[])
    }

    fn read(&self, iri: &NamedNode) -> Result<Option<Invitation>, StoreError> {
        let facts = SubjectFacts::new(iri.clone(), self.store.describe(iri.as_ref())?);
        let account_key = facts
            .iri(ancp::ACCOUNT_PROP)
            .and_then(crate::account::account_key)
            .map(str::to_owned);
        let role = facts
            .iri(ancp::ROLE)
            .and_then(|role| MemberRole::from_term(&Term::from(role.clone())));
        let (Some(account_key), Some(community), Some(role), Some(invited_by), Some(created)) = (
            account_key,
            facts.iri(ancp::TARGET),
            role,
            facts.iri(ancp::INVITED_BY),
            facts.text(ancp::CREATED).and_then(parse_date_time),
        ) else {
            return Ok(None);
        };
        Ok(Some(Invitation {
            key: iri.as_str()[INVITATION_PREFIX.len()..].to_owned(),
            community: community.clone(),
            account_key,
            role,
            invited_by: invited_by.clone(),
            created,
        }))
    }
}

/// The invitation of an account to a community: one IRI per pair, so that inviting twice keeps
/// one invitation. The account key is secret, so the IRI cannot be guessed from public data.
fn invitation_iri(account_key: &str, community: &NamedNode) -> NamedNode {
    let key = token::digest(&format!("invitation:{account_key} {}", community.as_str()));
    NamedNode::new_unchecked(format!("{INVITATION_PREFIX}{key}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_invitation_is_kept_once_and_read_only_by_its_account() {
        let invitations = Invitations::new(Store::in_memory().unwrap());
        let community = NamedNode::new_unchecked("http://x.test/communaute/velo");
        let owner = NamedNode::new_unchecked("http://x.test/contributeur/abc");
        invitations
            .invite("invitee", &community, MemberRole::Member, &owner)
            .unwrap();
        invitations
            .invite("invitee", &community, MemberRole::Owner, &owner)
            .unwrap();
        let pending = invitations.of_account("invitee").unwrap();
        assert_eq!(pending.len(), 1);
        assert_eq!(pending[0].role, MemberRole::Owner);
        assert_eq!(pending[0].community, community);

        let key = &pending[0].key;
        assert_eq!(
            invitations.get_for(key, "invitee").unwrap(),
            Some(pending[0].clone())
        );
        assert_eq!(invitations.get_for(key, "someone-else").unwrap(), None);
        assert_eq!(invitations.get_for("not hex", "invitee").unwrap(), None);

        invitations.remove(&pending[0]).unwrap();
        assert!(invitations.of_account("invitee").unwrap().is_empty());
    }
}

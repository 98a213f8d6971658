//! Communities: people of the collaborative space gathered around territories and themes, with
//! owners and members, and the collections of initiatives they keep. A community is public data
//! in `graphe/communautes`: members appear by their public agent IRI (`contributeur/{key}`) and
//! display name only. Memberships follow the W3C Organization ontology (`org:Membership` with
//! `org:member`, `org:organization`, `org:role`); every write is checked against
//! `shapes/community.ttl` before it reaches the store.
//!
//! Who follows what is private and lives in [`Follows`]; pending invitations to join tie an
//! e-mail address to a community and live in [`Invitations`]; both are in the private store.

mod follow;
mod invitation;

use std::sync::Mutex;

use chrono::{DateTime, Utc};
use oxigraph::model::{GraphName, NamedNode, Quad, Term};

pub use self::follow::Follows;
pub use self::invitation::{Invitation, Invitations};
use crate::history::AgentRef;
use crate::iri::{GraphKind, IriMinter};
use crate::rdf::{QuadBuffer, SubjectFacts, date_time, parse_date_time};
use crate::shapes::ShapeValidator;
use crate::shapes::engine::Severity;
use crate::store::{Store, StoreError};
use crate::vocab::{anc, dct, foaf, org, prov};

/// Longest slug of a community IRI, in characters.
const MAX_SLUG_CHARS: usize = 60;

/// Community writes read, change and write a whole description: one at a time.
static WRITES: Mutex<()> = Mutex::new(());

/// What can go wrong with communities.
#[derive(Debug, thiserror::Error)]
pub enum CommunityError {
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The shapes refused the write; the messages say why, in French.
    #[error("{}", .messages.join(" "))]
    Invalid {
        /// One message per violation.
        messages: Vec<String>,
    },
    /// No community has this IRI.
    #[error("no community is published at {0}")]
    UnknownCommunity(String),
    /// The community has no collection with this IRI.
    #[error("the community has no collection {0}")]
    UnknownCollection(String),
    /// Only an owner may do this.
    #[error("seuls les propriétaires de la communauté peuvent faire cela")]
    NotOwner,
    /// Only a member may do this.
    #[error("seuls les membres de la communauté peuvent faire cela")]
    NotMember,
    /// The last owner cannot leave or be demoted.
    #[error("la communauté doit garder au moins un propriétaire")]
    LastOwner,
}

/// A member's role.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum MemberRole {
    /// Manages members and collections.
    Owner,
    /// Keeps the collections up to date.
    Member,
}

impl MemberRole {
    /// The `org:Role` individual of the ontology.
    pub fn iri(self) -> NamedNode {
        match self {
            Self::Owner => anc::OWNER_ROLE.into_owned(),
            Self::Member => anc::MEMBER_ROLE.into_owned(),
        }
    }

    /// The role named by a form value (`proprietaire`, `membre`).
    pub fn from_form(value: &str) -> Option<Self> {
        match value {
            "proprietaire" => Some(Self::Owner),
            "membre" => Some(Self::Member),
            _ => None,
        }
    }

    fn from_term(term: &Term) -> Option<Self> {
        match term {
            Term::NamedNode(node) if node.as_ref() == anc::OWNER_ROLE => Some(Self::Owner),
            Term::NamedNode(node) if node.as_ref() == anc::MEMBER_ROLE => Some(Self::Member),
            _ => None,
        }
    }
}

/// A member, as the public sees them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Member {
    /// The public agent IRI.
    pub agent: NamedNode,
    /// The display name.
    pub name: String,
    /// The role.
    pub role: MemberRole,
}

/// A collection of initiatives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Collection {
    /// Its IRI (`{community}#selection-{key}`).
    pub iri: NamedNode,
    /// Its name.
    pub title: String,
    /// The initiatives, in the order they were added.
    pub items: Vec<NamedNode>,
}

/// A community and everything it states.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Community {
    /// Its IRI (`communaute/{slug}`).
    pub iri: NamedNode,
    /// Its name.
    pub title: String,
    /// What brings its members together.
    pub description: Option<String>,
    /// The territories it gathers around.
    pub territories: Vec<NamedNode>,
    /// The themes it gathers around.
    pub themes: Vec<NamedNode>,
    /// Its members, owners first.
    pub members: Vec<Member>,
    /// Its collections.
    pub collections: Vec<Collection>,
    /// When it was created.
    pub created: DateTime<Utc>,
}

/// What a new community needs.
#[derive(Debug, Clone)]
pub struct NewCommunity {
    /// Its name.
    pub title: String,
    /// What brings its members together.
    pub description: Option<String>,
    /// The territories it gathers around.
    pub territories: Vec<NamedNode>,
    /// The themes it gathers around.
    pub themes: Vec<NamedNode>,
}

/// A line of the list of communities.
#[derive(Debug, Clone)]
pub struct CommunitySummary {
    /// Its IRI.
    pub iri: NamedNode,
    /// Its name.
    pub title: String,
    /// How many members it has.
    pub members: i64,
}

/// The communities of the public store.
pub struct Communities<'a> {
    /// The public store.
    pub store: &'a Store,
    /// The deployment's IRIs.
    pub minter: &'a IriMinter,
    /// The shapes every write is checked against.
    pub validator: &'a ShapeValidator,
}

impl Community {
    /// The role of an agent in the community, if they belong to it.
    pub fn role_of(&self, agent: &NamedNode) -> Option<MemberRole> {
        self.members
            .iter()
            .find(|member| member.agent == *agent)
            .map(|member| member.role)
    }

    /// The collection with this IRI.
    pub fn collection(&self, iri: &NamedNode) -> Option<&Collection> {
        self.collections
            .iter()
            .find(|collection| collection.iri == *iri)
    }

    fn require_owner(&self, agent: &NamedNode) -> Result<(), CommunityError> {
        match self.role_of(agent) {
            Some(MemberRole::Owner) => Ok(()),
            _ => Err(CommunityError::NotOwner),
        }
    }

    fn require_member(&self, agent: &NamedNode) -> Result<(), CommunityError> {
        self.role_of(agent)
            .map(|_| ())
            .ok_or(CommunityError::NotMember)
    }

    fn collection_mut(&mut self, iri: &NamedNode) -> Result<&mut Collection, CommunityError> {
        self.collections
            .iter_mut()
            .find(|collection| collection.iri == *iri)
            .ok_or_else(|| CommunityError::UnknownCollection(iri.as_str().to_owned()))
    }

    /// The community's statements (its members' names apart).
    fn to_quads(&self, graph: &NamedNode) -> Vec<Quad> {
        let iri = &self.iri;
        let mut quads = QuadBuffer::new(graph.clone());
        quads.add_type(iri, anc::COMMUNITY);
        quads.add_text(iri, dct::TITLE, &self.title);
        if let Some(description) = &self.description {
            quads.add_text(iri, dct::DESCRIPTION, description);
        }
        quads.add(iri.clone(), dct::CREATED, date_time(self.created));
        for territory in &self.territories {
            quads.add_link(iri, anc::ABOUT_TERRITORY, territory);
        }
        for theme in &self.themes {
            quads.add_link(iri, anc::ABOUT_THEME, theme);
        }
        for member in &self.members {
            let membership = membership_iri(iri, &member.agent);
            quads.add_link(iri, anc::MEMBER, &member.agent);
            quads.add_link(iri, org::HAS_MEMBERSHIP, &membership);
            quads.add_type(&membership, org::MEMBERSHIP);
            quads.add_link(&membership, org::MEMBER, &member.agent);
            quads.add_link(&membership, org::ORGANIZATION, iri);
            quads.add_link(&membership, org::ROLE, &member.role.iri());
        }
        for collection in &self.collections {
            quads.add_link(iri, anc::HAS_COLLECTION, &collection.iri);
            quads.add_type(&collection.iri, anc::COLLECTION);
            quads.add_text(&collection.iri, dct::TITLE, &collection.title);
            for item in &collection.items {
                quads.add_link(&collection.iri, anc::ITEM, item);
            }
        }
        quads.into_quads()
    }
}

impl Communities<'_> {
    /// Creates a community whose first owner is `owner`; its slug comes from its title.
    pub fn create(
        &self,
        new: &NewCommunity,
        owner: &AgentRef,
    ) -> Result<Community, CommunityError> {
        let _one_writer = lock();
        let community = Community {
            iri: self.free_iri(&new.title)?,
            title: new.title.trim().to_owned(),
            description: new
                .description
                .clone()
                .filter(|text| !text.trim().is_empty()),
            territories: new.territories.clone(),
            themes: new.themes.clone(),
            members: vec![Member {
                agent: self.minter.contributor(&owner.key),
                name: owner.display_name.clone(),
                role: MemberRole::Owner,
            }],
            collections: Vec::new(),
            created: Utc::now(),
        };
        self.save(None, &community)?;
        Ok(community)
    }

    /// The community with this IRI.
    pub fn get(&self, iri: &NamedNode) -> Result<Option<Community>, CommunityError> {
        let quads = self.own_quads(iri)?;
        let facts = SubjectFacts::new(iri.clone(), quads.clone());
        let (Some(title), Some(created)) = (
            facts.text(dct::TITLE),
            facts.text(dct::CREATED).and_then(parse_date_time),
        ) else {
            return Ok(None);
        };
        let links = |subject: &NamedNode, predicate| -> Vec<NamedNode> {
            quads
                .iter()
                .filter(|quad| {
                    quad.predicate == predicate && quad.subject == subject.clone().into()
                })
                .filter_map(|quad| match &quad.object {
                    Term::NamedNode(node) => Some(node.clone()),
                    _ => None,
                })
                .collect()
        };
        let mut members = Vec::new();
        for agent in links(iri, anc::MEMBER) {
            let membership = membership_iri(iri, &agent);
            let role = quads
                .iter()
                .find(|quad| {
                    quad.subject == membership.clone().into() && quad.predicate == org::ROLE
                })
                .and_then(|quad| MemberRole::from_term(&quad.object))
                .unwrap_or(MemberRole::Member);
            members.push(Member {
                name: self.agent_name(&agent)?,
                agent,
                role,
            });
        }
        members.sort_by(|a, b| {
            (a.role != MemberRole::Owner, &a.name).cmp(&(b.role != MemberRole::Owner, &b.name))
        });
        let collections = links(iri, anc::HAS_COLLECTION)
            .into_iter()
            .map(|collection| Collection {
                title: SubjectFacts::new(collection.clone(), quads.clone())
                    .text(dct::TITLE)
                    .unwrap_or_default()
                    .to_owned(),
                items: links(&collection, anc::ITEM),
                iri: collection,
            })
            .collect();
        Ok(Some(Community {
            iri: iri.clone(),
            title: title.to_owned(),
            description: facts.text(dct::DESCRIPTION).map(str::to_owned),
            territories: links(iri, anc::ABOUT_TERRITORY),
            themes: links(iri, anc::ABOUT_THEME),
            members,
            collections,
            created,
        }))
    }

    /// Every community, by name.
    pub fn list(&self) -> Result<Vec<CommunitySummary>, CommunityError> {
        let rows = self
            .store
            .select(include_str!("../../queries/communities.rq"), &[])?;
        Ok(rows
            .iter()
            .filter_map(|row| {
                let Some(Term::NamedNode(iri)) = row.term("community") else {
                    return None;
                };
                Some(CommunitySummary {
                    iri: iri.clone(),
                    title: row.text("title")?.to_owned(),
                    members: row.integer("members").unwrap_or(0),
                })
            })
            .collect())
    }

    /// The communities an agent belongs to, with their role.
    pub fn of_agent(&self, agent: &NamedNode) -> Result<Vec<Community>, CommunityError> {
        let mut found = Vec::new();
        for subject in self.store.subjects(anc::MEMBER, agent.as_ref().into())? {
            if let oxigraph::model::NamedOrBlankNode::NamedNode(iri) = subject
                && let Some(community) = self.get(&iri)?
                && !found
                    .iter()
                    .any(|known: &Community| known.iri == community.iri)
            {
                found.push(community);
            }
        }
        found.sort_by(|a, b| a.title.cmp(&b.title));
        Ok(found)
    }

    /// The community, when `by` is one of its owners.
    pub fn owned_by(
        &self,
        community: &NamedNode,
        by: &NamedNode,
    ) -> Result<Community, CommunityError> {
        let current = self
            .get(community)?
            .ok_or_else(|| CommunityError::UnknownCommunity(community.as_str().to_owned()))?;
        current.require_owner(by)?;
        Ok(current)
    }

    /// Adds a member (or changes their role); `by` must be an owner. The web layer calls it only
    /// when the member accepts an invitation from `by`, never on an owner's word alone.
    pub fn set_member(
        &self,
        community: &NamedNode,
        by: &NamedNode,
        member: &AgentRef,
        role: MemberRole,
    ) -> Result<Community, CommunityError> {
        self.change(community, |current| {
            current.require_owner(by)?;
            let agent = self.minter.contributor(&member.key);
            let owners = owners_after(current, &agent, Some(role));
            if owners == 0 {
                return Err(CommunityError::LastOwner);
            }
            current.members.retain(|known| known.agent != agent);
            current.members.push(Member {
                agent,
                name: member.display_name.clone(),
                role,
            });
            Ok(())
        })
    }

    /// Removes a member; `by` must be an owner, and one owner must remain.
    pub fn remove_member(
        &self,
        community: &NamedNode,
        by: &NamedNode,
        agent: &NamedNode,
    ) -> Result<Community, CommunityError> {
        self.change(community, |current| {
            current.require_owner(by)?;
            if owners_after(current, agent, None) == 0 {
                return Err(CommunityError::LastOwner);
            }
            current.members.retain(|known| known.agent != *agent);
            Ok(())
        })
    }

    /// Adds a collection named `title`; `by` must be an owner.
    pub fn add_collection(
        &self,
        community: &NamedNode,
        by: &NamedNode,
        title: &str,
    ) -> Result<Community, CommunityError> {
        self.change(community, |current| {
            current.require_owner(by)?;
            let key = crate::account::token::new_key();
            current.collections.push(Collection {
                iri: NamedNode::new_unchecked(format!("{}#selection-{key}", current.iri.as_str())),
                title: title.trim().to_owned(),
                items: Vec::new(),
            });
            Ok(())
        })
    }

    /// Removes a collection; `by` must be an owner.
    pub fn remove_collection(
        &self,
        community: &NamedNode,
        by: &NamedNode,
        collection: &NamedNode,
    ) -> Result<Community, CommunityError> {
        self.change(community, |current| {
            current.require_owner(by)?;
            current.collection_mut(collection)?;
            current.collections.retain(|known| known.iri != *collection);
            Ok(())
        })
    }

    /// Adds an initiative to a collection; `by` must be a member.
    pub fn add_item(
        &self,
        community: &NamedNode,
        by: &NamedNode,
        collection: &NamedNode,
        initiative: &NamedNode,
    ) -> Result<Community, CommunityError> {
        self.change(community, |current| {
            current.require_member(by)?;
            let items = &mut current.collection_mut(collection)?.items;
            if !items.contains(initiative) {
                items.push(initiative.clone());
            }
            Ok(())
        })
    }

    /// Removes an initiative from a collection; `by` must be a member.
    pub fn remove_item(
        &self,
        community: &NamedNode,
        by: &NamedNode,
        collection: &NamedNode,
        initiative: &NamedNode,
    ) -> Result<Community, CommunityError> {
        self.change(community, |current| {
            current.require_member(by)?;
            current
                .collection_mut(collection)?
                .items
                .retain(|item| item != initiative);
            Ok(())
        })
    }

    /// Reads a community, applies `edit`, checks and writes the result.
    fn change(
        &self,
        iri: &NamedNode,
        edit: impl FnOnce(&mut Community) -> Result<(), CommunityError>,
    ) -> Result<Community, CommunityError> {
        let _one_writer = lock();
        let before = self
            .get(iri)?
            .ok_or_else(|| CommunityError::UnknownCommunity(iri.as_str().to_owned()))?;
        let mut after = before.clone();
        edit(&mut after)?;
        self.save(Some(&before), &after)?;
        Ok(after)
    }

    /// Checks `after` against the shapes, then replaces `before` by it in one transaction.
    fn save(&self, before: Option<&Community>, after: &Community) -> Result<(), CommunityError> {
        let graph = self.minter.graph(&GraphKind::Communities);
        let mut inserted = after.to_quads(&graph);
        for member in &after.members {
            inserted.extend(agent_quads(&graph, member));
        }
        let checked: Vec<Quad> = inserted
            .iter()
            .map(|quad| {
                Quad::new(
                    quad.subject.clone(),
                    quad.predicate.clone(),
                    quad.object.clone(),
                    GraphName::DefaultGraph,
                )
            })
            .collect();
        let report = self.validator.report(&checked);
        let messages: Vec<String> = report
            .results
            .iter()
            .filter(|result| result.severity == Severity::Violation)
            .map(|result| report.message_for(result, "fr"))
            .collect();
        if !messages.is_empty() {
            return Err(CommunityError::Invalid { messages });
        }
        let removed = match before {
            Some(before) => before.to_quads(&graph),
            None => Vec::new(),
        };
        self.store.apply_change(&removed, &inserted)?;
        Ok(())
    }

    /// The community's statements in the communities graph: its own and its fragments'.
    fn own_quads(&self, iri: &NamedNode) -> Result<Vec<Quad>, StoreError> {
        let graph = GraphName::NamedNode(self.minter.graph(&GraphKind::Communities));
        Ok(self
            .store
            .describe(iri.as_ref())?
            .into_iter()
            .filter(|quad| quad.graph_name == graph)
            .collect())
    }

    fn agent_name(&self, agent: &NamedNode) -> Result<String, StoreError> {
        Ok(self
            .store
            .objects(agent.as_ref(), foaf::NAME)?
            .into_iter()
            .find_map(|term| match term {
                Term::Literal(literal) => Some(literal.value().to_owned()),
                _ => None,
            })
            .unwrap_or_else(|| {
                agent
                    .as_str()
                    .rsplit('/')
                    .next()
                    .unwrap_or_default()
                    .to_owned()
            }))
    }

    /// The IRI for a title: its slug, with a number added when it is taken.
    fn free_iri(&self, title: &str) -> Result<NamedNode, StoreError> {
        let mut slug: String = crate::text::slugify(title)
            .chars()
            .take(MAX_SLUG_CHARS)
            .collect();
        slug = slug.trim_matches('-').to_owned();
        if slug.is_empty() {
            slug = "communaute".to_owned();
        }
        let mut candidate = self.minter.community(&slug);
        let mut number = 2;
        while self.store.has_subject(candidate.as_ref())? {
            candidate = self.minter.community(&format!("{slug}-{number}"));
            number += 1;
        }
        Ok(candidate)
    }
}

/// The membership node of an agent in a community: `{community}#membre-{agent key}`.
fn membership_iri(community: &NamedNode, agent: &NamedNode) -> NamedNode {
    let key = agent.as_str().rsplit('/').next().unwrap_or_default();
    NamedNode::new_unchecked(format!("{}#membre-{key}", community.as_str()))
}

/// The public agent of a member: its type and display name. These quads may be shared with
/// other communities and the history, so a community's change never removes them.
fn agent_quads(graph: &NamedNode, member: &Member) -> Vec<Quad> {
    let mut quads = QuadBuffer::new(graph.clone());
    quads.add_type(&member.agent, prov::AGENT);
    quads.add_type(&member.agent, foaf::AGENT);
    quads.add_text(&member.agent, foaf::NAME, &member.name);
    quads.into_quads()
}

/// How many owners the community would have once `agent` has `role` (or is gone).
fn owners_after(community: &Community, agent: &NamedNode, role: Option<MemberRole>) -> usize {
    let others = community
        .members
        .iter()
        .filter(|member| member.agent != *agent && member.role == MemberRole::Owner)
        .count();
    others + usize::from(role == Some(MemberRole::Owner))
}

fn lock() -> std::sync::MutexGuard<'static, ()> {
    WRITES
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// True when `types` holds the community class.
pub fn is_community(types: &[Term]) -> bool {
    types.contains(&Term::from(anc::COMMUNITY.into_owned()))
}

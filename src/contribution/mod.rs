//! Proposals of the collaborative space: the form generated from the shapes, the proposed
//! description built from it and validated before anything is saved, the drafts waiting for a
//! moderator in the private store, and their publication as revisions.

mod draft;
mod form;
mod moderation;
mod values;

use chrono::Utc;
use oxigraph::model::vocab::{rdf, rdfs};
use oxigraph::model::{GraphName, NamedNode, NamedOrBlankNode, Quad, Term, Triple};

pub use self::draft::{Decision, Draft, DraftError, DraftKind, DraftStatus, Drafts};
pub use self::form::{
    ChoiceOption, ContributionForm, Focus, FormField, FormGroup, LookupTarget, Requirement,
    ValueKind, Widget, field_key,
};
pub use self::moderation::{close_report, publish_draft, refuse_draft, revert_revision};
pub use self::values::{FormTriples, FormValues, Lookups, triples_from_values};
use crate::history::TripleDiff;
use crate::iri::{IriMinter, TerritoryKind};
use crate::shapes::ShapeValidator;
use crate::shapes::engine::ValidationReport;
use crate::store::{Store, StoreError};
use crate::territory::Territories;
use crate::vocab::{anc, dct, prov};

/// What can go wrong with a proposal.
#[derive(Debug, thiserror::Error)]
pub enum ContributionError {
    /// A store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// A draft could not be decided on.
    #[error(transparent)]
    Draft(#[from] DraftError),
    /// The change could not be published.
    #[error(transparent)]
    History(#[from] crate::history::HistoryError),
    /// The accounts could not be read.
    #[error(transparent)]
    Account(#[from] crate::account::AccountError),
    /// The platform's shapes, form or territories could not be loaded.
    #[error(transparent)]
    Platform(#[from] Box<crate::platform::PlatformError>),
    /// The proposal no longer conforms to the shapes, the graph having changed since it was
    /// sent.
    #[error("the proposal breaks {0} rules of the shapes against the current graph")]
    Violations(usize),
    /// The draft is not of a kind that can be published (an error report).
    #[error("an error report is closed, not published")]
    NotPublishable,
}

/// The description of an initiative as it stands, split into what the form writes and the rest.
#[derive(Debug, Clone, Default)]
pub struct CurrentDescription {
    /// Triples the form writes (its fields, the nodes they own, the placement).
    pub editable: Vec<Triple>,
    /// Every other triple about the initiative (type, provenance, links, tags).
    pub kept: Vec<Triple>,
}

impl CurrentDescription {
    /// Whether the initiative exists.
    pub fn exists(&self) -> bool {
        !self.kept.is_empty() || !self.editable.is_empty()
    }

    /// Every triple.
    pub fn all(&self) -> Vec<Triple> {
        self.editable.iter().chain(&self.kept).cloned().collect()
    }
}

/// A proposal as built from a filled form.
#[derive(Debug, Clone)]
pub struct Proposal {
    /// New initiative or edit.
    pub kind: DraftKind,
    /// Key of the draft and of the contribution once published.
    pub key: String,
    /// The initiative described.
    pub initiative: NamedNode,
    /// The values as typed, to show the form again.
    pub values: FormValues,
    /// The proposed triples the form writes, with those the platform fills (type, territory,
    /// placement, provenance).
    pub triples: Vec<Triple>,
    /// Statements the form makes about the contribution itself (the note to moderators).
    pub contribution: Vec<(NamedNode, Term)>,
}

impl Proposal {
    /// The note to moderators.
    pub fn comment(&self) -> Option<String> {
        self.contribution
            .iter()
            .find(|(path, _)| *path == rdfs::COMMENT)
            .and_then(|(_, term)| match term {
                Term::Literal(literal) => Some(literal.value().to_owned()),
                _ => None,
            })
    }

    /// The proposal kept in a draft, as it was sent.
    pub fn from_draft(draft: &Draft) -> Self {
        let contribution = draft
            .comment
            .iter()
            .map(|comment| {
                let note = oxigraph::model::Literal::new_language_tagged_literal_unchecked(
                    comment.as_str(),
                    "fr",
                );
                (rdfs::COMMENT.into_owned(), Term::from(note))
            })
            .collect();
        Self {
            kind: draft.kind,
            key: draft.key.clone(),
            initiative: draft.initiative.clone(),
            values: FormValues::default(),
            triples: draft.proposal.clone(),
            contribution,
        }
    }
}

/// What proposals need from the platform.
pub struct ContributionContext<'a> {
    /// The public store.
    pub store: &'a Store,
    /// The deployment's IRIs.
    pub minter: &'a IriMinter,
    /// The territories, for lookups.
    pub territories: &'a Territories,
    /// The shapes' validator.
    pub validator: &'a ShapeValidator,
    /// The form.
    pub form: &'a ContributionForm,
}

impl ContributionContext<'_> {
    /// The lookups of territories and actors.
    pub fn lookups(&self) -> Lookups<'_> {
        Lookups {
            territories: self.territories,
            minter: self.minter,
            store: self.store,
        }
    }

    /// The current description of an initiative (empty when it does not exist).
    pub fn current(&self, initiative: &NamedNode) -> Result<CurrentDescription, StoreError> {
        let mut triples: Vec<Triple> = self
            .store
            .describe(initiative.as_ref())?
            .into_iter()
            .map(Triple::from)
            .collect();
        triples.sort_by_cached_key(ToString::to_string);
        triples.dedup();
        let paths = self.form.initiative_paths();
        let is_field = |triple: &Triple| {
            is_about(triple, initiative)
                && (paths.contains(&&triple.predicate) || triple.predicate == anc::PLACEMENT)
        };
        let owned: Vec<Term> = self
            .form
            .fields()
            .filter(|field| matches!(field.value_kind, ValueKind::Nested(_)))
            .flat_map(|field| {
                triples
                    .iter()
                    .filter(|triple| is_about(triple, initiative) && triple.predicate == field.path)
                    .map(|triple| triple.object.clone())
            })
            .collect();
        let (editable, kept) = triples.into_iter().partition(|triple| {
            is_field(triple) || owned.contains(&Term::from(triple.subject.clone()))
        });
        Ok(CurrentDescription { editable, kept })
    }

    /// The form's values for an initiative's current description.
    pub fn prefill(&self, initiative: &NamedNode, current: &CurrentDescription) -> FormValues {
        FormValues::from_description(self.form, initiative, &current.all(), &self.lookups())
    }

    /// The proposal a filled form makes for `initiative`.
    pub fn build_proposal(
        &self,
        kind: DraftKind,
        key: String,
        initiative: NamedNode,
        values: FormValues,
        current: &CurrentDescription,
    ) -> Proposal {
        let built = triples_from_values(
            self.form,
            &values,
            &initiative,
            &current.all(),
            &self.lookups(),
        );
        let mut triples = built.initiative;
        if kind == DraftKind::Creation {
            triples.push(Triple::new(initiative.clone(), rdf::TYPE, anc::INITIATIVE));
        }
        self.fill_territory_and_placement(&initiative, &mut triples, current);
        let contribution = self.minter.contribution(&key);
        triples.push(Triple::new(
            initiative.clone(),
            prov::WAS_DERIVED_FROM,
            contribution,
        ));
        triples.sort_by_cached_key(ToString::to_string);
        triples.dedup();
        Proposal {
            kind,
            key,
            initiative,
            values,
            triples,
            contribution: built.contribution,
        }
    }

    /// The report on the description the proposal would give, with the contribution it comes
    /// from, as `author` would send it.
    pub fn validate(
        &self,
        proposal: &Proposal,
        current: &CurrentDescription,
        author: &NamedNode,
    ) -> ValidationReport {
        let contribution = self.minter.contribution(&proposal.key);
        let mut triples: Vec<Triple> = current.kept.clone();
        triples.extend(proposal.triples.iter().cloned());
        let about = |predicate, object: Term| Triple::new(contribution.clone(), predicate, object);
        triples.push(about(rdf::TYPE, anc::CONTRIBUTION.into_owned().into()));
        triples.push(about(dct::CREATOR, author.clone().into()));
        triples.push(about(
            dct::CREATED,
            crate::rdf::date_time(Utc::now()).into(),
        ));
        triples.push(about(dct::HAS_PART, proposal.initiative.clone().into()));
        if proposal.kind == DraftKind::Edit {
            triples.push(about(dct::SUBJECT, proposal.initiative.clone().into()));
        }
        for (path, value) in &proposal.contribution {
            triples.push(Triple::new(
                contribution.clone(),
                path.clone(),
                value.clone(),
            ));
        }
        let quads: Vec<Quad> = triples
            .into_iter()
            .map(|triple| triple.in_graph(GraphName::DefaultGraph))
            .collect();
        self.validator.report(&quads)
    }

    /// Whether a proposal changes nothing but its own provenance.
    pub fn changes_nothing(&self, proposal: &Proposal, current: &CurrentDescription) -> bool {
        let diff = TripleDiff::between(&current.editable, &proposal.triples);
        diff.removed.is_empty()
            && diff
                .added
                .iter()
                .all(|triple| triple.predicate == prov::WAS_DERIVED_FROM)
    }

    /// Fills `anc:territory` from the commune when it is missing, and the placement method
    /// from the territory's kind, keeping the current placement when the territory is the same.
    fn fill_territory_and_placement(
        &self,
        initiative: &NamedNode,
        triples: &mut Vec<Triple>,
        current: &CurrentDescription,
    ) {
        let object_of = |triples: &[Triple], predicate| {
            triples
                .iter()
                .find(|triple| is_about(triple, initiative) && triple.predicate == predicate)
                .map(|triple| triple.object.clone())
        };
        if object_of(triples, anc::TERRITORY).is_none()
            && let Some(commune) = object_of(triples, anc::COMMUNE)
        {
            triples.push(Triple::new(initiative.clone(), anc::TERRITORY, commune));
        }
        let territory = object_of(triples, anc::TERRITORY);
        let current_placement = object_of(&current.editable, anc::PLACEMENT);
        let same_territory = territory == object_of(&current.editable, anc::TERRITORY);
        let placement = match current_placement {
            Some(placement) if same_territory => placement,
            _ => self.placement_for(territory.as_ref()).into(),
        };
        triples.push(Triple::new(initiative.clone(), anc::PLACEMENT, placement));
    }

    /// The placement method that says how a contributor's territory was chosen.
    fn placement_for(&self, territory: Option<&Term>) -> NamedNode {
        let kind = match territory {
            Some(Term::NamedNode(territory)) => self
                .minter
                .relative(territory.as_str())
                .and_then(|path| path.strip_prefix("territoire/"))
                .and_then(|path| path.split('/').next())
                .and_then(TerritoryKind::from_slug),
            _ => None,
        };
        let slug = match kind {
            Some(TerritoryKind::Commune) => "code-insee",
            Some(TerritoryKind::Departement) => "departement",
            Some(TerritoryKind::Region | TerritoryKind::CollectiviteOutreMer) => "region",
            _ => "non-place",
        };
        self.minter.concept("placement", slug)
    }
}

fn is_about(triple: &Triple, subject: &NamedNode) -> bool {
    matches!(&triple.subject, NamedOrBlankNode::NamedNode(node) if node == subject)
}

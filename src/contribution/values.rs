//! What a person typed in the contribution form, and the triples it stands for, both ways: the
//! values of a form become triples, and the description of an initiative prefills the form.

use std::collections::BTreeMap;

use oxigraph::model::vocab::{rdf, xsd};
use oxigraph::model::{Literal, NamedNode, NamedOrBlankNode, Term, Triple};
use serde::Serialize;

use super::form::{ContributionForm, Focus, FormField, LookupTarget, ValueKind};
use crate::iri::{IriMinter, TerritoryKind};
use crate::store::Store;
use crate::territory::Territories;
use crate::vocab::anc;

/// The texts of each field, by field key, as typed or as prefilled.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct FormValues {
    by_key: BTreeMap<String, Vec<String>>,
}

/// The triples a filled form stands for.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FormTriples {
    /// Statements about the initiative and the nodes it owns (its position).
    pub initiative: Vec<Triple>,
    /// (property, value) pairs about the contribution itself.
    pub contribution: Vec<(NamedNode, Term)>,
}

/// Finds the IRIs behind the texts of lookup fields, and the texts shown for IRIs.
pub struct Lookups<'a> {
    /// The territories of the geographic code.
    pub territories: &'a Territories,
    /// The deployment's IRIs.
    pub minter: &'a IriMinter,
    /// The public graph, for actors.
    pub store: &'a Store,
}

impl FormValues {
    /// The non-empty values sent for each field of `form`, from a form's (name, value) pairs.
    pub fn from_pairs(form: &ContributionForm, pairs: &[(String, String)]) -> Self {
        let mut by_key = BTreeMap::new();
        for field in form.fields() {
            let values: Vec<String> = pairs
                .iter()
                .filter(|(name, _)| *name == field.key)
                .map(|(_, value)| value.trim().to_owned())
                .filter(|value| !value.is_empty())
                .collect();
            if !values.is_empty() {
                by_key.insert(field.key.clone(), values);
            }
        }
        Self { by_key }
    }

    /// The values shown for an initiative's current description.
    pub fn from_description(
        form: &ContributionForm,
        initiative: &NamedNode,
        triples: &[Triple],
        lookups: &Lookups<'_>,
    ) -> Self {
        let mut by_key = BTreeMap::new();
        for field in form
            .fields()
            .filter(|field| field.focus == Focus::Initiative)
        {
            let values: Vec<String> = objects(triples, initiative, &field.path)
                .iter()
                .filter_map(|object| shown_value(field, object, triples, lookups))
                .collect();
            if !values.is_empty() {
                by_key.insert(field.key.clone(), values);
            }
        }
        Self { by_key }
    }

    /// The values of one field.
    pub fn values(&self, key: &str) -> &[String] {
        self.by_key.get(key).map_or(&[], Vec::as_slice)
    }

    /// Whether nothing was given.
    pub fn is_empty(&self) -> bool {
        self.by_key.is_empty()
    }
}

/// The triples the values stand for. `current` is the initiative's present description, whose
/// owned nodes (its position) keep their IRIs.
pub fn triples_from_values(
    form: &ContributionForm,
    values: &FormValues,
    initiative: &NamedNode,
    current: &[Triple],
    lookups: &Lookups<'_>,
) -> FormTriples {
    let mut triples = FormTriples::default();
    for field in form.fields() {
        for text in values.values(&field.key) {
            match field.focus {
                Focus::Initiative => add_initiative_value(
                    &mut triples.initiative,
                    field,
                    text,
                    initiative,
                    current,
                    lookups,
                ),
                Focus::Contribution => {
                    if let Some(term) = simple_term(&field.value_kind, text) {
                        triples.contribution.push((field.path.clone(), term));
                    }
                }
            }
        }
    }
    triples.initiative.sort_by_cached_key(ToString::to_string);
    triples.initiative.dedup();
    triples
}

fn add_initiative_value(
    triples: &mut Vec<Triple>,
    field: &FormField,
    text: &str,
    initiative: &NamedNode,
    current: &[Triple],
    lookups: &Lookups<'_>,
) {
    let object = match &field.value_kind {
        ValueKind::Lookup(target) => lookups.resolve(target, text),
        ValueKind::Nested(nested) => {
            let node = objects(current, initiative, &field.path)
                .into_iter()
                .find_map(|term| match term {
                    Term::NamedNode(node) => Some(node),
                    _ => None,
                })
                .unwrap_or_else(|| {
                    NamedNode::new_unchecked(format!("{}#{}", initiative.as_str(), nested.fragment))
                });
            if let Some(class) = &nested.class {
                triples.push(Triple::new(node.clone(), rdf::TYPE, class.clone()));
            }
            let value = Literal::new_typed_literal(text, nested.datatype.clone());
            triples.push(Triple::new(node.clone(), nested.path.clone(), value));
            Term::from(node)
        }
        kind => match simple_term(kind, text) {
            Some(term) => term,
            None => return,
        },
    };
    triples.push(Triple::new(initiative.clone(), field.path.clone(), object));
}

/// The term for a text of a literal, link or choice field.
fn simple_term(kind: &ValueKind, text: &str) -> Option<Term> {
    Some(match kind {
        ValueKind::Tagged(language) => {
            Literal::new_language_tagged_literal_unchecked(text, language.as_str()).into()
        }
        ValueKind::Typed(datatype) if *datatype == xsd::STRING => {
            Literal::new_simple_literal(text).into()
        }
        ValueKind::Typed(datatype) => Literal::new_typed_literal(text, datatype.clone()).into(),
        // Text that is no IRI stays a literal, so that the report says what is wrong with it.
        ValueKind::Iri | ValueKind::Choice => match NamedNode::new(text) {
            Ok(node) => node.into(),
            Err(_) => Literal::new_simple_literal(text).into(),
        },
        ValueKind::Lookup(_) | ValueKind::Nested(_) => return None,
    })
}

fn shown_value(
    field: &FormField,
    object: &Term,
    triples: &[Triple],
    lookups: &Lookups<'_>,
) -> Option<String> {
    match (&field.value_kind, object) {
        (ValueKind::Lookup(target), Term::NamedNode(node)) => Some(lookups.display(target, node)),
        (ValueKind::Nested(nested), Term::NamedNode(node)) => objects(triples, node, &nested.path)
            .iter()
            .find_map(|value| match value {
                Term::Literal(literal) => Some(literal.value().to_owned()),
                _ => None,
            }),
        (_, Term::NamedNode(node)) => Some(node.as_str().to_owned()),
        (_, Term::Literal(literal)) => Some(literal.value().to_owned()),
        _ => None,
    }
}

fn objects(triples: &[Triple], subject: &NamedNode, predicate: &NamedNode) -> Vec<Term> {
    triples
        .iter()
        .filter(|triple| {
            matches!(&triple.subject, NamedOrBlankNode::NamedNode(node) if node == subject)
                && triple.predicate == *predicate
        })
        .map(|triple| triple.object.clone())
        .collect()
}

impl Lookups<'_> {
    /// The resource a text names: an IRI of the site, `Name (key)` as the suggestions write
    /// it, a bare code, or a name that only one resource has. Text that names nothing stays a
    /// literal, so that the report says the value is not of the expected kind.
    pub fn resolve(&self, target: &LookupTarget, text: &str) -> Term {
        if let Ok(node) = NamedNode::new(text)
            && self.minter.relative(node.as_str()).is_some()
        {
            return node.into();
        }
        let key = bracketed_key(text).unwrap_or(text).trim();
        let found = match target {
            LookupTarget::Territories(kinds) => self.find_territory(kinds, key, text),
            LookupTarget::Actors => self.find_actor(key, text),
        };
        found.map_or_else(|| Literal::new_simple_literal(text).into(), Term::from)
    }

    /// The text shown for a resource: `Name (key)`, which [`Lookups::resolve`] reads back.
    pub fn display(&self, target: &LookupTarget, iri: &NamedNode) -> String {
        let relative = self.minter.relative(iri.as_str());
        match (target, relative) {
            (LookupTarget::Territories(_), Some(relative)) => relative
                .strip_prefix("territoire/")
                .and_then(|rest| rest.split_once('/'))
                .and_then(|(slug, code)| {
                    let kind = TerritoryKind::from_slug(slug)?;
                    let territory = self.territories.get(kind, code)?;
                    Some(format!("{} ({})", territory.name, territory.code))
                })
                .unwrap_or_else(|| iri.as_str().to_owned()),
            (LookupTarget::Actors, Some(relative)) => {
                let name = self
                    .store
                    .objects(iri.as_ref(), anc::NAME)
                    .ok()
                    .and_then(|names| crate::rdf::pick_language(&names, "fr"));
                match name {
                    Some(name) => format!("{name} ({relative})"),
                    None => relative.to_owned(),
                }
            }
            _ => iri.as_str().to_owned(),
        }
    }

    fn find_territory(&self, kinds: &[TerritoryKind], key: &str, text: &str) -> Option<NamedNode> {
        for kind in kinds {
            if let Some(territory) = self.territories.get(*kind, &key.to_uppercase()) {
                return Some(self.minter.territory(*kind, &territory.code));
            }
        }
        let wanted = crate::text::place_name_key(text);
        let mut named = kinds.iter().flat_map(|kind| {
            self.territories
                .of_kind(*kind)
                .filter(|territory| crate::text::place_name_key(&territory.name) == wanted)
                .map(|territory| self.minter.territory(territory.kind, &territory.code))
        });
        let first = named.next()?;
        named.next().is_none().then_some(first)
    }

    fn find_actor(&self, key: &str, text: &str) -> Option<NamedNode> {
        if key.starts_with("acteur/") && !key.contains(char::is_whitespace) {
            let actor = self.minter.at(key);
            if self.store.has_subject(actor.as_ref()).unwrap_or(false) {
                return Some(actor);
            }
        }
        let name = Term::from(Literal::new_simple_literal(text.trim()));
        let actors = self.store.subjects(anc::NAME, name.as_ref()).ok()?;
        match actors.as_slice() {
            [NamedOrBlankNode::NamedNode(actor)] => Some(actor.clone()),
            _ => None,
        }
    }
}

/// `key` in `Name (key)`.
fn bracketed_key(text: &str) -> Option<&str> {
    let inner = text.trim().strip_suffix(')')?;
    let open = inner.rfind('(')?;
    Some(&inner[open + 1..])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_key_between_the_last_brackets_is_read() {
        assert_eq!(bracketed_key("Bourg-en-Bresse (01053)"), Some("01053"));
        assert_eq!(bracketed_key("A (b) (acteur/x/1)"), Some("acteur/x/1"));
        assert_eq!(bracketed_key("Bourg"), None);
    }

    #[test]
    fn text_that_is_no_iri_stays_a_literal_for_the_report() {
        let term = simple_term(&ValueKind::Iri, "pas une adresse").unwrap();
        assert!(matches!(term, Term::Literal(_)));
        let term = simple_term(&ValueKind::Iri, "javascript:alert(1)").unwrap();
        assert!(
            matches!(term, Term::NamedNode(_)),
            "the shape's pattern refuses it"
        );
        let term = simple_term(&ValueKind::Tagged("fr".into()), "Bonjour").unwrap();
        assert_eq!(term.to_string(), "\"Bonjour\"@fr");
    }
}

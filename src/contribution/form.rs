//! The contribution form, generated from the shapes: one field per property path of the node
//! shapes that target initiatives and contributions, with its label (`sh:name`), help
//! (`sh:description`), section (`sh:group`), rank (`sh:order`), requirement (`sh:minCount` and
//! the severity) and widget (datatype, node kind, class, value shape). A property added to a
//! shape appears in the form without any template work; `dash:hidden true` keeps out the
//! properties the platform fills itself.

use std::collections::BTreeMap;

use oxigraph::model::vocab::{rdf, rdfs, xsd};
use oxigraph::model::{Graph, NamedNode, NamedNodeRef, NamedOrBlankNodeRef, Term, TermRef};
use serde::Serialize;

use crate::iri::TerritoryKind;
use crate::shapes::engine::vocab as shv;
use crate::store::{Store, StoreError};
use crate::vocab::{anc, dash, igeo, sh, skos};

/// Text longer than this many characters gets a multi-line box.
const LONG_TEXT_CHARS: usize = 300;

/// Whose statement a field makes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Focus {
    /// The initiative described.
    Initiative,
    /// The contribution itself (the note to moderators).
    Contribution,
}

/// Whether a field must be filled.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Requirement {
    /// A violation when empty: saving is blocked.
    Required,
    /// A warning or advice when empty.
    Recommended,
    /// Nothing is said when empty.
    Optional,
}

/// How a field's text becomes an RDF term.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ValueKind {
    /// A literal tagged with this language.
    Tagged(String),
    /// A literal of this datatype (`xsd:string` gives a simple literal).
    Typed(NamedNode),
    /// An IRI typed by the person (a web address).
    Iri,
    /// An IRI picked from a list.
    Choice,
    /// An IRI found from text by a lookup.
    Lookup(LookupTarget),
    /// A node of its own, minted under the focus, holding one literal.
    Nested(NestedValue),
}

/// What a lookup field searches.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LookupTarget {
    /// Territories of these kinds.
    Territories(Vec<TerritoryKind>),
    /// Actors of the graph.
    Actors,
}

/// A value held by a node of its own, as a position holds its WKT point.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NestedValue {
    /// The node's class.
    pub class: Option<NamedNode>,
    /// The property of the node holding the value.
    pub path: NamedNode,
    /// The value's datatype.
    pub datatype: NamedNode,
    /// The fragment of new nodes' IRIs under the focus.
    pub fragment: String,
}

/// One entry of a list of values.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ChoiceOption {
    /// The value sent (an IRI or a literal's text).
    pub value: String,
    /// What the person reads.
    pub label: String,
}

/// How a field is shown.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum Widget {
    /// A text box, on several lines when `long`.
    Text {
        /// Whether the text may be long.
        long: bool,
        /// Most characters, when the shapes say.
        max_length: Option<usize>,
        /// Language of the text, when it is tagged.
        language: Option<String>,
    },
    /// A date.
    Date,
    /// A web address.
    Url,
    /// A list of values to tick or pick.
    Choice {
        /// The values.
        options: Vec<ChoiceOption>,
    },
    /// A text box suggesting values from a JSON endpoint of the site.
    Lookup {
        /// The endpoint (`/api/territoires?types=commune`), to which `&q=` is added.
        endpoint: String,
    },
}

/// One field of the form.
#[derive(Debug, Clone, Serialize)]
pub struct FormField {
    /// Name of the form parameter and base of the HTML ids.
    pub key: String,
    /// Label, from `sh:name`.
    pub label: String,
    /// Help, from the `sh:description` of every shape merged into the field.
    pub help: Vec<String>,
    /// Whether it must be filled.
    pub requirement: Requirement,
    /// Whether it takes several values.
    pub multiple: bool,
    /// How it is shown.
    pub widget: Widget,
    /// The property.
    #[serde(skip)]
    pub path: NamedNode,
    /// Whose statement it makes.
    #[serde(skip)]
    pub focus: Focus,
    /// How its text becomes a term.
    #[serde(skip)]
    pub value_kind: ValueKind,
    /// The property shapes merged into the field, to place report results beside it.
    #[serde(skip)]
    pub shapes: Vec<Term>,
    #[serde(skip)]
    order: f64,
}

/// One section of the form.
#[derive(Debug, Clone, Serialize)]
pub struct FormGroup {
    /// Base of the HTML ids.
    pub key: String,
    /// Title, from the group's `rdfs:label`.
    pub label: String,
    /// Introduction, from its `rdfs:comment`.
    pub description: Option<String>,
    /// The fields, in order.
    pub fields: Vec<FormField>,
    #[serde(skip)]
    order: f64,
}

/// The whole form, section by section.
#[derive(Debug, Clone, Serialize)]
pub struct ContributionForm {
    /// The sections, in order.
    pub groups: Vec<FormGroup>,
}

impl ContributionForm {
    /// The form for initiatives and their contributions, from the shapes graph; value lists
    /// are read from the vocabularies in `store`.
    pub fn from_shapes(shapes: &Graph, store: &Store) -> Result<Self, StoreError> {
        let mut reader = FormReader {
            graph: shapes,
            store,
            fields: BTreeMap::new(),
        };
        for (class, focus) in [
            (anc::INITIATIVE, Focus::Initiative),
            (anc::CONTRIBUTION, Focus::Contribution),
        ] {
            for node_shape in reader.subjects(shv::TARGET_CLASS, class.into()) {
                for property in reader.objects(&node_shape, shv::PROPERTY) {
                    reader.add_property_shape(&property, focus)?;
                }
            }
        }
        Ok(reader.into_form())
    }

    /// Every field, section after section.
    pub fn fields(&self) -> impl Iterator<Item = &FormField> {
        self.groups.iter().flat_map(|group| group.fields.iter())
    }

    /// The field with this key.
    pub fn field(&self, key: &str) -> Option<&FormField> {
        self.fields().find(|field| field.key == key)
    }

    /// The field a report result belongs to, by the shape that produced it.
    pub fn field_of_shape(&self, shape: &Term) -> Option<&FormField> {
        self.fields().find(|field| field.shapes.contains(shape))
    }

    /// The properties of the initiative that the form writes.
    pub fn initiative_paths(&self) -> Vec<&NamedNode> {
        self.fields()
            .filter(|field| field.focus == Focus::Initiative)
            .map(|field| &field.path)
            .collect()
    }
}

struct FormReader<'a> {
    graph: &'a Graph,
    store: &'a Store,
    /// Fields under construction, by (focus, path).
    fields: BTreeMap<(u8, String), Draft>,
}

/// A field while its property shapes are being merged.
struct Draft {
    focus: Focus,
    path: NamedNode,
    shapes: Vec<Term>,
    names: Vec<String>,
    help: Vec<String>,
    order: f64,
    group: Option<Term>,
    required: bool,
    recommended: bool,
    single: bool,
    widget: Option<(Widget, ValueKind)>,
    max_length: Option<usize>,
}

impl FormReader<'_> {
    fn add_property_shape(&mut self, shape: &Term, focus: Focus) -> Result<(), StoreError> {
        let Some(Term::NamedNode(path)) = self.object(shape, shv::PATH) else {
            return Ok(());
        };
        if self.boolean(shape, dash::HIDDEN) {
            return Ok(());
        }
        let min_count = self.integer(shape, shv::MIN_COUNT).unwrap_or(0);
        let is_violation = self
            .object(shape, shv::SEVERITY)
            .is_none_or(|severity| severity == Term::from(shv::VIOLATION));
        let widget = self.widget_of(shape)?;
        let max_count = self.integer(shape, shv::MAX_COUNT);
        let max_length = self.integer(shape, shv::MAX_LENGTH);
        let key = (focus as u8, path.as_str().to_owned());
        let draft = self.fields.entry(key).or_insert_with(|| Draft {
            focus,
            path: path.clone(),
            shapes: Vec::new(),
            names: Vec::new(),
            help: Vec::new(),
            order: f64::MAX,
            group: None,
            required: false,
            recommended: false,
            single: false,
            widget: None,
            max_length: None,
        });
        draft.shapes.push(shape.clone());
        let graph = self.graph;
        draft.names.extend(french_text(graph, shape, sh::NAME));
        for help in french_text(graph, shape, sh::DESCRIPTION) {
            if !draft.help.contains(&help) {
                draft.help.push(help);
            }
        }
        if let Some(order) = number(graph, shape, sh::ORDER) {
            draft.order = draft.order.min(order);
        }
        draft.group = draft
            .group
            .take()
            .or_else(|| object(graph, shape, sh::GROUP));
        draft.required |= min_count >= 1 && is_violation;
        draft.recommended |= min_count >= 1 && !is_violation;
        draft.single |= max_count == Some(1);
        if let Some(length) = max_length {
            draft.max_length = Some(length as usize);
        }
        if draft.widget.is_none() {
            draft.widget = widget;
        }
        Ok(())
    }

    /// The widget a property shape asks for, if its constraints say what values it takes.
    fn widget_of(&self, shape: &Term) -> Result<Option<(Widget, ValueKind)>, StoreError> {
        let classes = self.value_classes(shape);
        if let Some(kinds) = territory_kinds(&classes) {
            let slugs: Vec<&str> = kinds.iter().map(|kind| kind.slug()).collect();
            let endpoint = format!("/api/territoires?types={}", slugs.join(","));
            let widget = Widget::Lookup { endpoint };
            return Ok(Some((
                widget,
                ValueKind::Lookup(LookupTarget::Territories(kinds)),
            )));
        }
        if classes.iter().any(|class| *class == anc::ACTOR) {
            let widget = Widget::Lookup {
                endpoint: "/api/acteurs?".to_owned(),
            };
            return Ok(Some((widget, ValueKind::Lookup(LookupTarget::Actors))));
        }
        if let Some(value_shape) = self.object(shape, shv::NODE) {
            if let Some(scheme) = self.concept_scheme(&value_shape) {
                let options = concept_options(self.store, &scheme)?;
                return Ok(Some((Widget::Choice { options }, ValueKind::Choice)));
            }
            if let Some(nested) = self.nested_value(&value_shape, shape) {
                let widget = Widget::Text {
                    long: false,
                    max_length: None,
                    language: None,
                };
                return Ok(Some((widget, ValueKind::Nested(nested))));
            }
        }
        let members = self.list(self.object(shape, shv::IN));
        if !members.is_empty() {
            let options = members
                .iter()
                .map(|member| {
                    let value = term_text(member);
                    ChoiceOption {
                        label: value.clone(),
                        value,
                    }
                })
                .collect();
            return Ok(Some((Widget::Choice { options }, ValueKind::Choice)));
        }
        Ok(self.literal_widget(shape))
    }

    fn literal_widget(&self, shape: &Term) -> Option<(Widget, ValueKind)> {
        let max_length = self
            .integer(shape, shv::MAX_LENGTH)
            .map(|length| length as usize);
        let long = max_length.is_some_and(|length| length > LONG_TEXT_CHARS);
        match self.object(shape, shv::DATATYPE) {
            Some(Term::NamedNode(datatype)) if datatype == xsd::DATE => {
                Some((Widget::Date, ValueKind::Typed(datatype)))
            }
            Some(Term::NamedNode(datatype)) if datatype == rdf::LANG_STRING => {
                let language = self
                    .list(self.object(shape, shv::LANGUAGE_IN))
                    .first()
                    .map(term_text)
                    .unwrap_or_else(|| "fr".to_owned());
                let widget = Widget::Text {
                    long: true,
                    max_length,
                    language: Some(language.clone()),
                };
                Some((widget, ValueKind::Tagged(language)))
            }
            Some(Term::NamedNode(datatype)) => {
                let widget = Widget::Text {
                    long,
                    max_length,
                    language: None,
                };
                Some((widget, ValueKind::Typed(datatype)))
            }
            _ if self.object(shape, shv::NODE_KIND) == Some(Term::from(shv::IRI)) => {
                Some((Widget::Url, ValueKind::Iri))
            }
            _ => None,
        }
    }

    /// The classes the values must have: `sh:class`, or those of the value shapes of `sh:or`.
    fn value_classes(&self, shape: &Term) -> Vec<NamedNode> {
        let mut classes: Vec<NamedNode> = self.named(shape, shv::CLASS).into_iter().collect();
        for alternative in self.list(self.object(shape, shv::OR)) {
            classes.extend(self.named(&alternative, shv::CLASS));
        }
        classes
    }

    /// The scheme of a value shape of the form "a skos:Concept in scheme S".
    fn concept_scheme(&self, value_shape: &Term) -> Option<NamedNode> {
        if self.named(value_shape, shv::CLASS)? != skos::CONCEPT {
            return None;
        }
        self.objects(value_shape, shv::PROPERTY)
            .iter()
            .filter(|property| {
                self.named(property, shv::PATH).as_ref() == Some(&skos::IN_SCHEME.into_owned())
            })
            .find_map(|property| self.named(property, shv::HAS_VALUE))
    }

    /// A value shape of the form "a node of class C holding one literal of datatype D".
    fn nested_value(&self, value_shape: &Term, outer: &Term) -> Option<NestedValue> {
        let properties = self.objects(value_shape, shv::PROPERTY);
        let [property] = properties.as_slice() else {
            return None;
        };
        let datatype = self.named(property, shv::DATATYPE)?;
        let path = self.named(property, shv::PATH)?;
        let outer_path = self.named(outer, shv::PATH)?;
        let fragment = local_name(outer_path.as_str()).to_owned();
        Some(NestedValue {
            class: self.named(value_shape, shv::CLASS),
            path,
            datatype,
            fragment,
        })
    }

    fn into_form(self) -> ContributionForm {
        let graph = self.graph;
        let mut groups: BTreeMap<String, FormGroup> = BTreeMap::new();
        for draft in self.fields.into_values() {
            let Some((widget, value_kind)) = draft.widget else {
                continue;
            };
            let widget = match widget {
                Widget::Text { long, language, .. } => Widget::Text {
                    long,
                    max_length: draft.max_length,
                    language,
                },
                other => other,
            };
            let group_term = draft.group.clone();
            let group_key = group_term.as_ref().map(term_text).unwrap_or_default();
            let group = groups
                .entry(group_key.clone())
                .or_insert_with(|| FormGroup {
                    key: format!("groupe-{}", local_name(&group_key).to_lowercase()),
                    label: group_term
                        .as_ref()
                        .and_then(|group| french_text(graph, group, rdfs::LABEL).into_iter().next())
                        .unwrap_or_else(|| "Autres".to_owned()),
                    description: group_term.as_ref().and_then(|group| {
                        french_text(graph, group, rdfs::COMMENT).into_iter().next()
                    }),
                    fields: Vec::new(),
                    order: group_term
                        .as_ref()
                        .and_then(|group| number(graph, group, sh::ORDER))
                        .unwrap_or(f64::MAX),
                });
            group.fields.push(FormField {
                key: field_key(&draft.path, draft.focus),
                label: draft
                    .names
                    .first()
                    .cloned()
                    .unwrap_or_else(|| local_name(draft.path.as_str()).to_owned()),
                help: draft.help,
                requirement: if draft.required {
                    Requirement::Required
                } else if draft.recommended {
                    Requirement::Recommended
                } else {
                    Requirement::Optional
                },
                multiple: !draft.single,
                widget,
                path: draft.path,
                focus: draft.focus,
                value_kind,
                shapes: draft.shapes,
                order: draft.order,
            });
        }
        let mut groups: Vec<FormGroup> = groups.into_values().collect();
        for group in &mut groups {
            group
                .fields
                .sort_by(|a, b| a.order.total_cmp(&b.order).then_with(|| a.key.cmp(&b.key)));
        }
        groups.sort_by(|a, b| a.order.total_cmp(&b.order).then_with(|| a.key.cmp(&b.key)));
        ContributionForm { groups }
    }

    fn object(&self, subject: &Term, predicate: NamedNodeRef<'_>) -> Option<Term> {
        object(self.graph, subject, predicate)
    }

    fn objects(&self, subject: &Term, predicate: NamedNodeRef<'_>) -> Vec<Term> {
        let Some(subject) = as_subject(subject) else {
            return Vec::new();
        };
        self.graph
            .objects_for_subject_predicate(subject, predicate)
            .map(TermRef::into_owned)
            .collect()
    }

    fn subjects(&self, predicate: NamedNodeRef<'_>, object: TermRef<'_>) -> Vec<Term> {
        self.graph
            .subjects_for_predicate_object(predicate, object)
            .map(|subject| Term::from(subject.into_owned()))
            .collect()
    }

    fn named(&self, subject: &Term, predicate: NamedNodeRef<'_>) -> Option<NamedNode> {
        match self.object(subject, predicate)? {
            Term::NamedNode(node) => Some(node),
            _ => None,
        }
    }

    fn integer(&self, subject: &Term, predicate: NamedNodeRef<'_>) -> Option<u64> {
        match self.object(subject, predicate)? {
            Term::Literal(literal) => literal.value().parse().ok(),
            _ => None,
        }
    }

    fn boolean(&self, subject: &Term, predicate: NamedNodeRef<'_>) -> bool {
        matches!(self.object(subject, predicate), Some(Term::Literal(literal)) if literal.value() == "true")
    }

    /// The members of an RDF list.
    fn list(&self, head: Option<Term>) -> Vec<Term> {
        let mut members = Vec::new();
        let mut node = head;
        while let Some(current) = node {
            if current == Term::from(rdf::NIL) || members.len() > 1000 {
                break;
            }
            members.extend(self.object(&current, rdf::FIRST));
            node = self.object(&current, rdf::REST);
        }
        members
    }
}

/// The parameter name of a field: the compact property, `anc-name` or `rdfs-comment`, with a
/// `contribution-` prefix for the contribution's own fields.
pub fn field_key(path: &NamedNode, focus: Focus) -> String {
    let compact = crate::vocab::PREFIXES
        .iter()
        .find_map(|(prefix, namespace)| {
            path.as_str()
                .strip_prefix(namespace)
                .map(|local| format!("{prefix}-{local}"))
        })
        .unwrap_or_else(|| crate::text::slugify(path.as_str()));
    match focus {
        Focus::Initiative => compact,
        Focus::Contribution => format!("contribution-{compact}"),
    }
}

fn territory_kinds(classes: &[NamedNode]) -> Option<Vec<TerritoryKind>> {
    let kinds: Vec<TerritoryKind> = classes
        .iter()
        .filter_map(|class| match class.as_ref() {
            class if class == igeo::COMMUNE => Some(TerritoryKind::Commune),
            class if class == igeo::DEPARTEMENT => Some(TerritoryKind::Departement),
            class if class == igeo::REGION => Some(TerritoryKind::Region),
            class if class == igeo::INTERCOMMUNALITE => Some(TerritoryKind::Epci),
            class if class == igeo::ARRONDISSEMENT => Some(TerritoryKind::Arrondissement),
            class if class == igeo::COLLECTIVITE_D_OUTRE_MER => {
                Some(TerritoryKind::CollectiviteOutreMer)
            }
            _ => None,
        })
        .collect();
    (!kinds.is_empty() && kinds.len() == classes.len()).then_some(kinds)
}

fn concept_options(store: &Store, scheme: &NamedNode) -> Result<Vec<ChoiceOption>, StoreError> {
    let rows = store.select(
        include_str!("../../queries/scheme-concepts.rq"),
        &[("scheme", scheme.clone().into())],
    )?;
    let mut options: Vec<ChoiceOption> = rows
        .iter()
        .filter_map(|row| {
            let value = row.text("concept")?.to_owned();
            let label = row
                .text("label")
                .map_or_else(|| value.clone(), str::to_owned);
            Some(ChoiceOption { value, label })
        })
        .collect();
    options.sort_by_cached_key(|option| crate::text::fold(&option.label));
    options.dedup_by(|a, b| a.value == b.value);
    Ok(options)
}

fn object(graph: &Graph, subject: &Term, predicate: NamedNodeRef<'_>) -> Option<Term> {
    graph
        .object_for_subject_predicate(as_subject(subject)?, predicate)
        .map(TermRef::into_owned)
}

fn number(graph: &Graph, subject: &Term, predicate: NamedNodeRef<'_>) -> Option<f64> {
    match object(graph, subject, predicate)? {
        Term::Literal(literal) => literal.value().parse().ok(),
        _ => None,
    }
}

/// The French texts of `predicate`, else the untagged ones.
fn french_text(graph: &Graph, subject: &Term, predicate: NamedNodeRef<'_>) -> Vec<String> {
    let Some(node) = as_subject(subject) else {
        return Vec::new();
    };
    let terms: Vec<Term> = graph
        .objects_for_subject_predicate(node, predicate)
        .map(TermRef::into_owned)
        .collect();
    crate::rdf::pick_language(&terms, "fr")
        .into_iter()
        .collect()
}

fn as_subject(term: &Term) -> Option<NamedOrBlankNodeRef<'_>> {
    match term {
        Term::NamedNode(node) => Some(node.as_ref().into()),
        Term::BlankNode(node) => Some(node.as_ref().into()),
        _ => None,
    }
}

fn term_text(term: &Term) -> String {
    match term {
        Term::NamedNode(node) => node.as_str().to_owned(),
        Term::Literal(literal) => literal.value().to_owned(),
        other => other.to_string(),
    }
}

fn local_name(iri: &str) -> &str {
    iri.rsplit(['#', '/']).next().unwrap_or(iri)
}

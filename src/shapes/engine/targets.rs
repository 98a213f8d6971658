//! Targets: how a shape selects its focus nodes in the data graph.

use oxrdf::vocab::rdfs;
use oxrdf::{NamedNode, NamedNodeRef, Term};

use super::data::DataGraph;
use super::error::ShapeError;
use super::node_set::NodeSet;
use super::reader::ShapesReader;
use super::vocab as sh;

/// One way a shape selects focus nodes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Target {
    /// `sh:targetNode`: the node itself, whether or not it occurs in the data.
    Node(Term),
    /// `sh:targetClass`, or an implicit class target: every SHACL instance of the class.
    Class(Term),
    /// `sh:targetSubjectsOf`: every subject of the predicate.
    SubjectsOf(NamedNode),
    /// `sh:targetObjectsOf`: every object of the predicate.
    ObjectsOf(NamedNode),
}

impl Target {
    /// The focus nodes this target selects.
    fn focus_nodes(&self, data: &dyn DataGraph) -> Vec<Term> {
        match self {
            Self::Node(node) => vec![node.clone()],
            Self::Class(class) => data.instances_of(class),
            Self::SubjectsOf(predicate) => data.subjects_with_predicate(predicate.as_ref()),
            Self::ObjectsOf(predicate) => data.objects_with_predicate(predicate.as_ref()),
        }
    }

    /// Whether this target selects the node, without listing all focus nodes.
    fn selects(&self, data: &dyn DataGraph, node: &Term) -> bool {
        match self {
            Self::Node(target) => target == node,
            Self::Class(class) => data.has_class(node, class),
            Self::SubjectsOf(predicate) => !data.objects(node, predicate.as_ref()).is_empty(),
            Self::ObjectsOf(predicate) => !data.subjects(predicate.as_ref(), node).is_empty(),
        }
    }
}

/// The distinct focus nodes selected by any of the targets, in a stable order.
pub(super) fn focus_nodes(targets: &[Target], data: &dyn DataGraph) -> Vec<Term> {
    let mut nodes = NodeSet::default();
    for target in targets {
        nodes.extend(target.focus_nodes(data));
    }
    nodes.into_vec()
}

/// Whether any of the targets selects the node.
pub(super) fn any_selects(targets: &[Target], data: &dyn DataGraph, node: &Term) -> bool {
    targets.iter().any(|target| target.selects(data, node))
}

/// Reads the explicit targets of a shape, and its implicit class target if it is a class.
pub(super) fn read_targets(
    reader: &ShapesReader<'_>,
    shape: &Term,
) -> Result<Vec<Target>, ShapeError> {
    let mut targets: Vec<Target> = reader
        .objects(shape, sh::TARGET_NODE)
        .into_iter()
        .map(Target::Node)
        .collect();

    for class in reader.objects(shape, sh::TARGET_CLASS) {
        if class.is_literal() {
            let expected = "an IRI naming a class";
            return Err(ShapeError::invalid_value(
                shape,
                sh::TARGET_CLASS,
                class,
                expected,
            ));
        }
        targets.push(Target::Class(class));
    }
    for value in reader.objects(shape, sh::TARGET_SUBJECTS_OF) {
        let predicate = predicate_value(shape, sh::TARGET_SUBJECTS_OF, value)?;
        targets.push(Target::SubjectsOf(predicate));
    }
    for value in reader.objects(shape, sh::TARGET_OBJECTS_OF) {
        let predicate = predicate_value(shape, sh::TARGET_OBJECTS_OF, value)?;
        targets.push(Target::ObjectsOf(predicate));
    }

    if is_implicit_class_target(reader, shape) {
        targets.push(Target::Class(shape.clone()));
    }
    Ok(targets)
}

/// Whether the shape is also a class, so that it targets its own instances: an IRI that is a
/// SHACL instance of `rdfs:Class` and of `sh:NodeShape` or `sh:PropertyShape`.
fn is_implicit_class_target(reader: &ShapesReader<'_>, shape: &Term) -> bool {
    let is_shape =
        reader.has_class(shape, sh::NODE_SHAPE) || reader.has_class(shape, sh::PROPERTY_SHAPE);
    shape.is_named_node() && is_shape && reader.has_class(shape, rdfs::CLASS)
}

/// The value of a target parameter that names a predicate.
fn predicate_value(
    shape: &Term,
    parameter: NamedNodeRef<'static>,
    value: Term,
) -> Result<NamedNode, ShapeError> {
    match value {
        Term::NamedNode(predicate) => Ok(predicate),
        other => Err(ShapeError::invalid_value(
            shape,
            parameter,
            other,
            "an IRI naming a predicate",
        )),
    }
}

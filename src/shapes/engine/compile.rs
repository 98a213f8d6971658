//! Compiling a shapes graph: finding its shapes, then turning each shape's parameters into
//! constraints; shapes met as parameter values are compiled in turn.

use std::collections::{HashMap, HashSet};

use oxrdf::vocab::xsd;
use oxrdf::{Graph, Literal, NamedNode, NamedNodeRef, Term};

use super::constraints::{Constraint, NodeKind, QualifiedCount, RangeKind, ValueCheck};
use super::error::ShapeError;
use super::node_set::NodeSet;
use super::path::parse_path;
use super::pattern::Pattern;
use super::reader::ShapesReader;
use super::report::Severity;
use super::shapes::{Shape, ShapeId, ShapesGraph};
use super::targets::read_targets;
use super::vocab as sh;

/// Compiles every declared or targeted shape of the graph and every shape they refer to.
pub(super) fn compile_shapes(graph: &Graph) -> Result<ShapesGraph, ShapeError> {
    let reader = ShapesReader::new(graph);
    let mut compiler = Compiler {
        reader: &reader,
        ids: HashMap::new(),
        nodes: Vec::new(),
    };
    for seed in shape_seeds(&reader) {
        compiler.id_of(seed);
    }

    // Compiling a shape may discover more shapes; they get the next ids and are compiled later.
    let mut shapes = Vec::new();
    while let Some(node) = compiler.nodes.get(shapes.len()).cloned() {
        shapes.push(compiler.compile_shape(&node)?);
    }
    Ok(ShapesGraph::from_shapes(shapes))
}

/// Nodes that are shapes by declaration or because they have targets.
fn shape_seeds(reader: &ShapesReader<'_>) -> Vec<Term> {
    let mut seeds = NodeSet::default();
    seeds.extend(reader.instances_of(sh::NODE_SHAPE));
    seeds.extend(reader.instances_of(sh::PROPERTY_SHAPE));
    for target in [
        sh::TARGET_CLASS,
        sh::TARGET_NODE,
        sh::TARGET_SUBJECTS_OF,
        sh::TARGET_OBJECTS_OF,
    ] {
        seeds.extend(reader.subjects_with_predicate(target));
    }
    seeds.into_vec()
}

/// Compilation state: the id given to each shape node, in order of discovery.
struct Compiler<'r, 'g> {
    reader: &'r ShapesReader<'g>,
    ids: HashMap<Term, ShapeId>,
    nodes: Vec<Term>,
}

impl Compiler<'_, '_> {
    fn id_of(&mut self, node: Term) -> ShapeId {
        if let Some(id) = self.ids.get(&node) {
            return *id;
        }
        let id = ShapeId(self.nodes.len());
        self.ids.insert(node.clone(), id);
        self.nodes.push(node);
        id
    }

    fn compile_shape(&mut self, node: &Term) -> Result<Shape, ShapeError> {
        let reader = self.reader;
        let path = match reader.single(node, sh::PATH)? {
            Some(path) => Some(parse_path(reader, node, &path)?),
            None => None,
        };
        let is_property_shape = path.is_some();

        let mut constraints = self.read_value_checks(node)?;
        constraints.extend(self.read_value_set_checks(node)?);
        constraints.extend(self.read_property_only(node, is_property_shape)?);
        constraints.extend(self.read_shape_references(node)?);
        constraints.extend(self.read_closed(node)?);
        Ok(Shape {
            node: node.clone(),
            path,
            targets: read_targets(reader, node)?,
            severity: self.read_severity(node)?,
            messages: self.read_messages(node)?,
            deactivated: self.flag(node, sh::DEACTIVATED)?.unwrap_or(false),
            constraints,
        })
    }

    /// Constraints each value node passes or fails on its own.
    fn read_value_checks(&self, node: &Term) -> Result<Vec<Constraint>, ShapeError> {
        let mut constraints = self.read_type_checks(node)?;
        constraints.extend(self.read_ranges(node)?);
        if let Some(min) = self.count(node, sh::MIN_LENGTH)? {
            constraints.push(Constraint::Value(ValueCheck::MinLength(min)));
        }
        if let Some(max) = self.count(node, sh::MAX_LENGTH)? {
            constraints.push(Constraint::Value(ValueCheck::MaxLength(max)));
        }
        constraints.extend(self.read_patterns(node)?);
        constraints.extend(self.read_lists(node)?);
        Ok(constraints)
    }

    /// `sh:class`, `sh:datatype` and `sh:nodeKind`.
    fn read_type_checks(&self, node: &Term) -> Result<Vec<Constraint>, ShapeError> {
        let mut constraints = Vec::new();
        for class in self.reader.objects(node, sh::CLASS) {
            if class.is_literal() {
                let expected = "an IRI naming a class";
                return Err(ShapeError::invalid_value(node, sh::CLASS, class, expected));
            }
            constraints.push(Constraint::Class(class));
        }
        for datatype in self.iris(node, sh::DATATYPE)? {
            constraints.push(Constraint::Value(ValueCheck::Datatype(datatype)));
        }
        for kind in self.iris(node, sh::NODE_KIND)? {
            let kind = NodeKind::from_iri(kind.as_ref()).ok_or_else(|| {
                ShapeError::invalid_value(node, sh::NODE_KIND, kind.into(), "a SHACL node kind")
            })?;
            constraints.push(Constraint::Value(ValueCheck::NodeKind(kind)));
        }
        Ok(constraints)
    }

    /// `sh:equals`, `sh:disjoint` and `sh:hasValue`, which look at all value nodes together.
    fn read_value_set_checks(&self, node: &Term) -> Result<Vec<Constraint>, ShapeError> {
        let mut constraints = Vec::new();
        for predicate in self.iris(node, sh::EQUALS)? {
            constraints.push(Constraint::Equals(predicate));
        }
        for predicate in self.iris(node, sh::DISJOINT)? {
            constraints.push(Constraint::Disjoint(predicate));
        }
        for value in self.reader.objects(node, sh::HAS_VALUE) {
            constraints.push(Constraint::HasValue(value));
        }
        Ok(constraints)
    }

    fn read_ranges(&self, node: &Term) -> Result<Vec<Constraint>, ShapeError> {
        let kinds = [
            RangeKind::MinExclusive,
            RangeKind::MinInclusive,
            RangeKind::MaxExclusive,
            RangeKind::MaxInclusive,
        ];
        let mut constraints = Vec::new();
        for kind in kinds {
            for bound in self.reader.objects(node, kind.parameter()) {
                if !bound.is_literal() {
                    return Err(ShapeError::invalid_value(
                        node,
                        kind.parameter(),
                        bound,
                        "a literal",
                    ));
                }
                constraints.push(Constraint::Value(ValueCheck::Range(kind, bound)));
            }
        }
        Ok(constraints)
    }

    fn read_patterns(&self, node: &Term) -> Result<Vec<Constraint>, ShapeError> {
        let flags = match self.reader.single(node, sh::FLAGS)? {
            Some(flags) => Some(string_value(node, sh::FLAGS, flags)?),
            None => None,
        };
        let mut constraints = Vec::new();
        for pattern in self.reader.objects(node, sh::PATTERN) {
            let source = string_value(node, sh::PATTERN, pattern)?;
            let pattern = Pattern::compile(node, source, flags.clone())?;
            constraints.push(Constraint::Value(ValueCheck::Pattern(pattern)));
        }
        Ok(constraints)
    }

    /// `sh:languageIn` and `sh:in`, whose values are RDF lists.
    fn read_lists(&self, node: &Term) -> Result<Vec<Constraint>, ShapeError> {
        let reader = self.reader;
        let mut constraints = Vec::new();
        for head in reader.objects(node, sh::LANGUAGE_IN) {
            let ranges = reader.list(node, sh::LANGUAGE_IN, &head)?;
            let ranges = ranges
                .into_iter()
                .map(|range| string_value(node, sh::LANGUAGE_IN, range))
                .collect::<Result<_, _>>()?;
            constraints.push(Constraint::Value(ValueCheck::LanguageIn(ranges)));
        }
        for head in reader.objects(node, sh::IN) {
            let members = reader.list(node, sh::IN, &head)?;
            let set = members.iter().cloned().collect();
            constraints.push(Constraint::Value(ValueCheck::In(members, set)));
        }
        Ok(constraints)
    }

    /// Components that SHACL defines for property shapes only.
    fn read_property_only(
        &mut self,
        node: &Term,
        is_property_shape: bool,
    ) -> Result<Vec<Constraint>, ShapeError> {
        if !is_property_shape {
            self.reject_property_parameters(node)?;
            return Ok(Vec::new());
        }

        let mut constraints = Vec::new();
        if let Some(min) = self.count(node, sh::MIN_COUNT)? {
            constraints.push(Constraint::MinCount(min));
        }
        if let Some(max) = self.count(node, sh::MAX_COUNT)? {
            constraints.push(Constraint::MaxCount(max));
        }
        if self.flag(node, sh::UNIQUE_LANG)? == Some(true) {
            constraints.push(Constraint::UniqueLang);
        }
        for predicate in self.iris(node, sh::LESS_THAN)? {
            constraints.push(Constraint::LessThan(predicate));
        }
        for predicate in self.iris(node, sh::LESS_THAN_OR_EQUALS)? {
            constraints.push(Constraint::LessThanOrEquals(predicate));
        }
        constraints.extend(self.read_qualified(node)?);
        Ok(constraints)
    }

    /// Fails if a node shape uses a parameter defined for property shapes only.
    fn reject_property_parameters(&self, node: &Term) -> Result<(), ShapeError> {
        // Qualified counts without sh:qualifiedValueShape are inert, so they are let through.
        let parameters = [
            sh::MIN_COUNT,
            sh::MAX_COUNT,
            sh::UNIQUE_LANG,
            sh::LESS_THAN,
            sh::LESS_THAN_OR_EQUALS,
            sh::QUALIFIED_VALUE_SHAPE,
        ];
        let misplaced = parameters
            .into_iter()
            .find(|parameter| !self.reader.objects(node, *parameter).is_empty());
        match misplaced {
            Some(parameter) => Err(ShapeError::PropertyParameterOnNodeShape {
                shape: node.clone(),
                parameter: parameter.into_owned(),
            }),
            None => Ok(()),
        }
    }

    fn read_qualified(&mut self, node: &Term) -> Result<Vec<Constraint>, ShapeError> {
        let min = self.count(node, sh::QUALIFIED_MIN_COUNT)?;
        let max = self.count(node, sh::QUALIFIED_MAX_COUNT)?;
        let disjoint = self
            .flag(node, sh::QUALIFIED_VALUE_SHAPES_DISJOINT)?
            .unwrap_or(false);

        let mut constraints = Vec::new();
        for value in self.reader.objects(node, sh::QUALIFIED_VALUE_SHAPE) {
            let shape = self.shape_ref(node, sh::QUALIFIED_VALUE_SHAPE, value.clone())?;
            let siblings = if disjoint {
                self.sibling_shapes(node, &value)?
            } else {
                Vec::new()
            };
            let qualified = |count| QualifiedCount {
                shape,
                count,
                siblings: siblings.clone(),
            };
            if let Some(count) = min {
                constraints.push(Constraint::QualifiedMinCount(qualified(count)));
            }
            if let Some(count) = max {
                constraints.push(Constraint::QualifiedMaxCount(qualified(count)));
            }
        }
        Ok(constraints)
    }

    /// The qualified value shapes of the other property shapes of this shape's parents.
    fn sibling_shapes(&mut self, node: &Term, own: &Term) -> Result<Vec<ShapeId>, ShapeError> {
        let reader = self.reader;
        let mut siblings = NodeSet::default();
        for parent in reader.subjects(sh::PROPERTY, node) {
            for property in reader.objects(&parent, sh::PROPERTY) {
                let shapes = reader.objects(&property, sh::QUALIFIED_VALUE_SHAPE);
                siblings.extend(shapes.into_iter().filter(|shape| shape != own));
            }
        }
        let siblings = siblings.into_vec().into_iter();
        siblings
            .map(|sibling| self.shape_ref(node, sh::QUALIFIED_VALUE_SHAPE, sibling))
            .collect()
    }

    /// `sh:not`, `sh:and`, `sh:or`, `sh:xone`, `sh:node` and `sh:property`.
    fn read_shape_references(&mut self, node: &Term) -> Result<Vec<Constraint>, ShapeError> {
        let reader = self.reader;
        let mut constraints = Vec::new();
        for value in reader.objects(node, sh::NOT) {
            constraints.push(Constraint::Not(self.shape_ref(node, sh::NOT, value)?));
        }
        for head in reader.objects(node, sh::AND) {
            constraints.push(Constraint::And(self.shape_list(node, sh::AND, &head)?));
        }
        for head in reader.objects(node, sh::OR) {
            constraints.push(Constraint::Or(self.shape_list(node, sh::OR, &head)?));
        }
        for head in reader.objects(node, sh::XONE) {
            constraints.push(Constraint::Xone(self.shape_list(node, sh::XONE, &head)?));
        }
        for value in reader.objects(node, sh::NODE) {
            constraints.push(Constraint::Node(self.shape_ref(node, sh::NODE, value)?));
        }
        for value in reader.objects(node, sh::PROPERTY) {
            constraints.push(Constraint::Property(self.shape_ref(
                node,
                sh::PROPERTY,
                value,
            )?));
        }
        Ok(constraints)
    }

    /// `sh:closed true`, allowing the IRI paths of the shape's property shapes and the
    /// `sh:ignoredProperties`.
    fn read_closed(&self, node: &Term) -> Result<Option<Constraint>, ShapeError> {
        let reader = self.reader;
        if self.flag(node, sh::CLOSED)? != Some(true) {
            return Ok(None);
        }

        let mut allowed = HashSet::new();
        for property in reader.objects(node, sh::PROPERTY) {
            if let Some(Term::NamedNode(predicate)) = reader.single(&property, sh::PATH)? {
                allowed.insert(predicate);
            }
        }
        for head in reader.objects(node, sh::IGNORED_PROPERTIES) {
            for member in reader.list(node, sh::IGNORED_PROPERTIES, &head)? {
                let Term::NamedNode(predicate) = member else {
                    return Err(ShapeError::invalid_value(
                        node,
                        sh::IGNORED_PROPERTIES,
                        member,
                        "a list of IRIs",
                    ));
                };
                allowed.insert(predicate);
            }
        }
        Ok(Some(Constraint::Closed(allowed)))
    }

    fn read_severity(&self, node: &Term) -> Result<Severity, ShapeError> {
        match self.reader.single(node, sh::SEVERITY)? {
            None => Ok(Severity::Violation),
            Some(Term::NamedNode(iri)) => Ok(Severity::from_iri(iri.as_ref())),
            Some(other) => Err(ShapeError::invalid_value(
                node,
                sh::SEVERITY,
                other,
                "an IRI",
            )),
        }
    }

    fn read_messages(&self, node: &Term) -> Result<Vec<Literal>, ShapeError> {
        let messages = self.reader.objects(node, sh::MESSAGE).into_iter();
        let as_literal = |message| match message {
            Term::Literal(literal) => Ok(literal),
            other => Err(ShapeError::invalid_value(
                node,
                sh::MESSAGE,
                other,
                "a literal",
            )),
        };
        messages.map(as_literal).collect()
    }

    /// The shape a parameter value stands for; literals are not shapes.
    fn shape_ref(
        &mut self,
        node: &Term,
        parameter: NamedNodeRef<'static>,
        value: Term,
    ) -> Result<ShapeId, ShapeError> {
        if value.is_literal() {
            return Err(ShapeError::invalid_value(
                node,
                parameter,
                value,
                "a shape (an IRI or a blank node)",
            ));
        }
        Ok(self.id_of(value))
    }

    fn shape_list(
        &mut self,
        node: &Term,
        parameter: NamedNodeRef<'static>,
        head: &Term,
    ) -> Result<Vec<ShapeId>, ShapeError> {
        let members = self.reader.list(node, parameter, head)?;
        members
            .into_iter()
            .map(|member| self.shape_ref(node, parameter, member))
            .collect()
    }

    fn iris(
        &self,
        node: &Term,
        parameter: NamedNodeRef<'static>,
    ) -> Result<Vec<NamedNode>, ShapeError> {
        let values = self.reader.objects(node, parameter).into_iter();
        let as_iri = |value| match value {
            Term::NamedNode(iri) => Ok(iri),
            other => Err(ShapeError::invalid_value(node, parameter, other, "an IRI")),
        };
        values.map(as_iri).collect()
    }

    /// The single non-negative integer value of a parameter.
    fn count(
        &self,
        node: &Term,
        parameter: NamedNodeRef<'static>,
    ) -> Result<Option<usize>, ShapeError> {
        let Some(value) = self.reader.single(node, parameter)? else {
            return Ok(None);
        };
        let parsed = match &value {
            Term::Literal(literal) => literal.value().parse::<usize>().ok(),
            _ => None,
        };
        parsed.map(Some).ok_or_else(|| {
            ShapeError::invalid_value(node, parameter, value, "a non-negative integer")
        })
    }

    /// The single `xsd:boolean` value of a parameter: whether it is the literal `true`.
    ///
    /// SHACL activates flags with the RDF term `true` only, so `"1"^^xsd:boolean`, although it
    /// denotes the same value, reads as false (the W3C test `uniqueLang-002` checks this).
    fn flag(
        &self,
        node: &Term,
        parameter: NamedNodeRef<'static>,
    ) -> Result<Option<bool>, ShapeError> {
        let Some(value) = self.reader.single(node, parameter)? else {
            return Ok(None);
        };
        let parsed = match &value {
            Term::Literal(literal) if literal.datatype() == xsd::BOOLEAN => match literal.value() {
                "true" => Some(true),
                "false" | "1" | "0" => Some(false),
                _ => None,
            },
            _ => None,
        };
        parsed
            .map(Some)
            .ok_or_else(|| ShapeError::invalid_value(node, parameter, value, "true or false"))
    }
}

fn string_value(
    node: &Term,
    parameter: NamedNodeRef<'static>,
    value: Term,
) -> Result<String, ShapeError> {
    match value {
        Term::Literal(literal) if literal.language().is_none() => Ok(literal.value().to_owned()),
        other => Err(ShapeError::invalid_value(
            node,
            parameter,
            other,
            "a string literal",
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use oxttl::TurtleParser;

    fn compile(turtle: &str) -> Result<ShapesGraph, ShapeError> {
        let source = format!(
            "@prefix sh: <http://www.w3.org/ns/shacl#> .
            @prefix ex: <http://example.org/> .
            @prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
            @prefix rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#> .\n{turtle}"
        );
        let graph: Graph = TurtleParser::new()
            .for_slice(source.as_bytes())
            .collect::<Result<_, _>>()
            .expect("test Turtle parses");
        compile_shapes(&graph)
    }

    #[test]
    fn nested_shapes_are_compiled_once_each() {
        let shapes = compile(
            "ex:S a sh:NodeShape ; sh:node ex:T ; sh:or ( ex:T [ sh:class ex:C ] ) .
            ex:T sh:property [ sh:path ex:p ; sh:minCount 1 ] .",
        );
        assert_eq!(shapes.expect("shapes compile").len(), 4);
    }

    #[test]
    fn ill_formed_shapes_are_reported_with_their_parameter() {
        let on_node_shape = compile("ex:S sh:targetNode ex:x ; sh:minCount 1 .");
        assert!(matches!(
            on_node_shape,
            Err(ShapeError::PropertyParameterOnNodeShape { parameter, .. })
                if parameter.as_ref() == sh::MIN_COUNT
        ));

        let negative = compile("ex:S sh:targetNode ex:x ; sh:path ex:p ; sh:maxCount -1 .");
        assert!(matches!(negative, Err(ShapeError::InvalidValue { .. })));

        let bad_list = compile("ex:S sh:targetNode ex:x ; sh:in [ rdf:first 1 ] .");
        assert!(bad_list.is_err());

        let bad_path = compile("ex:S sh:targetNode ex:x ; sh:path [ ex:q ex:r ] .");
        assert!(matches!(bad_path, Err(ShapeError::InvalidPath { .. })));
    }

    #[test]
    fn flags_count_only_when_literally_true() {
        let one = compile(
            "ex:S sh:targetNode ex:x ; sh:closed '1'^^<http://www.w3.org/2001/XMLSchema#boolean> .",
        );
        assert!(
            one.expect("shapes compile")
                .shape(ShapeId(0))
                .constraints
                .is_empty()
        );
    }
}

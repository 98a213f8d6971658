//! The compiled shapes graph: every shape with its targets, path, severity, messages and
//! constraints, referring to other shapes by index so that shapes may refer to each other.

use oxrdf::{Graph, Literal, Term};

use super::compile;
use super::constraints::Constraint;
use super::data::DataGraph;
use super::error::ShapeError;
use super::path::PropertyPath;
use super::report::Severity;
use super::targets::Target;

/// A shapes graph compiled once and reusable for any number of validations.
#[derive(Debug, Clone)]
pub struct ShapesGraph {
    shapes: Vec<Shape>,
    targeted: Vec<ShapeId>,
    has_cycles: bool,
}

/// The index of a shape within its `ShapesGraph`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(super) struct ShapeId(pub(super) usize);

/// One compiled node shape or property shape.
#[derive(Debug, Clone)]
pub(super) struct Shape {
    /// The IRI or blank node of the shape in the shapes graph.
    pub(super) node: Term,
    /// `sh:path`; present exactly for property shapes.
    pub(super) path: Option<PropertyPath>,
    /// Explicit and implicit targets.
    pub(super) targets: Vec<Target>,
    /// `sh:severity`, `sh:Violation` when absent.
    pub(super) severity: Severity,
    /// `sh:message` values.
    pub(super) messages: Vec<Literal>,
    /// `sh:deactivated true`: the shape is skipped and every node conforms to it.
    pub(super) deactivated: bool,
    /// Constraints in a fixed order, so that results come out in a stable order.
    pub(super) constraints: Vec<Constraint>,
}

impl ShapesGraph {
    /// Compiles every shape of the graph; fails on the first ill-formed shape.
    pub fn from_graph(graph: &Graph) -> Result<Self, ShapeError> {
        compile::compile_shapes(graph)
    }

    /// The number of compiled shapes, nested ones included.
    pub fn len(&self) -> usize {
        self.shapes.len()
    }

    /// Whether the graph holds no shape at all.
    pub fn is_empty(&self) -> bool {
        self.shapes.is_empty()
    }

    /// Assembles a shapes graph from compiled shapes, indexed by `ShapeId`.
    pub(super) fn from_shapes(shapes: Vec<Shape>) -> Self {
        let targeted = (0..shapes.len())
            .filter(|&index| !shapes[index].deactivated && !shapes[index].targets.is_empty())
            .map(ShapeId)
            .collect();
        let has_cycles = has_reference_cycle(&shapes);
        Self {
            shapes,
            targeted,
            has_cycles,
        }
    }

    /// The shape with this id.
    pub(super) fn shape(&self, id: ShapeId) -> &Shape {
        &self.shapes[id.0]
    }

    /// Active shapes that have at least one target, in compilation order.
    pub(super) fn targeted(&self) -> &[ShapeId] {
        &self.targeted
    }

    /// Whether some shape refers back to itself, so that validation needs a recursion guard.
    pub(super) fn has_cycles(&self) -> bool {
        self.has_cycles
    }
}

impl Shape {
    /// The value nodes for a focus node: the path's values, or the focus node itself.
    pub(super) fn value_nodes(&self, data: &dyn DataGraph, focus: &Term) -> Vec<Term> {
        match &self.path {
            Some(path) => path.evaluate(data, focus),
            None => vec![focus.clone()],
        }
    }
}

/// Whether following shape references from some shape leads back to it (depth-first search).
fn has_reference_cycle(shapes: &[Shape]) -> bool {
    #[derive(Clone, Copy, PartialEq)]
    enum Mark {
        Unvisited,
        InProgress,
        Done,
    }

    let references: Vec<Vec<ShapeId>> = shapes
        .iter()
        .map(|shape| {
            shape
                .constraints
                .iter()
                .flat_map(Constraint::referenced_shapes)
                .collect()
        })
        .collect();
    let mut marks = vec![Mark::Unvisited; shapes.len()];
    for root in 0..shapes.len() {
        if marks[root] != Mark::Unvisited {
            continue;
        }
        // Each stack entry is a shape and the position of its next reference to follow.
        let mut stack = vec![(root, 0)];
        marks[root] = Mark::InProgress;
        while let Some((shape, next)) = stack.pop() {
            let Some(&ShapeId(child)) = references[shape].get(next) else {
                marks[shape] = Mark::Done;
                continue;
            };
            stack.push((shape, next + 1));
            match marks[child] {
                Mark::InProgress => return true,
                Mark::Unvisited => {
                    marks[child] = Mark::InProgress;
                    stack.push((child, 0));
                }
                Mark::Done => {}
            }
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;
    use oxttl::TurtleParser;

    fn compile(turtle: &str) -> ShapesGraph {
        let source = format!(
            "@prefix sh: <http://www.w3.org/ns/shacl#> .\n@base <http://example.org/> .\n{turtle}"
        );
        let graph: Graph = TurtleParser::new()
            .for_slice(source.as_bytes())
            .collect::<Result<_, _>>()
            .expect("test Turtle parses");
        ShapesGraph::from_graph(&graph).expect("test shapes compile")
    }

    #[test]
    fn compiled_shapes_can_be_shared_between_threads() {
        fn assert_shareable<T: Send + Sync>() {}
        assert_shareable::<ShapesGraph>();
    }

    #[test]
    fn reference_cycles_are_detected() {
        let acyclic = compile("<a> sh:node <b> . <b> sh:node <c> . <a> sh:targetNode <x> .");
        assert_eq!(acyclic.len(), 3);
        assert!(!acyclic.has_cycles());

        let cyclic = compile("<a> sh:node <b> . <b> sh:not <a> . <a> sh:targetNode <x> .");
        assert!(cyclic.has_cycles());
        assert_eq!(cyclic.targeted(), [ShapeId(0)]);
    }
}

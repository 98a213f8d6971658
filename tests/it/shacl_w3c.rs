//! Runs the W3C SHACL Core test suite and compares each produced report with the expected one
//! as RDF graphs (blank nodes matched by isomorphism).

use std::collections::{HashMap, HashSet, VecDeque};
use std::fs::File;
use std::io::BufReader;
use std::path::{Path, PathBuf};

use ancrage::shapes::engine::{GraphData, ShapesGraph, ValidationConfig, validate};
use oxrdf::graph::CanonicalizationAlgorithm;
use oxrdf::vocab::rdf;
use oxrdf::{Graph, NamedNodeRef, NamedOrBlankNodeRef, Term, TermRef};
use oxttl::TurtleParser;

/// Tests this engine is known to fail, each with the reason; the run fails if one passes.
const KNOWN_FAILURES: &[(&str, &str)] = &[];

/// The number of `sht:Validate` entries in the suite (see its SOURCE.md).
const EXPECTED_TEST_COUNT: usize = 98;

const SUITE_ENV: &str = "ANCRAGE_SHACL_SUITE";
const SUITE_RELATIVE: &str = "../shared/data/shacl-test-suite-core";
const SUITE_ABSOLUTE: &str = "/work/shared/data/shacl-test-suite-core";

/// A term of the test-manifest vocabulary.
macro_rules! mf {
    ($local:literal) => {
        NamedNodeRef::new_unchecked(concat!(
            "http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#",
            $local
        ))
    };
}

/// A term of the SHACL test vocabulary.
macro_rules! sht {
    ($local:literal) => {
        NamedNodeRef::new_unchecked(concat!("http://www.w3.org/ns/shacl-test#", $local))
    };
}

const MF_INCLUDE: NamedNodeRef<'_> = mf!("include");
const MF_ENTRIES: NamedNodeRef<'_> = mf!("entries");
const MF_ACTION: NamedNodeRef<'_> = mf!("action");
const MF_RESULT: NamedNodeRef<'_> = mf!("result");
const SHT_VALIDATE: NamedNodeRef<'_> = sht!("Validate");
const SHT_DATA_GRAPH: NamedNodeRef<'_> = sht!("dataGraph");
const SHT_SHAPES_GRAPH: NamedNodeRef<'_> = sht!("shapesGraph");
const SH_RESULT_MESSAGE: NamedNodeRef<'_> =
    NamedNodeRef::new_unchecked("http://www.w3.org/ns/shacl#resultMessage");

#[test]
fn w3c_shacl_core_suite() {
    let core_dir = suite_dir().join("core");
    let mut files = FileCache::default();
    let cases = collect_cases(&mut files, &core_dir.join("manifest.ttl"));
    assert_eq!(
        cases.len(),
        EXPECTED_TEST_COUNT,
        "the harness did not find every test"
    );

    let mut failures: Vec<(String, String)> = Vec::new();
    for case in &cases {
        if let Err(reason) = run_case(&mut files, case) {
            failures.push((case.name(&core_dir), reason));
        }
    }

    let passed = cases.len() - failures.len();
    println!("SHACL Core: {passed}/{} passed", cases.len());
    for (name, reason) in &failures {
        println!("FAILED {name}: {reason}");
    }
    check_against_known_failures(&failures);
}

/// One `sht:Validate` entry.
struct TestCase {
    id: String,
    data_file: PathBuf,
    shapes_file: PathBuf,
    expected: Graph,
}

impl TestCase {
    /// The test's IRI relative to the `core` folder, e.g. `node/class-001`.
    fn name(&self, core_dir: &Path) -> String {
        let prefix = format!("{}/", file_iri(core_dir));
        self.id.strip_prefix(&prefix).unwrap_or(&self.id).to_owned()
    }
}

/// Parsed Turtle files, each read once.
#[derive(Default)]
struct FileCache {
    graphs: HashMap<PathBuf, Graph>,
}

impl FileCache {
    fn load(&mut self, path: &Path) {
        if !self.graphs.contains_key(path) {
            self.graphs.insert(path.to_owned(), parse_turtle(path));
        }
    }

    /// A graph loaded before with `load`.
    fn graph(&self, path: &Path) -> &Graph {
        &self.graphs[path]
    }
}

/// The suite directory: from the environment, else next to the crate, else the shared copy.
fn suite_dir() -> PathBuf {
    let relative = Path::new(env!("CARGO_MANIFEST_DIR")).join(SUITE_RELATIVE);
    let dir = match std::env::var_os(SUITE_ENV) {
        Some(dir) => PathBuf::from(dir),
        None if relative.is_dir() => relative,
        None => PathBuf::from(SUITE_ABSOLUTE),
    };
    // File IRIs built from the path serve as base IRIs, so the path must be absolute and clean.
    dir.canonicalize()
        .unwrap_or_else(|error| panic!("SHACL test suite not found at {dir:?}: {error}"))
}

/// Every test reachable from the manifest through `mf:include`, in manifest order.
fn collect_cases(files: &mut FileCache, root: &Path) -> Vec<TestCase> {
    let mut cases = Vec::new();
    let mut pending = VecDeque::from([root.to_owned()]);
    let mut seen = HashSet::new();
    while let Some(manifest) = pending.pop_front() {
        if !seen.insert(manifest.clone()) {
            continue;
        }
        files.load(&manifest);
        let graph = files.graph(&manifest);
        for included in objects_of_predicate(graph, MF_INCLUDE) {
            pending.push_back(path_of(&included));
        }
        for head in objects_of_predicate(graph, MF_ENTRIES) {
            for entry in list_members(graph, &head) {
                if let Some(case) = read_case(graph, &entry) {
                    cases.push(case);
                }
            }
        }
    }
    cases
}

fn read_case(graph: &Graph, entry: &Term) -> Option<TestCase> {
    let subject = as_subject(entry)?;
    if !graph.contains(oxrdf::TripleRef::new(subject, rdf::TYPE, SHT_VALIDATE)) {
        return None;
    }
    let action = graph
        .object_for_subject_predicate(subject, MF_ACTION)?
        .into_owned();
    let result = graph
        .object_for_subject_predicate(subject, MF_RESULT)?
        .into_owned();
    let action = as_subject(&action)?;
    let file_of = |predicate| {
        graph
            .object_for_subject_predicate(action, predicate)
            .map(|t| path_of(&t.into_owned()))
    };
    Some(TestCase {
        id: entry_iri(entry),
        data_file: file_of(SHT_DATA_GRAPH)?,
        shapes_file: file_of(SHT_SHAPES_GRAPH)?,
        expected: reachable_subgraph(graph, &result),
    })
}

/// Validates the case's data against its shapes and compares the reports.
fn run_case(files: &mut FileCache, case: &TestCase) -> Result<(), String> {
    files.load(&case.shapes_file);
    files.load(&case.data_file);
    let shapes_graph = files.graph(&case.shapes_file);
    let data_graph = files.graph(&case.data_file);

    let shapes = ShapesGraph::from_graph(shapes_graph)
        .map_err(|error| format!("shapes graph rejected: {error}"))?;
    let report = validate(
        &shapes,
        &GraphData::new(data_graph),
        &ValidationConfig::default(),
    );

    let keep_messages = case
        .expected
        .triples_for_predicate(SH_RESULT_MESSAGE)
        .next()
        .is_some();
    let sources = [shapes_graph, data_graph];
    let actual = with_blank_node_descriptions(report.to_graph(), &sources);
    let mut actual = without_messages(actual, keep_messages);
    let mut expected = without_messages(case.expected.clone(), keep_messages);
    actual.canonicalize(CanonicalizationAlgorithm::Unstable);
    expected.canonicalize(CanonicalizationAlgorithm::Unstable);
    if actual == expected {
        return Ok(());
    }
    Err(format!(
        "report differs ({} results produced)\n--- expected\n{expected}\n--- actual\n{actual}",
        report.results.len()
    ))
}

fn check_against_known_failures(failures: &[(String, String)]) {
    let known: HashMap<&str, &str> = KNOWN_FAILURES.iter().copied().collect();
    let failed: HashSet<&str> = failures.iter().map(|(name, _)| name.as_str()).collect();
    let unexpected: Vec<&str> = failed
        .iter()
        .copied()
        .filter(|name| !known.contains_key(name))
        .collect();
    let fixed: Vec<&str> = known
        .keys()
        .copied()
        .filter(|name| !failed.contains(name))
        .collect();
    assert!(unexpected.is_empty(), "unexpected failures: {unexpected:?}");
    assert!(
        fixed.is_empty(),
        "known failures now pass, remove them from the list: {fixed:?}"
    );
}

fn without_messages(graph: Graph, keep_messages: bool) -> Graph {
    if keep_messages {
        return graph;
    }
    graph
        .iter()
        .filter(|triple| triple.predicate != SH_RESULT_MESSAGE)
        .collect()
}

/// The triples reachable from `root` through blank nodes: the expected report.
///
/// When the test file is also the data or shapes graph, this takes in the description of the
/// blank nodes the report mentions (values, shapes); `with_blank_node_descriptions` does the
/// same on the produced side so that both graphs describe them alike.
fn reachable_subgraph(graph: &Graph, root: &Term) -> Graph {
    let mut subgraph = Graph::new();
    add_reachable(&mut subgraph, &[graph], vec![root.clone()]);
    subgraph
}

/// Adds to the report the triples describing the blank nodes it takes from the source graphs.
fn with_blank_node_descriptions(mut report: Graph, sources: &[&Graph]) -> Graph {
    let blank_objects = report
        .iter()
        .filter_map(|triple| match triple.object {
            TermRef::BlankNode(node) => Some(Term::from(node.into_owned())),
            _ => None,
        })
        .collect();
    add_reachable(&mut report, sources, blank_objects);
    report
}

/// Copies into `target` the triples of `sources` about the pending nodes, following blank
/// node objects.
fn add_reachable(target: &mut Graph, sources: &[&Graph], mut pending: Vec<Term>) {
    let mut seen = HashSet::new();
    while let Some(node) = pending.pop() {
        let Some(subject) = as_subject(&node) else {
            continue;
        };
        if !seen.insert(node.clone()) {
            continue;
        }
        for source in sources {
            for triple in source.triples_for_subject(subject) {
                target.insert(triple);
                if let TermRef::BlankNode(object) = triple.object {
                    pending.push(object.into_owned().into());
                }
            }
        }
    }
}

fn objects_of_predicate(graph: &Graph, predicate: NamedNodeRef<'_>) -> Vec<Term> {
    graph
        .triples_for_predicate(predicate)
        .map(|triple| triple.object.into_owned())
        .collect()
}

fn list_members(graph: &Graph, head: &Term) -> Vec<Term> {
    let mut members = Vec::new();
    let mut node = head.clone();
    while let Some(subject) = as_subject(&node) {
        let Some(first) = graph.object_for_subject_predicate(subject, rdf::FIRST) else {
            break;
        };
        members.push(first.into_owned());
        let Some(rest) = graph.object_for_subject_predicate(subject, rdf::REST) else {
            break;
        };
        node = rest.into_owned();
    }
    members
}

fn parse_turtle(path: &Path) -> Graph {
    let file = File::open(path).unwrap_or_else(|error| panic!("cannot open {path:?}: {error}"));
    let parser = TurtleParser::new()
        .with_base_iri(file_iri(path))
        .unwrap_or_else(|error| panic!("bad base IRI for {path:?}: {error}"));
    parser
        .for_reader(BufReader::new(file))
        .map(|triple| triple.unwrap_or_else(|error| panic!("cannot parse {path:?}: {error}")))
        .collect()
}

fn file_iri(path: &Path) -> String {
    format!("file://{}", path.display())
}

fn path_of(iri: &Term) -> PathBuf {
    let iri = entry_iri(iri);
    PathBuf::from(iri.strip_prefix("file://").unwrap_or(&iri))
}

fn entry_iri(term: &Term) -> String {
    match term {
        Term::NamedNode(node) => node.as_str().to_owned(),
        other => other.to_string(),
    }
}

fn as_subject(term: &Term) -> Option<NamedOrBlankNodeRef<'_>> {
    match term {
        Term::NamedNode(node) => Some(node.into()),
        Term::BlankNode(node) => Some(node.into()),
        _ => None,
    }
}

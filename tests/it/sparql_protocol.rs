//! Runs the W3C SPARQL 1.1 Protocol tests against the router, rebuilding each HTTP request the
//! manifest describes, on a platform whose store holds only the suite's own graphs.

use std::collections::{HashMap, HashSet};
use std::fs::File;
use std::io::BufReader;
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

use ancrage::platform::Platform;
use ancrage::store::Store;
use ancrage::{AppState, Config};
use axum::body::Body;
use axum::http::Request;
use oxigraph::io::{RdfFormat, RdfParser};
use oxigraph::model::NamedNode;
use oxigraph::sparql::results::{
    QueryResultsFormat, QueryResultsParser, SliceQueryResultsParserOutput,
};
use oxrdf::vocab::{rdf, rdfs};
use oxrdf::{Graph, NamedNodeRef, NamedOrBlankNodeRef, TermRef};
use oxttl::TurtleParser;
use percent_encoding::{NON_ALPHANUMERIC, utf8_percent_encode};

use crate::common::{Answer, BASE, send_to};

/// Why the suite's successful updates cannot succeed here.
const READ_ONLY: &str = "updates are partners' writes: sent without an API token they are \
                         refused with 401, so the queries checking their effect are not run";

/// Tests written for an endpoint open to anonymous updates: theirs are expected to get 401.
const NOT_APPLICABLE: &[(&str, &str)] = &[
    ("update_dataset_default_graph", READ_ONLY),
    ("update_dataset_default_graphs", READ_ONLY),
    ("update_dataset_named_graphs", READ_ONLY),
    ("update_dataset_full", READ_ONLY),
    ("update_post_form", READ_ONLY),
    ("update_post_direct", READ_ONLY),
    ("update_base_uri", READ_ONLY),
];

/// Tests the endpoint is known to fail, each with the reason; the run fails if one passes.
const KNOWN_FAILURES: &[(&str, &str)] = &[];

/// The number of `mf:ProtocolTest` entries in the suite (see its SOURCE.md).
const EXPECTED_TEST_COUNT: usize = 34;

const SUITE_ENV: &str = "ANCRAGE_SPARQL_PROTOCOL_SUITE";
const SUITE_RELATIVE: &str = "../shared/data/sparql11-protocol-tests";
const SUITE_ABSOLUTE: &str = "/work/shared/data/sparql11-protocol-tests";

/// The endpoint path the manifest uses, and ours.
const SUITE_ENDPOINT: &str = "/sparql/";
const OUR_ENDPOINT: &str = "/sparql";

/// A term of the test-manifest vocabulary.
macro_rules! mf {
    ($local:literal) => {
        NamedNodeRef::new_unchecked(concat!(
            "http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#",
            $local
        ))
    };
}

/// A term of the HTTP-in-RDF vocabulary.
macro_rules! ht {
    ($local:literal) => {
        NamedNodeRef::new_unchecked(concat!("http://www.w3.org/2011/http#", $local))
    };
}

const MF_ENTRIES: NamedNodeRef<'_> = mf!("entries");
const MF_ACTION: NamedNodeRef<'_> = mf!("action");
const MF_PROTOCOL_TEST: NamedNodeRef<'_> = mf!("ProtocolTest");
const MF_EXPECTED_STATUS: NamedNodeRef<'_> = mf!("expectedStatus");
const MF_EXPECTED_FORMAT: NamedNodeRef<'_> = mf!("expectedFormat");
const MF_EXPECTED_BOOLEAN: NamedNodeRef<'_> = mf!("expectedBoolean");
const HT_REQUESTS: NamedNodeRef<'_> = ht!("requests");
const HT_METHOD_NAME: NamedNodeRef<'_> = ht!("methodName");
const HT_ABSOLUTE_PATH: NamedNodeRef<'_> = ht!("absolutePath");
const HT_HEADERS: NamedNodeRef<'_> = ht!("headers");
const HT_FIELD_NAME: NamedNodeRef<'_> = ht!("fieldName");
const HT_FIELD_VALUE: NamedNodeRef<'_> = ht!("fieldValue");
const HT_BODY: NamedNodeRef<'_> = ht!("body");
const HT_RESP: NamedNodeRef<'_> = ht!("resp");
const CNT_CHARS: NamedNodeRef<'_> =
    NamedNodeRef::new_unchecked("http://www.w3.org/2011/content#chars");
const CNT_CHARACTER_ENCODING: NamedNodeRef<'_> =
    NamedNodeRef::new_unchecked("http://www.w3.org/2011/content#characterEncoding");
const UT_GRAPH_DATA: NamedNodeRef<'_> =
    NamedNodeRef::new_unchecked("http://www.w3.org/2009/sparql/tests/test-update#graphData");
const UT_GRAPH: NamedNodeRef<'_> =
    NamedNodeRef::new_unchecked("http://www.w3.org/2009/sparql/tests/test-update#graph");

/// Status codes are given as classes, `hts:StatusCode2xx` and the like.
const STATUS_CLASS_PREFIX: &str = "http://www.w3.org/2011/http-statusCodes#StatusCode";

/// Every test of the suite, in manifest order. The suite's successful updates assume anyone may
/// write; ours needs a partner's token, so those tests are run expecting 401 (see
/// `NOT_APPLICABLE`).
#[tokio::test]
async fn w3c_sparql_protocol_suite() {
    let suite = suite_dir();
    let manifest = parse_turtle(&suite.join("manifest.ttl"));
    let tests = read_tests(&manifest);
    assert_eq!(
        tests.len(),
        EXPECTED_TEST_COUNT,
        "the harness did not find every test"
    );
    for (name, _) in NOT_APPLICABLE {
        assert!(
            tests.iter().any(|test| test.name == *name),
            "{name} is not in the suite"
        );
    }
    let router = protocol_router(&graph_data(&manifest));

    let not_applicable: HashSet<&str> = NOT_APPLICABLE.iter().map(|(name, _)| *name).collect();
    let mut failures: Vec<(String, String)> = Vec::new();
    for test in &tests {
        let read_only = not_applicable.contains(test.name.as_str());
        if let Err(reason) = run_test(router, test, read_only).await {
            failures.push((test.name.clone(), reason));
        }
    }

    let passed = tests.len() - failures.len();
    println!("SPARQL protocol: {passed}/{} as expected", tests.len());
    println!(
        "({} update tests expect 401: updates need a partner's API token)",
        NOT_APPLICABLE.len()
    );
    for (name, reason) in &failures {
        println!("FAILED {name}: {reason}");
    }
    check_against_known_failures(&failures);
}

#[tokio::test]
async fn dataset_parameters_in_the_url_apply_to_a_form_query() {
    // The suite's `query_post_form` sends its query in the body and its dataset in the URL; only
    // data1 is then the default graph, so data2's triple is not in it.
    let manifest = parse_turtle(&suite_dir().join("manifest.ttl"));
    let router = protocol_router(&graph_data(&manifest));
    let document = |n: u8| format!("http://kasei.us/2009/09/sparql/data/data{n}.rdf");
    let encode = |text: &str| utf8_percent_encode(text, NON_ALPHANUMERIC).to_string();
    let path = format!("/sparql?default-graph-uri={}", encode(&document(1)));
    for (n, expected) in [(1, true), (2, false)] {
        let form = format!(
            "query={}",
            encode(&format!("ASK {{ <{}> a ?t }}", document(n)))
        );
        let request = Request::post(path.as_str())
            .header("content-type", "application/x-www-form-urlencoded")
            .body(Body::from(form))
            .unwrap();
        let answer = send_to(router, request).await;
        let expected = ExpectedResponse {
            status_classes: vec![2],
            format: Some("boolean".into()),
            boolean: Some(expected),
        };
        check_answer(&expected, &answer).unwrap_or_else(|reason| panic!("data{n}: {reason}"));
    }
}

/// One `mf:ProtocolTest`: requests sent in order, each with its expected response.
struct ProtocolTest {
    name: String,
    requests: Vec<ProtocolRequest>,
}

struct ProtocolRequest {
    method: String,
    path: String,
    headers: Vec<(String, String)>,
    body: Option<RequestBody>,
    expected: ExpectedResponse,
}

struct RequestBody {
    text: String,
    encoding: String,
}

struct ExpectedResponse {
    /// Accepted status classes: 2 for `2xx`...
    status_classes: Vec<u16>,
    /// `boolean`, `tabular` or `RDF`.
    format: Option<String>,
    boolean: Option<bool>,
}

impl ProtocolRequest {
    /// Whether the request asks for a SPARQL update, directly or in a form.
    fn is_update(&self) -> bool {
        let content_type = self.header("content-type").unwrap_or_default();
        if content_type.starts_with("application/sparql-update") {
            return true;
        }
        let query_string = self.path.split_once('?').map(|(_, query)| query);
        let form_body = self.body.as_ref().map(|body| body.text.as_str());
        [query_string, form_body]
            .into_iter()
            .flatten()
            .flat_map(|text| text.split('&'))
            .any(|pair| pair.split('=').next() == Some("update"))
    }

    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(field, _)| field.eq_ignore_ascii_case(name))
            .map(|(_, value)| value.as_str())
    }

    /// The HTTP request, sent to our endpoint instead of the suite's.
    fn to_http(&self) -> Request<Body> {
        let path = match self.path.strip_prefix(SUITE_ENDPOINT) {
            Some(rest) => format!("{OUR_ENDPOINT}{rest}"),
            None => self.path.clone(),
        };
        let mut request = Request::builder().method(self.method.as_str()).uri(path);
        for (name, value) in &self.headers {
            request = request.header(name, value);
        }
        let body = self.body.as_ref().map(RequestBody::to_bytes);
        request
            .body(body.map(Body::from).unwrap_or_else(Body::empty))
            .expect("a valid request")
    }
}

impl RequestBody {
    /// The body in its declared character encoding; UTF-16 is written big-endian after a
    /// byte order mark, as RFC 2781 describes.
    fn to_bytes(&self) -> Vec<u8> {
        match self.encoding.to_ascii_uppercase().as_str() {
            "UTF-8" => self.text.as_bytes().to_vec(),
            "UTF-16" => std::iter::once(0xFEFF)
                .chain(self.text.encode_utf16())
                .flat_map(u16::to_be_bytes)
                .collect(),
            other => panic!("the suite uses an unexpected encoding: {other}"),
        }
    }
}

/// Sends the test's requests in order and checks each answer.
async fn run_test(
    router: &axum::Router,
    test: &ProtocolTest,
    read_only: bool,
) -> Result<(), String> {
    if read_only {
        return run_refused_update(router, test).await;
    }
    for (request_idx, request) in test.requests.iter().enumerate() {
        let answer = send_to(router, request.to_http()).await;
        check_answer(&request.expected, &answer)
            .map_err(|reason| format!("request {}: {reason}", request_idx + 1))?;
    }
    Ok(())
}

/// Sends the test's update, which the endpoint must refuse with 401 for want of a token; the
/// requests after it only look for the update's effect, so they are not sent.
async fn run_refused_update(router: &axum::Router, test: &ProtocolTest) -> Result<(), String> {
    let Some(update) = test.requests.first().filter(|request| request.is_update()) else {
        return Err("the test does not start with an update".into());
    };
    let answer = send_to(router, update.to_http()).await;
    if answer.status == 401 {
        return Ok(());
    }
    Err(format!(
        "status {} instead of 401: {}",
        answer.status,
        answer.text()
    ))
}

fn check_answer(expected: &ExpectedResponse, answer: &Answer) -> Result<(), String> {
    let class = answer.status.as_u16() / 100;
    if !expected.status_classes.contains(&class) {
        return Err(format!(
            "status {} not in the expected classes {:?}xx: {}",
            answer.status,
            expected.status_classes,
            answer.text()
        ));
    }
    match expected.format.as_deref() {
        None => Ok(()),
        Some("boolean") => check_boolean(answer, expected.boolean),
        Some("tabular") => check_tabular(answer),
        Some("RDF") => check_rdf(answer),
        Some(other) => Err(format!("unknown expected format {other:?}")),
    }
}

/// A boolean result, in one of the two results syntaxes that can hold one.
fn check_boolean(answer: &Answer, expected: Option<bool>) -> Result<(), String> {
    let format = match answer.media_type().as_str() {
        "application/sparql-results+json" => QueryResultsFormat::Json,
        "application/sparql-results+xml" => QueryResultsFormat::Xml,
        other => return Err(format!("{other:?} is not a boolean results syntax")),
    };
    let parsed = QueryResultsParser::from_format(format)
        .for_slice(&answer.body)
        .map_err(|error| format!("unreadable results: {error}"))?;
    let SliceQueryResultsParserOutput::Boolean(value) = parsed else {
        return Err("solutions instead of a boolean".into());
    };
    match expected {
        Some(expected) if expected != value => Err(format!("{value} instead of {expected}")),
        _ => Ok(()),
    }
}

/// Solutions in XML, JSON, CSV or TSV.
fn check_tabular(answer: &Answer) -> Result<(), String> {
    let format = match answer.media_type().as_str() {
        "application/sparql-results+json" => QueryResultsFormat::Json,
        "application/sparql-results+xml" => QueryResultsFormat::Xml,
        // The results parser refuses CSV, whose plain values lose the kind of each term.
        "text/csv" => return check_csv(answer),
        "text/tab-separated-values" => QueryResultsFormat::Tsv,
        other => return Err(format!("{other:?} is not a tabular results syntax")),
    };
    let parsed = QueryResultsParser::from_format(format)
        .for_slice(&answer.body)
        .map_err(|error| format!("unreadable results: {error}"))?;
    let SliceQueryResultsParserOutput::Solutions(solutions) = parsed else {
        return Err("a boolean instead of solutions".into());
    };
    for solution in solutions {
        solution.map_err(|error| format!("unreadable solution: {error}"))?;
    }
    Ok(())
}

/// CSV results: a header line naming the variables, then rows of as many fields.
fn check_csv(answer: &Answer) -> Result<(), String> {
    let mut reader = csv::Reader::from_reader(answer.body.as_slice());
    let width = reader
        .headers()
        .map_err(|error| format!("unreadable CSV header: {error}"))?
        .len();
    for record in reader.records() {
        let record = record.map_err(|error| format!("unreadable CSV row: {error}"))?;
        if record.len() != width {
            return Err(format!(
                "a CSV row has {} fields, not {width}",
                record.len()
            ));
        }
    }
    Ok(())
}

/// A graph in RDF/XML, Turtle or N-Triples (the suite also allows RDFa, which we do not serve).
fn check_rdf(answer: &Answer) -> Result<(), String> {
    let format = match answer.media_type().as_str() {
        "application/rdf+xml" => RdfFormat::RdfXml,
        "text/turtle" => RdfFormat::Turtle,
        "application/n-triples" => RdfFormat::NTriples,
        other => return Err(format!("{other:?} is not an RDF syntax the suite expects")),
    };
    for quad in RdfParser::from_format(format).for_slice(&answer.body) {
        quad.map_err(|error| format!("unreadable graph: {error}"))?;
    }
    Ok(())
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

/// A router over a store holding the suite's graphs only, built once.
fn protocol_router(graph_data: &[(PathBuf, String)]) -> &'static axum::Router {
    static ROUTER: OnceLock<axum::Router> = OnceLock::new();
    ROUTER.get_or_init(|| {
        let store = Store::in_memory().expect("an in-memory store");
        for (file, graph) in graph_data {
            let data = std::fs::read(file).unwrap_or_else(|error| panic!("{file:?}: {error}"));
            let graph = NamedNode::new(graph.as_str()).expect("a graph IRI");
            store
                .bulk_load_document(&data, RdfFormat::NTriples, graph.as_str(), graph.as_ref())
                .unwrap_or_else(|error| panic!("cannot load {file:?}: {error}"));
        }
        let data_dir =
            std::env::temp_dir().join(format!("ancrage-protocol-{}", std::process::id()));
        let config = Config::new(data_dir, "127.0.0.1:8080".parse().unwrap(), Some(BASE)).unwrap();
        let platform = Arc::new(Platform::with_store(config, store));
        let state = AppState::new(platform).expect("templates load");
        ancrage::router(Arc::new(state))
    })
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
        .unwrap_or_else(|error| panic!("SPARQL protocol test suite not found at {dir:?}: {error}"))
}

/// Every `mf:ProtocolTest` of the manifest's entries, in order.
fn read_tests(manifest: &Graph) -> Vec<ProtocolTest> {
    let Some(entries) = manifest.triples_for_predicate(MF_ENTRIES).next() else {
        panic!("the manifest has no mf:entries");
    };
    list_members(manifest, entries.object)
        .into_iter()
        .filter(|entry| {
            manifest.contains(oxrdf::TripleRef::new(*entry, rdf::TYPE, MF_PROTOCOL_TEST))
        })
        .map(|entry| read_test(manifest, entry))
        .collect()
}

fn read_test(manifest: &Graph, entry: NamedOrBlankNodeRef<'_>) -> ProtocolTest {
    let name = match entry {
        NamedOrBlankNodeRef::NamedNode(node) => {
            node.as_str().rsplit('#').next().unwrap_or_default()
        }
        NamedOrBlankNodeRef::BlankNode(node) => node.as_str(),
    };
    let action = subject_object(manifest, entry, MF_ACTION);
    let requests = list_members(manifest, object(manifest, action, HT_REQUESTS))
        .into_iter()
        .map(|request| read_request(manifest, request))
        .collect();
    ProtocolTest {
        name: name.to_owned(),
        requests,
    }
}

fn read_request(manifest: &Graph, request: NamedOrBlankNodeRef<'_>) -> ProtocolRequest {
    let headers = manifest
        .object_for_subject_predicate(request, HT_HEADERS)
        .map(|list| list_members(manifest, list))
        .unwrap_or_default()
        .into_iter()
        .map(|header| {
            (
                text(manifest, header, HT_FIELD_NAME),
                text(manifest, header, HT_FIELD_VALUE),
            )
        })
        .collect();
    let body = manifest
        .object_for_subject_predicate(request, HT_BODY)
        .and_then(as_subject)
        .map(|body| RequestBody {
            text: text(manifest, body, CNT_CHARS),
            encoding: text(manifest, body, CNT_CHARACTER_ENCODING),
        });
    ProtocolRequest {
        method: text(manifest, request, HT_METHOD_NAME),
        path: text(manifest, request, HT_ABSOLUTE_PATH),
        headers,
        body,
        expected: read_expected(manifest, subject_object(manifest, request, HT_RESP)),
    }
}

fn read_expected(manifest: &Graph, response: NamedOrBlankNodeRef<'_>) -> ExpectedResponse {
    let status_classes = manifest
        .objects_for_subject_predicate(response, MF_EXPECTED_STATUS)
        .filter_map(|status| match status {
            TermRef::NamedNode(status) => status.as_str().strip_prefix(STATUS_CLASS_PREFIX),
            _ => None,
        })
        .filter_map(|class| class.strip_suffix("xx")?.parse().ok())
        .collect();
    let literal = |predicate| match manifest.object_for_subject_predicate(response, predicate) {
        Some(TermRef::Literal(literal)) => Some(literal.value().to_owned()),
        _ => None,
    };
    ExpectedResponse {
        status_classes,
        format: literal(MF_EXPECTED_FORMAT),
        boolean: literal(MF_EXPECTED_BOOLEAN).map(|value| value == "true"),
    }
}

/// The graphs every test may rely on: (file, graph IRI), from each test's `ut:graphData`.
fn graph_data(manifest: &Graph) -> Vec<(PathBuf, String)> {
    let mut graphs: Vec<(PathBuf, String)> = manifest
        .triples_for_predicate(UT_GRAPH_DATA)
        .filter_map(|triple| as_subject(triple.object))
        .map(|data| {
            let file = match object(manifest, data, UT_GRAPH) {
                TermRef::NamedNode(file) => file.as_str().to_owned(),
                other => panic!("ut:graph is not a file IRI: {other}"),
            };
            let path = PathBuf::from(file.strip_prefix("file://").unwrap_or(&file));
            (path, text(manifest, data, rdfs::LABEL))
        })
        .collect();
    graphs.sort();
    graphs.dedup();
    graphs
}

fn object<'a>(
    graph: &'a Graph,
    subject: NamedOrBlankNodeRef<'_>,
    predicate: NamedNodeRef<'_>,
) -> TermRef<'a> {
    graph
        .object_for_subject_predicate(subject, predicate)
        .unwrap_or_else(|| panic!("{subject} has no {predicate}"))
}

fn subject_object<'a>(
    graph: &'a Graph,
    subject: NamedOrBlankNodeRef<'_>,
    predicate: NamedNodeRef<'_>,
) -> NamedOrBlankNodeRef<'a> {
    as_subject(object(graph, subject, predicate))
        .unwrap_or_else(|| panic!("the {predicate} of {subject} is a literal"))
}

fn text(graph: &Graph, subject: NamedOrBlankNodeRef<'_>, predicate: NamedNodeRef<'_>) -> String {
    match object(graph, subject, predicate) {
        TermRef::Literal(literal) => literal.value().to_owned(),
        other => panic!("the {predicate} of {subject} is not a literal: {other}"),
    }
}

fn list_members<'a>(graph: &'a Graph, head: TermRef<'a>) -> Vec<NamedOrBlankNodeRef<'a>> {
    let mut members = Vec::new();
    let mut node = head;
    while let Some(subject) = as_subject(node) {
        let Some(first) = graph.object_for_subject_predicate(subject, rdf::FIRST) else {
            break;
        };
        members.extend(as_subject(first));
        let Some(rest) = graph.object_for_subject_predicate(subject, rdf::REST) else {
            break;
        };
        node = rest;
    }
    members
}

fn as_subject(term: TermRef<'_>) -> Option<NamedOrBlankNodeRef<'_>> {
    match term {
        TermRef::NamedNode(node) => Some(node.into()),
        TermRef::BlankNode(node) => Some(node.into()),
        _ => None,
    }
}

fn parse_turtle(path: &Path) -> Graph {
    let file = File::open(path).unwrap_or_else(|error| panic!("cannot open {path:?}: {error}"));
    let parser = TurtleParser::new()
        .with_base_iri(format!("file://{}", path.display()))
        .unwrap_or_else(|error| panic!("bad base IRI for {path:?}: {error}"));
    parser
        .for_reader(BufReader::new(file))
        .map(|triple| triple.unwrap_or_else(|error| panic!("cannot parse {path:?}: {error}")))
        .collect()
}

//! Dereferencing resources and querying `/sparql` over HTTP: content negotiation, document URLs,
//! IRIs with accents, and the status and message of every kind of refused request.

use std::sync::Arc;
use std::time::Duration;

use ancrage::AppState;
use ancrage::platform::Platform;
use axum::body::Body;
use axum::http::Request;
use oxigraph::io::{RdfFormat, RdfParser};
use oxigraph::model::{NamedNode, Quad, Term};
use oxigraph::sparql::results::{
    QueryResultsFormat, QueryResultsParser, SliceQueryResultsParserOutput,
};
use percent_encoding::{NON_ALPHANUMERIC, utf8_percent_encode};

use self::Outcome::{Refuses, Serves};
use crate::common::{Answer, get, send, send_to, site};

/// A commune of the geographic code, and its name there.
const COMMUNE_PATH: &str = "/territoire/commune/01001";
const COMMUNE_IRI: &str = "http://ancrage.test/territoire/commune/01001";
const COMMUNE_NAME: &str = "L'Abergement-Clémenciat";

const SELECT_NAME: &str = "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#> \
    SELECT ?name WHERE { <http://ancrage.test/territoire/commune/01001> rdfs:label ?name }";
const CONSTRUCT_COMMUNE: &str = "CONSTRUCT { ?s ?p ?o } WHERE { \
    BIND(<http://ancrage.test/territoire/commune/01001> AS ?s) ?s ?p ?o }";
/// Counts the pairs of communes: about 1.2 billion rows, far past any short deadline.
const COMMUNE_PAIRS: &str = "SELECT (COUNT(*) AS ?n) WHERE { \
    ?a a <http://rdf.insee.fr/def/geo#Commune> . ?b a <http://rdf.insee.fr/def/geo#Commune> }";

/// The document formats of a resource: media type and extension of its document URL.
const DOCUMENT_FORMATS: [(&str, &str); 5] = [
    ("text/html", "html"),
    ("text/turtle", "ttl"),
    ("application/ld+json", "jsonld"),
    ("application/n-triples", "nt"),
    ("application/rdf+xml", "rdf"),
];

/// What an `Accept` header should get.
#[derive(Debug, Clone, Copy)]
enum Outcome {
    /// A 200 in this media type.
    Serves(&'static str),
    /// A refusal with this status and a message.
    Refuses(u16),
}

/// Cases shared by every negotiated answer: a syntax error in the header, and nothing offered.
const REFUSALS: [(Option<&str>, Outcome); 4] = [
    (Some("turtle"), Refuses(400)),
    (Some("text/turtle;q=2"), Refuses(400)),
    (Some("image/png"), Refuses(406)),
    (Some("text/*;q=0, application/*;q=0"), Refuses(406)),
];

#[tokio::test]
async fn turtle_is_served_when_asked_and_varies_on_accept() {
    let answer = get("/territoire/commune/01001", Some("text/turtle")).await;
    assert_eq!(answer.status, 200);
    assert_eq!(answer.media_type(), "text/turtle");
    assert_eq!(answer.header("vary"), "Accept");
    assert!(answer.text().contains("L'Abergement-Clémenciat"));
}

#[tokio::test]
async fn a_resource_negotiates_every_document_format() {
    // Ties go to the server's order of preference: HTML first, for browsers, then Turtle.
    let cases = [
        (None, Serves("text/html")),
        (Some("text/*"), Serves("text/html")),
        (Some("*/*;q=0.1, text/turtle"), Serves("text/turtle")),
        (
            Some("*/*;q=0.1, application/ld+json"),
            Serves("application/ld+json"),
        ),
        (
            Some("application/n-triples, */*;q=0.1"),
            Serves("application/n-triples"),
        ),
        (
            Some("application/rdf+xml;q=0.9, text/html;q=0.5"),
            Serves("application/rdf+xml"),
        ),
        (Some("text/html;q=0, */*"), Serves("text/turtle")),
    ];
    for (accept, outcome) in cases.into_iter().chain(REFUSALS) {
        let answer = get(COMMUNE_PATH, accept).await;
        check_outcome(&answer, accept, outcome, check_commune_document);
    }
}

#[tokio::test]
async fn a_select_query_negotiates_results_formats() {
    let path = query_path(SELECT_NAME);
    let cases = [
        (None, Serves("application/sparql-results+json")),
        (Some("text/*"), Serves("text/csv")),
        (
            Some("*/*;q=0.1, application/sparql-results+xml"),
            Serves("application/sparql-results+xml"),
        ),
        (
            Some("text/tab-separated-values, */*;q=0.1"),
            Serves("text/tab-separated-values"),
        ),
        (
            Some("application/json"),
            Serves("application/sparql-results+json"),
        ),
        (
            Some("text/html;q=0, */*"),
            Serves("application/sparql-results+json"),
        ),
    ];
    for (accept, outcome) in cases.into_iter().chain(REFUSALS) {
        let answer = get(&path, accept).await;
        check_outcome(&answer, accept, outcome, check_commune_name_in_results);
    }
}

#[tokio::test]
async fn a_construct_query_negotiates_graph_formats() {
    let path = query_path(CONSTRUCT_COMMUNE);
    let cases = [
        (None, Serves("text/turtle")),
        (Some("text/*"), Serves("text/turtle")),
        (
            Some("*/*;q=0.1, application/ld+json"),
            Serves("application/ld+json"),
        ),
        (
            Some("application/rdf+xml, */*;q=0.1"),
            Serves("application/rdf+xml"),
        ),
        (Some("text/plain"), Serves("application/n-triples")),
        (Some("text/html;q=0, */*"), Serves("text/turtle")),
    ];
    for (accept, outcome) in cases.into_iter().chain(REFUSALS) {
        let answer = get(&path, accept).await;
        check_outcome(&answer, accept, outcome, check_commune_document);
    }
}

#[tokio::test]
async fn document_urls_fix_the_format_whatever_accept_says() {
    for (media_type, extension) in DOCUMENT_FORMATS {
        let contrary = if media_type == "text/html" {
            "text/turtle"
        } else {
            "text/html"
        };
        let answer = get(&format!("{COMMUNE_PATH}.{extension}"), Some(contrary)).await;
        assert_eq!(answer.status, 200, ".{extension}: {}", answer.text());
        assert_eq!(answer.media_type(), media_type, ".{extension}");
        check_commune_document(&answer);
    }
}

#[tokio::test]
async fn the_html_page_links_every_alternate_document() {
    let html = get(COMMUNE_PATH, Some("text/html")).await.text();
    for (media_type, extension) in &DOCUMENT_FORMATS[1..] {
        let link =
            format!(r#"rel="alternate" type="{media_type}" href="{COMMUNE_PATH}.{extension}""#);
        assert!(html.contains(&link), "no alternate link {link}");
    }
}

#[tokio::test]
async fn head_answers_like_get_without_a_body() {
    let query = query_path("ASK {}");
    for path in [COMMUNE_PATH, query.as_str()] {
        let request = Request::head(path)
            .header("accept", "text/turtle, application/sparql-results+json")
            .body(Body::empty())
            .unwrap();
        let answer = send(request).await;
        assert_eq!(answer.status, 200, "HEAD {path}");
        assert!(!answer.media_type().is_empty(), "HEAD {path} has a type");
        assert!(answer.body.is_empty(), "HEAD {path} has a body");
    }
}

#[tokio::test]
async fn an_iri_with_an_accent_round_trips_percent_encoded() {
    let iri = "http://ancrage.test/source/france-services/etiquette/format_fs/Itinérante";
    let path = "/source/france-services/etiquette/format_fs/Itin%C3%A9rante";
    for path in [path.to_owned(), format!("{path}.ttl")] {
        let answer = get(&path, Some("text/turtle")).await;
        assert_eq!(answer.status, 200, "{path}");
        let subjects = subjects_of(&parse_graph(&answer));
        assert!(subjects.contains(&NamedNode::new(iri).unwrap()), "{path}");
    }
}

#[tokio::test]
async fn encoded_reserved_characters_are_data_not_separators() {
    // The tag `Fixe_antenne(s)` of the source keeps its parentheses percent-encoded in its IRI.
    let iri = "http://ancrage.test/source/france-services/etiquette/format_fs/Fixe_antenne%28s%29";
    let answer = get(
        "/source/france-services/etiquette/format_fs/Fixe_antenne%28s%29",
        Some("text/turtle"),
    )
    .await;
    assert_eq!(answer.status, 200);
    assert!(subjects_of(&parse_graph(&answer)).contains(&NamedNode::new(iri).unwrap()));

    // An encoded slash or space belongs to its segment: these name nothing.
    for path in [
        "/territoire/commune%2F01001",
        "/territoire%2Fcommune%2F01001",
        "/territoire/commune/01001%20",
        "/territoire/commune/%2001001",
    ] {
        assert_eq!(get(path, Some("text/turtle")).await.status, 404, "{path}");
    }
}

#[tokio::test]
async fn an_unknown_iri_is_not_found_as_a_page_or_as_text() {
    let path = "/territoire/commune/00000";
    let page = get(path, Some("text/html")).await;
    assert_eq!(page.status, 404);
    assert_eq!(page.media_type(), "text/html");
    assert!(page.text().contains(path));
    let text = get(path, Some("text/turtle")).await;
    assert_eq!(text.status, 404);
    assert_eq!(text.media_type(), "text/plain");
    assert!(text.text().contains(path));
}

#[tokio::test]
async fn invalid_utf8_in_a_path_or_a_query_is_a_bad_request() {
    for path in [
        "/territoire/commune/%FF",
        "/sparql?query=%FF",
        "/sparql?query=ASK%7B%7D&x=%C3",
    ] {
        let answer = get(path, None).await;
        assert_eq!(answer.status, 400, "{path}");
        assert!(answer.text().contains("UTF-8"), "{path}: {}", answer.text());
    }
}

#[tokio::test]
async fn post_on_a_resource_is_not_allowed() {
    let request = Request::post(COMMUNE_PATH).body(Body::empty()).unwrap();
    let answer = send(request).await;
    assert_eq!(answer.status, 405);
    let allowed = answer.header("allow");
    assert!(
        allowed.contains("GET") && allowed.contains("HEAD"),
        "Allow: {allowed}"
    );
}

#[tokio::test]
async fn a_syntax_error_is_a_bad_request_with_its_position() {
    // The fault is on the second line; the parser's message says where.
    let answer = get(&query_path("SELECT *\nWHERE { ?s ?p }"), None).await;
    assert_eq!(answer.status, 400);
    assert_eq!(answer.media_type(), "text/plain");
    assert!(answer.text().contains("2:"), "{}", answer.text());
}

#[tokio::test]
async fn two_queries_in_one_request_are_a_bad_request() {
    let answer = get("/sparql?query=ASK%20%7B%7D&query=ASK%20%7B%7D", None).await;
    assert_eq!(answer.status, 400);
    let form = post_sparql(
        "application/x-www-form-urlencoded",
        "query=ASK+%7B%7D&query=ASK+%7B%7D",
    );
    assert_eq!(send(form).await.status, 400);

    // Parameters in the URL of a form POST count too, so this request holds two queries as well.
    let split = Request::post("/sparql?query=ASK%20%7B%7D")
        .header("content-type", "application/x-www-form-urlencoded")
        .body(Body::from("query=ASK+%7B%7D"))
        .unwrap();
    assert_eq!(send(split).await.status, 400);
}

#[tokio::test]
async fn updates_need_a_partner_token_and_a_post() {
    // Without `Authorization: Bearer …`, 401; an update in a GET request is malformed, 400.
    let requests = [
        (
            post_sparql("application/x-www-form-urlencoded", "update=CLEAR+ALL"),
            401,
        ),
        (post_sparql("application/sparql-update", "CLEAR ALL"), 401),
        (
            Request::get("/sparql?update=CLEAR%20ALL")
                .body(Body::empty())
                .unwrap(),
            400,
        ),
    ];
    for (request, status) in requests {
        let answer = send(request).await;
        assert_eq!(answer.status, status);
        assert!(!answer.body.is_empty(), "the refusal says why");
    }
    // `CLEAR ALL` would have emptied every graph.
    assert!(!crate::common::select_column("SELECT ?g WHERE { GRAPH ?g {} }").is_empty());
}

#[tokio::test]
async fn a_query_body_of_another_media_type_is_unsupported() {
    for content_type in ["text/plain", "application/json", ""] {
        let mut request = Request::post("/sparql");
        if !content_type.is_empty() {
            request = request.header("content-type", content_type);
        }
        let answer = send(request.body(Body::from("ASK {}")).unwrap()).await;
        assert_eq!(answer.status, 415, "Content-Type {content_type:?}");
        assert!(answer.text().contains("application/sparql-query"));
    }
}

#[tokio::test]
async fn a_query_past_its_deadline_is_stopped_with_503() {
    let mut config = site().platform.config.clone();
    config.query_limits.timeout = Duration::from_millis(5);
    let platform = Arc::new(Platform::with_store(config, site().platform.store.clone()));
    let router = ancrage::router(Arc::new(AppState::new(platform).unwrap()));
    let request = Request::get(query_path(COMMUNE_PAIRS))
        .body(Body::empty())
        .unwrap();

    let started = std::time::Instant::now();
    let answer = send_to(&router, request).await;
    assert_eq!(answer.status, 503, "{}", answer.text());
    assert!(!answer.body.is_empty(), "the refusal says why");
    assert!(
        started.elapsed() < Duration::from_secs(30),
        "stopped soon after its deadline"
    );
}

#[tokio::test]
async fn the_ontology_has_an_anchor_per_term_and_a_turtle_document() {
    let page = get("/ontologie", None).await;
    assert_eq!(page.status, 200);
    assert_eq!(page.media_type(), "text/html");
    assert!(page.text().contains(r#"id="Initiative""#));

    let document = get("/ontologie.ttl", None).await;
    assert_eq!(document.media_type(), "text/turtle");
    let initiative_is_a_class = Quad::new(
        NamedNode::new("https://w3id.org/ancrage/ontology#Initiative").unwrap(),
        NamedNode::new("http://www.w3.org/1999/02/22-rdf-syntax-ns#type").unwrap(),
        NamedNode::new("http://www.w3.org/2002/07/owl#Class").unwrap(),
        oxigraph::model::GraphName::DefaultGraph,
    );
    assert!(parse_graph(&document).contains(&initiative_is_a_class));
}

/// Checks one negotiated answer against its expected outcome.
fn check_outcome(
    answer: &Answer,
    accept: Option<&str>,
    outcome: Outcome,
    check_document: fn(&Answer),
) {
    match outcome {
        Serves(media_type) => {
            assert_eq!(answer.status, 200, "Accept {accept:?}: {}", answer.text());
            assert_eq!(answer.media_type(), media_type, "Accept {accept:?}");
            assert!(
                varies_on_accept(answer),
                "Accept {accept:?}: no Vary: Accept"
            );
            check_document(answer);
        }
        Refuses(status) => {
            assert_eq!(answer.status, status, "Accept {accept:?}");
            let message = answer.text();
            let expected = if status == 400 { "Accept" } else { "text/" };
            assert!(message.contains(expected), "Accept {accept:?}: {message}");
        }
    }
}

fn varies_on_accept(answer: &Answer) -> bool {
    answer
        .headers
        .get_all("vary")
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .any(|name| name.trim().eq_ignore_ascii_case("accept"))
}

/// The answer describes the commune: an HTML page naming it, or a graph giving its name.
fn check_commune_document(answer: &Answer) {
    if answer.media_type() == "text/html" {
        assert!(answer.text().contains("Abergement-Clémenciat"));
        return;
    }
    let commune = NamedNode::new(COMMUNE_IRI).unwrap();
    let named = parse_graph(answer).iter().any(|quad| {
        quad.subject == commune.clone().into()
            && matches!(&quad.object, Term::Literal(name) if name.value() == COMMUNE_NAME)
    });
    assert!(
        named,
        "the {} document names the commune",
        answer.media_type()
    );
}

fn check_commune_name_in_results(answer: &Answer) {
    let names = if answer.media_type() == "text/csv" {
        names_in_csv(answer)
    } else {
        names_in_results(answer)
    };
    assert_eq!(names, [COMMUNE_NAME], "{}", answer.media_type());
}

/// The `name` column of CSV results: a header of variable names, then plain values.
fn names_in_csv(answer: &Answer) -> Vec<String> {
    let mut reader = csv::Reader::from_reader(answer.body.as_slice());
    assert_eq!(reader.headers().unwrap(), vec!["name"]);
    reader
        .records()
        .map(|record| record.unwrap()[0].to_owned())
        .collect()
}

/// The `name` column of results in a syntax that keeps terms (the parser refuses lossy CSV).
fn names_in_results(answer: &Answer) -> Vec<String> {
    let format = QueryResultsFormat::from_media_type(&answer.media_type()).unwrap();
    let parsed = QueryResultsParser::from_format(format)
        .for_slice(&answer.body)
        .unwrap();
    let SliceQueryResultsParserOutput::Solutions(solutions) = parsed else {
        panic!("a boolean instead of rows");
    };
    solutions
        .map(|solution| match solution.unwrap().get("name") {
            Some(Term::Literal(name)) => name.value().to_owned(),
            other => panic!("unexpected name {other:?}"),
        })
        .collect()
}

/// The body parsed in the RDF syntax its media type declares.
fn parse_graph(answer: &Answer) -> Vec<Quad> {
    let format = RdfFormat::from_media_type(&answer.media_type())
        .unwrap_or_else(|| panic!("{} is not an RDF syntax", answer.media_type()));
    RdfParser::from_format(format)
        .for_slice(&answer.body)
        .collect::<Result<_, _>>()
        .unwrap_or_else(|error| panic!("invalid {}: {error}", answer.media_type()))
}

fn subjects_of(quads: &[Quad]) -> Vec<NamedNode> {
    quads
        .iter()
        .filter_map(|quad| match &quad.subject {
            oxigraph::model::NamedOrBlankNode::NamedNode(node) => Some(node.clone()),
            _ => None,
        })
        .collect()
}

fn query_path(query: &str) -> String {
    format!(
        "/sparql?query={}",
        utf8_percent_encode(query, NON_ALPHANUMERIC)
    )
}

fn post_sparql(content_type: &str, body: &str) -> Request<Body> {
    Request::post("/sparql")
        .header("content-type", content_type)
        .body(Body::from(body.to_owned()))
        .unwrap()
}

/// An outside term the graph uses but does not describe sends its page's visitors to the
/// term's own address; an IRI the graph never mentions stays a 404, so the page redirects
/// nowhere else.
#[tokio::test]
async fn an_outside_term_the_graph_uses_redirects_to_its_own_address() {
    let label = "http://www.w3.org/2000/01/rdf-schema#label";
    let used = crate::common::select_column(&format!(
        "SELECT ?used WHERE {{ ?s <{label}> ?o BIND(true AS ?used) }} LIMIT 1"
    ));
    assert_eq!(used.len(), 1, "the graph uses rdfs:label");
    let described =
        crate::common::select_column(&format!("SELECT ?p WHERE {{ <{label}> ?p ?o }} LIMIT 1"));
    assert!(
        described.is_empty(),
        "the graph does not describe rdfs:label"
    );

    let page = |iri: &str| {
        format!(
            "/ressource?iri={}",
            utf8_percent_encode(iri, NON_ALPHANUMERIC)
        )
    };
    let answer = get(&page(label), Some("text/html")).await;
    assert_eq!(answer.status, 303);
    assert_eq!(answer.header("location"), label);

    let unknown = get(
        &page("https://exemple.invalid/jamais-cite"),
        Some("text/html"),
    )
    .await;
    assert_eq!(unknown.status, 404);
}

//! SERVICE calls to remote SPARQL endpoints. The shared test site is served on a real TCP port
//! as the remote endpoint; a small platform allowed to call it joins its own rows with the
//! remote's. Other endpoints stay refused, and failures and slow remotes stay within bounds.

use std::collections::BTreeSet;
use std::net::SocketAddr;
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use ancrage::platform::Platform;
use ancrage::store::Store;
use ancrage::{AppState, Config};
use axum::body::Body;
use axum::http::{Request, StatusCode};
use oxigraph::model::{GraphName, NamedNode, Quad};
use oxigraph::sparql::results::{
    QueryResultsFormat, QueryResultsParser, SliceQueryResultsParserOutput,
};

use crate::common::{Answer, send_to, site};

/// The pattern asked of the remote endpoint: the régions and their labels.
const REGION_PATTERN: &str = "?region a <http://rdf.insee.fr/def/geo#Region> ; \
                              <http://www.w3.org/2000/01/rdf-schema#label> ?label";
/// The local property pointing at a région of the remote endpoint.
const ABOUT: &str = "http://local.test/porte-sur";
/// How long the slow remote waits before it answers.
const SLOW_REMOTE_DELAY: Duration = Duration::from_secs(4);

/// One row of a results table: each variable's value, in N-Triples syntax, or `-` when unbound.
type Row = Vec<String>;

#[tokio::test]
async fn a_local_pattern_joins_the_rows_the_allowed_remote_returns_for_its_pattern() {
    let remote = remote_endpoint();
    let remote_rows = query_directly(
        remote,
        &format!("SELECT ?region ?label WHERE {{ {REGION_PATTERN} }}"),
    );
    let regions: BTreeSet<&String> = remote_rows.iter().map(|row| &row[0]).collect();
    assert!(regions.len() >= 2, "{remote_rows:?}");
    let chosen: Vec<&String> = regions.into_iter().take(2).collect();

    // Two local items about two of the remote régions, one about a région it does not know.
    let nowhere = "<http://ancrage.test/territoire/nulle-part>".to_owned();
    let local_rows = [
        ("<http://local.test/suivi/1>".to_owned(), chosen[0].clone()),
        ("<http://local.test/suivi/2>".to_owned(), chosen[1].clone()),
        ("<http://local.test/suivi/3>".to_owned(), nowhere),
    ];
    let local = LocalSite::new(&[remote], Duration::from_secs(10));
    local.insert_items(&local_rows);

    let query = format!(
        "SELECT ?item ?region ?label WHERE {{ ?item <{ABOUT}> ?region \
         SERVICE <{remote}> {{ {REGION_PATTERN} }} }}"
    );
    let answer = local.query(&query).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.text());

    let expected: BTreeSet<Row> = local_rows
        .iter()
        .flat_map(|(item, region)| {
            remote_rows
                .iter()
                .filter(move |row| &row[0] == region)
                .map(move |row| vec![item.clone(), region.clone(), row[1].clone()])
        })
        .collect();
    assert!(expected.len() >= 2, "{expected:?}");
    assert_eq!(rows_of(&answer.body), expected);
}

#[tokio::test]
async fn a_service_the_operator_did_not_allow_is_refused_naming_the_option() {
    let remote = remote_endpoint();
    let local = LocalSite::new(&[remote], Duration::from_secs(10));
    for service in [
        "http://attaquant.example/sparql".to_owned(),
        format!("{remote}/"),
        "file:///etc/passwd".to_owned(),
        "urn:ancrage:prive:comptes".to_owned(),
    ] {
        let query = format!("SELECT * WHERE {{ SERVICE <{service}> {{ ?s ?p ?o }} }}");
        let answer = local.query(&query).await;
        assert_eq!(answer.status, StatusCode::FORBIDDEN, "{service}");
        assert!(
            answer.text().contains("--service-allow"),
            "{}",
            answer.text()
        );
        assert!(
            answer.text().contains("ANCRAGE_SERVICES"),
            "{}",
            answer.text()
        );
    }
}

#[test]
fn only_http_endpoints_can_be_allowed() {
    for endpoint in [
        "file:///etc/passwd",
        "ftp://example.org/sparql",
        "sparql",
        "",
    ] {
        let error = local_config().with_allowed_service(endpoint).unwrap_err();
        assert!(error.to_string().contains("--service-allow"), "{error}");
    }
    let config = local_config()
        .with_allowed_service("https://query.wikidata.org/sparql")
        .unwrap();
    assert_eq!(
        config.federation.endpoints,
        ["https://query.wikidata.org/sparql"]
    );
}

#[tokio::test]
async fn service_silent_to_an_unreachable_endpoint_leaves_the_local_rows_unjoined() {
    let unreachable = unreachable_endpoint();
    let local = LocalSite::new(&[&unreachable], Duration::from_secs(10));
    let item = (
        "<http://local.test/suivi/1>".to_owned(),
        "<http://e/r>".to_owned(),
    );
    local.insert_items(std::slice::from_ref(&item));

    let silent = format!(
        "SELECT ?item ?label WHERE {{ ?item <{ABOUT}> ?region \
         SERVICE SILENT <{unreachable}> {{ ?region ?p ?label }} }}"
    );
    let answer = local.query(&silent).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.text());
    assert_eq!(
        rows_of(&answer.body),
        BTreeSet::from([vec![item.0.clone(), "-".to_owned()]])
    );

    // Without SILENT the failure is the remote's, and the answer says which endpoint failed.
    let loud = silent.replace("SERVICE SILENT", "SERVICE");
    let answer = local.query(&loud).await;
    assert_eq!(answer.status, StatusCode::BAD_GATEWAY, "{}", answer.text());
    assert!(answer.text().contains(&unreachable), "{}", answer.text());
    assert!(
        answer.text().contains("SERVICE SILENT"),
        "{}",
        answer.text()
    );
}

#[tokio::test]
async fn a_remote_slower_than_the_deadline_stops_the_query_at_the_deadline() {
    let slow = slow_remote_endpoint();
    let local = LocalSite::new(&[slow], Duration::from_secs(1));
    for service in ["SERVICE", "SERVICE SILENT"] {
        let query = format!("SELECT * WHERE {{ {service} <{slow}> {{ {REGION_PATTERN} }} }}");
        let started = Instant::now();
        let answer = local.query(&query).await;
        assert_eq!(
            answer.status,
            StatusCode::SERVICE_UNAVAILABLE,
            "{service}: {}",
            answer.text()
        );
        assert!(answer.text().contains("time limit"), "{}", answer.text());
        assert!(
            started.elapsed() < SLOW_REMOTE_DELAY,
            "{:?}",
            started.elapsed()
        );
    }
}

#[tokio::test]
async fn a_remote_answer_past_the_row_cap_is_an_error_not_a_cut() {
    let remote = remote_endpoint();
    let mut local = LocalSite::new(&[remote], Duration::from_secs(10));
    local.set_max_results(3);
    let query = format!("SELECT * WHERE {{ SERVICE <{remote}> {{ {REGION_PATTERN} }} }}");
    let answer = local.query(&query).await;
    assert_eq!(answer.status, StatusCode::BAD_REQUEST, "{}", answer.text());
    assert!(
        answer.text().contains("more than 3 rows"),
        "{}",
        answer.text()
    );
    assert!(
        answer.text().contains("LIMIT inside the SERVICE"),
        "{}",
        answer.text()
    );
}

#[test]
fn the_platforms_own_queries_never_call_a_remote_endpoint() {
    let remote = remote_endpoint();
    let local = LocalSite::new(&[remote], Duration::from_secs(10));
    let query = format!("SELECT * WHERE {{ SERVICE <{remote}> {{ {REGION_PATTERN} }} }}");
    // The refusal reaches the platform's code as an evaluation error: such a query is a bug.
    let error = local.platform.store.select(&query, &[]).unwrap_err();
    assert!(error.to_string().contains("is refused"), "{error}");
}

/// A platform with a store of its own, allowed to call some endpoints.
pub struct LocalSite {
    platform: Arc<Platform>,
    router: axum::Router,
}

impl LocalSite {
    /// A platform allowed to call `endpoints`, its queries stopped after `timeout`.
    pub fn new(endpoints: &[&str], timeout: Duration) -> Self {
        let mut config = local_config();
        for endpoint in endpoints {
            config = config.with_allowed_service(endpoint).unwrap();
        }
        config.query_limits.timeout = timeout;
        Self::with_config(config)
    }

    fn with_config(config: Config) -> Self {
        let platform = Arc::new(Platform::with_store(config, Store::in_memory().unwrap()));
        let state = Arc::new(AppState::new(Arc::clone(&platform)).expect("templates load"));
        Self {
            router: ancrage::router(state),
            platform,
        }
    }

    fn set_max_results(&mut self, max_results: usize) {
        let mut config = self.platform.config.clone();
        config.query_limits.max_results = max_results;
        *self = Self::with_config(config);
    }

    /// Writes `item <ABOUT> region` for each pair, both given in N-Triples syntax.
    fn insert_items(&self, items: &[(String, String)]) {
        let iri = |text: &str| NamedNode::new(text.trim_matches(['<', '>'])).unwrap();
        let graph = GraphName::NamedNode(iri("http://local.test/graphe/suivis"));
        let quads: Vec<Quad> = items
            .iter()
            .map(|(item, region)| Quad::new(iri(item), iri(ABOUT), iri(region), graph.clone()))
            .collect();
        self.platform.store.insert_quads(&quads).unwrap();
    }

    /// Sends a query to the platform's endpoint, asking for JSON results.
    pub async fn query(&self, query: &str) -> Answer {
        let request = Request::post("/sparql")
            .header("content-type", "application/sparql-query")
            .header("accept", "application/sparql-results+json")
            .body(Body::from(query.to_owned()))
            .unwrap();
        send_to(&self.router, request).await
    }
}

fn local_config() -> Config {
    let data_dir =
        std::env::temp_dir().join(format!("ancrage-it-federation-{}", std::process::id()));
    let bind = "127.0.0.1:8081".parse().unwrap();
    Config::new(data_dir, bind, Some("http://local.test/")).unwrap()
}

/// The shared test site's SPARQL endpoint, served on a port of its own.
fn remote_endpoint() -> &'static str {
    static REMOTE: OnceLock<String> = OnceLock::new();
    REMOTE.get_or_init(|| serve_on_free_port(site().router.clone()))
}

/// The shared test site's SPARQL endpoint behind a delay longer than the local deadline.
fn slow_remote_endpoint() -> &'static str {
    static SLOW: OnceLock<String> = OnceLock::new();
    SLOW.get_or_init(|| {
        let delayed = site().router.clone().layer(axum::middleware::from_fn(
            |request: Request<Body>, next: axum::middleware::Next| async move {
                tokio::time::sleep(SLOW_REMOTE_DELAY).await;
                next.run(request).await
            },
        ));
        serve_on_free_port(delayed)
    })
}

/// An endpoint on a local port that nothing listens on.
fn unreachable_endpoint() -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let address = listener.local_addr().unwrap();
    drop(listener);
    format!("http://{address}/sparql")
}

/// Serves `router` on a free local port from a runtime of its own, so that it answers whatever
/// the test's runtime is doing; returns its SPARQL endpoint.
pub fn serve_on_free_port(router: axum::Router) -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.set_nonblocking(true).unwrap();
    let address = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        runtime.block_on(async move {
            let listener = tokio::net::TcpListener::from_std(listener).unwrap();
            let service = router.into_make_service_with_connect_info::<SocketAddr>();
            axum::serve(listener, service).await.unwrap();
        });
    });
    format!("http://{address}/sparql")
}

/// Sends `query` to `endpoint` over HTTP, as any SPARQL client would, and reads its rows.
fn query_directly(endpoint: &str, query: &str) -> Vec<Row> {
    let body = ureq::post(endpoint)
        .header("accept", "application/sparql-results+json")
        .send_form([("query", query)])
        .unwrap()
        .body_mut()
        .read_to_vec()
        .unwrap();
    rows_of(&body).into_iter().collect()
}

/// The rows of a JSON results table.
fn rows_of(body: &[u8]) -> BTreeSet<Row> {
    let parser = QueryResultsParser::from_format(QueryResultsFormat::Json);
    let SliceQueryResultsParserOutput::Solutions(solutions) = parser.for_slice(body).unwrap()
    else {
        panic!("a boolean answer");
    };
    let variables = solutions.variables().to_vec();
    solutions
        .map(|solution| {
            let solution = solution.unwrap();
            variables
                .iter()
                .map(|variable| {
                    solution
                        .get(variable)
                        .map_or("-".to_owned(), |term| term.to_string())
                })
                .collect()
        })
        .collect()
}

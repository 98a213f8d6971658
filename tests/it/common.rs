//! A test site shared by every integration test: the platform bootstrapped once (in memory,
//! with the bundled territories and the France services source), and helpers to call its router.

use std::sync::{Arc, OnceLock};

use ancrage::platform::Platform;
use ancrage::store::Store;
use ancrage::{AppState, Config};
use axum::body::Body;
use axum::http::{HeaderMap, Request, StatusCode};
use tower::ServiceExt;

/// Base IRI of the test site.
pub const BASE: &str = "http://ancrage.test/";

/// The shared test site.
pub struct TestSite {
    /// The platform behind the router.
    pub platform: Arc<Platform>,
    /// The router, as `serve` builds it.
    pub router: axum::Router,
}

/// An answer of the router, read whole.
pub struct Answer {
    /// HTTP status.
    pub status: StatusCode,
    /// Response headers.
    pub headers: HeaderMap,
    /// Body bytes.
    pub body: Vec<u8>,
}

impl Answer {
    /// The body as text.
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// A header's value as text, empty when absent.
    pub fn header(&self, name: &str) -> String {
        self.headers
            .get(name)
            .and_then(|value| value.to_str().ok())
            .unwrap_or_default()
            .to_owned()
    }

    /// The media type of the body, without parameters.
    pub fn media_type(&self) -> String {
        self.header("content-type")
            .split(';')
            .next()
            .unwrap_or_default()
            .trim()
            .to_owned()
    }
}

/// The test site, bootstrapped on first use.
pub fn site() -> &'static TestSite {
    static SITE: OnceLock<TestSite> = OnceLock::new();
    SITE.get_or_init(|| {
        let data_dir = std::env::temp_dir().join(format!("ancrage-it-{}", std::process::id()));
        let config = Config::new(data_dir, "127.0.0.1:8080".parse().unwrap(), Some(BASE)).unwrap();
        let platform = Arc::new(Platform::with_store(config, Store::in_memory().unwrap()));
        platform
            .bootstrap_if_empty()
            .expect("bootstrap of the test site");
        let state = Arc::new(AppState::new(Arc::clone(&platform)).expect("templates load"));
        TestSite {
            router: ancrage::router(state),
            platform,
        }
    })
}

/// Sends a request to the shared site's router.
pub async fn send(request: Request<Body>) -> Answer {
    send_to(&site().router, request).await
}

/// Sends a request to any router and reads the whole answer.
pub async fn send_to(router: &axum::Router, request: Request<Body>) -> Answer {
    let response = router
        .clone()
        .oneshot(request)
        .await
        .expect("the router answers");
    let status = response.status();
    let headers = response.headers().clone();
    let body = axum::body::to_bytes(response.into_body(), usize::MAX)
        .await
        .expect("a body")
        .to_vec();
    Answer {
        status,
        headers,
        body,
    }
}

/// `GET path` with an optional `Accept` header.
pub async fn get(path: &str, accept: Option<&str>) -> Answer {
    let mut request = Request::get(path);
    if let Some(accept) = accept {
        request = request.header("accept", accept);
    }
    send(request.body(Body::empty()).unwrap()).await
}

/// Runs a SELECT query through the store and returns the first column of every row as text.
pub fn select_column(query: &str) -> Vec<String> {
    let solutions = site()
        .platform
        .store
        .select(query, &[])
        .expect("query runs");
    let variable = solutions.variables.first().cloned().unwrap_or_default();
    solutions
        .iter()
        .filter_map(|row| row.text(&variable).map(str::to_owned))
        .collect()
}

/// A new in-memory platform holding the reference data (ontology, vocabularies, territories)
/// but no source, for tests that harvest their own.
pub fn reference_platform(name: &str) -> Platform {
    let data_dir = std::env::temp_dir().join(format!("ancrage-it-{name}-{}", std::process::id()));
    let no_sources = data_dir.join("no-sources");
    std::fs::create_dir_all(&no_sources).unwrap();
    let mut config = Config::new(data_dir, "127.0.0.1:8080".parse().unwrap(), Some(BASE)).unwrap();
    config.sources_dir = no_sources;
    let platform = Platform::with_store(config, Store::in_memory().unwrap());
    platform
        .bootstrap_if_empty()
        .expect("bootstrap of a reference platform");
    platform
}

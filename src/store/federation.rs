//! SERVICE calls from public queries to the remote SPARQL endpoints the operator allows: one
//! HTTP request per call, within the calling query's deadline and under caps on calls, bytes
//! and rows.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use oxigraph::model::NamedNode;
use oxigraph::sparql::results::{
    QueryResultsFormat, QueryResultsParser, SliceQueryResultsParserOutput,
};
use oxigraph::sparql::{CancellationToken, DefaultServiceHandler, QuerySolutionIter};
use spargebra::algebra::GraphPattern;

use super::StoreError;
use super::error::RemoteLimit;
use super::query::{QueryLimits, ServiceError};

/// Media types asked of a remote endpoint, JSON first.
const ACCEPTED_RESULTS: &str =
    "application/sparql-results+json, application/sparql-results+xml;q=0.8";
/// How the platform introduces itself to remote endpoints (some refuse anonymous clients).
const USER_AGENT: &str = concat!("ancrage/", env!("CARGO_PKG_VERSION"), " (SPARQL SERVICE)");
/// Longest excerpt of a remote endpoint's error body repeated to the user.
const MAX_REMOTE_MESSAGE: usize = 200;

/// The remote SPARQL endpoints public queries may call with SERVICE, and the bounds on the
/// calls. By default none is allowed, and every SERVICE to another host is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FederationConfig {
    /// Absolute `http` or `https` IRIs, compared exactly with the IRI written after SERVICE.
    pub endpoints: Vec<String>,
    /// Longest wait for a connection to an endpoint.
    pub connect_timeout: Duration,
    /// Longest wait for the answer's head, then for its body; the query's deadline may cut
    /// either first.
    pub read_timeout: Duration,
    /// Most bytes in one endpoint's answer.
    pub max_response_bytes: usize,
    /// Most calls to remote endpoints one query may make.
    pub max_calls: usize,
}

impl Default for FederationConfig {
    fn default() -> Self {
        Self {
            endpoints: Vec::new(),
            connect_timeout: Duration::from_secs(5),
            read_timeout: Duration::from_secs(10),
            max_response_bytes: 16 * 1024 * 1024,
            max_calls: 8,
        }
    }
}

impl FederationConfig {
    /// Whether `iri` may be called.
    pub fn allows(&self, iri: &str) -> bool {
        self.endpoints.iter().any(|endpoint| endpoint == iri) && has_http_scheme(iri)
    }
}

/// Whether an IRI names an `http` or `https` resource: the only ones a SERVICE call may reach.
pub fn has_http_scheme(iri: &str) -> bool {
    let scheme = iri.split_once(':').map_or("", |(scheme, _)| scheme);
    scheme.eq_ignore_ascii_case("http") || scheme.eq_ignore_ascii_case("https")
}

/// The allowed endpoints and the HTTP client that calls them, shared by a store's queries.
pub(super) struct Federation {
    config: FederationConfig,
    agent: ureq::Agent,
}

impl Federation {
    pub(super) fn new(config: FederationConfig) -> Self {
        let agent = ureq::Agent::config_builder()
            // An allowed endpoint may not send the call on to a host nobody allowed.
            .max_redirects(0)
            .http_status_as_error(false)
            .timeout_connect(Some(config.connect_timeout))
            .timeout_recv_response(Some(config.read_timeout))
            .timeout_recv_body(Some(config.read_timeout))
            .user_agent(USER_AGENT)
            .build()
            .into();
        Self { config, agent }
    }
}

/// The remote SERVICE calls of one public query: they share its deadline, its cancellation
/// token and its row cap, and are counted against the cap on calls.
#[derive(Clone)]
pub(super) struct RemoteCalls {
    state: Arc<CallsState>,
}

struct CallsState {
    federation: Arc<Federation>,
    deadline: Instant,
    timeout: Duration,
    max_rows: usize,
    token: CancellationToken,
    calls: AtomicUsize,
    deadline_hit: AtomicBool,
}

impl RemoteCalls {
    /// The calls of a query that must end by `deadline`, when `token` is cancelled.
    pub(super) fn new(
        federation: Arc<Federation>,
        deadline: Instant,
        limits: &QueryLimits,
        token: CancellationToken,
    ) -> Self {
        Self {
            state: Arc::new(CallsState {
                federation,
                deadline,
                timeout: limits.timeout,
                max_rows: limits.max_results,
                token,
                calls: AtomicUsize::new(0),
                deadline_hit: AtomicBool::new(false),
            }),
        }
    }

    /// Whether a call was stopped by the query's deadline (even inside SERVICE SILENT).
    pub(super) fn hit_deadline(&self) -> bool {
        self.state.deadline_hit.load(Ordering::Relaxed)
    }

    fn call(
        &self,
        endpoint: &str,
        pattern: &GraphPattern,
        base_iri: Option<&oxiri::Iri<String>>,
    ) -> Result<QuerySolutionIter<'static>, StoreError> {
        let state = &self.state;
        let config = &state.federation.config;
        if !config.allows(endpoint) {
            return Err(StoreError::ServiceRefused {
                service: endpoint.to_owned(),
            });
        }
        let limit_error = |limit| StoreError::RemoteServiceLimit {
            endpoint: endpoint.to_owned(),
            limit,
        };
        if state.calls.fetch_add(1, Ordering::Relaxed) >= config.max_calls {
            return Err(limit_error(RemoteLimit::Calls(config.max_calls)));
        }
        let remaining = self.remaining_time()?;

        let query = select_query_text(pattern, base_iri, state.max_rows);
        let (status, media_type, body) = self.post(endpoint, &query, remaining)?;
        if !(200..300).contains(&status) {
            return Err(remote_error(endpoint, http_failure(status, &body)));
        }
        let rows = parse_solutions(&body, &media_type, state.max_rows)
            .map_err(|reason| remote_error(endpoint, reason))?;
        let (variables, rows) =
            rows.ok_or_else(|| limit_error(RemoteLimit::Rows(state.max_rows)))?;
        Ok(QuerySolutionIter::new(variables, rows.into_iter().map(Ok)))
    }

    /// Sends `query` to `endpoint` and reads the whole answer within the byte cap: its status,
    /// its media type and its body.
    fn post(
        &self,
        endpoint: &str,
        query: &str,
        remaining: Duration,
    ) -> Result<(u16, String, Vec<u8>), StoreError> {
        let max_bytes = self.state.federation.config.max_response_bytes;
        let mut response = self
            .state
            .federation
            .agent
            .post(endpoint)
            .config()
            .timeout_global(Some(remaining))
            .build()
            .header("Accept", ACCEPTED_RESULTS)
            .send_form([("query", query)])
            .map_err(|error| self.transport_error(endpoint, error))?;
        let media_type = response
            .headers()
            .get("content-type")
            .and_then(|value| value.to_str().ok())
            .and_then(|value| value.split(';').next())
            .unwrap_or_default()
            .trim()
            .to_ascii_lowercase();
        let body = response
            .body_mut()
            .with_config()
            .limit(max_bytes as u64)
            .read_to_vec()
            .map_err(|error| match error {
                ureq::Error::BodyExceedsLimit(_) => StoreError::RemoteServiceLimit {
                    endpoint: endpoint.to_owned(),
                    limit: RemoteLimit::Bytes(max_bytes),
                },
                other => self.transport_error(endpoint, other),
            })?;
        Ok((response.status().as_u16(), media_type, body))
    }

    /// The time left before the deadline, or the deadline's error once it has passed.
    fn remaining_time(&self) -> Result<Duration, StoreError> {
        let remaining = self
            .state
            .deadline
            .saturating_duration_since(Instant::now());
        if remaining.is_zero() || self.state.token.is_cancelled() {
            return Err(self.deadline_error());
        }
        Ok(remaining)
    }

    fn deadline_error(&self) -> StoreError {
        self.state.deadline_hit.store(true, Ordering::Relaxed);
        StoreError::Timeout {
            limit: self.state.timeout,
        }
    }

    fn transport_error(&self, endpoint: &str, error: ureq::Error) -> StoreError {
        match error {
            ureq::Error::Timeout(ureq::Timeout::Global) => self.deadline_error(),
            ureq::Error::Timeout(which) => remote_error(
                endpoint,
                format!("it did not answer in time ({which:?} timeout)"),
            ),
            other => remote_error(endpoint, other.to_string()),
        }
    }
}

impl DefaultServiceHandler for RemoteCalls {
    type Error = ServiceError;

    fn handle(
        &self,
        service_name: &NamedNode,
        pattern: &GraphPattern,
        base_iri: Option<&oxiri::Iri<String>>,
    ) -> Result<QuerySolutionIter<'static>, ServiceError> {
        self.call(service_name.as_str(), pattern, base_iri)
            .map_err(ServiceError)
    }
}

/// The SELECT query sent for the pattern of a SERVICE, asking for one row more than the cap so
/// that an answer past the cap is told apart from one just at it.
///
/// FIXME: the pattern is sent alone, without the bindings the rest of the query already has
/// for its variables, so the remote endpoint answers for every value and the join happens here;
/// a bind join would send those bindings in a VALUES block, in batches, so that selective local
/// patterns keep remote answers small.
fn select_query_text(
    pattern: &GraphPattern,
    base_iri: Option<&oxiri::Iri<String>>,
    max_rows: usize,
) -> String {
    let cap = max_rows.saturating_add(1);
    // A slice inside a slice would be written as the inner one alone: shorten the pattern's own.
    let capped = match pattern {
        GraphPattern::Slice {
            inner,
            start,
            length,
        } => GraphPattern::Slice {
            inner: inner.clone(),
            start: *start,
            length: Some(length.map_or(cap, |length| length.min(cap))),
        },
        other => GraphPattern::Slice {
            inner: Box::new(other.clone()),
            start: 0,
            length: Some(cap),
        },
    };
    spargebra::Query::Select {
        dataset: None,
        pattern: capped,
        base_iri: base_iri.cloned(),
    }
    .to_string()
}

/// The variables and rows of a remote answer.
type ParsedSolutions = (
    Arc<[oxigraph::sparql::Variable]>,
    Vec<oxigraph::sparql::QuerySolution>,
);

/// The solutions of a SELECT answer in JSON or XML, or `None` when they are more than
/// `max_rows`; `Err` holds why the answer cannot be read.
fn parse_solutions(
    body: &[u8],
    media_type: &str,
    max_rows: usize,
) -> Result<Option<ParsedSolutions>, String> {
    let format = match QueryResultsFormat::from_media_type(media_type) {
        Some(format @ (QueryResultsFormat::Json | QueryResultsFormat::Xml)) => format,
        _ => {
            return Err(format!(
                "it answered {media_type:?} instead of SPARQL results in JSON or XML"
            ));
        }
    };
    let output = QueryResultsParser::from_format(format)
        .for_slice(body)
        .map_err(|error| format!("its answer is not valid SPARQL results: {error}"))?;
    let SliceQueryResultsParserOutput::Solutions(solutions) = output else {
        return Err("it answered a boolean instead of rows".to_owned());
    };
    let variables: Arc<[oxigraph::sparql::Variable]> = solutions.variables().into();
    let mut rows = Vec::new();
    for solution in solutions {
        if rows.len() == max_rows {
            return Ok(None);
        }
        rows.push(solution.map_err(|error| format!("its answer is not valid: {error}"))?);
    }
    Ok(Some((variables, rows)))
}

fn remote_error(endpoint: &str, reason: String) -> StoreError {
    StoreError::RemoteService {
        endpoint: endpoint.to_owned(),
        reason,
    }
}

/// The status of a failed answer, with the start of its first line when it is short text.
fn http_failure(status: u16, body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body);
    let first_line = text.lines().next().unwrap_or_default().trim();
    if first_line.is_empty() || first_line.starts_with('<') {
        return format!("it answered HTTP {status}");
    }
    let excerpt: String = first_line.chars().take(MAX_REMOTE_MESSAGE).collect();
    format!("it answered HTTP {status} ({excerpt})")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_listed_http_endpoints_are_allowed() {
        let config = FederationConfig {
            endpoints: vec![
                "https://query.example.org/sparql".to_owned(),
                "file:///etc/passwd".to_owned(),
            ],
            ..FederationConfig::default()
        };
        assert!(config.allows("https://query.example.org/sparql"));
        assert!(!config.allows("https://query.example.org/sparql/"));
        assert!(!config.allows("http://other.example.org/sparql"));
        assert!(!config.allows("file:///etc/passwd"));
    }

    #[test]
    fn the_query_sent_asks_for_one_row_past_the_cap() {
        for (query, limits) in [
            ("SELECT * WHERE { ?s <http://e/p> ?o }", &["LIMIT 11"][..]),
            ("SELECT ?s WHERE { ?s ?p ?o } LIMIT 5", &["LIMIT 5"][..]),
            (
                "SELECT ?s WHERE { ?s ?p ?o } OFFSET 2 LIMIT 50",
                &["OFFSET 2", "LIMIT 11"][..],
            ),
        ] {
            let query = spargebra::SparqlParser::new().parse_query(query).unwrap();
            let spargebra::Query::Select { pattern, .. } = query else {
                unreachable!()
            };
            let text = select_query_text(&pattern, None, 10);
            for limit in limits {
                assert!(text.contains(limit), "{text}");
            }
            assert!(
                spargebra::SparqlParser::new().parse_query(&text).is_ok(),
                "{text}"
            );
        }
    }

    #[test]
    fn answers_past_the_row_cap_are_told_apart() {
        let body = br#"{"head":{"vars":["x"]},"results":{"bindings":[
            {"x":{"type":"literal","value":"1"}},{"x":{"type":"literal","value":"2"}}]}}"#;
        let json = "application/sparql-results+json";
        assert_eq!(parse_solutions(body, json, 2).unwrap().unwrap().1.len(), 2);
        assert!(parse_solutions(body, json, 1).unwrap().is_none());
        assert!(parse_solutions(body, "text/html", 2).is_err());
    }
}

//! Hostile input against a real `ancrage serve` process: each request gets its 4xx or error,
//! and the server still answers the next request.

use std::io::Read;
use std::time::{Duration, Instant};

use crate::chrome::Server;

/// Status and body of a request; error statuses are answers too.
fn read_answer(response: Result<ureq::http::Response<ureq::Body>, ureq::Error>) -> (u16, String) {
    let response = response.expect("the server answers");
    let status = response.status().as_u16();
    let mut body = String::new();
    let _ = response.into_body().into_reader().read_to_string(&mut body);
    (status, body)
}

fn call(request: ureq::RequestBuilder<ureq::typestate::WithoutBody>) -> (u16, String) {
    read_answer(request.config().http_status_as_error(false).build().call())
}

/// A query sent as the body of a POST, as long queries are.
fn query(server: &Server, text: &str, accept: &str) -> (u16, String) {
    let request = ureq::post(&format!("{}/sparql", server.address))
        .header("Accept", accept)
        .header("Content-Type", "application/sparql-query")
        .config()
        .http_status_as_error(false)
        .build();
    read_answer(request.send(text.as_bytes()))
}

fn assert_alive(server: &Server) {
    let (status, body) = query(
        server,
        "ASK { ?s ?p ?o }",
        "application/sparql-results+json",
    );
    assert_eq!(
        (status, body.contains("true")),
        (200, true),
        "the next request succeeds"
    );
}

#[test]
fn hostile_requests_get_errors_and_the_server_survives() {
    let work = tempfile::tempdir().unwrap();
    let server = Server::start(
        &work.path().join("data"),
        &work.path().join("serveur.log"),
        "/sparql?query=ASK%7B%7D",
    );
    let json = "application/sparql-results+json";

    // Nesting that would overflow the recursive parser's stack.
    let braces = format!(
        "SELECT * WHERE {}{}",
        "{".repeat(10_000),
        "}".repeat(10_000)
    );
    let (status, body) = query(&server, &braces, json);
    assert_eq!(status, 400, "{body}");
    assert!(body.contains("nested"), "{body}");
    assert_alive(&server);

    let path = format!(
        "SELECT * WHERE {{ ?s {}<http://e/p>{} ?o }}",
        "(".repeat(3_000),
        ")".repeat(3_000)
    );
    assert_eq!(query(&server, &path, json).0, 400);
    assert_alive(&server);

    // A string doubled forty times.
    let mut doubling = String::from("SELECT ?s40 WHERE { BIND(\"ab\" AS ?s0) ");
    for step in 1..=40 {
        doubling.push_str(&format!(
            "BIND(CONCAT(?s{p}, ?s{p}) AS ?s{step}) ",
            p = step - 1
        ));
    }
    doubling.push('}');
    let (status, body) = query(&server, &doubling, json);
    assert_eq!(status, 400, "{body}");
    assert_alive(&server);

    // Thousands of nested OPTIONALs, and a few over unrelated whole-graph scans.
    let optionals = |depth: usize| {
        let nested: String = (1..depth)
            .map(|i| format!("OPTIONAL {{ ?s{i} ?p{i} ?o{i} "))
            .collect();
        format!(
            "SELECT * WHERE {{ ?s0 ?p0 ?o0 {nested}{} }}",
            "}".repeat(depth - 1)
        )
    };
    assert_eq!(query(&server, &optionals(2_000), json).0, 400);
    assert_alive(&server);
    let started = Instant::now();
    assert_eq!(query(&server, &optionals(30), json).0, 400);
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "refused before running"
    );
    assert_alive(&server);

    // U+0000 cannot appear in XML, even escaped.
    let (status, body) = query(
        &server,
        "SELECT ?x WHERE { BIND(\"a\\u0000b\" AS ?x) }",
        "application/sparql-results+xml",
    );
    assert_eq!(status, 406, "{body}");
    let (status, body) = query(
        &server,
        "SELECT ?x WHERE { BIND(\"a\\u0000b\" AS ?x) }",
        json,
    );
    assert_eq!(status, 200);
    assert!(
        serde_json::from_str::<serde_json::Value>(&body).is_ok(),
        "JSON results parse"
    );
    assert_alive(&server);

    // Invalid UTF-8 in a query string.
    let (status, _) = call(ureq::get(&format!(
        "{}/sparql?query=SELECT%20%FF",
        server.address
    )));
    assert_eq!(status, 400);
    let (status, _) = call(ureq::get(&format!(
        "{}/api/search?q=%C3%28",
        server.address
    )));
    assert_eq!(status, 400);
    assert_alive(&server);

    unreadable_text_is_refused(&server);
}

/// A request whose read parts are not text, answered with a 400 rather than a default.
fn request_with(
    server: &Server,
    method: &str,
    path: &str,
    header: (&str, &[u8]),
    body: &[u8],
) -> (u16, String) {
    let request = ureq::http::Request::builder()
        .method(method)
        .uri(format!("{}{path}", server.address))
        .header(header.0, header.1)
        .body(body.to_vec())
        .unwrap();
    let agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .new_agent();
    if body.is_empty() {
        return read_answer(agent.run(request.map(|_| ())));
    }
    read_answer(agent.run(request))
}

/// Invalid UTF-8 in the headers the platform reads, in query strings and in bodies.
fn unreadable_text_is_refused(server: &Server) {
    let headers: [(&str, &str, &[u8]); 4] = [
        (
            "/sparql?query=ASK%7B%7D",
            "Accept",
            b"application/sparql-results+json;q=\xFF",
        ),
        ("/", "Accept-Language", b"en-\xC3"),
        ("/", "Cookie", b"lang=\xE9"),
        (
            "/sparql?query=ASK%7B%7D",
            "Accept",
            "text/csv;x=\u{e9}".as_bytes(),
        ),
    ];
    for (path, name, value) in headers {
        let (status, body) = request_with(server, "GET", path, (name, value), b"");
        assert_eq!(status, 400, "{name}: {value:?} -> {body}");
        let named = body.to_lowercase().contains(&name.to_lowercase());
        assert!(named, "the answer names the header: {body}");
    }
    let (status, body) = request_with(
        server,
        "POST",
        "/sparql",
        ("Content-Type", b"application/sparql-query\xFF"),
        b"ASK {}",
    );
    assert_eq!(status, 400, "{body}");
    // A cookie may hold UTF-8, and the language chosen in it still counts.
    let (status, body) = request_with(
        server,
        "GET",
        "/",
        ("Cookie", "nom=\u{e9}; lang=en".as_bytes()),
        b"",
    );
    assert_eq!(status, 200, "{body}");
    assert!(
        body.contains("<html lang=\"en\">"),
        "the cookie's language is read"
    );
    assert_alive(server);

    for path in [
        "/ressource?iri=http://e/%FF",
        "/recherche?q=%C3%28",
        "/api/suggest?q=%FF",
    ] {
        let (status, body) = call(ureq::get(&format!("{}{path}", server.address)));
        assert_eq!(status, 400, "{path} -> {body}");
    }
    let form = (
        "Content-Type",
        b"application/x-www-form-urlencoded".as_slice(),
    );
    for body in [b"query=ASK%7B%7D\xFF".as_slice(), b"query=%FF"] {
        let (status, answer) = request_with(server, "POST", "/sparql", form, body);
        assert_eq!(status, 400, "{answer}");
    }
    for (media_type, body) in [
        (
            "text/turtle",
            b"<http://e/s> <http://e/p> \"caf\xE9\" .".as_slice(),
        ),
        (
            "application/ld+json",
            b"{\"@id\": \"http://e/s\", \"http://e/p\": \"caf\xE9\"}",
        ),
    ] {
        let (status, answer) = request_with(
            server,
            "POST",
            "/api/valider",
            ("Content-Type", media_type.as_bytes()),
            body,
        );
        assert_eq!(status, 400, "{media_type}: {answer}");
    }
    assert_alive(server);
}

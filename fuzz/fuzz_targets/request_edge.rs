//! What a request carries before any handler: the headers the platform reads (Accept,
//! Accept-Language, Cookie) and a query string or form body.
//!
//! The input is three lines: the Accept header, the Cookie header (also sent as
//! Accept-Language), then the form.

#![no_main]

use ancrage::web::conneg::negotiate;
use ancrage::web::edge::{check_headers, check_query};
use ancrage::web::params::FormParams;
use ancrage::web::Lang;
use axum::http::{HeaderMap, HeaderValue, header};
use libfuzzer_sys::fuzz_target;

const OFFERED: [&str; 4] = [
    "text/html",
    "text/turtle",
    "application/ld+json",
    "application/sparql-results+json",
];

fuzz_target!(|data: &[u8]| {
    let mut lines = data.splitn(3, |byte| *byte == b'\n');
    let accept = lines.next().unwrap_or_default();
    let cookie = lines.next().unwrap_or_default();
    let form = lines.next().unwrap_or_default();

    let mut headers = HeaderMap::new();
    for (name, value) in [
        (header::ACCEPT, accept),
        (header::COOKIE, cookie),
        (header::ACCEPT_LANGUAGE, cookie),
    ] {
        if let Ok(value) = HeaderValue::from_bytes(value) {
            headers.insert(name, value);
        }
    }
    if check_headers(&headers).is_ok() {
        // Past the edge, handlers read these headers as text without a fallback.
        let accept = headers.get(header::ACCEPT).map(|value| value.to_str());
        let accept = accept.transpose().expect("a checked Accept header reads as text");
        if let Ok(Some(chosen)) = negotiate(accept, &OFFERED) {
            assert!(OFFERED.contains(&chosen), "negotiate returned an offer");
        }
        let _ = Lang::from_headers(&headers);
    }

    let Ok(form) = std::str::from_utf8(form) else {
        return;
    };
    let parsed = FormParams::parse(form);
    assert_eq!(parsed.is_ok(), check_query(Some(form)).is_ok());
    if let Ok(params) = parsed {
        for (name, value) in params.pairs() {
            assert!(params.all(name).contains(&value.as_str()), "a pair is found by name");
        }
    }
});

//! Strict reading at the edge: the headers the platform reads and the query string of every
//! request must be readable text, or the request is refused with a 400 before any handler runs.

use axum::extract::Request;
use axum::http::{HeaderMap, HeaderName, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::error::AppError;
use super::params::FormParams;

/// Headers whose grammar is ASCII and which handlers read as text.
const ASCII_HEADERS: [HeaderName; 3] = [
    header::ACCEPT,
    header::ACCEPT_LANGUAGE,
    header::CONTENT_TYPE,
];

/// A request part that cannot be read as text.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UnreadableRequest {
    /// A header value is not valid UTF-8.
    #[error(
        "the {name} header is not valid UTF-8 (byte {offset}): send it as UTF-8, or better as \
         plain ASCII"
    )]
    HeaderEncoding {
        /// The header.
        name: HeaderName,
        /// Where the first invalid byte is.
        offset: usize,
    },
    /// A header whose syntax is ASCII holds another character.
    #[error(
        "the {name} header holds a character outside printable ASCII (byte {offset}): its \
         syntax is ASCII only"
    )]
    HeaderNotAscii {
        /// The header.
        name: HeaderName,
        /// Where the first such byte is.
        offset: usize,
    },
    /// The query string does not decode to UTF-8.
    #[error("{0}")]
    Query(#[from] super::params::InvalidFormEncoding),
}

/// Checks the headers handlers read: `Accept`, `Accept-Language` and `Content-Type` must be
/// printable ASCII, and `Cookie` valid UTF-8, so that no handler falls back to a default when
/// it cannot read one of them.
pub fn check_headers(headers: &HeaderMap) -> Result<(), UnreadableRequest> {
    for name in ASCII_HEADERS {
        for value in headers.get_all(&name) {
            let printable = |byte: &u8| *byte == b'\t' || (0x20..0x7F).contains(byte);
            if let Some(offset) = value.as_bytes().iter().position(|byte| !printable(byte)) {
                return Err(match std::str::from_utf8(value.as_bytes()) {
                    Err(error) => UnreadableRequest::HeaderEncoding {
                        name,
                        offset: error.valid_up_to(),
                    },
                    Ok(_) => UnreadableRequest::HeaderNotAscii { name, offset },
                });
            }
        }
    }
    for value in headers.get_all(header::COOKIE) {
        std::str::from_utf8(value.as_bytes()).map_err(|error| {
            UnreadableRequest::HeaderEncoding {
                name: header::COOKIE,
                offset: error.valid_up_to(),
            }
        })?;
    }
    Ok(())
}

/// Checks that a query string decodes to UTF-8, whichever handler reads it later.
pub fn check_query(query: Option<&str>) -> Result<(), UnreadableRequest> {
    FormParams::parse(query.unwrap_or_default())?;
    Ok(())
}

/// Middleware refusing requests with unreadable headers or query string. The refusal speaks
/// JSON under `/api/`, where every client expects JSON errors, and plain text elsewhere.
pub async fn refuse_unreadable_requests(request: Request, next: Next) -> Response {
    let checked =
        check_headers(request.headers()).and_then(|()| check_query(request.uri().query()));
    let Err(fault) = checked else {
        return next.run(request).await;
    };

    let error = AppError::BadRequest(fault.to_string());
    if request.uri().path().starts_with("/api/") {
        error.as_json().into_response()
    } else {
        error.into_response()
    }
}

#[cfg(test)]
mod tests {
    use axum::http::HeaderValue;

    use super::*;

    fn headers(name: HeaderName, value: &[u8]) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(name, HeaderValue::from_bytes(value).unwrap());
        headers
    }

    #[test]
    fn invalid_utf8_in_a_read_header_is_refused_with_its_offset() {
        let fault = check_headers(&headers(header::ACCEPT, b"text/\xFFturtle")).unwrap_err();
        assert_eq!(
            fault,
            UnreadableRequest::HeaderEncoding {
                name: header::ACCEPT,
                offset: 5
            }
        );
        assert!(check_headers(&headers(header::COOKIE, b"lang=\xC3")).is_err());
    }

    #[test]
    fn utf8_is_refused_where_the_syntax_is_ascii_and_kept_in_cookies() {
        let fault = check_headers(&headers(header::ACCEPT_LANGUAGE, "fr-é".as_bytes()));
        assert!(matches!(
            fault,
            Err(UnreadableRequest::HeaderNotAscii { offset: 3, .. })
        ));
        assert_eq!(
            check_headers(&headers(header::COOKIE, "nom=é".as_bytes())),
            Ok(())
        );
    }

    #[test]
    fn headers_the_platform_does_not_read_are_left_alone() {
        assert_eq!(check_headers(&headers(header::USER_AGENT, b"\xFF")), Ok(()));
    }

    #[test]
    fn a_query_string_must_decode_to_utf8() {
        assert!(check_query(Some("iri=%FF")).is_err());
        assert_eq!(check_query(Some("iri=%C3%A9&page=2")), Ok(()));
        assert_eq!(check_query(None), Ok(()));
    }
}

//! The one place where errors become HTTP responses.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use crate::store::StoreError;

/// How an error is shown: plain text for machine endpoints, a page for people.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ErrorFormat {
    /// `text/plain`, for SPARQL and documents.
    #[default]
    Text,
    /// A JSON object `{ "error": ... }`, for the JSON API.
    Json,
    /// An HTML page, for people.
    Html,
}

/// Everything a handler can fail with.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// The request is malformed; the message says how to fix it.
    #[error("{0}")]
    BadRequest(String),
    /// Nothing lives at this address.
    #[error("nothing is published at {0}")]
    NotFound(String),
    /// None of the offered media types is acceptable.
    #[error("none of the available formats is acceptable: {}", .0.join(", "))]
    NotAcceptable(Vec<&'static str>),
    /// The request body's media type is not one the endpoint reads.
    #[error("{0}")]
    UnsupportedMediaType(String),
    /// The operation is not allowed here.
    #[error("{0}")]
    Forbidden(String),
    /// The request needs an API token (`Authorization: Bearer …`), and carries none that works.
    #[error("{message}")]
    Unauthorized {
        /// How to authenticate.
        message: String,
        /// Whether a token was sent (and refused).
        token_given: bool,
    },
    /// The data sent breaks the rules of the shapes; the report says which.
    #[error("{message}")]
    Unprocessable {
        /// What happened, and that nothing was written.
        message: String,
        /// The validation report, as JSON.
        report: serde_json::Value,
    },
    /// The method is not supported on this resource.
    #[error("the method {0} is not allowed here: use GET or HEAD")]
    MethodNotAllowed(String),
    /// The server has no capacity left for this request now.
    #[error("{0}")]
    Busy(String),
    /// The client sent too many requests of this kind; it may try again after the delay.
    #[error("trop de demandes : réessayez dans {} secondes", .0.as_secs())]
    TooManyRequests(std::time::Duration),
    /// A store operation failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// A page could not be rendered.
    #[error("template failure: {0}")]
    Template(#[from] tera::Error),
    /// Anything else that is the server's fault.
    #[error("{0}")]
    Internal(String),
}

/// An error together with the format to show it in.
#[derive(Debug)]
pub struct ShownError {
    /// The error.
    pub error: AppError,
    /// How to show it.
    pub format: ErrorFormat,
}

impl AppError {
    /// Shows the error as an HTML page.
    pub fn as_html(self) -> ShownError {
        ShownError {
            error: self,
            format: ErrorFormat::Html,
        }
    }

    /// Shows the error as JSON.
    pub fn as_json(self) -> ShownError {
        ShownError {
            error: self,
            format: ErrorFormat::Json,
        }
    }

    fn status(&self) -> StatusCode {
        match self {
            Self::BadRequest(_) => StatusCode::BAD_REQUEST,
            Self::NotFound(_) => StatusCode::NOT_FOUND,
            Self::NotAcceptable(_) => StatusCode::NOT_ACCEPTABLE,
            Self::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Self::Forbidden(_) => StatusCode::FORBIDDEN,
            Self::Unauthorized { .. } => StatusCode::UNAUTHORIZED,
            Self::Unprocessable { .. } => StatusCode::UNPROCESSABLE_ENTITY,
            Self::MethodNotAllowed(_) => StatusCode::METHOD_NOT_ALLOWED,
            Self::Busy(_) => StatusCode::SERVICE_UNAVAILABLE,
            Self::TooManyRequests(_) => StatusCode::TOO_MANY_REQUESTS,
            Self::Store(StoreError::Timeout { .. }) => StatusCode::SERVICE_UNAVAILABLE,
            Self::Store(StoreError::NotRepresentable { .. }) => StatusCode::NOT_ACCEPTABLE,
            Self::Store(StoreError::OutOfMemory) => StatusCode::SERVICE_UNAVAILABLE,
            Self::Store(StoreError::ServiceRefused { .. }) => StatusCode::FORBIDDEN,
            Self::Store(StoreError::RemoteService { .. }) => StatusCode::BAD_GATEWAY,
            Self::Store(error) if error.is_client_error() => StatusCode::BAD_REQUEST,
            Self::Store(_) | Self::Template(_) | Self::Internal(_) => {
                StatusCode::INTERNAL_SERVER_ERROR
            }
        }
    }
}

impl From<AppError> for ShownError {
    fn from(error: AppError) -> Self {
        Self {
            error,
            format: ErrorFormat::Text,
        }
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        ShownError::from(self).into_response()
    }
}

impl IntoResponse for ShownError {
    fn into_response(self) -> Response {
        let status = self.error.status();
        // A remote endpoint's failure is not ours: the user learns which endpoint failed.
        if status == StatusCode::BAD_GATEWAY {
            tracing::warn!(error = %self.error, "remote SPARQL endpoint failed");
        }
        let shown_as_is = [StatusCode::SERVICE_UNAVAILABLE, StatusCode::BAD_GATEWAY];
        let message = if status.is_server_error() && !shown_as_is.contains(&status) {
            tracing::error!(error = %self.error, "request failed");
            "the server failed to answer; the failure has been logged".to_owned()
        } else {
            self.error.to_string()
        };
        let mut response = match (&self.error, self.format) {
            (AppError::Unprocessable { report, .. }, ErrorFormat::Text | ErrorFormat::Json) => {
                let body = serde_json::json!({ "error": message, "report": report });
                (status, axum::Json(body)).into_response()
            }
            (_, ErrorFormat::Text) => (status, message).into_response(),
            (_, ErrorFormat::Json) => {
                (status, axum::Json(serde_json::json!({ "error": message }))).into_response()
            }
            (_, ErrorFormat::Html) => (
                status,
                axum::response::Html(super::templates::render_error(status, &message)),
            )
                .into_response(),
        };
        if let Self {
            error: AppError::MethodNotAllowed(_),
            ..
        } = self
        {
            response
                .headers_mut()
                .insert(header::ALLOW, HeaderValue::from_static("GET, HEAD"));
        }
        if let AppError::Unauthorized { token_given, .. } = &self.error {
            let challenge = if *token_given {
                "Bearer realm=\"ancrage\", error=\"invalid_token\""
            } else {
                "Bearer realm=\"ancrage\""
            };
            response.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static(challenge),
            );
        }
        if let AppError::TooManyRequests(wait) = &self.error {
            response.headers_mut().insert(
                header::RETRY_AFTER,
                HeaderValue::from(wait.as_secs().max(1)),
            );
        }
        response
    }
}

impl From<crate::community::CommunityError> for AppError {
    fn from(error: crate::community::CommunityError) -> Self {
        use crate::community::CommunityError;
        match error {
            CommunityError::Store(error) => Self::Store(error),
            CommunityError::NotOwner | CommunityError::NotMember => {
                Self::Forbidden(error.to_string())
            }
            CommunityError::UnknownCommunity(iri) | CommunityError::UnknownCollection(iri) => {
                Self::NotFound(iri)
            }
            CommunityError::Invalid { .. } | CommunityError::LastOwner => {
                Self::BadRequest(error.to_string())
            }
        }
    }
}

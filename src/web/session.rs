//! Who is asking: the session cookie, the account behind it, and the CSRF token every form
//! carries. Every browser that is shown a form gets a random session cookie (`HttpOnly`,
//! `SameSite=Lax`, `Secure` on an https deployment); logging in replaces it with the token of a
//! session stored in the private store. The CSRF token is derived from the cookie, so a page
//! of another site can neither read nor forge it.

use std::cell::Cell;

use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use serde::Serialize;

use super::error::{AppError, ShownError};
use super::params::FormParams;
use crate::account::{Account, Role, SESSION_LIFETIME, token};
use crate::platform::Platform;

/// Name of the session cookie.
pub const SESSION_COOKIE: &str = "ancrage_session";
/// Name of the hidden field holding the CSRF token.
pub const CSRF_FIELD: &str = "_csrf";

/// The person behind a request.
#[derive(Debug)]
pub struct Viewer {
    /// Their account, when they are logged in.
    pub account: Option<Account>,
    secret: String,
    /// Whether the cookie is new and must be sent.
    fresh: bool,
    secure: bool,
    /// Whether a page used the CSRF token (so the cookie it derives from must be set).
    token_shown: Cell<bool>,
}

/// What templates know of the viewer.
#[derive(Debug, Clone, Serialize)]
pub struct ViewerView {
    /// Whether someone is logged in.
    pub signed_in: bool,
    /// Their display name.
    pub name: Option<String>,
    /// Their role.
    pub role: Option<Role>,
    /// Whether they may moderate.
    pub can_moderate: bool,
    /// The token to put in every form.
    pub csrf: String,
}

impl Viewer {
    /// The viewer of a request, from its session cookie; reads the private store (blocking).
    pub fn from_headers(platform: &Platform, headers: &HeaderMap) -> Result<Self, AppError> {
        let secure = platform.config.minter.base().starts_with("https://");
        let secret =
            cookie_value(headers, SESSION_COOKIE).filter(|value| token::is_well_formed(value));
        let viewer = match secret {
            Some(secret) => Self {
                account: platform
                    .accounts
                    .session_account(&secret)
                    .map_err(|error| AppError::Internal(error.to_string()))?,
                secret,
                fresh: false,
                secure,
                token_shown: Cell::new(false),
            },
            None => Self::anonymous(secure),
        };
        Ok(viewer)
    }

    /// The viewer once `account` has logged in with the session `secret`.
    pub fn signed_in(platform: &Platform, account: Account, secret: String) -> Self {
        Self {
            account: Some(account),
            secret,
            fresh: true,
            secure: platform.config.minter.base().starts_with("https://"),
            token_shown: Cell::new(true),
        }
    }

    /// A new anonymous viewer, whose cookie will be set.
    pub fn signed_out(platform: &Platform) -> Self {
        let viewer = Self::anonymous(platform.config.minter.base().starts_with("https://"));
        viewer.token_shown.set(true);
        viewer
    }

    fn anonymous(secure: bool) -> Self {
        Self {
            account: None,
            secret: token::new_token(),
            fresh: true,
            secure,
            token_shown: Cell::new(false),
        }
    }

    /// The session secret of the cookie (to close the session at logout).
    pub fn secret(&self) -> &str {
        &self.secret
    }

    /// The CSRF token of this session.
    pub fn csrf_token(&self) -> String {
        self.token_shown.set(true);
        token::digest(&format!("csrf:{}", self.secret))
    }

    /// Refuses a form whose CSRF token is missing or is not this session's (403).
    pub fn check_csrf(&self, form: &FormParams) -> Result<(), AppError> {
        let expected = token::digest(&format!("csrf:{}", self.secret));
        let given = form.single(CSRF_FIELD).ok().flatten().unwrap_or_default();
        if self.fresh || !token::same_secret(&expected, given) {
            return Err(AppError::Forbidden(
                "ce formulaire a expiré ou ne vient pas de ce site : rechargez la page et \
                 envoyez-le de nouveau"
                    .to_owned(),
            ));
        }
        Ok(())
    }

    /// The logged-in account, or a 403 saying to log in.
    pub fn require_account(&self) -> Result<&Account, AppError> {
        self.account.as_ref().ok_or_else(|| {
            AppError::Forbidden("connectez-vous pour faire cela : /compte/connexion".to_owned())
        })
    }

    /// The logged-in moderator or administrator, or a 403.
    pub fn require_moderator(&self) -> Result<&Account, AppError> {
        let account = self.require_account()?;
        if account.role.can_moderate() {
            Ok(account)
        } else {
            Err(AppError::Forbidden(
                "seuls les modérateurs et les administrateurs peuvent faire cela".to_owned(),
            ))
        }
    }

    /// What templates show.
    pub fn view(&self) -> ViewerView {
        ViewerView {
            signed_in: self.account.is_some(),
            name: self
                .account
                .as_ref()
                .map(|account| account.display_name.clone()),
            role: self.account.as_ref().map(|account| account.role),
            can_moderate: self
                .account
                .as_ref()
                .is_some_and(|account| account.role.can_moderate()),
            csrf: self.csrf_token(),
        }
    }

    /// The `Set-Cookie` value when the cookie is new and a page used its token.
    pub fn cookie(&self) -> Option<HeaderValue> {
        if !self.fresh || !self.token_shown.get() {
            return None;
        }
        HeaderValue::from_str(&session_cookie(&self.secret, self.secure)).ok()
    }

    /// An HTML page, with the cookie when it is new.
    pub fn page(&self, status: StatusCode, html: String) -> Response {
        self.with_cookie((status, Html(html)).into_response())
    }

    /// A redirection after a form (303), with the cookie when it is new.
    pub fn redirect(&self, location: &str) -> Response {
        self.with_cookie(Redirect::to(location).into_response())
    }

    /// Adds the cookie to a response when it is new.
    pub fn with_cookie(&self, mut response: Response) -> Response {
        if let Some(cookie) = self.cookie() {
            response.headers_mut().append(header::SET_COOKIE, cookie);
        }
        response
    }
}

/// Runs blocking work (store reads, hashing, validation) off the async threads; errors become
/// HTML pages.
pub async fn run_blocking<T: Send + 'static>(
    work: impl FnOnce() -> Result<T, AppError> + Send + 'static,
) -> Result<T, ShownError> {
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|error| AppError::Internal(error.to_string()).as_html())?
        .map_err(AppError::as_html)
}

/// The fields of a form body, which must be valid UTF-8 once decoded.
pub fn form_fields(body: &[u8]) -> Result<FormParams, AppError> {
    let text = std::str::from_utf8(body)
        .map_err(|_| AppError::BadRequest("le formulaire n'est pas en UTF-8".to_owned()))?;
    FormParams::parse(text).map_err(|error| AppError::BadRequest(error.to_string()))
}

/// A local path to go back to after logging in; anything else is ignored.
pub fn local_path(path: Option<&str>) -> Option<String> {
    let path = path?;
    let is_local = path.starts_with('/') && !path.starts_with("//") && !path.contains('\\');
    is_local.then(|| path.to_owned())
}

/// The `Set-Cookie` value of a session: never readable by scripts, not sent by cross-site
/// posts, and only over TLS on an https deployment.
fn session_cookie(secret: &str, secure: bool) -> String {
    let secure = if secure { "; Secure" } else { "" };
    format!(
        "{SESSION_COOKIE}={secret}; Path=/; HttpOnly; SameSite=Lax; Max-Age={}{secure}",
        SESSION_LIFETIME.as_secs()
    )
}

/// The value of a cookie among the `Cookie` headers.
fn cookie_value(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|value| std::str::from_utf8(value.as_bytes()).ok())
        .flat_map(|value| value.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(key, _)| *key == name)
        .map(|(_, value)| value.trim().to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_local_paths_are_followed_after_login() {
        assert_eq!(
            local_path(Some("/contribuer")),
            Some("/contribuer".to_owned())
        );
        assert_eq!(local_path(Some("//evil.test/")), None);
        assert_eq!(local_path(Some("https://evil.test/")), None);
        assert_eq!(local_path(Some("/\\evil.test")), None);
    }

    #[test]
    fn the_cookie_is_secure_on_an_https_deployment_only() {
        let https = session_cookie("abc", true);
        assert!(https.contains("HttpOnly") && https.contains("SameSite=Lax"));
        assert!(https.ends_with("; Secure"));
        assert!(!session_cookie("abc", false).contains("Secure"));
    }

    #[test]
    fn the_session_cookie_is_found_among_others() {
        let mut headers = HeaderMap::new();
        headers.append(
            header::COOKIE,
            HeaderValue::from_static("lang=fr; ancrage_session=abc"),
        );
        assert_eq!(
            cookie_value(&headers, SESSION_COOKIE),
            Some("abc".to_owned())
        );
        assert_eq!(cookie_value(&headers, "other"), None);
    }
}

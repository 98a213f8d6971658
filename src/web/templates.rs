//! Tera templates: loaded once from `templates/`, shared by every page.

use std::path::Path;
use std::sync::OnceLock;

use axum::http::StatusCode;
use serde::Serialize;
use tera::{Context, Tera};

static ERROR_TEMPLATES: OnceLock<Tera> = OnceLock::new();

/// Loads every template of `directory`.
pub fn load(directory: &Path) -> Result<Tera, tera::Error> {
    let pattern = format!("{}/**/*.html", directory.display());
    let mut tera = Tera::new(&pattern)?;
    tera.autoescape_on(vec![".html"]);
    tera.set_escape_fn(escape_html);
    let _ = ERROR_TEMPLATES.set(tera.clone());
    Ok(tera)
}

/// Renders a page struct with a template.
pub fn render(tera: &Tera, template: &str, page: &impl Serialize) -> Result<String, tera::Error> {
    tera.render(template, &Context::from_serialize(page)?)
}

/// Escapes the characters that HTML text and quoted attributes need escaped (Tera's default
/// also escapes `/`, which makes every link unreadable in the page source).
fn escape_html(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for character in text.chars() {
        match character {
            '&' => escaped.push_str("&amp;"),
            '<' => escaped.push_str("&lt;"),
            '>' => escaped.push_str("&gt;"),
            '"' => escaped.push_str("&quot;"),
            '\'' => escaped.push_str("&#39;"),
            other => escaped.push(other),
        }
    }
    escaped
}

#[derive(Serialize)]
struct ErrorPage<'a> {
    status: u16,
    title: &'a str,
    message: &'a str,
    lang: &'static str,
}

/// The HTML of an error page; a bare page when the templates are not loaded.
pub fn render_error(status: StatusCode, message: &str) -> String {
    let title = match status {
        StatusCode::NOT_FOUND => "Page introuvable",
        StatusCode::BAD_REQUEST => "Requête incorrecte",
        StatusCode::NOT_ACCEPTABLE => "Format non disponible",
        StatusCode::TOO_MANY_REQUESTS => "Trop de demandes",
        status if status.is_server_error() => "Erreur du serveur",
        _ => "Requête refusée",
    };
    let page = ErrorPage {
        status: status.as_u16(),
        title,
        message,
        lang: "fr",
    };
    ERROR_TEMPLATES
        .get()
        .and_then(|tera| render(tera, "error.html", &page).ok())
        .unwrap_or_else(|| {
            let escaped = message
                .replace('&', "&amp;")
                .replace('<', "&lt;")
                .replace('>', "&gt;");
            format!("<!doctype html><title>{title}</title><h1>{title}</h1><p>{escaped}</p>")
        })
}

//! Open-data endpoints: the dumps under `/donnees/`, the VoID description, the DCAT catalogue,
//! the sitemaps and `robots.txt`, the JSON-LD context, and Graph Store reads (partners' writes
//! are in `partner`).

use std::io::Write;
use std::sync::Arc;

use axum::body::{Body, Bytes};
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use oxigraph::model::{NamedNode, Triple};
use serde::Serialize;

use super::AppState;
use super::conneg::negotiate;
use super::error::AppError;
use crate::opendata::{
    self, DumpDirectory, DumpManifest, DumpScope, OpenDataError, catalog_description,
    jsonld_context, render_sitemap, render_sitemap_part, sitemap_entries, statistics,
    void_description,
};
use crate::platform::Platform;
use crate::store::{GraphFormat, Store};

/// RDF syntaxes of the descriptions and graphs, Turtle first (the default).
const RDF_FORMATS: [(&str, GraphFormat); 4] = [
    ("text/turtle", GraphFormat::Turtle),
    ("application/ld+json", GraphFormat::JsonLd),
    ("application/n-triples", GraphFormat::NTriples),
    ("application/rdf+xml", GraphFormat::RdfXml),
];
/// Size of the chunks of a streamed body.
const CHUNK_BYTES: usize = 64 * 1024;
const ROBOTS: &str = "User-agent: *\nDisallow: /admin/\nDisallow: /store\nDisallow: /sparql?\n";
const STORE_METHODS: &str = "the Graph Store answers GET (anyone), and PUT, POST and DELETE \
    (partners, with their API token) on /store?graph=IRI";

/// What the landing page of the open data lists about one dump file.
#[derive(Serialize)]
struct DumpLine {
    /// What the file holds, as the reader sees it.
    label: String,
    /// `/donnees/{path}`.
    href: String,
    quads: usize,
    megabytes: String,
    sha256: String,
}

/// The landing page of the open data.
#[derive(Serialize)]
struct DataHomePage {
    lang: &'static str,
    title: &'static str,
    generated: String,
    whole: DumpLine,
    graphs: Vec<DumpLine>,
}

/// `GET /donnees`: every way to take the graph away, with the dumps as they are now (size,
/// quads, hash, date).
pub async fn data_home(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
) -> Result<axum::response::Html<String>, super::error::ShownError> {
    let lang = super::Lang::from_headers(&headers);
    let platform = Arc::clone(&state.platform);
    let manifest = blocking(move || current_manifest(&platform))
        .await
        .map_err(AppError::as_html)?;

    let minter = &state.platform.config.minter;
    let line = |label: String, file: &crate::opendata::DumpFile| DumpLine {
        label,
        href: format!("/{}{}", opendata::DUMPS_PATH, file.path),
        quads: file.quads,
        megabytes: format!("{:.1}", file.bytes as f64 / 1_000_000.0),
        sha256: file.sha256.clone(),
    };
    let page = DataHomePage {
        lang: lang.code(),
        title: "Données ouvertes",
        generated: manifest.generated.format("%d/%m/%Y %H:%M UTC").to_string(),
        whole: line("Tout le graphe public".to_owned(), &manifest.whole),
        graphs: manifest
            .graphs
            .iter()
            .map(|graph| {
                let name = minter.relative(&graph.graph).unwrap_or(&graph.graph);
                line(name.to_owned(), &graph.file)
            })
            .collect(),
    };
    super::templates::render(&state.templates, "donnees.html", &page)
        .map(axum::response::Html)
        .map_err(|error| AppError::Internal(error.to_string()).as_html())
}

/// `GET /donnees/{path}`: a dump file, with its hash as `ETag`, answering conditional requests.
pub async fn dump_download(
    State(state): State<Arc<AppState>>,
    uri: Uri,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    let requested = uri.path().trim_start_matches('/');
    let path = requested
        .strip_prefix(opendata::DUMPS_PATH)
        .and_then(crate::iri::iri_path_from_request)
        .ok_or_else(|| AppError::NotFound(uri.path().to_owned()))?;
    let platform = Arc::clone(&state.platform);
    let manifest = blocking(move || current_manifest(&platform)).await?;
    let file = manifest
        .file(&path)
        .cloned()
        .ok_or_else(|| AppError::NotFound(uri.path().to_owned()))?;

    let etag = format!("\"{}\"", file.sha256);
    let mut response = if is_not_modified(&headers, &etag, file.modified) {
        StatusCode::NOT_MODIFIED.into_response()
    } else {
        let directory = DumpDirectory::new(&state.platform.config.data_dir);
        gzip_file_response(&directory.path_of(&file.path))?
    };
    let headers = response.headers_mut();
    headers.insert(header::ETAG, header_value(&etag));
    headers.insert(
        header::LAST_MODIFIED,
        header_value(&http_date(file.modified)),
    );
    Ok(response)
}

/// `GET /.well-known/void`: the VoID description, in the RDF syntax asked for.
pub async fn void_show(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    let (media_type, format) = rdf_format(&headers)?;
    let platform = Arc::clone(&state.platform);
    let body = blocking(move || {
        let manifest = current_manifest(&platform)?;
        let directory = DumpDirectory::new(&platform.config.data_dir);
        let minter = &platform.config.minter;
        let statistics =
            statistics(&platform.store, minter, &directory, &manifest).map_err(from_open_data)?;
        let triples = void_description(minter, &manifest, &statistics);
        let prefixes = [("void", crate::vocab::void::NAMESPACE)];
        Ok(Store::serialize_document(
            sorted(triples),
            format,
            &prefixes,
        )?)
    })
    .await?;
    Ok(rdf_response(media_type, body))
}

/// `GET /catalogue`: the DCAT-AP catalogue, in the RDF syntax asked for.
pub async fn catalogue_show(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    let (media_type, format) = rdf_format(&headers)?;
    let platform = Arc::clone(&state.platform);
    let body = blocking(move || {
        let manifest = current_manifest(&platform)?;
        let triples = catalog_description(&platform.store, &platform.config.minter, &manifest)?;
        Ok(Store::serialize_document(sorted(triples), format, &[])?)
    })
    .await?;
    Ok(rdf_response(media_type, body))
}

/// `GET /sitemap.xml`: the sitemap, or the index of its parts when it is too long.
pub async fn sitemap_show(State(state): State<Arc<AppState>>) -> Result<Response, AppError> {
    let platform = Arc::clone(&state.platform);
    let xml = blocking(move || {
        let config = &platform.config;
        let entries = sitemap_entries(&platform.store, &config.minter)?;
        Ok(render_sitemap(
            &entries,
            config.sitemap_max_urls,
            &config.minter,
        ))
    })
    .await?;
    Ok(xml_response(xml))
}

/// `GET /sitemap-{n}.xml`: one part of a split sitemap.
pub async fn sitemap_part_show(
    State(state): State<Arc<AppState>>,
    Path(part): Path<String>,
) -> Result<Response, AppError> {
    let not_found = || AppError::NotFound(format!("/sitemap-{part}"));
    let number: usize = part
        .strip_suffix(".xml")
        .and_then(|number| number.parse().ok())
        .ok_or_else(not_found)?;
    let platform = Arc::clone(&state.platform);
    let xml = blocking(move || {
        let entries = sitemap_entries(&platform.store, &platform.config.minter)?;
        Ok(render_sitemap_part(
            &entries,
            platform.config.sitemap_max_urls,
            number,
        ))
    })
    .await?
    .ok_or_else(not_found)?;
    Ok(xml_response(xml))
}

/// `GET /robots.txt`: what crawlers may read, and where the sitemap is.
pub async fn robots_show(State(state): State<Arc<AppState>>) -> Response {
    let sitemap = state.platform.config.minter.at("sitemap.xml");
    let text = format!("{ROBOTS}\nSitemap: {}\n", sitemap.as_str());
    ([(header::CONTENT_TYPE, "text/plain; charset=utf-8")], text).into_response()
}

/// `GET /contexte.jsonld`: the JSON-LD context of the platform's terms.
pub async fn context_show(State(state): State<Arc<AppState>>) -> Result<Response, AppError> {
    let platform = Arc::clone(&state.platform);
    let context = blocking(move || Ok(jsonld_context(&platform.store)?)).await?;
    Ok((
        [
            (header::CONTENT_TYPE, "application/ld+json"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        context.to_string(),
    )
        .into_response())
}

/// `GET /store?graph=IRI` and `GET /store?default` (SPARQL 1.1 Graph Store Protocol): one
/// public graph, or their union, streamed in the RDF syntax asked for.
pub async fn store_read(
    State(state): State<Arc<AppState>>,
    uri: Uri,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    let selection = GraphSelection::from_query(uri.query().unwrap_or_default())?;
    let (media_type, format) = rdf_format(&headers)?;
    let platform = Arc::clone(&state.platform);
    let graphs = blocking(move || selection.graphs(&platform)).await?;

    let store = state.platform.store.clone();
    let body = stream_body(move |writer| {
        store
            .write_graphs(&graphs, format, writer)
            .map(|_| ())
            .map_err(std::io::Error::other)
    });
    let mut response = body.into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(media_type));
    headers.insert(header::VARY, HeaderValue::from_static("Accept"));
    Ok(response)
}

/// Any other method on `/store` (`PATCH`...): refused.
pub async fn store_write(method: Method) -> AppError {
    tracing::debug!(%method, "graph store method refused");
    AppError::Forbidden(STORE_METHODS.to_owned())
}

/// What a Graph Store request names.
enum GraphSelection {
    /// `?graph=IRI`
    Named(NamedNode),
    /// `?default`: the union of the public graphs.
    Default,
}

impl GraphSelection {
    fn from_query(query: &str) -> Result<Self, AppError> {
        let params = super::params::FormParams::parse(query)
            .map_err(|error| AppError::BadRequest(error.to_string()))?;
        if let Some((name, _)) = params
            .pairs()
            .iter()
            .find(|(name, _)| name != "graph" && name != "default")
        {
            return Err(AppError::BadRequest(format!(
                "unknown parameter {name:?}: give either graph=IRI or default"
            )));
        }
        let graph = params.single("graph").map_err(|count| {
            AppError::BadRequest(format!("graph is given {count} times: give it once"))
        })?;
        let default = !params.all("default").is_empty();
        match (graph, default) {
            (Some(_), true) | (None, false) => Err(AppError::BadRequest(
                "give exactly one of graph=IRI (one named graph) or default (their union)".into(),
            )),
            (None, true) => Ok(Self::Default),
            (Some(iri), false) => NamedNode::new(iri)
                .ok()
                .filter(|node| node.as_str().contains(':'))
                .map(Self::Named)
                .ok_or_else(|| {
                    AppError::BadRequest(format!("graph={iri:?} is not an absolute IRI"))
                }),
        }
    }

    fn graphs(self, platform: &Platform) -> Result<Vec<NamedNode>, AppError> {
        let minter = &platform.config.minter;
        match self {
            Self::Default => Ok(opendata::public_graphs(&platform.store, minter)?),
            Self::Named(graph) => {
                let known = opendata::is_public_graph(minter, graph.as_str())
                    && platform.store.has_graph(graph.as_ref())?;
                if !known {
                    return Err(AppError::NotFound(format!(
                        "the graph <{}>",
                        graph.as_str()
                    )));
                }
                Ok(vec![graph])
            }
        }
    }
}

/// A gzip file streamed from disk, as a download.
fn gzip_file_response(path: &std::path::Path) -> Result<Response, AppError> {
    let fault = |error: std::io::Error| AppError::Internal(format!("{}: {error}", path.display()));
    let opened = std::fs::File::open(path).map_err(fault)?;
    let length = opened.metadata().map_err(fault)?.len();
    let mut response = stream_body(move |writer| {
        std::io::copy(&mut std::io::BufReader::new(opened), writer).map(|_| ())
    })
    .into_response();

    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/gzip"),
    );
    headers.insert(header::CONTENT_LENGTH, HeaderValue::from(length));
    let name = path.file_name().unwrap_or_default().to_string_lossy();
    if let Ok(disposition) = HeaderValue::from_str(&format!("attachment; filename=\"{name}\"")) {
        headers.insert(header::CONTENT_DISPOSITION, disposition);
    }
    Ok(response)
}

/// The manifest of the dumps, written first when there is none yet.
fn current_manifest(platform: &Platform) -> Result<DumpManifest, AppError> {
    let directory = DumpDirectory::new(&platform.config.data_dir);
    match directory.manifest().map_err(from_open_data)? {
        Some(manifest) => Ok(manifest),
        None => platform
            .refresh_dumps(DumpScope::KeepReferenceData)
            .map_err(from_open_data),
    }
}

fn from_open_data(error: OpenDataError) -> AppError {
    match error {
        OpenDataError::Store(error) => AppError::Store(error),
        other => AppError::Internal(other.to_string()),
    }
}

/// Runs store work on a blocking thread.
async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> Result<T, AppError> + Send + 'static,
) -> Result<T, AppError> {
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|error| AppError::Internal(error.to_string()))?
}

/// The RDF syntax asked for by `Accept`, Turtle when anything goes.
fn rdf_format(headers: &HeaderMap) -> Result<(&'static str, GraphFormat), AppError> {
    let offered: Vec<&'static str> = RDF_FORMATS.iter().map(|(media, _)| *media).collect();
    let accept = headers
        .get(header::ACCEPT)
        .and_then(|value| value.to_str().ok());
    let chosen = negotiate(accept, &offered)
        .map_err(|error| AppError::BadRequest(error.to_string()))?
        .ok_or_else(|| AppError::NotAcceptable(offered.clone()))?;
    let format = RDF_FORMATS
        .iter()
        .find(|(media, _)| *media == chosen)
        .map(|(_, format)| *format)
        .expect("negotiate picks an offer");
    Ok((chosen, format))
}

fn rdf_response(media_type: &'static str, body: Vec<u8>) -> Response {
    let mut response = body.into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(media_type));
    headers.insert(header::VARY, HeaderValue::from_static("Accept"));
    response
}

fn xml_response(xml: String) -> Response {
    (
        [(header::CONTENT_TYPE, "application/xml; charset=utf-8")],
        xml,
    )
        .into_response()
}

/// Triples sorted by subject, so that Turtle groups each subject's statements, and each once.
fn sorted(mut triples: Vec<Triple>) -> Vec<Triple> {
    triples.sort_by_cached_key(|triple| triple.to_string());
    triples.dedup();
    triples
}

/// Whether a conditional request's copy is still current: `If-None-Match` when given (weak
/// comparison, as RFC 9110 asks for GET), else `If-Modified-Since` to the second.
fn is_not_modified(headers: &HeaderMap, etag: &str, modified: DateTime<Utc>) -> bool {
    let text = |name| {
        headers
            .get(name)
            .and_then(|value: &HeaderValue| value.to_str().ok())
    };
    if let Some(tags) = text(header::IF_NONE_MATCH) {
        return tags
            .split(',')
            .map(str::trim)
            .any(|tag| tag == "*" || tag.trim_start_matches("W/") == etag);
    }
    text(header::IF_MODIFIED_SINCE)
        .and_then(|since| DateTime::parse_from_rfc2822(since).ok())
        .is_some_and(|since| modified.timestamp() <= since.timestamp())
}

/// An HTTP date (IMF-fixdate).
fn http_date(time: DateTime<Utc>) -> String {
    time.format("%a, %d %b %Y %H:%M:%S GMT").to_string()
}

fn header_value(text: &str) -> HeaderValue {
    HeaderValue::from_str(text).unwrap_or_else(|_| HeaderValue::from_static(""))
}

/// A body written by `produce` on a blocking thread while it is sent. A failure midway is
/// logged and ends the body with an error, so that the client sees an interrupted transfer
/// rather than a complete one.
fn stream_body(
    produce: impl FnOnce(&mut ChannelWriter) -> std::io::Result<()> + Send + 'static,
) -> Body {
    let (sender, receiver) = tokio::sync::mpsc::channel::<std::io::Result<Bytes>>(4);
    tokio::task::spawn_blocking(move || {
        let mut writer = ChannelWriter {
            sender: sender.clone(),
            buffer: Vec::with_capacity(CHUNK_BYTES),
        };
        let outcome = produce(&mut writer).and_then(|()| writer.send_buffer());
        if let Err(error) = outcome
            && error.kind() != std::io::ErrorKind::BrokenPipe
        {
            tracing::error!(%error, "streamed answer failed midway");
            let _ = sender.blocking_send(Err(error));
        }
    });
    Body::from_stream(futures_util::stream::unfold(
        receiver,
        |mut receiver| async move { receiver.recv().await.map(|chunk| (chunk, receiver)) },
    ))
}

/// A writer whose bytes go, in chunks, to the body of a response.
struct ChannelWriter {
    sender: tokio::sync::mpsc::Sender<std::io::Result<Bytes>>,
    buffer: Vec<u8>,
}

impl ChannelWriter {
    fn send_buffer(&mut self) -> std::io::Result<()> {
        if self.buffer.is_empty() {
            return Ok(());
        }
        let chunk = Bytes::from(std::mem::replace(
            &mut self.buffer,
            Vec::with_capacity(CHUNK_BYTES),
        ));
        self.sender
            .blocking_send(Ok(chunk))
            .map_err(|_| std::io::Error::from(std::io::ErrorKind::BrokenPipe))
    }
}

impl Write for ChannelWriter {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.buffer.extend_from_slice(bytes);
        if self.buffer.len() >= CHUNK_BYTES {
            self.send_buffer()?;
        }
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn conditional_requests_follow_the_etag_then_the_date() {
        let modified = DateTime::parse_from_rfc3339("2026-01-02T03:04:05Z")
            .unwrap()
            .with_timezone(&Utc);
        let headers = |pairs: &[(header::HeaderName, &str)]| {
            let mut map = HeaderMap::new();
            for (name, value) in pairs {
                map.insert(name.clone(), HeaderValue::from_str(value).unwrap());
            }
            map
        };
        let etag = "\"abc\"";
        assert!(is_not_modified(
            &headers(&[(header::IF_NONE_MATCH, "\"x\", W/\"abc\"")]),
            etag,
            modified
        ));
        assert!(!is_not_modified(
            &headers(&[(header::IF_NONE_MATCH, "\"x\"")]),
            etag,
            modified
        ));
        let same_second = http_date(modified);
        assert_eq!(same_second, "Fri, 02 Jan 2026 03:04:05 GMT");
        assert!(is_not_modified(
            &headers(&[(header::IF_MODIFIED_SINCE, &same_second)]),
            etag,
            modified
        ));
        let before = "Thu, 01 Jan 2026 00:00:00 GMT";
        assert!(!is_not_modified(
            &headers(&[(header::IF_MODIFIED_SINCE, before)]),
            etag,
            modified
        ));
        // An entity tag that does not match wins over a date that would.
        let both = [
            (header::IF_NONE_MATCH, "\"x\""),
            (header::IF_MODIFIED_SINCE, &same_second),
        ];
        assert!(!is_not_modified(&headers(&both), etag, modified));
    }
}

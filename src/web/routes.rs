//! The whole URL table of the site.

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::http::{HeaderValue, header};
use axum::routing::{get, post};
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::compression::CompressionLayer;
use tower_http::compression::predicate::{DefaultPredicate, NotForContentType, Predicate};
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::services::ServeDir;
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::trace::TraceLayer;

use super::{
    AppState, account, contours, contribute, export, figures, lookup, map, moderation, pages,
    resource, search, sources, sparql, validate,
};

/// Largest request body accepted (a query or a form).
const MAX_BODY_BYTES: usize = 1024 * 1024;

/// The router of the whole site; every path not listed here is a resource IRI.
pub fn router(state: Arc<AppState>) -> Router {
    let static_files = ServeDir::new(state.platform.config.home_path("static"));
    let cache_static = SetResponseHeaderLayer::if_not_present(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=3600"),
    );
    Router::new()
        .route("/", get(pages::home_show))
        .route("/sparql", get(sparql::sparql_get).post(sparql::sparql_post))
        .route("/ressource", get(resource::resource_by_iri))
        .route("/recherche", get(search::search_page))
        .route("/api/search", get(search::search_api))
        .route("/api/search/export.csv", get(export::export_csv))
        .route("/api/search/export.geojson", get(export::export_geojson))
        .route("/api/search/export.jsonld", get(export::export_jsonld))
        .route("/api/suggest", get(search::suggest_api))
        .route("/api/openapi.json", get(search::openapi_show))
        .route("/carte", get(map::map_page))
        .route("/api/carte", get(map::map_api))
        .route("/api/carte/territoires", get(map::territory_counts_api))
        .route("/api/contours/{name}", get(contours::contours_show))
        .route("/api/contours/{kind}/{code}", get(contours::territory_contour_show))
        .route("/sources", get(sources::sources_show))
        .route("/doublons", get(sources::duplicates_show))
        .route("/admin/moisson", post(sources::harvest_run))
        .route("/api/valider", post(validate::validation_run))
        .route("/compte", get(account::account_show))
        .route("/compte/inscription", get(account::signup_show).post(account::signup_submit))
        .route("/compte/connexion", get(account::login_show).post(account::login_submit))
        .route("/compte/deconnexion", post(account::logout_submit))
        .route("/compte/mot-de-passe", get(account::forgot_show).post(account::forgot_submit))
        .route("/compte/reinitialisation", get(account::reset_show).post(account::reset_submit))
        .route("/compte/invitations", post(super::community::invitation_answer))
        .route("/contribuer", get(contribute::contribution_new).post(contribute::contribution_submit))
        .route("/initiative/{source}/{id}/modifier", get(contribute::edit_new).post(contribute::edit_submit))
        .route("/initiative/{source}/{id}/signaler", post(contribute::report_submit))
        .route("/moderation", get(moderation::queue_show))
        .route("/moderation/{key}", get(moderation::draft_show))
        .route("/moderation/{key}/publier", post(moderation::draft_publish))
        .route("/moderation/{key}/refuser", post(moderation::draft_refuse))
        .route("/moderation/{key}/clore", post(moderation::report_close))
        .route("/moderation/revision/{key}/annuler", post(moderation::revision_revert))
        .route("/communautes", get(super::community::communities_show))
        .route("/communautes/nouvelle", get(super::community::community_new).post(super::community::community_create))
        .route("/communaute/{slug}/membres", post(super::community::members_submit))
        .route("/communaute/{slug}/selections", post(super::community::collections_submit))
        .route("/communaute/{slug}/selections/elements", post(super::community::items_submit))
        .route("/suivre", post(super::follow::follow_submit))
        .route("/api/territoires", get(lookup::territories_lookup))
        .route("/api/acteurs", get(lookup::actors_lookup))
        .route("/donnees", get(super::opendata::data_home))
        .route("/donnees/", get(super::opendata::data_home))
        .route("/donnees/tableaux", get(figures::figures_show))
        .route("/donnees/tableaux/{file}", get(figures::figure_csv))
        .route("/donnees/{*path}", get(super::opendata::dump_download))
        .route("/.well-known/void", get(super::opendata::void_show))
        .route("/catalogue", get(super::opendata::catalogue_show))
        .route("/sitemap.xml", get(super::opendata::sitemap_show))
        .route("/sitemap-{part}", get(super::opendata::sitemap_part_show))
        .route("/robots.txt", get(super::opendata::robots_show))
        .route("/contexte.jsonld", get(super::opendata::context_show))
        .route(
            "/store",
            get(super::opendata::store_read)
                .put(super::partner::store_replace)
                .post(super::partner::store_merge)
                .delete(super::partner::store_delete)
                .fallback(super::opendata::store_write),
        )
        .nest_service("/static", tower::ServiceBuilder::new().layer(cache_static).service(static_files))
        .fallback(resource::resource_show)
        .with_state(state)
        .layer(axum::middleware::from_fn(super::edge::refuse_unreadable_requests))
        .layer(RequestBodyLimitLayer::new(MAX_BODY_BYTES))
        // Dumps are gzip files already: compressing them again would only cost time.
        .layer(CompressionLayer::new().compress_when(
            DefaultPredicate::new().and(NotForContentType::const_new("application/gzip")),
        ))
        .layer(CatchPanicLayer::new())
        .layer(
            TraceLayer::new_for_http()
                .make_span_with(|request: &axum::http::Request<_>| {
                    tracing::info_span!("request", method = %request.method(), path = %request.uri().path())
                })
                .on_response(
                    |response: &axum::http::Response<_>, latency: Duration, _span: &tracing::Span| {
                        tracing::debug!(status = response.status().as_u16(), millis = latency.as_millis() as u64, "answered");
                    },
                ),
        )
}

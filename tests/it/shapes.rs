//! The platform's own shapes on the fixtures of `tests/data/shapes/`: a complete initiative
//! conforms, and each fault gives one result, from the shape written for it, with that shape's
//! message. Then the same through `ancrage validate`, through `POST /api/valider`, and in what a
//! harvest keeps: warnings beside accepted records, violations beside quarantined ones.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::{Arc, OnceLock};

use ancrage::Config;
use ancrage::ingest::{RecordValidator, SourceDescriptor};
use ancrage::iri::GraphKind;
use ancrage::platform::Platform;
use ancrage::shapes::engine::{Severity, ValidationReport};
use ancrage::shapes::read_shapes_graph;
use ancrage::store::Store;
use axum::body::Body;
use axum::http::{Request, StatusCode};
use oxigraph::io::{RdfFormat, RdfParser, RdfSerializer};
use oxigraph::model::{Graph, Literal, NamedNode, Quad, Term, TermRef, Triple};

use crate::common::{Answer, BASE, send, send_to, site};

const ANC: &str = "https://w3id.org/ancrage/ontology#";
const ANCSH: &str = "https://w3id.org/ancrage/shapes#";
const SH: &str = "http://www.w3.org/ns/shacl#";

// --- The shapes on their fixtures --------------------------------------------------------------

#[test]
fn a_complete_initiative_conforms_without_any_result() {
    let report = validate_fixture("initiative-valide");

    assert!(report.conforms);
    assert!(report.results.is_empty(), "{:?}", report.results);
}

#[test]
fn an_initiative_without_name_breaks_only_the_required_name() {
    check_one("sans-nom", "initiative-name-required", Severity::Violation);
}

#[test]
fn a_three_digit_siret_breaks_only_the_siret_pattern() {
    check_one("siret-trop-court", "actor-siret", Severity::Violation);
}

#[test]
fn a_siret_of_fourteen_digits_written_with_spaces_breaks_only_the_siret_pattern() {
    check_one("siret-avec-espaces", "actor-siret", Severity::Violation);
}

#[test]
fn a_theme_that_is_no_concept_breaks_only_the_theme_shape() {
    check_one("theme-inconnu", "initiative-theme", Severity::Violation);
}

#[test]
fn an_audience_used_as_a_theme_breaks_only_the_theme_shape() {
    check_one(
        "public-comme-theme",
        "initiative-theme",
        Severity::Violation,
    );
}

#[test]
fn a_commune_code_that_does_not_exist_breaks_only_the_commune_shape() {
    check_one(
        "commune-inexistante",
        "initiative-commune",
        Severity::Violation,
    );
}

#[test]
fn an_impossible_date_breaks_only_the_start_date_shape() {
    check_one("date-impossible", "start-date", Severity::Violation);
}

#[test]
fn a_description_tagged_german_breaks_only_the_description_shape() {
    check_one(
        "description-en-allemand",
        "description",
        Severity::Violation,
    );
}

#[test]
fn a_missing_website_is_a_warning_not_a_violation() {
    check_one(
        "sans-site-web",
        "initiative-website-recommended",
        Severity::Warning,
    );
}

#[test]
fn the_harvest_check_separates_warnings_from_violations() {
    let validator = site().platform.validator().unwrap();
    let focus = NamedNode::new(format!("{BASE}initiative/test/1")).unwrap();

    let warned = validator.check(&focus, &fixture_quads("sans-site-web"));
    let faulty = validator.check(&focus, &fixture_quads("sans-nom"));

    assert!(warned.violations.is_empty());
    assert_eq!(warned.warnings.len(), 1);
    let warning = &warned.warnings[0];
    assert_eq!(warning.predicate, Some(anc("website")));
    assert_eq!(
        warning.message,
        shape_message("initiative-website-recommended", "fr")
    );
    assert!(faulty.warnings.is_empty());
    assert_eq!(faulty.violations.len(), 1);
    assert_eq!(
        faulty.violations[0].shape,
        Term::from(ancsh("initiative-name-required"))
    );
}

/// Validates a fixture and checks that it gives exactly one result: from `shape`, with its
/// severity and its French message.
fn check_one(fixture: &str, shape: &str, severity: Severity) {
    let report = validate_fixture(fixture);

    let shapes: Vec<String> = report
        .results
        .iter()
        .map(|result| result.source_shape.to_string())
        .collect();
    assert_eq!(shapes, [format!("<{ANCSH}{shape}>")], "{fixture}");
    let result = &report.results[0];
    assert_eq!(result.severity, severity, "{fixture}");
    assert_eq!(
        report.message_for(result, "fr"),
        shape_message(shape, "fr"),
        "{fixture}"
    );
}

fn validate_fixture(fixture: &str) -> ValidationReport {
    let validator = site().platform.validator().unwrap();
    validator.report(&fixture_quads(fixture))
}

// --- ancrage validate --------------------------------------------------------------------------

#[test]
fn validate_exits_with_0_on_the_complete_initiative() {
    let output = run_validate(&["--format", "text"], "initiative-valide");

    assert_eq!(output.status.code(), Some(0), "{output:?}");
}

#[test]
fn validate_exits_with_1_and_prints_a_turtle_report_that_does_not_conform() {
    let output = run_validate(&[], "siret-trop-court");

    assert_eq!(output.status.code(), Some(1), "{output:?}");
    let report = parse_graph(&output.stdout, RdfFormat::Turtle);
    assert_eq!(
        objects_of(&report, &format!("{SH}conforms")),
        [boolean(false)]
    );
    assert_eq!(
        objects_of(&report, &format!("{SH}sourceShape")),
        [Term::from(ancsh("actor-siret"))]
    );
}

#[test]
fn validate_exits_with_2_on_a_missing_or_malformed_file() {
    let scratch = tempfile::tempdir().unwrap();
    let malformed = scratch.path().join("casse.ttl");
    std::fs::write(&malformed, "<initiative/test/1> a ").unwrap();

    for file in [scratch.path().join("absent.ttl"), malformed] {
        let output = validate_command(&[], &file);
        assert_eq!(output.status.code(), Some(2), "{output:?}");
        assert!(!output.stderr.is_empty());
    }
}

#[test]
fn validate_prints_json_and_text_reports() {
    let json = run_validate(&["--format", "json"], "date-impossible");
    let text = run_validate(&["--format", "text"], "date-impossible");

    assert_eq!(json.status.code(), Some(1));
    let view: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!(view["conforms"], false);
    assert_eq!(view["violations"], 1);
    assert_eq!(
        view["results"][0]["source_shape"],
        format!("{ANCSH}start-date")
    );
    assert_eq!(
        view["results"][0]["message"],
        shape_message("start-date", "fr")
    );
    assert_eq!(text.status.code(), Some(1));
    let text = String::from_utf8(text.stdout).unwrap();
    assert!(text.contains(&shape_message("start-date", "fr")), "{text}");
    assert!(text.contains("2020-13-45"), "{text}");
}

fn run_validate(options: &[&str], fixture: &str) -> Output {
    validate_command(options, &fixture_path(fixture))
}

fn validate_command(options: &[&str], file: &Path) -> Output {
    let scratch = tempfile::tempdir().unwrap();
    Command::new(env!("CARGO_BIN_EXE_ancrage"))
        .current_dir(scratch.path())
        .args(["validate", "--base", BASE])
        .args(options)
        .arg(file)
        .output()
        .expect("ancrage runs")
}

// --- POST /api/valider -------------------------------------------------------------------------

#[tokio::test]
async fn the_api_answers_json_by_default_and_200_even_when_the_data_does_not_conform() {
    let valid = post_fixture("initiative-valide", "text/turtle", None, None).await;
    let faulty = post_fixture("siret-trop-court", "text/turtle", None, None).await;

    assert_eq!(valid.status, StatusCode::OK);
    assert_eq!(valid.media_type(), "application/json");
    let valid: serde_json::Value = serde_json::from_slice(&valid.body).unwrap();
    assert_eq!(
        (valid["conforms"].clone(), valid["violations"].clone()),
        (true.into(), 0.into())
    );
    assert_eq!(faulty.status, StatusCode::OK);
    let faulty: serde_json::Value = serde_json::from_slice(&faulty.body).unwrap();
    assert_eq!(faulty["conforms"], false);
    assert_eq!(
        faulty["results"][0]["source_shape"],
        format!("{ANCSH}actor-siret")
    );
    assert_eq!(
        faulty["results"][0]["message"],
        shape_message("actor-siret", "fr")
    );
}

#[tokio::test]
async fn the_api_speaks_english_when_asked() {
    let answer = post_fixture("sans-nom", "text/turtle", None, Some("en-GB,en;q=0.9")).await;

    let view: serde_json::Value = serde_json::from_slice(&answer.body).unwrap();
    assert_eq!(
        view["results"][0]["message"],
        shape_message("initiative-name-required", "en")
    );
}

#[tokio::test]
async fn the_api_answers_a_w3c_report_in_turtle() {
    let answer = post_fixture("sans-nom", "text/turtle", Some("text/turtle"), None).await;

    assert_eq!(answer.status, StatusCode::OK);
    assert_eq!(answer.media_type(), "text/turtle");
    let report = parse_graph(&answer.body, RdfFormat::Turtle);
    let reports = subjects_of(&report, "http://www.w3.org/1999/02/22-rdf-syntax-ns#type");
    assert_eq!(reports.len(), 2, "one report and one result");
    assert_eq!(
        objects_of(&report, &format!("{SH}conforms")),
        [boolean(false)]
    );
    assert_eq!(
        objects_of(&report, &format!("{SH}resultPath")),
        [Term::from(anc("name"))]
    );
    assert_eq!(
        objects_of(&report, &format!("{SH}resultSeverity")),
        [Term::from(
            NamedNode::new(format!("{SH}Violation")).unwrap()
        )]
    );
}

#[tokio::test]
async fn the_api_page_names_each_field_and_lists_warnings_apart() {
    let faulty = post_fixture(
        "commune-inexistante",
        "text/turtle",
        Some("text/html"),
        None,
    )
    .await;
    let warned = post_fixture("sans-site-web", "text/turtle", Some("text/html"), None).await;

    assert_eq!(faulty.media_type(), "text/html");
    let page = faulty.text();
    let field = shape_name("initiative-commune", "fr");
    assert!(
        page.contains(&format!("<strong>{}</strong>", escape_html(&field))),
        "{page}"
    );
    assert!(page.contains(&escape_html(&shape_message("initiative-commune", "fr"))));
    assert!(page.contains("Erreurs à corriger"));
    assert!(!page.contains("Points à compléter"));
    let page = warned.text();
    assert!(page.contains("Points à compléter"));
    assert!(!page.contains("Erreurs à corriger"));
    let field = shape_name("initiative-website-recommended", "fr");
    assert!(
        page.contains(&format!("<strong>{}</strong>", escape_html(&field))),
        "{page}"
    );
}

#[tokio::test]
async fn the_api_reads_n_triples_and_json_ld_with_relative_iris() {
    let mut n_triples = Vec::new();
    let mut writer = RdfSerializer::from_format(RdfFormat::NTriples).for_writer(&mut n_triples);
    for quad in fixture_quads("initiative-valide") {
        writer.serialize_quad(&quad).unwrap();
    }
    writer.finish().unwrap();
    let json_ld = r#"{
        "@context": { "@vocab": "https://w3id.org/ancrage/ontology#" },
        "@id": "initiative/test/jsonld",
        "@type": "Initiative",
        "name": "Initiative en JSON-LD",
        "commune": { "@id": "territoire/commune/99999" }
    }"#;

    let from_n_triples = post(n_triples, "application/n-triples", None, None).await;
    let from_json_ld = post(json_ld.into(), "application/ld+json", None, None).await;

    let view: serde_json::Value = serde_json::from_slice(&from_n_triples.body).unwrap();
    assert_eq!(view["conforms"], true);
    let view: serde_json::Value = serde_json::from_slice(&from_json_ld.body).unwrap();
    let commune = view["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|result| result["source_shape"] == format!("{ANCSH}initiative-commune"))
        .expect("the commune is refused");
    assert_eq!(
        commune["focus_node"],
        format!("{BASE}initiative/test/jsonld")
    );
    assert_eq!(commune["value"], format!("{BASE}territoire/commune/99999"));
}

#[tokio::test]
async fn the_api_refuses_other_media_types_bad_syntax_and_unacceptable_answers() {
    let broken = "<initiative/test/1> a <https://w3id.org/ancrage/ontology#Initiative> ;";
    let parser_message = RdfParser::from_format(RdfFormat::Turtle)
        .with_base_iri(BASE)
        .unwrap()
        .for_slice(broken.as_bytes())
        .find_map(Result::err)
        .expect("the text is not Turtle")
        .to_string();

    let plain = post(broken.into(), "text/plain", None, None).await;
    let bad = post(broken.into(), "text/turtle", None, None).await;
    let png = post_fixture("initiative-valide", "text/turtle", Some("image/png"), None).await;

    assert_eq!(plain.status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    assert!(plain.text().contains("text/turtle"), "{}", plain.text());
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert!(
        bad.text().contains(&parser_message),
        "{} / {parser_message}",
        bad.text()
    );
    assert_eq!(png.status, StatusCode::NOT_ACCEPTABLE);
}

async fn post_fixture(
    fixture: &str,
    content_type: &str,
    accept: Option<&str>,
    language: Option<&str>,
) -> Answer {
    let body = std::fs::read(fixture_path(fixture)).unwrap();
    post(body, content_type, accept, language).await
}

async fn post(
    body: Vec<u8>,
    content_type: &str,
    accept: Option<&str>,
    language: Option<&str>,
) -> Answer {
    let mut request = Request::post("/api/valider").header("content-type", content_type);
    if let Some(accept) = accept {
        request = request.header("accept", accept);
    }
    if let Some(language) = language {
        request = request.header("accept-language", language);
    }
    send(request.body(Body::from(body)).unwrap()).await
}

// --- Reports kept by a harvest -----------------------------------------------------------------

const CONTROL_SOURCE: &str = "controle-formes";

/// A platform with `controle.toml` harvested, and its router.
struct ControlSite {
    platform: Arc<Platform>,
    router: axum::Router,
}

fn control_site() -> &'static ControlSite {
    static SITE: OnceLock<ControlSite> = OnceLock::new();
    SITE.get_or_init(|| {
        let data_dir =
            std::env::temp_dir().join(format!("ancrage-it-shapes-{}", std::process::id()));
        let no_sources = data_dir.join("no-sources");
        std::fs::create_dir_all(&no_sources).unwrap();
        let mut config =
            Config::new(data_dir, "127.0.0.1:8080".parse().unwrap(), Some(BASE)).unwrap();
        config.sources_dir = no_sources;
        let platform = Arc::new(Platform::with_store(config, Store::in_memory().unwrap()));
        platform.bootstrap_if_empty().unwrap();
        let harvests = platform.harvest(&[control_descriptor()]).unwrap();
        harvests[0]
            .outcome
            .as_ref()
            .expect("the control source harvests");
        let state = Arc::new(ancrage::AppState::new(Arc::clone(&platform)).unwrap());
        ControlSite {
            router: ancrage::router(state),
            platform,
        }
    })
}

fn control_descriptor() -> SourceDescriptor {
    SourceDescriptor::from_file(&data_dir().join("controle.toml")).unwrap()
}

#[test]
fn an_accepted_record_keeps_its_warnings_as_a_report_without_blank_nodes() {
    let graph = control_graph(GraphKind::Source(CONTROL_SOURCE.into()));
    let record = format!("{BASE}source/{CONTROL_SOURCE}/enregistrement/2");

    let result = report_result(&graph, &record);

    assert_eq!(result.severity, format!("{SH}Warning"));
    assert_eq!(result.path, Some(anc("website")));
    assert_eq!(result.shape, ancsh("initiative-website-recommended"));
    assert_eq!(result.focus, format!("{BASE}initiative/{CONTROL_SOURCE}/2"));
    assert_eq!(
        result.message,
        french(&shape_message("initiative-website-recommended", "fr"))
    );
    let complete = format!("{BASE}source/{CONTROL_SOURCE}/enregistrement/1");
    assert!(objects(&graph, &complete, &format!("{ANC}validationReport")).is_empty());
    assert!(graph.iter().all(|quad| !quad.subject.is_blank_node()));
}

#[test]
fn a_quarantined_record_keeps_its_violations_as_a_report() {
    let graph = control_graph(GraphKind::Quarantine(CONTROL_SOURCE.into()));
    let record = format!("{BASE}source/{CONTROL_SOURCE}/enregistrement/3");

    let result = report_result(&graph, &record);

    assert_eq!(result.severity, format!("{SH}Violation"));
    assert_eq!(result.path, Some(anc("email")));
    assert_eq!(result.shape, ancsh("email"));
    assert_eq!(result.message, french(&shape_message("email", "fr")));
    let comments = objects(
        &graph,
        &record,
        "http://www.w3.org/2000/01/rdf-schema#comment",
    );
    assert_eq!(comments.len(), 1, "the reason stays as a comment too");
}

#[test]
fn harvesting_the_control_source_again_leaves_its_reports_as_they_were() {
    let site = control_site();
    let before = control_graph(GraphKind::Source(CONTROL_SOURCE.into()));

    let again = site.platform.harvest(&[control_descriptor()]).unwrap();

    let counts = &again[0].outcome.as_ref().unwrap().counts;
    assert_eq!((counts.unchanged, counts.rejected), (2, 1));
    assert_eq!(
        control_graph(GraphKind::Source(CONTROL_SOURCE.into())),
        before
    );
}

#[tokio::test]
async fn the_initiative_page_lists_its_points_to_complete() {
    let site = control_site();
    let page = |id: &str| {
        let request = Request::get(format!("/initiative/{CONTROL_SOURCE}/{id}"))
            .header("accept", "text/html")
            .body(Body::empty())
            .unwrap();
        send_to(&site.router, request)
    };

    let warned = page("2").await;
    let complete = page("1").await;

    assert_eq!(warned.status, StatusCode::OK);
    let html = warned.text();
    assert!(html.contains("Points à compléter"), "{html}");
    let field = shape_name("initiative-website-recommended", "fr");
    let message = shape_message("initiative-website-recommended", "fr");
    assert!(html.contains(&format!(
        "<strong>{}</strong> : {}",
        escape_html(&field),
        escape_html(&message)
    )));
    assert_eq!(complete.status, StatusCode::OK);
    assert!(!complete.text().contains("Points à compléter"));
}

/// The one result of the report attached to `record` in `graph`.
struct StoredResult {
    severity: String,
    path: Option<NamedNode>,
    shape: NamedNode,
    focus: String,
    message: Term,
}

fn report_result(graph: &[Quad], record: &str) -> StoredResult {
    let reports = objects(graph, record, &format!("{ANC}validationReport"));
    assert_eq!(reports, [iri(&format!("{record}#rapport"))]);
    let report = format!("{record}#rapport");
    assert_eq!(
        objects(graph, &report, &format!("{SH}conforms")),
        [boolean(false)]
    );
    let results = objects(graph, &report, &format!("{SH}result"));
    assert_eq!(results, [iri(&format!("{record}#rapport-1"))]);
    let result = format!("{record}#rapport-1");
    let one = |property: &str| {
        let values = objects(graph, &result, &format!("{SH}{property}"));
        assert!(values.len() <= 1, "{property}: {values:?}");
        values.into_iter().next()
    };
    let named = |term: Option<Term>| match term {
        Some(Term::NamedNode(node)) => Some(node),
        _ => None,
    };
    StoredResult {
        severity: named(one("resultSeverity")).unwrap().into_string(),
        path: named(one("resultPath")),
        shape: named(one("sourceShape")).unwrap(),
        focus: named(one("focusNode")).unwrap().into_string(),
        message: one("resultMessage").unwrap(),
    }
}

fn control_graph(kind: GraphKind) -> Vec<Quad> {
    let platform = &control_site().platform;
    let mut quads = platform
        .store
        .graph_quads(platform.config.minter.graph(&kind).as_ref())
        .unwrap();
    quads.sort_by_key(ToString::to_string);
    quads
}

fn objects(quads: &[Quad], subject: &str, predicate: &str) -> Vec<Term> {
    quads
        .iter()
        .filter(|quad| quad.subject.to_string() == format!("<{subject}>"))
        .filter(|quad| quad.predicate.as_str() == predicate)
        .map(|quad| quad.object.clone())
        .collect()
}

// --- Fixtures and shapes -----------------------------------------------------------------------

fn data_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/shapes")
}

fn fixture_path(name: &str) -> PathBuf {
    data_dir().join(format!("{name}.ttl"))
}

/// A fixture's quads, its relative IRIs resolved against the test site's base.
fn fixture_quads(name: &str) -> Vec<Quad> {
    let bytes = std::fs::read(fixture_path(name)).unwrap();
    RdfParser::from_format(RdfFormat::Turtle)
        .with_base_iri(BASE)
        .unwrap()
        .for_slice(&bytes)
        .collect::<Result<_, _>>()
        .unwrap()
}

/// The shapes of `shapes/`, read as the platform reads them.
fn shapes_graph() -> &'static Graph {
    static GRAPH: OnceLock<Graph> = OnceLock::new();
    GRAPH.get_or_init(|| {
        read_shapes_graph(&Path::new(env!("CARGO_MANIFEST_DIR")).join("shapes"), BASE).unwrap()
    })
}

/// The `sh:message` of a shape of `shapes/` in one language.
fn shape_message(shape: &str, lang: &str) -> String {
    shape_text(shape, "message", lang)
}

/// The `sh:name` of a shape of `shapes/` in one language.
fn shape_name(shape: &str, lang: &str) -> String {
    shape_text(shape, "name", lang)
}

fn shape_text(shape: &str, property: &str, lang: &str) -> String {
    let property = NamedNode::new(format!("{SH}{property}")).unwrap();
    let texts: Vec<String> = shapes_graph()
        .objects_for_subject_predicate(&ancsh(shape), &property)
        .filter_map(|object| match object {
            TermRef::Literal(literal) if literal.language() == Some(lang) => {
                Some(literal.value().to_owned())
            }
            _ => None,
        })
        .collect();
    assert_eq!(texts.len(), 1, "one {property} of {shape} in {lang}");
    texts.into_iter().next().unwrap()
}

fn parse_graph(bytes: &[u8], format: RdfFormat) -> Vec<Triple> {
    RdfParser::from_format(format)
        .for_slice(bytes)
        .map(|quad| quad.map(Triple::from))
        .collect::<Result<_, _>>()
        .unwrap()
}

fn objects_of(triples: &[Triple], predicate: &str) -> Vec<Term> {
    triples
        .iter()
        .filter(|triple| triple.predicate.as_str() == predicate)
        .map(|triple| triple.object.clone())
        .collect()
}

fn subjects_of(triples: &[Triple], predicate: &str) -> Vec<String> {
    triples
        .iter()
        .filter(|triple| triple.predicate.as_str() == predicate)
        .map(|triple| triple.subject.to_string())
        .collect()
}

fn anc(local: &str) -> NamedNode {
    NamedNode::new(format!("{ANC}{local}")).unwrap()
}

fn ancsh(local: &str) -> NamedNode {
    NamedNode::new(format!("{ANCSH}{local}")).unwrap()
}

fn iri(text: &str) -> Term {
    NamedNode::new(text).unwrap().into()
}

fn boolean(value: bool) -> Term {
    Literal::new_typed_literal(value.to_string(), oxigraph::model::vocab::xsd::BOOLEAN).into()
}

fn french(text: &str) -> Term {
    Literal::new_language_tagged_literal(text, "fr")
        .unwrap()
        .into()
}

/// Text as the templates escape it.
fn escape_html(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

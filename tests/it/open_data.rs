//! Open data: dumps that load back into the same dataset, VoID and DCAT descriptions whose
//! figures are those of the store, sitemaps that list every page, the JSON-LD context and the
//! schema.org descriptions of pages, and read-only Graph Store access.

use std::collections::BTreeSet;
use std::io::Read;
use std::sync::Arc;

use ancrage::opendata::{DumpDirectory, DumpScope, is_public_graph};
use ancrage::platform::Platform;
use ancrage::store::Store;
use ancrage::{AppState, Config};
use axum::body::Body;
use axum::http::Request;
use oxigraph::io::{JsonLdProfileSet, RdfFormat, RdfParser};
use oxigraph::model::dataset::CanonicalizationAlgorithm;
use oxigraph::model::{Dataset, GraphName, Literal, NamedNode, Quad, Term};
use sha2::{Digest, Sha256};

use crate::common::{Answer, BASE, get, send, send_to, site};

const FRANCE_SERVICES_GRAPH: &str = "http://ancrage.test/graphe/source/france-services";
const FRANCE_SERVICES: &str = "http://ancrage.test/source/france-services";
const DATASET: &str = "http://ancrage.test/.well-known/void#ancrage";
const PREFIXES: &str = "PREFIX void: <http://rdfs.org/ns/void#>
PREFIX dcat: <http://www.w3.org/ns/dcat#>
PREFIX dct: <http://purl.org/dc/terms/>
PREFIX anc: <https://w3id.org/ancrage/ontology#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX prov: <http://www.w3.org/ns/prov#>
PREFIX igeo: <http://rdf.insee.fr/def/geo#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX xsd: <http://www.w3.org/2001/XMLSchema#>
";

#[tokio::test]
async fn a_dump_loaded_into_an_empty_store_dumps_again_to_the_same_dataset() {
    // The first dump is the one the bootstrap's harvest wrote.
    let site = site();
    let minter = &site.platform.config.minter;
    let first = DumpDirectory::new(&site.platform.config.data_dir);
    let manifest = site_manifest();
    assert_eq!(
        manifest.whole.quads,
        quads_in_named_graphs(&site.platform.store)
    );

    let loaded = Store::in_memory().unwrap();
    let count = loaded
        .load_nquads_into_empty(gunzip(&first.path_of("ancrage.nq.gz")).as_slice())
        .unwrap();
    assert_eq!(count, manifest.whole.quads);
    let second = DumpDirectory::new(&scratch_dir("round-trip"));
    second
        .refresh(&loaded, minter, DumpScope::Everything)
        .unwrap();

    let mut before = dataset_of(&first.path_of("ancrage.nq.gz"));
    let mut after = dataset_of(&second.path_of("ancrage.nq.gz"));
    before.canonicalize(CanonicalizationAlgorithm::Unstable);
    after.canonicalize(CanonicalizationAlgorithm::Unstable);
    assert_eq!(before.len(), manifest.whole.quads);
    assert!(
        before == after,
        "the reloaded store dumps to another dataset"
    );
}

#[tokio::test]
async fn a_dump_is_refused_by_a_store_that_holds_data() {
    let store = Store::in_memory().unwrap();
    let one_quad = "<http://ancrage.test/a> <http://ancrage.test/b> \"c\" \
                    <http://ancrage.test/graphe/liens> .\n";
    store.load_nquads_into_empty(one_quad.as_bytes()).unwrap();
    let refusal = store
        .load_nquads_into_empty(one_quad.as_bytes())
        .unwrap_err()
        .to_string();
    assert!(refusal.contains("already holds 1 quads"), "{refusal}");
}

#[tokio::test]
async fn graphs_outside_the_public_prefixes_never_reach_a_dump() {
    let store = Store::in_memory().unwrap();
    let quads = "<http://ancrage.test/a> <http://ancrage.test/p> \"public\" <http://ancrage.test/graphe/territoires> .
<http://ancrage.test/a> <http://ancrage.test/p> \"source\" <http://ancrage.test/graphe/source/s1> .
<http://ancrage.test/a> <http://ancrage.test/p> \"account\" <http://ancrage.test/graphe/comptes> .
<http://ancrage.test/a> <http://ancrage.test/p> \"draft\" <http://ancrage.test/prive/brouillons> .
<http://ancrage.test/a> <http://ancrage.test/p> \"elsewhere\" <http://other.test/graphe/territoires> .
";
    store.load_nquads_into_empty(quads.as_bytes()).unwrap();
    let directory = DumpDirectory::new(&scratch_dir("private"));
    let minter = &site().platform.config.minter;
    directory
        .refresh(&store, minter, DumpScope::Everything)
        .unwrap();
    let graphs = graphs_of(&dataset_of(&directory.path_of("ancrage.nq.gz")));
    assert_eq!(
        graphs,
        BTreeSet::from([
            "http://ancrage.test/graphe/source/s1".to_owned(),
            "http://ancrage.test/graphe/territoires".to_owned(),
        ])
    );

    // The site's dump holds every graph of the store, all of them public.
    let site_graphs: BTreeSet<String> =
        crate::common::select_column("SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }")
            .into_iter()
            .collect();
    let manifest = site_manifest();
    let dumped: BTreeSet<String> = manifest.graphs.iter().map(|g| g.graph.clone()).collect();
    assert_eq!(dumped, site_graphs);
    assert!(dumped.iter().all(|graph| is_public_graph(minter, graph)));
}

#[tokio::test]
async fn dumps_are_served_with_their_hash_and_date_and_answer_conditional_requests() {
    let answer = get("/donnees/ancrage.nq.gz", None).await;
    assert_eq!(answer.status, 200);
    assert_eq!(answer.media_type(), "application/gzip");
    let etag = answer.header("etag");
    assert_eq!(etag, format!("\"{}\"", sha256_hex(&answer.body)));
    let last_modified = answer.header("last-modified");
    assert!(last_modified.ends_with(" GMT"), "{last_modified}");

    let conditional = |name: &'static str, value: String| async move {
        let request = Request::get("/donnees/ancrage.nq.gz")
            .header(name, value)
            .body(Body::empty())
            .unwrap();
        send(request).await
    };
    let unchanged = conditional("if-none-match", etag.clone()).await;
    assert_eq!(unchanged.status, 304);
    assert!(unchanged.body.is_empty());
    assert_eq!(unchanged.header("etag"), etag);
    let not_newer = conditional("if-modified-since", last_modified).await;
    assert_eq!(not_newer.status, 304);
    let other_version = conditional("if-none-match", "\"0000\"".to_owned()).await;
    assert_eq!(other_version.status, 200);

    assert_eq!(
        get("/donnees/source/inconnue.nq.gz", None).await.status,
        404
    );
    assert_eq!(get("/donnees/manifest.json", None).await.status, 404);
}

#[tokio::test]
async fn a_source_dump_holds_its_graph_alone() {
    let answer = get("/donnees/source/france-services.nq.gz", None).await;
    assert_eq!(answer.status, 200);
    let quads = parse_nquads(&gunzip_bytes(&answer.body));
    let expected = count(&format!(
        "SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{FRANCE_SERVICES_GRAPH}> {{ ?s ?p ?o }} }}"
    ));
    assert_eq!(quads.len() as i64, expected);
    let graph = GraphName::NamedNode(NamedNode::new_unchecked(FRANCE_SERVICES_GRAPH));
    assert!(quads.iter().all(|quad| quad.graph_name == graph));
}

#[tokio::test]
async fn void_statistics_are_the_counts_of_the_store() {
    let answer = get("/.well-known/void", None).await;
    assert_eq!(answer.status, 200);
    assert_eq!(answer.media_type(), "text/turtle");
    let void = load(&answer);

    let triples = count(
        "SELECT (COUNT(*) AS ?n) WHERE { SELECT DISTINCT ?s ?p ?o WHERE { GRAPH ?g { ?s ?p ?o } } }",
    );
    assert_eq!(
        figure(&void, &format!("<{DATASET}> void:triples ?n")),
        triples
    );
    let entities = count(
        "SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } \
         FILTER(isIRI(?s) && STRSTARTS(STR(?s), 'http://ancrage.test/')) }",
    );
    assert_eq!(
        figure(&void, &format!("<{DATASET}> void:entities ?n")),
        entities
    );
    let initiatives = count("SELECT (COUNT(DISTINCT ?i) AS ?n) WHERE { ?i a anc:Initiative }");
    let partition =
        format!("<{DATASET}> void:classPartition [ void:class anc:Initiative ; void:entities ?n ]");
    assert_eq!(figure(&void, &partition), initiatives);
    let labels = count(
        "SELECT (COUNT(*) AS ?n) WHERE { SELECT DISTINCT ?s ?o WHERE { GRAPH ?g { ?s rdfs:label ?o } } }",
    );
    let partition = format!(
        "<{DATASET}> void:propertyPartition [ void:property rdfs:label ; void:triples ?n ]"
    );
    assert_eq!(figure(&void, &partition), labels);

    // The France services subset counts its own graph.
    let in_graph = count(&format!(
        "SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{FRANCE_SERVICES_GRAPH}> {{ ?s ?p ?o }} }}"
    ));
    let subset = format!(
        "<{DATASET}> void:subset <{FRANCE_SERVICES}> . <{FRANCE_SERVICES}> void:triples ?n"
    );
    assert_eq!(figure(&void, &subset), in_graph);
    let dump = format!(
        "<{FRANCE_SERVICES}> void:dataDump ?dump FILTER(?dump = <{BASE}donnees/source/france-services.nq.gz>) BIND(1 AS ?n)"
    );
    assert_eq!(figure(&void, &dump), 1);
    let access = format!(
        "<{DATASET}> void:sparqlEndpoint <{BASE}sparql> ; void:dataDump <{BASE}donnees/ancrage.nq.gz> ; \
         void:uriSpace '{BASE}' ; void:vocabulary <http://www.w3.org/2004/02/skos/core#> BIND(1 AS ?n)"
    );
    assert_eq!(figure(&void, &access), 1);
}

#[tokio::test]
async fn void_linksets_count_the_links_to_the_sdgs_eurovoc_and_insee() {
    let void = load(&get("/.well-known/void", Some("application/n-triples")).await);
    for (target, namespace) in [
        ("odd", "http://metadata.un.org/sdg/"),
        ("eurovoc", "http://eurovoc.europa.eu/"),
        ("insee-geo", "http://rdf.insee.fr/def/geo#"),
    ] {
        let links = count(&format!(
            "SELECT (COUNT(*) AS ?n) WHERE {{ SELECT DISTINCT ?s ?p ?o WHERE {{ GRAPH ?g {{ ?s ?p ?o }} \
             FILTER(isIRI(?o) && STRSTARTS(STR(?o), '{namespace}') && isIRI(?s) \
             && STRSTARTS(STR(?s), '{BASE}')) }} }}"
        ));
        assert!(links > 0, "the graph links to {namespace}");
        let described = figure(
            &void,
            &format!(
                "SELECT (SUM(?t) AS ?n) WHERE {{ ?linkset a void:Linkset ; void:subjectsTarget <{DATASET}> ; \
                 void:objectsTarget <{BASE}.well-known/void#{target}> ; void:linkPredicate ?p ; void:triples ?t }}"
            ),
        );
        assert_eq!(described, links, "links to {namespace}");
    }
    let mapping = figure(
        &void,
        "SELECT (COUNT(*) AS ?n) WHERE { ?l void:linkPredicate skos:relatedMatch ; \
         void:objectsTarget ?t FILTER(STRENDS(STR(?t), '#odd')) }",
    );
    assert_eq!(mapping, 1);
}

#[tokio::test]
async fn void_and_the_catalogue_negotiate_their_syntax() {
    for path in ["/.well-known/void", "/catalogue"] {
        for media_type in [
            "text/turtle",
            "application/ld+json",
            "application/n-triples",
            "application/rdf+xml",
        ] {
            let answer = get(path, Some(media_type)).await;
            assert_eq!(answer.status, 200, "{path} as {media_type}");
            assert_eq!(answer.media_type(), media_type);
            assert!(!parse(&answer).is_empty());
        }
        assert_eq!(get(path, Some("image/png")).await.status, 406);
    }
}

#[tokio::test]
async fn the_catalogue_describes_each_dataset_as_dcat_ap_asks() {
    let answer = get("/catalogue", None).await;
    assert_eq!(answer.status, 200);
    assert_eq!(answer.media_type(), "text/turtle");
    let catalog = load(&answer);
    let listed = format!(
        "<{BASE}catalogue> a dcat:Catalog ; dcat:dataset <{DATASET}>, <{FRANCE_SERVICES}> BIND(1 AS ?n)"
    );
    assert_eq!(figure(&catalog, &listed), 1);

    for dataset in [DATASET, FRANCE_SERVICES] {
        let mandatory = format!(
            "<{dataset}> a dcat:Dataset ; dct:title ?fr, ?en ; dct:description ?d ; dct:license ?l ; \
             dct:publisher ?p ; dct:spatial ?s ; dcat:theme ?t ; \
             dct:temporal [ a dct:PeriodOfTime ; dcat:startDate ?start ; dcat:endDate ?end ] ; \
             dcat:distribution [ dcat:mediaType ?m ; dcat:downloadURL ?u ; dcat:byteSize ?b ] \
             FILTER(LANG(?fr) = 'fr' && LANG(?en) = 'en') BIND(1 AS ?n)"
        );
        assert!(
            figure(&catalog, &mandatory) >= 1,
            "{dataset} lacks a DCAT-AP property"
        );
    }

    // The dumps' sizes are those of the files served.
    let distributions = catalog
        .select(
            &format!("{PREFIXES} SELECT ?url ?size WHERE {{ ?d dcat:downloadURL ?url ; dcat:byteSize ?size }}"),
            &[],
        )
        .unwrap();
    assert_eq!(distributions.len(), 2);
    for row in distributions.iter() {
        let path = row.text("url").unwrap().strip_prefix(BASE).unwrap();
        let served = get(&format!("/{path}"), None).await;
        assert_eq!(served.status, 200);
        assert_eq!(row.integer("size").unwrap(), served.body.len() as i64);
    }

    // The source's schedule, P1M in its descriptor, is the EU's monthly frequency.
    let frequency = format!(
        "<{FRANCE_SERVICES}> dct:accrualPeriodicity \
         <http://publications.europa.eu/resource/authority/frequency/MONTHLY> BIND(1 AS ?n)"
    );
    assert_eq!(figure(&catalog, &frequency), 1);
    let literals =
        "SELECT (COUNT(*) AS ?n) WHERE { ?d dct:accrualPeriodicity ?f FILTER(isLiteral(?f)) }";
    assert_eq!(figure(&catalog, literals), 0);

    let service = format!(
        "?service a dcat:DataService ; dcat:endpointURL <{BASE}sparql> ; dcat:servesDataset <{DATASET}> \
         BIND(1 AS ?n)"
    );
    assert_eq!(figure(&catalog, &service), 1);
}

#[tokio::test]
async fn the_catalogue_coverage_and_period_are_those_of_the_store() {
    let catalog = load(&get("/catalogue", None).await);
    let described: BTreeSet<String> = column(
        &catalog,
        &format!("SELECT ?r WHERE {{ <{FRANCE_SERVICES}> dct:spatial ?r }}"),
    );
    let expected: BTreeSet<String> = crate::common::select_column(&format!(
        "{PREFIXES} SELECT DISTINCT ?r WHERE {{ \
         {{ GRAPH <{FRANCE_SERVICES_GRAPH}> {{ ?i a anc:Initiative ; anc:territory ?t }} \
            ?t igeo:subdivisionDe ?r . ?r a igeo:Region }} \
         UNION \
         {{ GRAPH <{FRANCE_SERVICES_GRAPH}> {{ ?i a anc:Initiative ; anc:territory ?r }} \
            ?r a igeo:Region }} }}"
    ))
    .into_iter()
    .collect();
    assert!(!expected.is_empty());
    assert_eq!(described, expected);

    let end = column(
        &catalog,
        &format!("SELECT ?end WHERE {{ <{FRANCE_SERVICES}> dct:temporal/dcat:endDate ?end }}"),
    );
    let last_run = crate::common::select_column(&format!(
        "{PREFIXES} SELECT (MAX(?e) AS ?end) WHERE {{ ?run prov:used <{FRANCE_SERVICES}> ; prov:endedAtTime ?e }}"
    ));
    assert_eq!(end.into_iter().collect::<Vec<_>>(), last_run);

    let domaines: BTreeSet<String> = crate::common::select_column(&format!(
        "{PREFIXES} SELECT ?c WHERE {{ ?c skos:topConceptOf <{BASE}theme/domaines> }}"
    ))
    .into_iter()
    .collect();
    let themes = column(
        &catalog,
        &format!("SELECT ?t WHERE {{ <{FRANCE_SERVICES}> dcat:theme ?t }}"),
    );
    assert!(
        !themes.is_empty() && themes.is_subset(&domaines),
        "{themes:?}"
    );
}

#[tokio::test]
async fn the_sitemap_lists_every_initiative_and_its_pages_answer() {
    let answer = get("/sitemap.xml", None).await;
    assert_eq!(answer.status, 200);
    assert_eq!(answer.media_type(), "application/xml");
    let text = answer.text();
    assert!(
        text.contains("<urlset"),
        "the test site fits in one sitemap"
    );
    let urls = locations(&text);

    let initiatives: BTreeSet<String> = crate::common::select_column(
        "SELECT DISTINCT ?i WHERE { ?i a <https://w3id.org/ancrage/ontology#Initiative> }",
    )
    .into_iter()
    .collect();
    let listed: BTreeSet<String> = urls
        .iter()
        .filter(|url| url.starts_with(&format!("{BASE}initiative/")))
        .cloned()
        .collect();
    assert_eq!(listed, initiatives);

    let last_run = crate::common::select_column(&format!(
        "{PREFIXES} SELECT (MAX(?e) AS ?end) WHERE {{ ?run prov:used <{FRANCE_SERVICES}> ; prov:endedAtTime ?e }}"
    ));
    let first_initiative = initiatives.iter().next().unwrap();
    assert!(text.contains(&format!(
        "<loc>{first_initiative}</loc><lastmod>{}</lastmod>",
        last_run[0]
    )));

    let territories = count(&format!(
        "SELECT (COUNT(DISTINCT ?t) AS ?n) WHERE {{ ?t a ?class \
         FILTER(STRSTARTS(STR(?class), 'http://rdf.insee.fr/def/geo#') \
         && STRSTARTS(STR(?t), '{BASE}territoire/')) }}"
    ));
    let listed_territories = urls
        .iter()
        .filter(|url| url.starts_with(&format!("{BASE}territoire/")));
    assert_eq!(listed_territories.count() as i64, territories);

    // Actors are listed as well (the France services source names none).
    let actors = count("SELECT (COUNT(DISTINCT ?a) AS ?n) WHERE { ?a a anc:Actor }");
    let listed_actors = urls
        .iter()
        .filter(|url| url.starts_with(&format!("{BASE}acteur/")));
    assert_eq!(listed_actors.count() as i64, actors);

    for kind in [
        "initiative/",
        "territoire/commune/",
        "territoire/region/",
        "theme/",
    ] {
        let sample: Vec<&String> = urls
            .iter()
            .filter(|url| url.starts_with(&format!("{BASE}{kind}")))
            .take(3)
            .collect();
        assert!(!sample.is_empty(), "the sitemap lists {kind} pages");
        for url in sample {
            let path = url.strip_prefix(BASE.trim_end_matches('/')).unwrap();
            assert_eq!(get(path, Some("text/html")).await.status, 200, "{url}");
        }
    }
}

#[test]
fn the_sitemap_dates_actors_by_the_last_harvest_of_their_sources() {
    let store = Store::in_memory().unwrap();
    let graph = "<http://ancrage.test/graphe/source/s1>";
    let quads = format!(
        "<{BASE}acteur/s1/a> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <https://w3id.org/ancrage/ontology#Actor> {graph} .
<{BASE}acteur/s1/a> <https://w3id.org/ancrage/ontology#source> <{BASE}source/s1> {graph} .
<{BASE}source/s1/moisson/1> <http://www.w3.org/ns/prov#used> <{BASE}source/s1> <{BASE}graphe/moissons> .
<{BASE}source/s1/moisson/1> <http://www.w3.org/ns/prov#endedAtTime> \"2026-01-01T10:00:00Z\"^^<http://www.w3.org/2001/XMLSchema#dateTime> <{BASE}graphe/moissons> .
<{BASE}source/s1/moisson/2> <http://www.w3.org/ns/prov#used> <{BASE}source/s1> <{BASE}graphe/moissons> .
<{BASE}source/s1/moisson/2> <http://www.w3.org/ns/prov#endedAtTime> \"2026-02-01T10:00:00Z\"^^<http://www.w3.org/2001/XMLSchema#dateTime> <{BASE}graphe/moissons> .
"
    );
    store.load_nquads_into_empty(quads.as_bytes()).unwrap();
    let entries =
        ancrage::opendata::sitemap_entries(&store, &site().platform.config.minter).unwrap();
    assert_eq!(
        entries,
        [ancrage::opendata::SitemapEntry {
            url: format!("{BASE}acteur/s1/a"),
            kind: "acteur".into(),
            lastmod: Some("2026-02-01T10:00:00Z".into()),
        }]
    );
}

#[tokio::test]
async fn a_sitemap_past_its_limit_becomes_an_index_of_parts() {
    let site = site();
    let whole = locations(&get("/sitemap.xml", None).await.text());
    let mut config = Config::new(
        scratch_dir("sitemap"),
        "127.0.0.1:8080".parse().unwrap(),
        Some(BASE),
    )
    .unwrap();
    config.sitemap_max_urls = 10_000;
    let platform = Arc::new(Platform::with_store(config, site.platform.store.clone()));
    let router = ancrage::router(Arc::new(AppState::new(platform).unwrap()));

    let index = fetch(&router, "/sitemap.xml").await;
    assert!(index.text().contains("<sitemapindex"));
    let parts = locations(&index.text());
    assert_eq!(parts.len(), whole.len().div_ceil(10_000));
    let mut listed = Vec::new();
    for (part_idx, part) in parts.iter().enumerate() {
        assert_eq!(*part, format!("{BASE}sitemap-{}.xml", part_idx + 1));
        let urls = locations(
            &fetch(&router, &format!("/sitemap-{}.xml", part_idx + 1))
                .await
                .text(),
        );
        assert!(urls.len() <= 10_000);
        listed.extend(urls);
    }
    assert_eq!(listed, whole);
    let past_the_end = fetch(&router, &format!("/sitemap-{}.xml", parts.len() + 1)).await;
    assert_eq!(past_the_end.status, 404);
}

#[tokio::test]
async fn robots_txt_names_the_sitemap() {
    let answer = get("/robots.txt", None).await;
    assert_eq!(answer.status, 200);
    assert!(
        answer
            .text()
            .contains(&format!("Sitemap: {BASE}sitemap.xml"))
    );
}

#[tokio::test]
async fn the_graph_store_serves_one_graph_or_their_union() {
    let in_graph = count(&format!(
        "SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{FRANCE_SERVICES_GRAPH}> {{ ?s ?p ?o }} }}"
    ));
    let path = format!("/store?graph={}", encode(FRANCE_SERVICES_GRAPH));
    let answer = get(&path, None).await;
    assert_eq!(answer.status, 200);
    assert_eq!(answer.media_type(), "text/turtle");
    assert_eq!(parse(&answer).len() as i64, in_graph);

    let ontology = format!("{BASE}graphe/ontologie");
    let in_ontology = count(&format!(
        "SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{ontology}> {{ ?s ?p ?o }} }}"
    ));
    for media_type in [
        "application/n-triples",
        "application/ld+json",
        "application/rdf+xml",
    ] {
        let answer = get(
            &format!("/store?graph={}", encode(&ontology)),
            Some(media_type),
        )
        .await;
        assert_eq!(answer.media_type(), media_type);
        assert_eq!(parse(&answer).len() as i64, in_ontology, "{media_type}");
    }

    let union = count(
        "SELECT (COUNT(*) AS ?n) WHERE { SELECT DISTINCT ?s ?p ?o WHERE { GRAPH ?g { ?s ?p ?o } } }",
    );
    let answer = get("/store?default", Some("application/n-triples")).await;
    assert_eq!(answer.status, 200);
    let lines = answer
        .body
        .split(|byte| *byte == b'\n')
        .filter(|line| !line.is_empty());
    assert_eq!(lines.count() as i64, union);
}

#[tokio::test]
async fn the_graph_store_refuses_what_it_cannot_answer() {
    let unknown = format!(
        "/store?graph={}",
        encode(&format!("{BASE}graphe/source/inconnue"))
    );
    let elsewhere = format!(
        "/store?graph={}",
        encode("http://other.test/graphe/territoires")
    );
    let cases = [
        (unknown.as_str(), 404),
        (elsewhere.as_str(), 404),
        ("/store", 400),
        ("/store?graph=pas-une-iri", 400),
        (
            "/store?default&graph=http%3A%2F%2Fancrage.test%2Fgraphe%2Fliens",
            400,
        ),
        ("/store?default&format=ttl", 400),
    ];
    for (path, status) in cases {
        let answer = get(path, None).await;
        assert_eq!(answer.status, status, "{path}");
        assert!(!answer.text().is_empty(), "{path} says why");
    }
    assert_eq!(get("/store?default", Some("image/png")).await.status, 406);

    for method in ["PUT", "POST", "DELETE"] {
        let request = Request::builder()
            .method(method)
            .uri(format!("/store?graph={}", encode(FRANCE_SERVICES_GRAPH)))
            .header("content-type", "text/turtle")
            .body(Body::from("<http://a> <http://b> <http://c> ."))
            .unwrap();
        // Graph Store writes are partners' (see `privacy`): without a token, 401.
        assert_eq!(send(request).await.status, 401, "{method}");
    }
}

#[tokio::test]
async fn the_jsonld_context_names_every_term_of_the_ontology() {
    let answer = get("/contexte.jsonld", None).await;
    assert_eq!(answer.status, 200);
    assert_eq!(answer.media_type(), "application/ld+json");
    let context: serde_json::Value = serde_json::from_slice(&answer.body).unwrap();
    let terms = crate::common::select_column(
        "SELECT ?t WHERE { ?t <http://www.w3.org/2000/01/rdf-schema#isDefinedBy> \
         <https://w3id.org/ancrage/ontology> }",
    );
    assert!(terms.len() > 20);
    for term in terms {
        let name = term.rsplit('#').next().unwrap();
        assert!(context["@context"].get(name).is_some(), "{name} is missing");
    }

    // A document written with the short names means the ontology's terms.
    let document = serde_json::json!({
        "@context": context["@context"],
        "@id": "http://ancrage.test/initiative/essai/1",
        "type": "Initiative",
        "name": "Essai",
        "theme": "http://ancrage.test/theme/inclusion",
        "startDate": "2024-05-01",
    });
    let quads: Vec<Quad> = RdfParser::from_format(RdfFormat::JsonLd {
        profile: JsonLdProfileSet::empty(),
    })
    .for_slice(document.to_string().as_bytes())
    .collect::<Result<_, _>>()
    .unwrap();
    let objects: BTreeSet<(String, String)> = quads
        .into_iter()
        .map(|quad| (quad.predicate.into_string(), quad.object.to_string()))
        .collect();
    let anc = |name: &str| format!("https://w3id.org/ancrage/ontology#{name}");
    let expected: BTreeSet<(String, String)> = [
        (
            "http://www.w3.org/1999/02/22-rdf-syntax-ns#type".to_owned(),
            Term::from(NamedNode::new_unchecked(anc("Initiative"))),
        ),
        (
            anc("name"),
            Term::from(Literal::new_simple_literal("Essai")),
        ),
        (
            anc("theme"),
            Term::from(NamedNode::new_unchecked(
                "http://ancrage.test/theme/inclusion",
            )),
        ),
        (
            anc("startDate"),
            Term::from(Literal::new_typed_literal(
                "2024-05-01",
                NamedNode::new_unchecked("http://www.w3.org/2001/XMLSchema#date"),
            )),
        ),
    ]
    .into_iter()
    .map(|(predicate, object)| (predicate, object.to_string()))
    .collect();
    assert_eq!(objects, expected);
}

#[tokio::test]
async fn an_initiative_page_embeds_its_schema_org_description_and_names_its_dataset() {
    let initiative = crate::common::select_column(&format!(
        "{PREFIXES} SELECT ?i WHERE {{ ?i a anc:Initiative ; anc:telephone ?t ; anc:postalCode ?c ; \
         anc:streetAddress ?a }} \
         ORDER BY ?i LIMIT 1"
    ))
    .remove(0);
    let page = get(
        initiative.strip_prefix("http://ancrage.test").unwrap(),
        None,
    )
    .await;
    assert_eq!(page.status, 200);
    let html = page.text();
    let script = html
        .split("<script type=\"application/ld+json\">")
        .nth(1)
        .and_then(|rest| rest.split("</script>").next())
        .expect("the page embeds JSON-LD");
    let description: serde_json::Value = serde_json::from_str(script).unwrap();
    let value = |property: &str| {
        crate::common::select_column(&format!(
            "{PREFIXES} SELECT ?v WHERE {{ <{initiative}> anc:{property} ?v }}"
        ))
    };
    assert_eq!(description["@id"], initiative.as_str());
    assert_eq!(
        description["@type"],
        serde_json::json!(["Place", "Organization"])
    );
    assert!(value("name").contains(&description["name"].as_str().unwrap().to_owned()));
    assert!(value("telephone").contains(&description["telephone"].as_str().unwrap().to_owned()));
    assert_eq!(description["address"]["@type"], "PostalAddress");
    assert_eq!(
        description["address"]["postalCode"],
        value("postalCode")[0].as_str()
    );
    let area = value("territory")[0].clone();
    assert_eq!(description["areaServed"]["@id"], area.as_str());

    assert!(html.contains("Jeu de données : <a href=\"/source/france-services\">"));
    let territory = get("/territoire/commune/01001", None).await.text();
    assert!(territory.contains("Jeu de données : <a href=\"/.well-known/void\">ancrage</a>"));
}

#[test]
fn the_commands_dump_a_store_and_load_a_dump_only_into_an_empty_one() {
    let data = scratch_dir("commands");
    let input = data.join("in.nq");
    std::fs::write(
        &input,
        "<http://ancrage.test/x> <http://ancrage.test/p> \"v\" <http://ancrage.test/graphe/liens> .\n",
    )
    .unwrap();
    let store_dir = data.join("data");
    let run = |arguments: &[&str]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_ancrage"))
            .args(arguments)
            .env("RUST_LOG", "warn")
            .output()
            .unwrap()
    };
    let store_arg = store_dir.to_str().unwrap();
    let loaded = run(&["load", "--data", store_arg, input.to_str().unwrap()]);
    assert!(
        loaded.status.success(),
        "{}",
        String::from_utf8_lossy(&loaded.stderr)
    );

    let again = run(&["load", "--data", store_arg, input.to_str().unwrap()]);
    assert!(!again.status.success());
    assert!(String::from_utf8_lossy(&again.stderr).contains("already holds 1 quads"));

    let out = data.join("out.nq.gz");
    let dumped = run(&["dump", "--data", store_arg, "--out", out.to_str().unwrap()]);
    assert!(
        dumped.status.success(),
        "{}",
        String::from_utf8_lossy(&dumped.stderr)
    );
    assert_eq!(
        String::from_utf8(gunzip(&out)).unwrap(),
        std::fs::read_to_string(&input).unwrap()
    );
}

/// A fresh directory for one test's files.
fn scratch_dir(name: &str) -> std::path::PathBuf {
    let directory = std::env::temp_dir().join(format!(
        "ancrage-it-open-data-{name}-{}",
        std::process::id()
    ));
    let _ = std::fs::remove_dir_all(&directory);
    std::fs::create_dir_all(&directory).unwrap();
    directory
}

fn site_manifest() -> ancrage::opendata::DumpManifest {
    DumpDirectory::new(&site().platform.config.data_dir)
        .manifest()
        .unwrap()
        .expect("the bootstrap's harvest wrote the dumps")
}

fn quads_in_named_graphs(store: &Store) -> usize {
    let rows = store
        .select(
            "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }",
            &[],
        )
        .unwrap();
    rows.iter().next().unwrap().integer("n").unwrap() as usize
}

fn gunzip(path: &std::path::Path) -> Vec<u8> {
    gunzip_bytes(&std::fs::read(path).unwrap())
}

fn gunzip_bytes(bytes: &[u8]) -> Vec<u8> {
    let mut text = Vec::new();
    flate2::read::MultiGzDecoder::new(bytes)
        .read_to_end(&mut text)
        .unwrap();
    text
}

fn parse_nquads(bytes: &[u8]) -> Vec<Quad> {
    RdfParser::from_format(RdfFormat::NQuads)
        .for_slice(bytes)
        .collect::<Result<_, _>>()
        .unwrap()
}

fn dataset_of(path: &std::path::Path) -> Dataset {
    parse_nquads(&gunzip(path)).into_iter().collect()
}

fn graphs_of(dataset: &Dataset) -> BTreeSet<String> {
    dataset
        .iter()
        .map(|quad| {
            quad.graph_name
                .to_string()
                .trim_matches(['<', '>'])
                .to_owned()
        })
        .collect()
}

fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect()
}

/// A number the site's store answers.
fn count(query: &str) -> i64 {
    crate::common::select_column(&format!("{PREFIXES} {query}"))[0]
        .parse()
        .unwrap()
}

/// The triples of an RDF answer.
fn parse(answer: &Answer) -> Vec<Quad> {
    let format = RdfFormat::from_media_type(&answer.media_type())
        .unwrap_or_else(|| panic!("{} is not an RDF syntax", answer.media_type()));
    RdfParser::from_format(format)
        .for_slice(&answer.body)
        .collect::<Result<_, _>>()
        .unwrap_or_else(|error| panic!("invalid {}: {error}", answer.media_type()))
}

/// An RDF answer in a store of its own, to query it.
fn load(answer: &Answer) -> Store {
    let format = RdfFormat::from_media_type(&answer.media_type()).unwrap();
    let store = Store::in_memory().unwrap();
    let graph = NamedNode::new_unchecked("http://ancrage.test/document");
    store
        .bulk_load_document(&answer.body, format, BASE, graph.as_ref())
        .unwrap();
    store
}

/// The integer `?n` of a query on a loaded document: a whole SELECT, or a pattern binding `?n`.
fn figure(store: &Store, pattern: &str) -> i64 {
    let query = if pattern.trim_start().starts_with("SELECT") {
        format!("{PREFIXES} {pattern}")
    } else {
        format!("{PREFIXES} SELECT ?n WHERE {{ {pattern} }}")
    };
    let rows = store.select(&query, &[]).unwrap();
    rows.iter()
        .next()
        .and_then(|row| row.integer("n"))
        .unwrap_or_else(|| panic!("no figure for {pattern}"))
}

/// The first column of a query on a loaded document.
fn column(store: &Store, query: &str) -> BTreeSet<String> {
    let rows = store.select(&format!("{PREFIXES} {query}"), &[]).unwrap();
    let variable = rows.variables[0].clone();
    rows.iter()
        .filter_map(|row| row.text(&variable).map(str::to_owned))
        .collect()
}

/// The `<loc>` of a sitemap or sitemap index, unescaped.
fn locations(xml: &str) -> Vec<String> {
    xml.split("<loc>")
        .skip(1)
        .filter_map(|rest| rest.split("</loc>").next())
        .map(|url| url.replace("&amp;", "&"))
        .collect()
}

async fn fetch(router: &axum::Router, path: &str) -> Answer {
    send_to(router, Request::get(path).body(Body::empty()).unwrap()).await
}

fn encode(iri: &str) -> String {
    percent_encoding::utf8_percent_encode(iri, percent_encoding::NON_ALPHANUMERIC).to_string()
}

/// `/donnees` lists every dump file of the manifest with its size in quads and its hash, and
/// each of its links answers.
#[tokio::test]
async fn the_open_data_page_lists_every_dump_and_its_links_answer() {
    let manifest = site_manifest();
    let answer = get("/donnees", Some("text/html")).await;
    assert_eq!(answer.status, 200);
    let html = answer.text();
    for file in std::iter::once(&manifest.whole).chain(manifest.graphs.iter().map(|g| &g.file)) {
        assert!(
            html.contains(&format!("href=\"/donnees/{}\"", file.path)),
            "{} is listed",
            file.path
        );
        assert!(html.contains(&format!("<td>{}</td>", file.quads)));
        assert!(html.contains(&file.sha256[..16]));
    }

    let main = html
        .split("<main")
        .nth(1)
        .unwrap()
        .split("</main>")
        .next()
        .unwrap();
    let links: BTreeSet<String> = main
        .split("href=\"")
        .skip(1)
        .filter_map(|rest| rest.split('"').next())
        .filter(|href| href.starts_with('/') && !href.starts_with("/static"))
        .map(str::to_owned)
        .collect();
    assert!(links.len() > 10);
    // Followed as a browser does.
    let accept = "text/html,application/xhtml+xml,*/*;q=0.8";
    for link in links {
        let status = get(&link, Some(accept)).await.status;
        assert_eq!(status, 200, "{link}");
    }
    assert_eq!(get("/donnees/", Some(accept)).await.status, 200);
}

//! Private stays private, and partners write only their own graphs. A site of its own is seeded
//! with private data (an account with a known e-mail and password, a session, API tokens, a
//! draft and an error report with distinctive texts); a corpus of hostile queries and requests
//! tries to read it or to write without the right token, and every answer is searched for each
//! secret. The partner writes that are allowed are checked too: validated by the shapes,
//! published in the history, found by the search, dumped.

use std::io::Read;
use std::net::SocketAddr;
use std::sync::{Arc, OnceLock};

use ancrage::AppState;
use ancrage::account::{Account, NewAccount, Role, account_iri};
use ancrage::contribution::{Draft, DraftKind, DraftStatus};
use ancrage::platform::Platform;
use ancrage::vocab::{anc, ancp};
use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{Request, StatusCode};
use chrono::Utc;
use oxigraph::model::{Literal, NamedNode, Term, Triple};
use percent_encoding::{NON_ALPHANUMERIC, utf8_percent_encode};

use crate::common::{Answer, BASE, reference_platform, send_to};

const EMAIL: &str = "prive.zephyrine@exemple.org";
const PASSWORD: &str = "cheval zephyrine agrafe 42";
const DRAFT_TEXT: &str = "Brouillon ultrasecret Quetzal";
const REPORT_TEXT: &str = "Signalement confidentiel Xylophage";
const PARTNER_GRAPH: &str = "http://ancrage.test/graphe/partenaire/velo";
const OTHER_PARTNER_GRAPH: &str = "http://ancrage.test/graphe/partenaire/autre";

/// The site, its seeded secrets and the tokens of its partners.
struct PrivacySite {
    platform: Arc<Platform>,
    router: axum::Router,
    /// Every value that must never appear in an answer.
    secrets: Vec<(&'static str, String)>,
    account: Account,
    moderator_session: String,
    session: String,
    reader_token: String,
    partner_token: String,
    other_partner_token: String,
    expired_token: String,
    draft_key: String,
}

fn privacy_site() -> &'static PrivacySite {
    static SITE: OnceLock<PrivacySite> = OnceLock::new();
    SITE.get_or_init(seed)
}

fn seed() -> PrivacySite {
    let platform = Arc::new(reference_platform("privacy"));
    let accounts = &platform.accounts;
    let account = accounts
        .create(&NewAccount {
            email: EMAIL,
            display_name: "Zéphyrine",
            password: PASSWORD,
            role: Role::Contributor,
        })
        .unwrap();
    let session = accounts.open_session(&account).unwrap();
    let reader_token = accounts.issue_api_token(&account, "lecture").unwrap();
    let hash = platform
        .private
        .objects(account_iri(&account.key).as_ref(), ancp::PASSWORD_HASH)
        .unwrap();
    let Some(Term::Literal(hash)) = hash.first() else {
        panic!("the account has a password hash");
    };
    let hash_fragment = hash.value()[hash.value().len() - 22..].to_owned();

    let partner = new_partner(
        &platform,
        "velo@partenaire.example",
        "Réseau Vélo",
        PARTNER_GRAPH,
    );
    let partner_token = accounts.issue_api_token(&partner, "tests").unwrap();
    let expired_token = accounts
        .issue_api_token_until(
            &partner,
            "périmé",
            Some(Utc::now() - chrono::Duration::hours(1)),
        )
        .unwrap();
    let other = new_partner(
        &platform,
        "autre@partenaire.example",
        "Autre réseau",
        OTHER_PARTNER_GRAPH,
    );
    let other_partner_token = accounts.issue_api_token(&other, "tests").unwrap();
    let moderator = accounts
        .create(&NewAccount {
            email: "moderation.privee@exemple.org",
            display_name: "Modération",
            password: PASSWORD,
            role: Role::Moderator,
        })
        .unwrap();
    let moderator_session = accounts.open_session(&moderator).unwrap();

    let minter = &platform.config.minter;
    let draft_key = "a1b2c3d4e5f60718".to_owned();
    let proposed = minter.at("initiative/contribution/brouillon-quetzal");
    let draft = Draft {
        key: draft_key.clone(),
        kind: DraftKind::Creation,
        status: DraftStatus::Pending,
        initiative: proposed.clone(),
        author: Some(account.key.clone()),
        created: Utc::now(),
        comment: Some(format!("Note : {DRAFT_TEXT}")),
        proposal: vec![Triple::new(
            proposed,
            anc::NAME,
            Literal::new_simple_literal(DRAFT_TEXT),
        )],
        decision: None,
    };
    platform.drafts.save(&draft).unwrap();
    let report = Draft {
        key: "0f1e2d3c4b5a6978".to_owned(),
        kind: DraftKind::Report,
        status: DraftStatus::Pending,
        initiative: minter.at("initiative/contribution/signalee"),
        author: None,
        created: Utc::now(),
        comment: Some(REPORT_TEXT.to_owned()),
        proposal: Vec::new(),
        decision: None,
    };
    platform.drafts.save(&report).unwrap();

    let secrets = vec![
        ("e-mail", EMAIL.to_owned()),
        ("password", PASSWORD.to_owned()),
        ("password hash", hash_fragment),
        ("session", session.clone()),
        ("moderator session", moderator_session.clone()),
        ("reader token", reader_token.clone()),
        ("partner token", partner_token.clone()),
        ("other partner token", other_partner_token.clone()),
        ("expired token", expired_token.clone()),
        ("draft text", DRAFT_TEXT.to_owned()),
        ("report text", REPORT_TEXT.to_owned()),
        ("account key", account.key.clone()),
        ("private namespace", "w3id.org/ancrage/prive#".to_owned()),
    ];
    let state = AppState::new(Arc::clone(&platform)).expect("templates load");
    PrivacySite {
        router: ancrage::router(Arc::new(state)),
        platform,
        secrets,
        account,
        moderator_session,
        session,
        reader_token,
        partner_token,
        other_partner_token,
        expired_token,
        draft_key,
    }
}

fn new_partner(platform: &Platform, email: &str, name: &str, graph: &str) -> Account {
    let account = platform
        .accounts
        .create(&NewAccount {
            email,
            display_name: name,
            password: PASSWORD,
            role: Role::Contributor,
        })
        .unwrap();
    platform
        .accounts
        .grant_graph(&account, &NamedNode::new_unchecked(graph))
        .unwrap();
    account
}

/// Sends a request from a fixed client address.
async fn send(mut request: Request<Body>) -> Answer {
    let address = SocketAddr::from(([203, 0, 113, 7], 50000));
    request.extensions_mut().insert(ConnectInfo(address));
    send_to(&privacy_site().router, request).await
}

/// Fails when `answer` holds a secret that `request_text` (what the client sent) did not carry.
fn assert_nothing_private(label: &str, request_text: &str, answer: &Answer) {
    let mut text = answer.text();
    if answer.header("content-type").contains("gzip") {
        let mut plain = String::new();
        flate2::read::MultiGzDecoder::new(answer.body.as_slice())
            .read_to_string(&mut plain)
            .expect("a gzip body");
        text = plain;
    }
    for (name, secret) in &privacy_site().secrets {
        if request_text.contains(secret.as_str()) {
            continue;
        }
        assert!(
            !text.contains(secret.as_str()),
            "{label}: the answer ({}) shows the {name}",
            answer.status
        );
    }
}

fn encode(text: &str) -> String {
    utf8_percent_encode(text, NON_ALPHANUMERIC).to_string()
}

fn sparql_query(query: &str) -> Request<Body> {
    Request::post("/sparql")
        .header("content-type", "application/sparql-query")
        .header(
            "accept",
            "application/sparql-results+json, application/n-triples;q=0.9",
        )
        .body(Body::from(query.to_owned()))
        .unwrap()
}

fn sparql_update(update: &str, authorization: Option<&str>) -> Request<Body> {
    let mut request = Request::post("/sparql").header("content-type", "application/sparql-update");
    if let Some(authorization) = authorization {
        request = request.header("authorization", authorization);
    }
    request.body(Body::from(update.to_owned())).unwrap()
}

fn bearer(token: &str) -> String {
    format!("Bearer {token}")
}

/// Whether the public store states anything about `subject`, in any graph.
fn written(subject: &str) -> bool {
    privacy_site()
        .platform
        .store
        .has_subject(NamedNode::new_unchecked(subject).as_ref())
        .unwrap()
}

/// The first column of a SELECT query's rows, as text.
fn select_column(store: &ancrage::store::Store, query: &str) -> Vec<String> {
    let solutions = store.select(query, &[]).expect("the query runs");
    let variable = solutions.variables.first().cloned().unwrap_or_default();
    solutions
        .iter()
        .filter_map(|row| row.text(&variable).map(str::to_owned))
        .collect()
}

#[tokio::test]
async fn hostile_queries_read_nothing_private() {
    let site = privacy_site();
    let account = account_iri(&site.account.key);
    let agent = site
        .platform
        .config
        .minter
        .contributor(&site.account.agent_key);
    let (account, agent) = (account.as_str(), agent.as_str());
    let private_graphs = [
        "urn:ancrage:prive:comptes",
        "urn:ancrage:prive:sessions",
        "urn:ancrage:prive:jetons",
        "urn:ancrage:prive:brouillons",
    ];
    let mut queries = vec![
        "SELECT * WHERE { GRAPH ?g { ?s ?p ?o } FILTER(REGEX(STR(?o), \"zephyrine|Quetzal|Xylophage|argon2\", \"i\")) }".to_owned(),
        "SELECT ?g WHERE { GRAPH ?g { } }".to_owned(),
        "SELECT * WHERE { ?s ?p ?o FILTER(isLiteral(?o) && REGEX(STR(?o), \"@\")) } LIMIT 1000".to_owned(),
        format!("SELECT * FROM <{account}> WHERE {{ ?s ?p ?o }}"),
        format!("SELECT * FROM NAMED <{account}> WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }}"),
        format!("DESCRIBE <{account}>"),
        format!("DESCRIBE <{agent}>"),
        format!("CONSTRUCT {{ <{account}> ?p ?o }} WHERE {{ <{account}> ?p ?o }}"),
        "DESCRIBE ?s WHERE { ?s ?p ?o FILTER(CONTAINS(STR(?o), \"zephyrine\")) }".to_owned(),
        "CONSTRUCT { ?s ?p ?o } WHERE { ?s <https://w3id.org/ancrage/prive#email> ?o }".to_owned(),
        "SELECT * WHERE { ?s <https://w3id.org/ancrage/prive#passwordHash> ?hash }".to_owned(),
        "SELECT * WHERE { ?token a <https://w3id.org/ancrage/prive#ApiToken> ; ?p ?o }".to_owned(),
        format!(
            "SELECT ?x ?o WHERE {{ <{agent}> (^<https://w3id.org/ancrage/prive#agentKey>|<https://w3id.org/ancrage/prive#account>|^<http://www.w3.org/ns/prov#wasAssociatedWith>)* ?x . ?x ?p ?o }}"
        ),
        format!(
            "SELECT * WHERE {{ ?s ?p ?o FILTER(STRSTARTS(STR(?s), \"urn:ancrage\") || STRSTARTS(STR(?o), \"{}\")) }} LIMIT 10",
            &site.account.key[..8]
        ),
        "ASK { ?s <https://w3id.org/ancrage/prive#email> ?o }".to_owned(),
        "SELECT * WHERE { SERVICE SILENT <http://attaquant.example/sparql> { ?s ?p ?o } }".to_owned(),
    ];
    for graph in private_graphs {
        queries.push(format!(
            "SELECT * FROM NAMED <{graph}> WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }}"
        ));
        queries.push(format!("SELECT * FROM <{graph}> WHERE {{ ?s ?p ?o }}"));
    }
    for query in &queries {
        let answer = send(sparql_query(query)).await;
        assert_eq!(answer.status, StatusCode::OK, "{query}: {}", answer.text());
        assert_nothing_private(query, query, &answer);
        // Graph names and public literals with an @ may match; a failed SILENT service gives
        // one empty row, as the SPARQL recommendation says.
        let may_match = ["GRAPH ?g { }", "\"@\"", "SILENT"];
        if query.starts_with("SELECT") && !may_match.iter().any(|text| query.contains(text)) {
            assert!(
                answer.text().contains("\"bindings\":[]"),
                "{query} matched something: {}",
                answer.text()
            );
        }
    }

    // The dataset given by the protocol's parameters reads the public store only, too.
    let path = format!(
        "/sparql?default-graph-uri={}&named-graph-uri={}&query={}",
        encode(private_graphs[0]),
        encode(private_graphs[3]),
        encode("SELECT * WHERE { { ?s ?p ?o } UNION { GRAPH ?g { ?s ?p ?o } } }")
    );
    let request = Request::get(path.as_str())
        .header("accept", "application/sparql-results+json")
        .body(Body::empty())
        .unwrap();
    let answer = send(request).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.text());
    assert!(
        answer.text().contains("\"bindings\":[]"),
        "{}",
        answer.text()
    );
    assert_nothing_private("protocol dataset", &path, &answer);
}

#[tokio::test]
async fn queries_federated_to_this_site_read_nothing_private() {
    let site = privacy_site();
    let endpoint = crate::federation::serve_on_free_port(site.router.clone());
    let local = crate::federation::LocalSite::new(&[&endpoint], std::time::Duration::from_secs(10));
    let account = account_iri(&site.account.key);
    let patterns = [
        "?s <https://w3id.org/ancrage/prive#email> ?o".to_owned(),
        "?s <https://w3id.org/ancrage/prive#passwordHash> ?o".to_owned(),
        "?token a <https://w3id.org/ancrage/prive#ApiToken> ; ?p ?o".to_owned(),
        format!("{account} ?p ?o"),
        "?s ?p ?o FILTER(CONTAINS(LCASE(STR(?o)), \"zephyrine\"))".to_owned(),
        "GRAPH ?g { ?s ?p ?o } FILTER(STRSTARTS(STR(?g), \"urn:ancrage\"))".to_owned(),
    ];
    for pattern in patterns {
        let query = format!("SELECT * WHERE {{ SERVICE <{endpoint}> {{ {pattern} }} }}");
        let answer = local.query(&query).await;
        assert_eq!(answer.status, StatusCode::OK, "{query}: {}", answer.text());
        assert_nothing_private(&query, &query, &answer);
        assert!(
            answer.text().contains("\"bindings\":[]"),
            "{query}: {}",
            answer.text()
        );
    }
}

#[tokio::test]
async fn service_calls_to_other_hosts_and_to_ourselves_are_refused_with_a_clear_4xx() {
    for service in [
        "http://attaquant.example/sparql",
        "http://ancrage.test/sparql",
        "http://127.0.0.1:8080/sparql",
        "urn:ancrage:prive:comptes",
        "file:///etc/passwd",
    ] {
        let query = format!("SELECT * WHERE {{ SERVICE <{service}> {{ ?s ?p ?o }} }}");
        let answer = send(sparql_query(&query)).await;
        assert_eq!(
            answer.status,
            StatusCode::FORBIDDEN,
            "{query}: {}",
            answer.text()
        );
        assert!(
            answer.text().contains("calls no other host"),
            "{query}: {}",
            answer.text()
        );
        assert_nothing_private(&query, &query, &answer);
    }
}

#[tokio::test]
async fn pages_search_dumps_and_graph_store_show_nothing_private() {
    let site = privacy_site();
    site.platform
        .refresh_dumps(ancrage::opendata::DumpScope::KeepReferenceData)
        .unwrap();
    let account = account_iri(&site.account.key);
    let paths = [
        "/api/search?q=zephyrine".to_owned(),
        "/api/search?q=ultrasecret%20Quetzal".to_owned(),
        "/api/search?q=exemple.org".to_owned(),
        "/recherche?q=confidentiel%20Xylophage".to_owned(),
        "/api/suggest?q=Quetz".to_owned(),
        "/api/acteurs?q=zephyr".to_owned(),
        "/donnees/ancrage.nq.gz".to_owned(),
        "/.well-known/void".to_owned(),
        "/catalogue".to_owned(),
        "/sitemap.xml".to_owned(),
        format!("/contributeur/{}", site.account.agent_key),
        format!("/ressource?iri={}", encode(account.as_str())),
        format!("/{}", account.as_str()),
        format!("/store?graph={}", encode(account.as_str())),
        format!("/store?graph={}", encode("urn:ancrage:prive:comptes")),
        format!("/store?graph={}", encode("urn:ancrage:prive:brouillons")),
        "/donnees/..%2Fprivate%2FCURRENT".to_owned(),
        format!("/moderation/{}", site.draft_key),
    ];
    for path in &paths {
        let answer = send(Request::get(path.as_str()).body(Body::empty()).unwrap()).await;
        assert!(
            answer.status.is_success() || answer.status.is_client_error(),
            "{path}: {}",
            answer.status
        );
        assert_nothing_private(path, path, &answer);
    }
    for path in [
        format!("/store?graph={}", encode("urn:ancrage:prive:comptes")),
        format!("/{}", account.as_str()),
    ] {
        let answer = send(Request::get(path.as_str()).body(Body::empty()).unwrap()).await;
        assert_eq!(answer.status, StatusCode::NOT_FOUND, "{path}");
    }
}

#[tokio::test]
async fn updates_without_a_working_token_are_refused_with_401() {
    let site = privacy_site();
    let update =
        format!("INSERT DATA {{ GRAPH <{PARTNER_GRAPH}> {{ <{BASE}x> <{BASE}p> \"o\" }} }}");
    let random_token = "ab".repeat(32);
    let cases = [
        ("no token", None),
        ("random token", Some(bearer(&random_token))),
        ("expired token", Some(bearer(&site.expired_token))),
        (
            "basic scheme",
            Some(format!("Basic {}", site.partner_token)),
        ),
        ("token without scheme", Some(site.partner_token.clone())),
        ("truncated token", Some(bearer(&site.partner_token[..40]))),
    ];
    for (label, authorization) in &cases {
        let answer = send(sparql_update(&update, authorization.as_deref())).await;
        assert_eq!(
            answer.status,
            StatusCode::UNAUTHORIZED,
            "{label}: {}",
            answer.text()
        );
        assert!(
            answer.header("www-authenticate").starts_with("Bearer"),
            "{label}: {:?}",
            answer.header("www-authenticate")
        );
        let sent = format!("{update} {}", authorization.clone().unwrap_or_default());
        assert_nothing_private(label, &sent, &answer);
    }

    // The same in a form, and with the session cookie of a logged-in account.
    let form = format!("update={}", encode(&update));
    let request = Request::post("/sparql")
        .header("content-type", "application/x-www-form-urlencoded")
        .header("cookie", format!("ancrage_session={}", site.session))
        .body(Body::from(form.clone()))
        .unwrap();
    let answer = send(request).await;
    assert_eq!(answer.status, StatusCode::UNAUTHORIZED, "{}", answer.text());
    assert_nothing_private("form update with a session", &form, &answer);

    // An update in a GET request is refused whatever it carries.
    let path = format!("/sparql?update={}", encode("DROP ALL"));
    let request = Request::get(path.as_str())
        .header("authorization", bearer(&site.partner_token))
        .body(Body::empty())
        .unwrap();
    let answer = send(request).await;
    assert_eq!(answer.status, StatusCode::BAD_REQUEST, "{}", answer.text());
    assert!(answer.text().contains("POST"), "{}", answer.text());
    assert!(!written(&format!("{BASE}x")), "nothing was written");
}

#[tokio::test]
async fn updates_touching_graphs_not_the_partners_are_refused_with_403() {
    let site = privacy_site();
    let triple = format!("<{BASE}initiative/x> <{BASE}p> \"o\"");
    let forbidden = [
        (format!("INSERT DATA {{ {triple} }}"), "the default graph"),
        (
            format!("INSERT DATA {{ GRAPH <{BASE}graphe/ontologie> {{ {triple} }} }}"),
            "graphe/ontologie",
        ),
        (
            format!("INSERT DATA {{ GRAPH <{BASE}graphe/vocabulaires> {{ {triple} }} }}"),
            "graphe/vocabulaires",
        ),
        (
            format!("DELETE WHERE {{ GRAPH <{BASE}graphe/territoires> {{ ?s ?p ?o }} }}"),
            "graphe/territoires",
        ),
        (
            format!("INSERT DATA {{ GRAPH <{OTHER_PARTNER_GRAPH}> {{ {triple} }} }}"),
            OTHER_PARTNER_GRAPH,
        ),
        (
            format!("INSERT DATA {{ GRAPH <urn:ancrage:prive:comptes> {{ {triple} }} }}"),
            "urn:ancrage:prive:comptes",
        ),
        (
            format!("INSERT DATA {{ GRAPH <{BASE}graphe/historique> {{ {triple} }} }}"),
            "graphe/historique",
        ),
        ("DROP ALL".to_owned(), "every graph"),
        ("CLEAR DEFAULT".to_owned(), "the default graph"),
        ("CLEAR NAMED".to_owned(), "every named graph"),
        (
            format!("DROP GRAPH <{BASE}graphe/contributions>"),
            "graphe/contributions",
        ),
        (
            format!("CREATE GRAPH <{BASE}graphe/source/pirate>"),
            "graphe/source/pirate",
        ),
        (
            format!("WITH <{BASE}graphe/ontologie> DELETE {{ ?s ?p ?o }} WHERE {{ ?s ?p ?o }}"),
            "graphe/ontologie",
        ),
        (
            format!(
                "WITH <{PARTNER_GRAPH}> DELETE {{ GRAPH <{BASE}graphe/vocabulaires> {{ ?s ?p ?o }} }} WHERE {{ ?s ?p ?o }}"
            ),
            "graphe/vocabulaires",
        ),
        (
            format!(
                "INSERT DATA {{ GRAPH <{PARTNER_GRAPH}> {{ {triple} }} }} ; DROP GRAPH <{BASE}graphe/territoires>"
            ),
            "graphe/territoires",
        ),
        (
            format!("COPY <{PARTNER_GRAPH}> TO <{BASE}graphe/liens>"),
            "graphe/liens",
        ),
        (
            format!("ADD <{PARTNER_GRAPH}> TO DEFAULT"),
            "the default graph",
        ),
    ];
    for (update, named) in &forbidden {
        let answer = send(sparql_update(update, Some(&bearer(&site.partner_token)))).await;
        assert_eq!(
            answer.status,
            StatusCode::FORBIDDEN,
            "{update}: {}",
            answer.text()
        );
        assert!(answer.text().contains(named), "{update}: {}", answer.text());
        assert_nothing_private(update, update, &answer);
    }
    let refused_outright = [
        ("LOAD <file:///etc/passwd>".to_owned(), "LOAD"),
        (
            format!("LOAD <file:///etc/passwd> INTO GRAPH <{PARTNER_GRAPH}>"),
            "LOAD",
        ),
        (
            format!("LOAD <http://attaquant.example/data.ttl> INTO GRAPH <{PARTNER_GRAPH}>"),
            "LOAD",
        ),
        (
            format!("INSERT {{ GRAPH ?g {{ {triple} }} }} WHERE {{ GRAPH ?g {{ }} }}"),
            "?g",
        ),
    ];
    for (update, named) in &refused_outright {
        let answer = send(sparql_update(update, Some(&bearer(&site.partner_token)))).await;
        assert_eq!(
            answer.status,
            StatusCode::FORBIDDEN,
            "{update}: {}",
            answer.text()
        );
        assert!(answer.text().contains(named), "{update}: {}", answer.text());
        assert!(
            !answer.text().contains("root:"),
            "{update}: {}",
            answer.text()
        );
    }

    // Another partner's token opens its own graph only, and a token of an account that is not a
    // partner opens none.
    let mine = format!("INSERT DATA {{ GRAPH <{PARTNER_GRAPH}> {{ {triple} }} }}");
    let answer = send(sparql_update(
        &mine,
        Some(&bearer(&site.other_partner_token)),
    ))
    .await;
    assert_eq!(answer.status, StatusCode::FORBIDDEN, "{}", answer.text());
    assert!(answer.text().contains(PARTNER_GRAPH), "{}", answer.text());
    assert!(
        answer.text().contains(OTHER_PARTNER_GRAPH),
        "the message says which graph is writable"
    );
    let answer = send(sparql_update(&mine, Some(&bearer(&site.reader_token)))).await;
    assert_eq!(answer.status, StatusCode::FORBIDDEN, "{}", answer.text());
    assert!(answer.text().contains("not a partner"), "{}", answer.text());

    // A SERVICE inside an update is refused like in a query.
    let service = format!(
        "INSERT {{ GRAPH <{PARTNER_GRAPH}> {{ ?s ?p ?o }} }} WHERE {{ SERVICE <{BASE}sparql> {{ ?s ?p ?o }} }}"
    );
    let answer = send(sparql_update(&service, Some(&bearer(&site.partner_token)))).await;
    assert!(
        answer.status.is_client_error(),
        "{}: {}",
        answer.status,
        answer.text()
    );
    assert!(
        !written(&format!("{BASE}initiative/x")),
        "nothing was written"
    );
}

#[tokio::test]
async fn graph_store_writes_need_the_token_and_the_partners_graph() {
    let site = privacy_site();
    let document = format!("<{BASE}x> <{BASE}p> \"o\" .");
    let put = |graph: &str, token: Option<&str>| {
        let mut request = Request::put(format!("/store?graph={}", encode(graph)))
            .header("content-type", "text/turtle");
        if let Some(token) = token {
            request = request.header("authorization", bearer(token));
        }
        request.body(Body::from(document.clone())).unwrap()
    };
    let token = site.partner_token.as_str();
    let cases = [
        (
            "PUT without token",
            put(PARTNER_GRAPH, None),
            StatusCode::UNAUTHORIZED,
        ),
        (
            "PUT with an expired token",
            put(PARTNER_GRAPH, Some(&site.expired_token)),
            StatusCode::UNAUTHORIZED,
        ),
        (
            "PUT into the ontology",
            put(&format!("{BASE}graphe/ontologie"), Some(token)),
            StatusCode::FORBIDDEN,
        ),
        (
            "PUT into a private graph",
            put("urn:ancrage:prive:comptes", Some(token)),
            StatusCode::FORBIDDEN,
        ),
        (
            "PUT into another partner's graph",
            put(OTHER_PARTNER_GRAPH, Some(token)),
            StatusCode::FORBIDDEN,
        ),
        (
            "PUT into the default graph",
            Request::put("/store?default")
                .header("authorization", bearer(token))
                .header("content-type", "text/turtle")
                .body(Body::from(document.clone()))
                .unwrap(),
            StatusCode::FORBIDDEN,
        ),
        (
            "DELETE the territories",
            Request::delete(format!(
                "/store?graph={}",
                encode(&format!("{BASE}graphe/territoires"))
            ))
            .header("authorization", bearer(token))
            .body(Body::empty())
            .unwrap(),
            StatusCode::FORBIDDEN,
        ),
        (
            "POST RDF/XML",
            Request::post(format!("/store?graph={}", encode(PARTNER_GRAPH)))
                .header("authorization", bearer(token))
                .header("content-type", "application/rdf+xml")
                .body(Body::from("<!DOCTYPE x [<!ENTITY a \"aaaa\">]><x>&a;</x>"))
                .unwrap(),
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
        ),
        (
            "PATCH",
            Request::patch(format!("/store?graph={}", encode(PARTNER_GRAPH)))
                .header("authorization", bearer(token))
                .body(Body::from(document.clone()))
                .unwrap(),
            StatusCode::FORBIDDEN,
        ),
    ];
    for (label, request, expected) in cases {
        let answer = send(request).await;
        assert_eq!(answer.status, expected, "{label}: {}", answer.text());
        assert_nothing_private(label, &document, &answer);
    }
    assert!(!written(&format!("{BASE}x")), "nothing was written");
}

#[tokio::test]
async fn form_posts_without_their_csrf_token_are_refused() {
    let site = privacy_site();
    let with_session = |path: &str, session: &str, body: &str| {
        Request::post(path)
            .header("content-type", "application/x-www-form-urlencoded")
            .header("cookie", format!("ancrage_session={session}"))
            .body(Body::from(body.to_owned()))
            .unwrap()
    };
    let publish = format!("/moderation/{}/publier", site.draft_key);
    let cases = [
        with_session(
            "/contribuer",
            &site.session,
            "anc-name=Piratage&action=envoyer",
        ),
        with_session("/compte/deconnexion", &site.session, ""),
        with_session(&publish, &site.moderator_session, "commentaire=ok"),
        with_session(
            &publish,
            &site.moderator_session,
            "_csrf=0000&commentaire=ok",
        ),
    ];
    for request in cases {
        let label = request.uri().to_string();
        let answer = send(request).await;
        assert_eq!(
            answer.status,
            StatusCode::FORBIDDEN,
            "{label}: {}",
            answer.text()
        );
        assert_nothing_private(&label, "", &answer);
    }
    let draft = site.platform.drafts.get(&site.draft_key).unwrap().unwrap();
    assert_eq!(
        draft.status,
        DraftStatus::Pending,
        "the draft was not published"
    );
    assert!(
        site.platform
            .accounts
            .session_account(&site.session)
            .unwrap()
            .is_some(),
        "the session is still open"
    );
}

#[tokio::test]
async fn a_partner_update_is_validated_published_with_its_history_searched_and_dumped() {
    let site = privacy_site();
    let minter = &site.platform.config.minter;
    let initiative = minter.at("initiative/partenaire-velo/atelier-pangolin");
    let commune = minter.territory(ancrage::iri::TerritoryKind::Commune, "01053");
    let placement = minter.concept("placement", "code-insee");
    let update = format!(
        "PREFIX anc: <https://w3id.org/ancrage/ontology#>
         INSERT DATA {{ GRAPH <{PARTNER_GRAPH}> {{
           <{initiative}> a anc:Initiative ;
             anc:name \"Atelier vélo solidaire Pangolin\" ;
             anc:description \"Réparer son vélo avec des bénévoles.\"@fr ;
             anc:commune <{commune}> ; anc:territory <{commune}> ;
             anc:placement <{placement}> .
         }} }}",
        initiative = initiative.as_str(),
        commune = commune.as_str(),
        placement = placement.as_str(),
    );
    let answer = send(sparql_update(&update, Some(&bearer(&site.partner_token)))).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.text());
    let summary: serde_json::Value = serde_json::from_slice(&answer.body).unwrap();
    assert_eq!(summary["added"], 6, "{summary}");
    let revision = summary["revision"].as_str().expect("a revision").to_owned();

    // The history names the partner, the graph and the triples.
    let history = site.platform.history();
    let records = history.revisions_of(&initiative).unwrap();
    let record = records
        .iter()
        .find(|record| record.iri.as_str() == revision)
        .expect("the revision is in the initiative's history");
    assert_eq!(record.author_name.as_deref(), Some("Réseau Vélo"));
    assert_eq!(record.diff.added.len(), 6);
    let changed = select_column(
        &site.platform.store,
        &format!(
            "SELECT ?g WHERE {{ <{revision}> <{}> ?g }}",
            anc::CHANGED_GRAPH.as_str()
        ),
    );
    assert_eq!(changed, vec![PARTNER_GRAPH.to_owned()]);

    // The search finds it, the page shows it, the dump and the Graph Store hold it.
    let answer = send(
        Request::get("/api/search?q=pangolin")
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert!(
        answer.text().contains(initiative.as_str()),
        "{}",
        answer.text()
    );
    let page = send(
        Request::get("/initiative/partenaire-velo/atelier-pangolin")
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.text().contains("Réseau Vélo"),
        "the history shows the partner"
    );
    let store = send(
        Request::get(format!("/store?graph={}", encode(PARTNER_GRAPH)))
            .header("accept", "application/n-triples")
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert!(store.text().contains("Pangolin"), "{}", store.text());
    let dump = send(
        Request::get("/donnees/ancrage.nq.gz")
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    let mut quads = String::new();
    flate2::read::MultiGzDecoder::new(dump.body.as_slice())
        .read_to_string(&mut quads)
        .unwrap();
    assert!(
        quads.contains(&format!(
            "\"Atelier vélo solidaire Pangolin\" <{PARTNER_GRAPH}>"
        )),
        "the dump holds the partner's graph"
    );
    assert_nothing_private("partner write", &update, &answer);

    // An update that changes nothing publishes no revision.
    let answer = send(sparql_update(&update, Some(&bearer(&site.partner_token)))).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.text());
    let summary: serde_json::Value = serde_json::from_slice(&answer.body).unwrap();
    assert!(summary["revision"].is_null(), "{summary}");
}

#[tokio::test]
async fn a_write_breaking_the_shapes_gets_422_with_the_report_and_writes_nothing() {
    let site = privacy_site();
    let initiative = format!("{BASE}initiative/partenaire-velo/sans-nom");
    let update = format!(
        "INSERT DATA {{ GRAPH <{PARTNER_GRAPH}> {{
           <{initiative}> a <https://w3id.org/ancrage/ontology#Initiative> ;
             <https://w3id.org/ancrage/ontology#website> \"javascript:alert(1)\" .
         }} }}"
    );
    let answer = send(sparql_update(&update, Some(&bearer(&site.partner_token)))).await;
    assert_eq!(
        answer.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        answer.text()
    );
    let body: serde_json::Value = serde_json::from_slice(&answer.body).unwrap();
    assert!(
        body["report"]["violations"].as_u64().unwrap() >= 2,
        "{body}"
    );
    let messages = body["report"]["results"].to_string();
    assert!(messages.contains("Il manque le nom"), "{messages}");
    assert!(!written(&initiative), "nothing was written");
    let history = site
        .platform
        .history()
        .revisions_of(&NamedNode::new_unchecked(initiative))
        .unwrap();
    assert!(history.is_empty(), "no revision was published");

    // The same through the Graph Store.
    let request = Request::post(format!("/store?graph={}", encode(PARTNER_GRAPH)))
        .header("authorization", bearer(&site.partner_token))
        .header("content-type", "text/turtle")
        .body(Body::from(format!(
            "<{BASE}initiative/partenaire-velo/vide> a <https://w3id.org/ancrage/ontology#Initiative> ."
        )))
        .unwrap();
    let answer = send(request).await;
    assert_eq!(
        answer.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        answer.text()
    );
    assert!(
        !written(&format!("{BASE}initiative/partenaire-velo/vide")),
        "nothing was written"
    );
}

#[tokio::test]
async fn the_graph_store_creates_merges_and_deletes_a_partners_graph() {
    let site = privacy_site();
    let token = bearer(&site.other_partner_token);
    let graph_path = format!("/store?graph={}", encode(OTHER_PARTNER_GRAPH));
    let actor = format!("{BASE}acteur/partenaire-autre/atelier");
    let write = |method: &str, body: String| {
        Request::builder()
            .method(method)
            .uri(graph_path.as_str())
            .header("authorization", token.as_str())
            .header("content-type", "text/turtle")
            .body(Body::from(body))
            .unwrap()
    };
    let first = format!(
        "<{actor}> a <https://w3id.org/ancrage/ontology#Actor> ; <https://w3id.org/ancrage/ontology#name> \"Atelier partagé\" ."
    );
    let answer = send(write("PUT", first.clone())).await;
    assert_eq!(answer.status, StatusCode::CREATED, "{}", answer.text());
    let answer = send(write("PUT", first)).await;
    assert_eq!(
        answer.status,
        StatusCode::OK,
        "the same content again: {}",
        answer.text()
    );
    let summary: serde_json::Value = serde_json::from_slice(&answer.body).unwrap();
    assert!(summary["revision"].is_null(), "{summary}");

    let more = format!(
        "<{actor}> <https://w3id.org/ancrage/ontology#website> <https://atelier.example/> ."
    );
    let answer = send(write("POST", more)).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.text());
    let graph = NamedNode::new_unchecked(OTHER_PARTNER_GRAPH);
    assert_eq!(
        site.platform
            .store
            .graph_quads(graph.as_ref())
            .unwrap()
            .len(),
        3
    );

    let delete = Request::delete(graph_path.as_str())
        .header("authorization", token.as_str())
        .body(Body::empty())
        .unwrap();
    let answer = send(delete).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.text());
    assert!(
        site.platform
            .store
            .graph_quads(graph.as_ref())
            .unwrap()
            .is_empty()
    );
    let revisions = site
        .platform
        .history()
        .revisions_of(&NamedNode::new_unchecked(actor))
        .unwrap();
    assert_eq!(
        revisions.len(),
        3,
        "PUT, POST and DELETE are each a revision"
    );
    let again = Request::delete(graph_path.as_str())
        .header("authorization", token.as_str())
        .body(Body::empty())
        .unwrap();
    assert_eq!(send(again).await.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn reading_a_private_graph_name_in_an_update_copies_nothing() {
    let site = privacy_site();
    let update = format!(
        "INSERT {{ GRAPH <{PARTNER_GRAPH}> {{ ?s ?p ?o }} }} USING <urn:ancrage:prive:comptes> WHERE {{ ?s ?p ?o }}"
    );
    let answer = send(sparql_update(&update, Some(&bearer(&site.partner_token)))).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.text());
    let summary: serde_json::Value = serde_json::from_slice(&answer.body).unwrap();
    assert_eq!(summary["added"], 0, "{summary}");
    let update = format!(
        "INSERT {{ GRAPH <{PARTNER_GRAPH}> {{ ?s ?p ?o }} }} WHERE {{ GRAPH <urn:ancrage:prive:brouillons> {{ ?s ?p ?o }} }}"
    );
    let answer = send(sparql_update(&update, Some(&bearer(&site.partner_token)))).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.text());
    let summary: serde_json::Value = serde_json::from_slice(&answer.body).unwrap();
    assert_eq!(summary["added"], 0, "{summary}");
}

//! The collaborative space through the router: accounts, proposals checked against the shapes
//! before anything is saved, moderation, history with diffs and reverts, CSRF and rate limits,
//! and the private store that no public answer ever reaches.

use std::io::Read;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, OnceLock};

use ancrage::AppState;
use ancrage::account::{Mailer, NewAccount, OutgoingMail, Role, account_iri};
use ancrage::contribution::{ContributionForm, DraftKind, DraftStatus};
use ancrage::opendata::DumpScope;
use ancrage::platform::Platform;
use ancrage::rdf::QuadBuffer;
use ancrage::vocab::anc;
use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{Request, StatusCode};
use oxigraph::model::NamedNode;
use percent_encoding::{NON_ALPHANUMERIC, utf8_percent_encode};

use crate::common::{Answer, BASE, reference_platform, send_to};

pub(crate) const PASSWORD: &str = "une phrase de passe";

/// A platform of its own (reference data, one actor, no source), so that what these tests
/// publish never changes what the other tests count.
pub(crate) struct CollabSite {
    pub(crate) platform: Arc<Platform>,
    pub(crate) router: axum::Router,
    mails: Arc<Mutex<Vec<OutgoingMail>>>,
}

struct RecordingMailer(Arc<Mutex<Vec<OutgoingMail>>>);

impl Mailer for RecordingMailer {
    fn send(&self, mail: &OutgoingMail) {
        self.0.lock().unwrap().push(mail.clone());
    }
}

pub(crate) fn collab_site() -> &'static CollabSite {
    static SITE: OnceLock<CollabSite> = OnceLock::new();
    SITE.get_or_init(|| {
        let platform = Arc::new(reference_platform("collaboration"));
        let minter = &platform.config.minter;
        let actor = minter.at("acteur/test/jardins");
        let mut quads = QuadBuffer::new(minter.at("graphe/source/test"));
        quads.add_type(&actor, anc::ACTOR);
        quads.add_text(&actor, anc::NAME, "Association des Jardins Partagés");
        platform.store.insert_quads(&quads.into_quads()).unwrap();
        let mails = Arc::new(Mutex::new(Vec::new()));
        let mut state = AppState::new(Arc::clone(&platform)).expect("templates load");
        state.mailer = Arc::new(RecordingMailer(Arc::clone(&mails)));
        CollabSite {
            router: ancrage::router(Arc::new(state)),
            platform,
            mails,
        }
    })
}

/// A browser: one client address, one session cookie.
pub(crate) struct Client {
    router: &'static axum::Router,
    address: SocketAddr,
    cookie: Option<String>,
}

impl Client {
    pub(crate) fn new(last_byte: u8) -> Self {
        Self::on(&collab_site().router, last_byte)
    }

    fn on(router: &'static axum::Router, last_byte: u8) -> Self {
        Self {
            router,
            address: SocketAddr::from(([198, 51, 100, last_byte], 40000)),
            cookie: None,
        }
    }

    pub(crate) async fn send(&mut self, mut request: Request<Body>) -> Answer {
        request.extensions_mut().insert(ConnectInfo(self.address));
        if let Some(cookie) = &self.cookie {
            request.headers_mut().insert(
                "cookie",
                format!("ancrage_session={cookie}").parse().unwrap(),
            );
        }
        let answer = send_to(self.router, request).await;
        for value in answer.headers.get_all("set-cookie") {
            let value = value.to_str().unwrap();
            if let Some(rest) = value.strip_prefix("ancrage_session=") {
                self.cookie = Some(rest.split(';').next().unwrap().to_owned());
            }
        }
        answer
    }

    pub(crate) async fn get(&mut self, path: &str) -> Answer {
        self.send(Request::get(path).body(Body::empty()).unwrap())
            .await
    }

    pub(crate) async fn post(&mut self, path: &str, fields: &[(&str, &str)]) -> Answer {
        let body = fields
            .iter()
            .map(|(name, value)| format!("{}={}", encode(name), encode(value)))
            .collect::<Vec<_>>()
            .join("&");
        let request = Request::post(path)
            .header("content-type", "application/x-www-form-urlencoded")
            .body(Body::from(body))
            .unwrap();
        self.send(request).await
    }

    /// Loads a page and sends its form with the page's CSRF token added.
    pub(crate) async fn submit(
        &mut self,
        page: &str,
        action: &str,
        fields: &[(&str, &str)],
    ) -> Answer {
        let shown = self.get(page).await;
        assert_eq!(shown.status, StatusCode::OK, "{page}: {}", shown.text());
        let token = csrf_of(&shown.text());
        let mut all = vec![("_csrf", token.as_str())];
        all.extend_from_slice(fields);
        self.post(action, &all).await
    }

    pub(crate) async fn sign_up(&mut self, email: &str, name: &str) {
        let fields = [("email", email), ("nom", name), ("mot_de_passe", PASSWORD)];
        let answer = self
            .submit("/compte/inscription", "/compte/inscription", &fields)
            .await;
        assert_eq!(answer.status, StatusCode::SEE_OTHER, "{}", answer.text());
        assert_eq!(answer.header("location"), "/compte");
    }

    async fn log_in(&mut self, email: &str, password: &str) -> Answer {
        let fields = [("email", email), ("mot_de_passe", password)];
        self.submit("/compte/connexion", "/compte/connexion", &fields)
            .await
    }
}

fn encode(text: &str) -> String {
    utf8_percent_encode(text, NON_ALPHANUMERIC).to_string()
}

pub(crate) fn csrf_of(html: &str) -> String {
    let start = html
        .find("name=\"_csrf\" value=\"")
        .unwrap_or_else(|| panic!("a CSRF field in {html}"))
        + 20;
    html[start..start + 64].to_owned()
}

fn moderator(email: &str) -> ancrage::account::Account {
    collab_site()
        .platform
        .accounts
        .create(&NewAccount {
            email,
            display_name: "Modération",
            password: PASSWORD,
            role: Role::Moderator,
        })
        .unwrap()
}

fn pending_drafts_about(initiative: &str) -> Vec<ancrage::contribution::Draft> {
    collab_site()
        .platform
        .drafts
        .pending()
        .unwrap()
        .into_iter()
        .filter(|draft| draft.initiative.as_str() == initiative)
        .collect()
}

pub(crate) async fn sparql(query: &str) -> String {
    let request = Request::post("/sparql")
        .header("content-type", "application/sparql-query")
        .header("accept", "application/sparql-results+json")
        .body(Body::from(query.to_owned()))
        .unwrap();
    let answer = send_to(&collab_site().router, request).await;
    assert_eq!(answer.status, StatusCode::OK, "{query}: {}", answer.text());
    answer.text()
}

/// The fields of a new initiative, with a postcode of four digits.
fn proposal_fields<'a>(
    name: &'a str,
    postcode: &'a str,
    description: &'a str,
) -> Vec<(&'a str, &'a str)> {
    vec![
        ("anc-name", name),
        ("anc-description", description),
        ("anc-postalCode", postcode),
        ("anc-addressLocality", "Bourg-en-Bresse"),
        ("anc-commune", "Bourg-en-Bresse (01053)"),
        ("anc-website", "https://velo.exemple.fr/"),
        ("anc-email", "contact@velo.exemple.fr"),
        ("anc-theme", "http://ancrage.test/theme/mobilite"),
        ("contribution-rdfs-comment", "Vu sur le site de la mairie"),
    ]
}

#[tokio::test]
async fn a_proposal_is_checked_moderated_published_edited_and_reverted() {
    let site = collab_site();
    let mut alice = Client::new(1);
    alice.sign_up("alice.flow@example.org", "Alice Flow").await;

    // The form comes from the shapes: sections, required marks, help texts, value lists.
    let form = alice.get("/contribuer").await;
    assert_eq!(form.status, StatusCode::OK);
    let html = form.text();
    for expected in [
        "<legend>Identité</legend>",
        "<legend>Territoire</legend>",
        "name=\"anc-name\"",
        "(obligatoire)",
        "Le nom sous lequel le public connaît l&#39;initiative",
        "data-lookup=\"/api/territoires?types=commune\"",
        "value=\"http://ancrage.test/theme/mobilite\"",
        "name=\"contribution-rdfs-comment\"",
    ] {
        assert!(html.contains(expected), "the form shows {expected}");
    }
    assert!(
        !html.contains("name=\"anc-placement\""),
        "platform fields are hidden"
    );

    // A fault: the report is shown beside the field and nothing is saved.
    let faulty = proposal_fields("Maison du vélo solidaire", "1200", "Réparation de vélos.");
    let mut fields = faulty.clone();
    fields.push(("action", "envoyer"));
    let answer = alice.submit("/contribuer", "/contribuer", &fields).await;
    assert_eq!(answer.status, StatusCode::UNPROCESSABLE_ENTITY);
    let html = answer.text();
    assert!(html.contains("rien n'a été enregistré"), "{html}");
    let postcode_field = &html[html.find("id=\"champ-anc-postalCode\"").unwrap()..];
    let postcode_field = &postcode_field[..postcode_field.find("</div>").unwrap()];
    assert!(
        postcode_field.contains("Le code postal doit compter cinq chiffres"),
        "{postcode_field}"
    );
    assert!(postcode_field.contains("aria-invalid=\"true\""));
    assert!(
        html.contains("value=\"Maison du vélo solidaire\""),
        "typed values are kept"
    );
    let mine = |platform: &Platform| {
        platform
            .drafts
            .pending()
            .unwrap()
            .into_iter()
            .filter(|draft| draft.comment.as_deref() == Some("Vu sur le site de la mairie"))
            .count()
    };
    assert_eq!(
        mine(&site.platform),
        0,
        "nothing is saved while a violation remains"
    );

    // Fixed, the proposal is saved as a draft, still absent from the public graph.
    let mut fields = proposal_fields("Maison du vélo solidaire", "01000", "Réparation de vélos.");
    fields.push(("action", "envoyer"));
    let answer = alice.submit("/contribuer", "/contribuer", &fields).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.text());
    assert!(answer.text().contains("Proposition envoyée"));
    let draft = site
        .platform
        .drafts
        .pending()
        .unwrap()
        .into_iter()
        .find(|draft| draft.comment.as_deref() == Some("Vu sur le site de la mairie"))
        .expect("a pending draft");
    assert_eq!(draft.kind, DraftKind::Creation);
    let initiative = draft.initiative.as_str().to_owned();
    let ask = format!("ASK {{ <{initiative}> ?p ?o }}");
    assert!(
        sparql(&ask).await.contains("false"),
        "a draft is not public"
    );

    // A moderator sees the change as a diff and publishes it.
    moderator("mod.flow@example.org");
    let mut moderation = Client::new(2);
    let login = moderation.log_in("mod.flow@example.org", PASSWORD).await;
    assert_eq!(login.status, StatusCode::SEE_OTHER);
    let queue = moderation.get("/moderation").await;
    assert!(
        queue.text().contains("Maison du vélo solidaire"),
        "{}",
        queue.text()
    );
    let page = format!("/moderation/{}", draft.key);
    let shown = moderation.get(&page).await;
    assert!(shown.text().contains("class=\"added\""), "{}", shown.text());
    assert!(shown.text().contains("Réparation de vélos."));
    let published = moderation
        .submit(&page, &format!("{page}/publier"), &[])
        .await;
    assert_eq!(
        published.status,
        StatusCode::SEE_OTHER,
        "{}",
        published.text()
    );
    let initiative_path = published.header("location");
    assert_eq!(format!("{BASE}{}", &initiative_path[1..]), initiative);

    // On its page, in search, in SPARQL, with its provenance and history.
    let page_html = alice.get(&initiative_path).await.text();
    assert!(page_html.contains("<h1>Maison du vélo solidaire</h1>"));
    assert!(page_html.contains("Historique des modifications"));
    assert!(page_html.contains("par Alice Flow"));
    let search = send_to(
        &site.router,
        Request::get("/api/search?q=velo%20solidaire")
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert!(search.text().contains(&initiative), "{}", search.text());
    let names = sparql(&format!(
        "SELECT ?name ?contribution WHERE {{ <{initiative}> anc:name ?name ; prov:wasDerivedFrom ?contribution . \
         ?contribution a anc:Contribution }}"
    ))
    .await;
    assert!(names.contains("Maison du vélo solidaire"), "{names}");
    assert!(names.contains(&format!("{BASE}contribution/{}", draft.key)));
    let history = sparql(&format!(
        "SELECT ?revision WHERE {{ GRAPH <{BASE}graphe/historique> {{ ?revision a prov:Activity ; \
         anc:revisionOf <{initiative}> ; prov:wasAssociatedWith ?agent ; prov:endedAtTime ?t ; \
         anc:addedStatement [ rdf:subject <{initiative}> ; rdf:predicate anc:name ] . \
         ?agent foaf:name \"Alice Flow\" }} }}"
    ))
    .await;
    assert!(history.contains("/revision/"), "{history}");

    // An edit, prefilled from the current description, shows in the history with its diff.
    let edit_path = format!("{initiative_path}/modifier");
    let edit_form = alice.get(&edit_path).await.text();
    assert!(
        edit_form.contains("value=\"Maison du vélo solidaire\""),
        "prefilled"
    );
    assert!(
        edit_form.contains("Bourg-en-Bresse (01053)"),
        "lookups show name and code"
    );
    let mut fields = proposal_fields(
        "Maison du vélo solidaire",
        "01000",
        "Atelier ouvert le samedi.",
    );
    fields.retain(|(name, _)| *name != "contribution-rdfs-comment");
    fields.push(("contribution-rdfs-comment", "Nouveaux horaires"));
    fields.push(("action", "envoyer"));
    let answer = alice.submit(&edit_path, &edit_path, &fields).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.text());
    let edit = pending_drafts_about(&initiative)
        .pop()
        .expect("the edit waits");
    assert_eq!(edit.kind, DraftKind::Edit);
    let page = format!("/moderation/{}", edit.key);
    let shown = moderation.get(&page).await.text();
    assert!(shown.contains("class=\"removed\"") && shown.contains("Réparation de vélos."));
    let moderator_comment = [("commentaire", "Horaires vérifiés auprès de l'atelier")];
    let published = moderation
        .submit(&page, &format!("{page}/publier"), &moderator_comment)
        .await;
    assert_eq!(
        published.status,
        StatusCode::SEE_OTHER,
        "{}",
        published.text()
    );
    let page_html = moderation.get(&initiative_path).await.text();
    assert!(page_html.contains("Atelier ouvert le samedi."));
    assert_eq!(page_html.matches("class=\"revision\"").count(), 2);
    assert!(
        page_html.contains("Note de la modération : Horaires vérifiés auprès de l&#39;atelier"),
        "the moderator's comment is published with the revision: {page_html}"
    );
    assert!(
        !page_html.contains("Nouveaux horaires"),
        "the author's note to moderators stays private"
    );

    // A revert restores the previous description, as a revision of its own.
    let start = page_html.find("/moderation/revision/").unwrap();
    let action = &page_html[start..start + page_html[start..].find('"').unwrap()];
    let reverted = moderation.submit(&initiative_path, action, &[]).await;
    assert_eq!(
        reverted.status,
        StatusCode::SEE_OTHER,
        "{}",
        reverted.text()
    );
    let page_html = moderation.get(&initiative_path).await.text();
    let description = &page_html[page_html.find("class=\"description\"").unwrap()..];
    assert!(
        description.starts_with("class=\"description\" lang=\"fr\">Réparation de vélos."),
        "{description}"
    );
    assert_eq!(page_html.matches("class=\"revision\"").count(), 3);
    assert!(page_html.contains("annule"));
    let search = send_to(
        &site.router,
        Request::get("/api/search?q=atelier%20samedi")
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert!(
        !search.text().contains(&initiative),
        "the index follows the revert"
    );

    // The author sees what became of the proposals.
    let account = alice.get("/compte").await.text();
    assert!(account.contains("Publiée"), "{account}");
}

#[tokio::test]
async fn a_form_post_without_its_csrf_token_is_refused() {
    let mut client = Client::new(3);
    let no_cookie = client
        .post(
            "/compte/connexion",
            &[("email", "x@example.org"), ("mot_de_passe", PASSWORD)],
        )
        .await;
    assert_eq!(no_cookie.status, StatusCode::FORBIDDEN);
    client.get("/compte/connexion").await;
    assert!(
        client.cookie.is_some(),
        "the form page sets the session cookie"
    );
    for fields in [
        vec![("email", "x@example.org"), ("mot_de_passe", PASSWORD)],
        vec![
            ("_csrf", "0".repeat(64).leak() as &str),
            ("email", "x@example.org"),
        ],
    ] {
        let answer = client.post("/compte/connexion", &fields).await;
        assert_eq!(answer.status, StatusCode::FORBIDDEN, "{fields:?}");
    }
    client.sign_up("csrf@example.org", "Camille").await;
    let answer = client
        .post(
            "/contribuer",
            &[("anc-name", "Sans jeton"), ("action", "envoyer")],
        )
        .await;
    assert_eq!(answer.status, StatusCode::FORBIDDEN);
    assert!(pending_drafts_named("Sans jeton").is_empty());
    let answer = client.post("/compte/deconnexion", &[]).await;
    assert_eq!(answer.status, StatusCode::FORBIDDEN);
    assert!(
        client.get("/compte").await.text().contains("Camille"),
        "still logged in"
    );
}

fn pending_drafts_named(name: &str) -> Vec<ancrage::contribution::Draft> {
    collab_site()
        .platform
        .drafts
        .pending()
        .unwrap()
        .into_iter()
        .filter(|draft| {
            draft.proposal.iter().any(|triple| match &triple.object {
                oxigraph::model::Term::Literal(literal) => literal.value() == name,
                _ => false,
            })
        })
        .collect()
}

#[tokio::test]
async fn the_session_cookie_is_http_only_and_same_site() {
    let mut client = Client::new(4);
    let page = client.get("/compte/inscription").await;
    let cookie = page.header("set-cookie");
    assert!(cookie.starts_with("ancrage_session="), "{cookie}");
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"),
        "{cookie}"
    );
    assert!(!cookie.contains("Secure"), "the test site's base is http");
    let again = client.get("/compte/inscription").await;
    assert!(
        again.header("set-cookie").is_empty(),
        "a known cookie is not set again"
    );
}

#[tokio::test]
async fn login_is_rate_limited_per_client() {
    let mut client = Client::new(5);
    let mut statuses = Vec::new();
    for _ in 0..12 {
        let answer = client
            .log_in("nobody@example.org", "mauvais mot de passe")
            .await;
        statuses.push(answer.status);
        if answer.status == StatusCode::TOO_MANY_REQUESTS {
            let wait: u64 = answer.header("retry-after").parse().unwrap();
            assert!(wait >= 1, "Retry-After says how long to wait");
            break;
        }
    }
    assert_eq!(statuses.first(), Some(&StatusCode::UNPROCESSABLE_ENTITY));
    assert_eq!(
        statuses.last(),
        Some(&StatusCode::TOO_MANY_REQUESTS),
        "{statuses:?}"
    );
    let mut other = Client::new(6);
    let answer = other
        .log_in("nobody@example.org", "mauvais mot de passe")
        .await;
    assert_eq!(
        answer.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "another client is not limited"
    );
}

#[tokio::test]
async fn a_forgotten_password_is_reset_through_the_logged_link() {
    let mut client = Client::new(7);
    client.sign_up("oubli@example.org", "Dominique").await;
    let answer = client
        .submit(
            "/compte/mot-de-passe",
            "/compte/mot-de-passe",
            &[("email", "oubli@example.org")],
        )
        .await;
    assert!(answer.text().contains("Si un compte existe"));
    let link = collab_site()
        .mails
        .lock()
        .unwrap()
        .iter()
        .rev()
        .find(|mail| mail.to == "oubli@example.org")
        .and_then(|mail| mail.link.clone())
        .expect("a reset link");
    let path = link
        .strip_prefix(BASE)
        .map(|rest| format!("/{rest}"))
        .unwrap();
    let token = path.split("jeton=").nth(1).unwrap().to_owned();
    let fields = [
        ("jeton", token.as_str()),
        ("mot_de_passe", "un tout nouveau secret"),
    ];
    let answer = client
        .submit(&path, "/compte/reinitialisation", &fields)
        .await;
    assert_eq!(answer.status, StatusCode::SEE_OTHER, "{}", answer.text());
    let mut again = Client::new(8);
    let old = again.log_in("oubli@example.org", PASSWORD).await;
    assert_eq!(old.status, StatusCode::UNPROCESSABLE_ENTITY);
    let new = again
        .log_in("oubli@example.org", "un tout nouveau secret")
        .await;
    assert_eq!(new.status, StatusCode::SEE_OTHER);
    let reused = client
        .submit(&path, "/compte/reinitialisation", &fields)
        .await;
    assert_eq!(
        reused.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "a link works once"
    );
}

#[tokio::test]
async fn a_visitor_reports_an_error_that_lands_in_the_moderation_queue() {
    let site = collab_site();
    let initiative = publish_directly("Épicerie solidaire du signalement", "Signalements").await;
    let path = format!("/{}", initiative.as_str().strip_prefix(BASE).unwrap());
    let mut visitor = Client::new(9);
    let fields = [("message", "Le téléphone a changé : 04 00 00 00 00")];
    let answer = visitor
        .submit(&path, &format!("{path}/signaler"), &fields)
        .await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.text());
    assert!(answer.text().contains("Signalement transmis"));
    let report = pending_drafts_about(initiative.as_str())
        .into_iter()
        .find(|draft| draft.kind == DraftKind::Report)
        .expect("the report waits");
    assert_eq!(report.author, None, "a visitor needs no account");
    moderator("mod.report@example.org");
    let mut moderation = Client::new(10);
    moderation.log_in("mod.report@example.org", PASSWORD).await;
    assert!(
        moderation
            .get("/moderation")
            .await
            .text()
            .contains("Signalement")
    );
    let page = format!("/moderation/{}", report.key);
    let fields = [("commentaire", "Téléphone corrigé")];
    let closed = moderation
        .submit(&page, &format!("{page}/clore"), &fields)
        .await;
    assert_eq!(closed.status, StatusCode::SEE_OTHER);
    let decided = site.platform.drafts.get(&report.key).unwrap().unwrap();
    assert_eq!(decided.status, DraftStatus::Closed);
    let token = csrf_of(&moderation.get("/compte").await.text());
    let again = moderation
        .post(&format!("{page}/publier"), &[("_csrf", token.as_str())])
        .await;
    assert_eq!(
        again.status,
        StatusCode::BAD_REQUEST,
        "a decided draft stays decided"
    );
}

#[tokio::test]
async fn only_moderators_see_the_queue_and_decide() {
    let mut contributor = Client::new(11);
    contributor
        .sign_up("pas.moderateur@example.org", "Lou")
        .await;
    assert_eq!(
        contributor.get("/moderation").await.status,
        StatusCode::FORBIDDEN
    );
    let mut visitor = Client::new(12);
    let answer = visitor.get("/moderation").await;
    assert_eq!(
        answer.status,
        StatusCode::SEE_OTHER,
        "a visitor is sent to the login form"
    );
    let token = csrf_of(&contributor.get("/compte").await.text());
    let answer = contributor
        .post("/moderation/abc/publier", &[("_csrf", token.as_str())])
        .await;
    assert_eq!(answer.status, StatusCode::FORBIDDEN);
}

/// Signs up an author, sends a proposal and publishes it as a moderator; returns the initiative.
async fn publish_directly(name: &str, tag: &str) -> NamedNode {
    let site = collab_site();
    let mut author = Client::new(20);
    let email = format!("{}@example.org", tag.to_lowercase());
    author.sign_up(&email, tag).await;
    let mut fields = proposal_fields(name, "01000", "Une description.");
    fields.push(("action", "envoyer"));
    let answer = author.submit("/contribuer", "/contribuer", &fields).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.text());
    let draft = pending_drafts_named(name).pop().unwrap();
    let moderator = site
        .platform
        .accounts
        .find_by_email("mod.direct@example.org")
        .unwrap();
    let moderator = moderator.unwrap_or_else(|| self::moderator("mod.direct@example.org"));
    ancrage::contribution::publish_draft(&site.platform, &draft.key, &moderator, None).unwrap();
    draft.initiative
}

#[tokio::test]
async fn contributed_text_is_escaped_on_every_page() {
    let payload = "<script>window.__xss = 1</script>\"><img src=x onerror=alert(1)>";
    let initiative = publish_directly(&format!("Atelier {payload}"), "Xss").await;
    let path = format!("/{}", initiative.as_str().strip_prefix(BASE).unwrap());
    let mut visitor = Client::new(13);
    let html = visitor.get(&path).await.text();
    assert!(!html.contains("<script>window.__xss"), "{html}");
    assert!(!html.contains("<img src=x"));
    assert!(
        html.contains("&lt;script&gt;window.__xss = 1&lt;&#x2F;script&gt;")
            || html.contains("&lt;script&gt;window.__xss = 1&lt;/script&gt;")
    );
}

#[tokio::test]
async fn a_javascript_url_is_refused_by_the_shapes() {
    let mut author = Client::new(14);
    author.sign_up("lien@example.org", "Lien").await;
    let mut fields = proposal_fields("Lien piégé", "01000", "Texte.");
    fields.retain(|(name, _)| *name != "anc-website");
    fields.push(("anc-website", "javascript:window.__xss=1"));
    fields.push(("action", "envoyer"));
    let answer = author.submit("/contribuer", "/contribuer", &fields).await;
    assert_eq!(answer.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        answer
            .text()
            .contains("Le site web doit être une adresse complète")
    );
    assert!(!answer.text().contains("href=\"javascript:"));
    assert!(pending_drafts_named("Lien piégé").is_empty());
}

#[tokio::test]
async fn private_data_never_reaches_a_public_answer() {
    let site = collab_site();
    let email = "secret.sauvage@example.org";
    let mut author = Client::new(15);
    author.sign_up(email, "Sacha Public").await;
    let account = site
        .platform
        .accounts
        .find_by_email(email)
        .unwrap()
        .unwrap();
    let draft_marker = "Brouillon confidentiel zq";
    let mut fields = proposal_fields(draft_marker, "01000", "Pas encore publié.");
    fields.push(("action", "envoyer"));
    assert_eq!(
        author
            .submit("/contribuer", "/contribuer", &fields)
            .await
            .status,
        StatusCode::OK
    );
    author
        .submit(
            "/compte/mot-de-passe",
            "/compte/mot-de-passe",
            &[("email", email)],
        )
        .await;
    let api_token = site
        .platform
        .accounts
        .issue_api_token(&account, "partenaire")
        .unwrap();
    let published = publish_directly("Initiative publique de Sacha", "SachaBis").await;
    assert!(published.as_str().starts_with(BASE));

    let markers = [
        email,
        "$argon2",
        draft_marker,
        "urn:ancrage",
        api_token.as_str(),
        "prive#",
    ];
    let private_account = account_iri(&account.key);
    for query in [
        "SELECT ?g ?s ?p ?o WHERE { GRAPH ?g { ?s ?p ?o } }".to_owned(),
        "SELECT ?s ?p ?o WHERE { ?s ?p ?o }".to_owned(),
        "SELECT ?g ?s ?p ?o FROM NAMED <urn:ancrage:prive:comptes> FROM NAMED <urn:ancrage:prive:brouillons> WHERE { GRAPH ?g { ?s ?p ?o } }".to_owned(),
        format!("DESCRIBE <{}>", private_account.as_str()),
        format!("CONSTRUCT {{ <{0}> ?p ?o }} WHERE {{ <{0}> ?p ?o }}", private_account.as_str()),
    ] {
        let filtered = if query.starts_with("SELECT") {
            let (head, body) = query.split_once("WHERE").unwrap();
            let body = body.trim().trim_start_matches('{').trim_end_matches('}');
            format!(
                "{head} WHERE {{ {body} FILTER(CONTAINS(STR(?o), \"{email}\") || CONTAINS(STR(?o), \"argon2\") || CONTAINS(STR(?o), \"{draft_marker}\") || CONTAINS(STR(?s), \"urn:ancrage\") || CONTAINS(STR(?o), \"{api_token}\")) }}"
            )
        } else {
            query.clone()
        };
        let request = Request::post("/sparql")
            .header("content-type", "application/sparql-query")
            .header("accept", "application/n-triples, application/sparql-results+json")
            .body(Body::from(filtered.clone()))
            .unwrap();
        let answer = send_to(&site.router, request).await;
        assert_eq!(answer.status, StatusCode::OK, "{filtered}: {}", answer.text());
        let text = answer.text();
        for marker in markers {
            assert!(!text.contains(marker), "{filtered} shows {marker}: {text}");
        }
        if query.starts_with("SELECT") {
            assert!(text.contains("\"bindings\":[]") || text.contains("\"bindings\": []"), "{filtered}: {text}");
        }
    }

    // The dumps, the graph store, search and pages.
    site.platform.refresh_dumps(DumpScope::Everything).unwrap();
    let dump_path = site
        .platform
        .config
        .data_dir
        .join("dumps")
        .join("ancrage.nq.gz");
    let mut dump = String::new();
    flate2::read::MultiGzDecoder::new(std::fs::File::open(&dump_path).unwrap())
        .read_to_string(&mut dump)
        .unwrap();
    assert!(
        dump.contains("Initiative publique de Sacha"),
        "the dump holds the published one"
    );
    let mut visitor = Client::new(16);
    let agent_page = format!("/contributeur/{}", account.agent_key);
    let pages = [
        visitor.get("/").await.text(),
        visitor.get("/store?default").await.text(),
        visitor
            .get("/api/search?q=brouillon%20confidentiel")
            .await
            .text(),
        visitor
            .get(&format!(
                "/{}",
                published.as_str().strip_prefix(BASE).unwrap()
            ))
            .await
            .text(),
        visitor.get(&agent_page).await.text(),
    ];
    for marker in markers {
        assert!(!dump.contains(marker), "the dump shows {marker}");
        for page in &pages {
            assert!(!page.contains(marker), "a page shows {marker}");
        }
    }
    let private_path = format!("/{}", private_account.as_str());
    assert_eq!(
        visitor.get(&private_path).await.status,
        StatusCode::NOT_FOUND
    );
    assert!(
        !site
            .platform
            .store
            .graph_names()
            .unwrap()
            .iter()
            .any(|graph| graph.as_str().starts_with("urn:"))
    );
}

#[tokio::test]
async fn a_published_proposals_note_stays_private_and_the_moderators_comment_is_public() {
    let site = collab_site();
    let note = "Note privée aux modérateurs Ornithorynque";
    let moderator_comment = "Vérifié par la modération Tamarin";
    let name = "Ressourcerie du Revermont";
    let mut author = Client::new(17);
    author
        .sign_up("auteur.note@example.org", "Noé Auteur")
        .await;
    let mut fields = proposal_fields(name, "01000", "Réemploi d'objets.");
    fields.retain(|(field, _)| *field != "contribution-rdfs-comment");
    fields.extend([("contribution-rdfs-comment", note), ("action", "envoyer")]);
    let sent = author.submit("/contribuer", "/contribuer", &fields).await;
    assert_eq!(sent.status, StatusCode::OK, "{}", sent.text());
    let draft = pending_drafts_named(name)
        .pop()
        .expect("the proposal waits");
    assert_eq!(draft.comment.as_deref(), Some(note));

    // Moderators read the note in the queue and on the draft.
    moderator("mod.note@example.org");
    let mut moderation = Client::new(18);
    let login = moderation.log_in("mod.note@example.org", PASSWORD).await;
    assert_eq!(login.status, StatusCode::SEE_OTHER);
    assert!(moderation.get("/moderation").await.text().contains(note));
    let page = format!("/moderation/{}", draft.key);
    assert!(moderation.get(&page).await.text().contains(note));

    // A comment longer than a note may be is refused, and nothing is published.
    let long = "x".repeat(2001);
    let refused = moderation
        .submit(&page, &format!("{page}/publier"), &[("commentaire", &long)])
        .await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST);
    assert_eq!(pending_drafts_named(name).len(), 1);

    let published = moderation
        .submit(
            &page,
            &format!("{page}/publier"),
            &[("commentaire", moderator_comment)],
        )
        .await;
    assert_eq!(
        published.status,
        StatusCode::SEE_OTHER,
        "{}",
        published.text()
    );
    let initiative = draft.initiative.as_str();
    let contribution = site.platform.config.minter.contribution(&draft.key);
    let contribution = contribution.as_str();

    // The revision carries the moderator's comment; the contribution carries no note.
    let comments = sparql(&format!(
        "SELECT ?comment WHERE {{ GRAPH <{BASE}graphe/historique> {{ ?revision anc:revisionOf \
         <{initiative}> ; prov:used <{contribution}> ; rdfs:comment ?comment }} }}"
    ))
    .await;
    assert!(comments.contains(moderator_comment), "{comments}");
    let noted = sparql(&format!(
        "ASK {{ GRAPH ?g {{ <{contribution}> rdfs:comment ?c }} }}"
    ))
    .await;
    assert!(noted.contains("false"), "{noted}");

    // The note is in no graph, under any name.
    for query in [
        format!(
            "SELECT ?g ?s ?p WHERE {{ GRAPH ?g {{ ?s ?p ?o FILTER(CONTAINS(STR(?o), \"{note}\")) }} }}"
        ),
        format!("SELECT ?s ?p WHERE {{ ?s ?p ?o FILTER(CONTAINS(STR(?o), \"{note}\")) }}"),
    ] {
        let answer = sparql(&query).await;
        assert!(!answer.contains("Ornithorynque"), "{query}: {answer}");
        assert!(answer.contains("\"bindings\":[]") || answer.contains("\"bindings\": []"));
    }

    // Nor in the dumps, which hold the moderator's comment.
    site.platform.refresh_dumps(DumpScope::Everything).unwrap();
    let dump_path = site.platform.config.data_dir.join("dumps/ancrage.nq.gz");
    let mut dump = String::new();
    flate2::read::MultiGzDecoder::new(std::fs::File::open(&dump_path).unwrap())
        .read_to_string(&mut dump)
        .unwrap();
    assert!(
        dump.contains(moderator_comment),
        "the dump holds the revision's comment"
    );
    assert!(!dump.contains("Ornithorynque"), "the dump holds no note");

    // Nor on the pages of the initiative (its history), the contribution, the revision, search.
    let mut visitor = Client::new(19);
    let initiative_page = visitor
        .get(&format!("/{}", &initiative[BASE.len()..]))
        .await
        .text();
    assert!(
        initiative_page.contains(&format!("Note de la modération : {moderator_comment}")),
        "{initiative_page}"
    );
    let revision = first_revision(&initiative_page);
    let revision_page = visitor.get(&revision).await;
    assert_eq!(revision_page.status, StatusCode::OK);
    assert!(
        revision_page.text().contains(moderator_comment),
        "{}",
        revision_page.text()
    );
    let pages = [
        initiative_page,
        revision_page.text(),
        visitor
            .get(&format!("/{}", &contribution[BASE.len()..]))
            .await
            .text(),
        visitor.get("/api/search?q=Ornithorynque").await.text(),
    ];
    for page in &pages {
        assert!(
            !page.contains("Ornithorynque"),
            "a page shows the note: {page}"
        );
    }
    // The search page repeats the query; it must find nothing by the note.
    let search_page = visitor.get("/recherche?q=Ornithorynque").await.text();
    assert!(
        !search_page.contains(name),
        "search finds it by the note: {search_page}"
    );
    let search = visitor.get("/api/search?q=Ornithorynque").await.text();
    assert!(
        !search.contains(initiative),
        "search does not find it by the note: {search}"
    );
    let by_name = visitor
        .get("/api/search?q=Ressourcerie%20Revermont")
        .await
        .text();
    assert!(
        by_name.contains(initiative),
        "search finds it by its name: {by_name}"
    );

    // The author reads the decision with the moderator's comment.
    let account = author.get("/compte").await.text();
    assert!(
        account.contains(&format!("Publiée : {moderator_comment}")),
        "{account}"
    );
}

/// The path of the newest revision linked from an initiative's history.
fn first_revision(page: &str) -> String {
    let start = page.find("href=\"/revision/").expect("a revision link") + 6;
    page[start..start + page[start..].find('"').unwrap()].to_owned()
}

#[tokio::test]
async fn territories_and_actors_are_suggested_from_the_graph() {
    let site = collab_site();
    let answer = send_to(
        &site.router,
        Request::get("/api/territoires?q=bourg-en-b&types=commune")
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(answer.status, StatusCode::OK);
    let suggestions: serde_json::Value = serde_json::from_slice(&answer.body).unwrap();
    assert_eq!(suggestions[0]["value"], "Bourg-en-Bresse (01053)");
    assert_eq!(
        suggestions[0]["iri"],
        format!("{BASE}territoire/commune/01053")
    );
    let answer = send_to(
        &site.router,
        Request::get("/api/acteurs?q=jardins")
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    let suggestions: serde_json::Value = serde_json::from_slice(&answer.body).unwrap();
    assert_eq!(
        suggestions[0]["value"],
        "Association des Jardins Partagés (acteur/test/jardins)"
    );
    let answer = send_to(
        &site.router,
        Request::get("/api/acteurs?q=j")
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(answer.status, StatusCode::BAD_REQUEST);
}

#[test]
fn a_property_added_to_a_shape_appears_in_the_form() {
    let platform = &collab_site().platform;
    let mut shapes =
        ancrage::shapes::read_shapes_graph(&platform.config.home_path("shapes"), BASE).unwrap();
    let extra = r#"
        @prefix anc: <https://w3id.org/ancrage/ontology#> .
        @prefix ancsh: <https://w3id.org/ancrage/shapes#> .
        @prefix sh: <http://www.w3.org/ns/shacl#> .
        @prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
        ancsh:InitiativeShape sh:property ancsh:test-capacity .
        ancsh:test-capacity a sh:PropertyShape ;
            sh:path anc:capacity ; sh:name "capacité d'accueil"@fr ;
            sh:description "Le nombre de personnes accueillies à la fois."@fr ;
            sh:group ancsh:ContactGroup ; sh:order 34 ; sh:minCount 1 ; sh:maxCount 1 ;
            sh:datatype xsd:integer .
    "#;
    for quad in oxigraph::io::RdfParser::from_format(oxigraph::io::RdfFormat::Turtle)
        .for_slice(extra.as_bytes())
    {
        shapes.insert(&oxigraph::model::Triple::from(quad.unwrap()));
    }
    let form = ContributionForm::from_shapes(&shapes, &platform.store).unwrap();
    let field = form
        .field("anc-capacity")
        .expect("the new property is a field");
    assert_eq!(field.label, "capacité d'accueil");
    assert_eq!(
        field.help,
        vec!["Le nombre de personnes accueillies à la fois.".to_owned()]
    );
    assert!(!field.multiple);
    assert_eq!(
        field.requirement,
        ancrage::contribution::Requirement::Required
    );
    let contact = form
        .groups
        .iter()
        .find(|group| group.label == "Contact")
        .unwrap();
    let keys: Vec<&str> = contact
        .fields
        .iter()
        .map(|field| field.key.as_str())
        .collect();
    assert_eq!(
        keys.last(),
        Some(&"anc-capacity"),
        "ordered by sh:order: {keys:?}"
    );

    let theme = form.field("anc-theme").unwrap();
    let ancrage::contribution::Widget::Choice { options } = &theme.widget else {
        panic!("themes are a list of values");
    };
    assert!(
        options
            .iter()
            .any(|option| option.label == "Accès aux droits et aux services publics")
    );
    assert!(
        options
            .iter()
            .all(|option| option.value.starts_with(&format!("{BASE}theme/")))
    );
}

#[tokio::test]
async fn a_harvested_initiative_opens_prefilled_and_an_unchanged_edit_is_refused() {
    let initiative = crate::common::select_column(
        "SELECT ?i WHERE { ?i a anc:Initiative ; anc:name ?n ; anc:commune ?c ; anc:placement ?p } \
         ORDER BY ?i LIMIT 1",
    )
    .pop()
    .unwrap();
    let path = format!("/{}/modifier", initiative.strip_prefix(BASE).unwrap());
    let mut client = Client::on(&crate::common::site().router, 30);
    let mut visitor = Client::on(&crate::common::site().router, 31);
    let answer = visitor.get(&path).await;
    assert_eq!(
        answer.status,
        StatusCode::SEE_OTHER,
        "logging in comes first"
    );
    client.sign_up("harvested@example.org", "Claude").await;
    let form = client.get(&path).await.text();
    assert!(form.contains("Proposer une modification"));
    let values = form_values(&form);
    let names: Vec<&str> = values.iter().map(|(name, _)| name.as_str()).collect();
    assert!(
        names.contains(&"anc-name") && names.contains(&"anc-commune"),
        "{names:?}"
    );

    // Sent back as it was shown, the form checks without violation and changes nothing.
    let mut fields: Vec<(&str, &str)> = values
        .iter()
        .map(|(name, value)| (name.as_str(), value.as_str()))
        .collect();
    fields.push(("action", "envoyer"));
    let answer = client.submit(&path, &path, &fields).await;
    assert_eq!(answer.status, StatusCode::UNPROCESSABLE_ENTITY);
    let html = answer.text();
    assert!(html.contains("ne change rien"), "{html}");
    assert!(!html.contains("class=\"violation\""), "{html}");
}

/// The (name, value) pairs a browser would send for the text inputs, text areas and ticked
/// boxes of a form page (the CSRF token apart).
fn form_values(html: &str) -> Vec<(String, String)> {
    let attribute = |tag: &str, name: &str| -> Option<String> {
        let start = tag.find(&format!(" {name}=\""))? + name.len() + 3;
        let end = start + tag[start..].find('"')?;
        Some(unescape(&tag[start..end]))
    };
    let mut values = Vec::new();
    for piece in html.split('<').skip(1) {
        let tag = &piece[..piece.find('>').unwrap_or(piece.len())];
        let Some(name) = attribute(tag, "name") else {
            continue;
        };
        if name == "_csrf" || name == "action" {
            continue;
        }
        if tag.starts_with("input") {
            let is_box = tag.contains("type=\"checkbox\"");
            if is_box && !tag.contains(" checked") {
                continue;
            }
            let value = attribute(tag, "value").unwrap_or_default();
            if !value.is_empty() {
                values.push((name, value));
            }
        } else if tag.starts_with("textarea") {
            let text = &piece[piece.find('>').unwrap() + 1..];
            if !text.is_empty() {
                values.push((name, unescape(text)));
            }
        } else if tag.starts_with("select") {
            let options = &html[html.find(tag).unwrap()..];
            let options = &options[..options.find("</select>").unwrap()];
            if let Some(selected) = options
                .split("<option")
                .find(|option| option.contains(" selected"))
            {
                values.push((name, attribute(selected, "value").unwrap_or_default()));
            }
        }
    }
    values
}

fn unescape(text: &str) -> String {
    text.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&amp;", "&")
}

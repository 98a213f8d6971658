//! Communities, follows and Atom feeds through the router: a community's members, roles and
//! collections; follows that need a session and its CSRF token and never leave the private
//! store; feeds whose entries are what the graph says changed.

use std::collections::BTreeSet;

use ancrage::history::{AgentRef, ChangeRequest, TripleDiff};
use ancrage::vocab::anc;
use atom_syndication::Feed;
use axum::http::StatusCode;
use oxigraph::model::{Literal, NamedNode, Triple};

use crate::collaboration::{Client, collab_site, csrf_of, sparql};
use crate::common::{Answer, BASE, get, select_column, site};

const XSS_TITLE: &str = "<script>alert('titre')</script> Vélo dans l'Ain";
const XSS_DESCRIPTION: &str = "<img src=x onerror=alert('presentation')> Réparer ensemble.";

#[tokio::test]
async fn a_community_gathers_members_and_collections_that_only_owners_manage() {
    let site = collab_site();
    let mut owner = Client::new(60);
    owner
        .sign_up("proprio.commu@example.org", "Odile Proprio")
        .await;
    let mut member = Client::new(61);
    member
        .sign_up("membre.commu@example.org", "Marc Membre")
        .await;

    // The shapes refuse a community around nothing, and the form says so.
    let empty = [("nom", "Sans attache"), ("presentation", "")];
    let refused = owner
        .submit("/communautes/nouvelle", "/communautes/nouvelle", &empty)
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        refused.text().contains("au moins un territoire ou"),
        "{}",
        refused.text()
    );

    // Created with markup in its texts, around a département and a theme.
    let fields = [
        ("nom", XSS_TITLE),
        ("presentation", XSS_DESCRIPTION),
        ("territoire", "Ain (01)"),
        ("territoire", ""),
        ("theme", "http://ancrage.test/theme/mobilite"),
    ];
    let created = owner
        .submit("/communautes/nouvelle", "/communautes/nouvelle", &fields)
        .await;
    assert_eq!(created.status, StatusCode::SEE_OTHER, "{}", created.text());
    let page_path = created.header("location");
    assert!(page_path.starts_with("/communaute/"), "{page_path}");
    let community = format!("{BASE}{}", &page_path[1..]);

    // A member is invited by the address of their account and joins by accepting.
    let invite = [
        ("action", "inviter"),
        ("courriel", "membre.commu@example.org"),
        ("role", "membre"),
    ];
    let invited = owner
        .submit(&page_path, &format!("{page_path}/membres"), &invite)
        .await;
    assert_eq!(invited.status, StatusCode::OK, "{}", invited.text());
    accept_invitation(&mut member, &page_path).await;
    let collection = [("action", "creer"), ("titre", "Ateliers de réparation")];
    let made = owner
        .submit(&page_path, &format!("{page_path}/selections"), &collection)
        .await;
    assert_eq!(made.status, StatusCode::SEE_OTHER, "{}", made.text());

    // Members may not manage members or collections.
    let intrusion = [
        ("action", "inviter"),
        ("courriel", "proprio.commu@example.org"),
        ("role", "proprietaire"),
    ];
    let forbidden = member
        .submit(&page_path, &format!("{page_path}/membres"), &intrusion)
        .await;
    assert_eq!(forbidden.status, StatusCode::FORBIDDEN);
    let forbidden = member
        .submit(&page_path, &format!("{page_path}/selections"), &collection)
        .await;
    assert_eq!(forbidden.status, StatusCode::FORBIDDEN);
    let mut stranger = Client::new(62);
    stranger
        .sign_up("etranger.commu@example.org", "Eve Etrangère")
        .await;
    let forbidden = stranger
        .submit(&page_path, &format!("{page_path}/membres"), &invite)
        .await;
    assert_eq!(forbidden.status, StatusCode::FORBIDDEN);

    // A member adds a published initiative of the community's territory from its page.
    let initiative = publish_initiative("Atelier vélo de Bourg", "01053");
    let initiative_path = format!("/{}", &initiative.as_str()[BASE.len()..]);
    let initiative_page = member.get(&initiative_path).await.text();
    assert!(initiative_page.contains("Ajouter à"), "{initiative_page}");
    let collection_iri = first_binding(
        &sparql(&format!(
            "SELECT ?c WHERE {{ <{community}> <{}> ?c }}",
            anc::HAS_COLLECTION.as_str()
        ))
        .await,
    );
    let item = [
        ("action", "ajouter"),
        ("selection", collection_iri.as_str()),
        ("initiative", initiative.as_str()),
        ("suite", initiative_path.as_str()),
    ];
    let put = member
        .submit(
            &initiative_path,
            &format!("{page_path}/selections/elements"),
            &item,
        )
        .await;
    assert_eq!(put.status, StatusCode::SEE_OTHER, "{}", put.text());
    assert_eq!(put.header("location"), initiative_path);

    // The page shows members by name, the collection, and the new initiative; markup is text.
    let html = owner.get(&page_path).await.text();
    for expected in [
        "Odile Proprio",
        "Marc Membre",
        "Ateliers de réparation",
        "Atelier vélo de Bourg",
        "&lt;script&gt;alert(&#39;titre&#39;)&lt;/script&gt;",
    ] {
        assert!(
            html.contains(expected),
            "the community page shows {expected}: {html}"
        );
    }
    assert!(!html.contains("<script>alert"), "the title is escaped");
    assert!(!html.contains("<img src=x"), "the description is escaped");
    assert!(!html.contains("example.org"), "no e-mail address is shown");
    assert!(
        html.contains("type=\"application/atom+xml\""),
        "the page links its feed"
    );

    // The same resource in RDF: ORG memberships naming public agents, never an address.
    let turtle = owner.send_accept(&page_path, "text/turtle").await;
    assert_eq!(turtle.status, StatusCode::OK);
    let text = turtle.text();
    assert!(
        text.contains("http://www.w3.org/ns/org#Membership") || text.contains("org:Membership")
    );
    assert!(text.contains("contributeur/"));
    assert!(!text.contains("example.org"));
    let owners = sparql(&format!(
        "SELECT ?agent WHERE {{ GRAPH <{BASE}graphe/communautes> {{ ?m <http://www.w3.org/ns/org#organization> <{community}> ; <http://www.w3.org/ns/org#role> <{}> ; <http://www.w3.org/ns/org#member> ?agent }} }}",
        anc::OWNER_ROLE.as_str()
    ))
    .await;
    assert_eq!(owners.matches("contributeur/").count(), 1, "{owners}");

    // The last owner cannot be removed; the list page names the community.
    let owner_agent = first_binding(&owners);
    let last = [("action", "retirer"), ("membre", owner_agent.as_str())];
    let refused = owner
        .submit(&page_path, &format!("{page_path}/membres"), &last)
        .await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST);
    let list = owner.get("/communautes").await.text();
    assert!(list.contains("&lt;script&gt;"), "{list}");

    // The community's feed holds the initiative published in one of its communes.
    let feed = feed_of(&mut owner, &page_path).await;
    assert!(
        feed.entries()
            .iter()
            .any(|entry| entry.links()[0].href() == initiative.as_str()),
        "the community feed lists the new initiative"
    );
    let _ = site;
}

#[tokio::test]
async fn an_invitation_answers_the_same_for_any_address_and_publishes_nothing_until_accepted() {
    let site = collab_site();
    let platform = &site.platform;
    let mut owner = Client::new(63);
    owner
        .sign_up("proprio.invite@example.org", "Irène Hôte")
        .await;
    let mut invitee = Client::new(64);
    invitee
        .sign_up("invitee.commu@example.org", "Ivan Invité")
        .await;
    let mut other = Client::new(65);
    other
        .sign_up("autre.invite@example.org", "Olga Autre")
        .await;
    let page_path = create_community(&mut owner, "Réemploi en Bresse").await;
    let community = format!("{BASE}{}", &page_path[1..]);
    let members_path = format!("{page_path}/membres");
    let invitee_account = platform
        .accounts
        .find_by_email("invitee.commu@example.org")
        .unwrap()
        .unwrap();
    let agent = platform
        .config
        .minter
        .contributor(&invitee_account.agent_key);
    let before = public_statements_of(&community, agent.as_str()).await;

    // An address with an account and one without get the same answer, status and body.
    let invite = |address: &'static str| {
        [
            ("action", "inviter"),
            ("courriel", address),
            ("role", "membre"),
        ]
    };
    let known = owner
        .submit(
            &page_path,
            &members_path,
            &invite("invitee.commu@example.org"),
        )
        .await;
    let unknown = owner
        .submit(
            &page_path,
            &members_path,
            &invite("personne.inconnue@example.org"),
        )
        .await;
    assert_eq!(known.status, StatusCode::OK, "{}", known.text());
    assert_eq!(unknown.status, known.status);
    assert_eq!(unknown.header("content-type"), known.header("content-type"));
    assert_eq!(without_csrf(&unknown.text()), without_csrf(&known.text()));
    assert!(
        known.text().contains(
            "Si un compte utilise cette adresse, il trouvera l&#39;invitation sur sa page de compte"
        ),
        "{}",
        known.text()
    );
    assert!(!known.text().contains("invitee.commu") && !known.text().contains("Ivan"));

    // Nothing public changed; one invitation is kept, privately, for the known address only.
    assert_eq!(
        public_statements_of(&community, agent.as_str()).await,
        before
    );
    assert_eq!(invitations_to(&community), 1);
    let pending = platform
        .invitations
        .of_account(&invitee_account.key)
        .unwrap();
    assert_eq!(pending.len(), 1);
    let key = pending[0].key.clone();
    assert!(
        sparql(&format!("ASK {{ GRAPH ?g {{ ?s ?p ?o FILTER(CONTAINS(STR(?s), \"{key}\") || STRSTARTS(STR(?s), \"urn:\")) }} }}"))
            .await
            .contains("false")
    );

    // The invitee sees it; another account cannot answer it, nor can a post without its token.
    let account_page = invitee.get("/compte").await.text();
    assert!(
        account_page.contains("Réemploi en Bresse"),
        "{account_page}"
    );
    assert!(account_page.contains("Irène Hôte"), "{account_page}");
    let accept = [("invitation", key.as_str()), ("action", "accepter")];
    let stolen = other
        .submit("/compte", "/compte/invitations", &accept)
        .await;
    assert_eq!(stolen.status, StatusCode::NOT_FOUND, "{}", stolen.text());
    let forged = invitee.post("/compte/invitations", &accept).await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
    let unknown_key = [("invitation", "0123abcd"), ("action", "accepter")];
    let missing = invitee
        .submit("/compte", "/compte/invitations", &unknown_key)
        .await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    assert_eq!(
        public_statements_of(&community, agent.as_str()).await,
        before
    );

    // Declined: the invitation is gone and nothing public changed.
    let decline = [("invitation", key.as_str()), ("action", "refuser")];
    let declined = invitee
        .submit("/compte", "/compte/invitations", &decline)
        .await;
    assert_eq!(
        declined.status,
        StatusCode::SEE_OTHER,
        "{}",
        declined.text()
    );
    assert_eq!(declined.header("location"), "/compte");
    assert!(
        platform
            .invitations
            .of_account(&invitee_account.key)
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        public_statements_of(&community, agent.as_str()).await,
        before
    );
    assert!(
        !invitee
            .get("/compte")
            .await
            .text()
            .contains("Réemploi en Bresse")
    );

    // Invited again and accepted: the membership appears, with the offered role.
    let again = owner
        .submit(
            &page_path,
            &members_path,
            &invite("invitee.commu@example.org"),
        )
        .await;
    assert_eq!(again.status, StatusCode::OK);
    accept_invitation(&mut invitee, &page_path).await;
    let membership = sparql(&format!(
        "ASK {{ GRAPH <{BASE}graphe/communautes> {{ ?m a org:Membership ; org:organization <{community}> ; \
         org:member <{agent}> ; org:role <{}> }} }}",
        anc::MEMBER_ROLE.as_str(),
        agent = agent.as_str()
    ))
    .await;
    assert!(membership.contains("true"), "{membership}");
    assert!(
        platform
            .invitations
            .of_account(&invitee_account.key)
            .unwrap()
            .is_empty()
    );
    assert!(owner.get(&page_path).await.text().contains("Ivan Invité"));

    // Only owners invite: not a member, not another account.
    for client in [&mut invitee, &mut other] {
        let refused = client
            .submit(
                &page_path,
                &members_path,
                &invite("autre.invite@example.org"),
            )
            .await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN);
    }
    assert_eq!(invitations_to(&community), 0);

    // The old direct adding is gone.
    let direct = [
        ("action", "ajouter"),
        ("courriel", "autre.invite@example.org"),
    ];
    let refused = owner.submit(&page_path, &members_path, &direct).await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST);
}

/// Creates a community around the Ain and returns its page's path.
async fn create_community(owner: &mut Client, name: &str) -> String {
    let fields = [
        ("nom", name),
        ("presentation", ""),
        ("territoire", "Ain (01)"),
    ];
    let created = owner
        .submit("/communautes/nouvelle", "/communautes/nouvelle", &fields)
        .await;
    assert_eq!(created.status, StatusCode::SEE_OTHER, "{}", created.text());
    created.header("location").to_owned()
}

/// Accepts, from the account page, the one invitation it lists, and lands on the community.
async fn accept_invitation(client: &mut Client, page_path: &str) {
    let page = client.get("/compte").await.text();
    let marker = "name=\"invitation\" value=\"";
    let start = page.find(marker).expect("an invitation") + marker.len();
    let key = page[start..start + page[start..].find('"').unwrap()].to_owned();
    let accept = [("invitation", key.as_str()), ("action", "accepter")];
    let accepted = client
        .submit("/compte", "/compte/invitations", &accept)
        .await;
    assert_eq!(
        accepted.status,
        StatusCode::SEE_OTHER,
        "{}",
        accepted.text()
    );
    assert_eq!(accepted.header("location"), page_path);
}

/// Every public statement about the community or its fragments, or naming the agent, sorted.
async fn public_statements_of(community: &str, agent: &str) -> Vec<String> {
    let answer = sparql(&format!(
        "SELECT ?g ?s ?p ?o WHERE {{ GRAPH ?g {{ ?s ?p ?o }} \
         FILTER(STRSTARTS(STR(?s), \"{community}\") || ?s = <{agent}> || ?o = <{agent}>) }}"
    ))
    .await;
    let value: serde_json::Value = serde_json::from_str(&answer).unwrap();
    let mut rows: Vec<String> = value["results"]["bindings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|row| row.to_string())
        .collect();
    rows.sort();
    rows
}

/// How many invitations to the community the private store keeps.
fn invitations_to(community: &str) -> usize {
    let query = format!(
        "SELECT ?i WHERE {{ ?i a <https://w3id.org/ancrage/prive#Invitation> ; \
         <https://w3id.org/ancrage/prive#target> <{community}> }}"
    );
    collab_site()
        .platform
        .private
        .select(&query, &[])
        .unwrap()
        .len()
}

/// An HTML page with its CSRF tokens blanked.
fn without_csrf(html: &str) -> String {
    let marker = "name=\"_csrf\" value=\"";
    let mut parts = html.split(marker);
    let mut out = parts.next().unwrap_or_default().to_owned();
    for part in parts {
        out.push_str(marker);
        out.push_str(part.get(64..).unwrap_or(part));
    }
    out
}

#[tokio::test]
async fn following_needs_a_session_and_its_token_and_stays_private() {
    let mut visitor = Client::new(70);
    let territory = format!("{BASE}territoire/commune/01053");
    let page = "/territoire/commune/01053";
    let follow = [
        ("cible", territory.as_str()),
        ("action", "suivre"),
        ("suite", page),
    ];

    // Without a session, and without the token, nothing is followed.
    let anonymous = visitor
        .submit("/compte/connexion", "/suivre", &follow)
        .await;
    assert_eq!(anonymous.status, StatusCode::FORBIDDEN);
    visitor
        .sign_up("suiveuse@example.org", "Sylvie Suiveuse")
        .await;
    let no_token = visitor.post("/suivre", &follow).await;
    assert_eq!(no_token.status, StatusCode::FORBIDDEN);
    let shown = visitor.get(page).await.text();
    let token = csrf_of(&shown);
    let mut forged = vec![("_csrf", "0".repeat(64))];
    forged.extend(
        follow
            .iter()
            .map(|(name, value)| (*name, (*value).to_owned())),
    );
    let forged: Vec<(&str, &str)> = forged.iter().map(|(n, v)| (*n, v.as_str())).collect();
    assert_eq!(
        visitor.post("/suivre", &forged).await.status,
        StatusCode::FORBIDDEN
    );
    let bad = [
        ("_csrf", token.as_str()),
        ("cible", "http://ailleurs.test/x"),
        ("action", "suivre"),
    ];
    assert_eq!(
        visitor.post("/suivre", &bad).await.status,
        StatusCode::BAD_REQUEST
    );

    // With both, the page and the account page show it, with the feed.
    let followed = visitor.submit(page, "/suivre", &follow).await;
    assert_eq!(
        followed.status,
        StatusCode::SEE_OTHER,
        "{}",
        followed.text()
    );
    assert_eq!(followed.header("location"), page);
    assert!(visitor.get(page).await.text().contains("Ne plus suivre"));
    let account = visitor.get("/compte").await.text();
    assert!(
        account.contains("/territoire/commune/01053/flux.atom"),
        "{account}"
    );

    // The follow is in the private store only: not in SPARQL (any graph), not in the dumps.
    let account_key = collab_site()
        .platform
        .accounts
        .find_by_email("suiveuse@example.org")
        .unwrap()
        .unwrap()
        .key;
    let private_follows = collab_site()
        .platform
        .follows
        .of_account(&account_key)
        .unwrap();
    assert_eq!(private_follows.len(), 1);
    for query in [
        "ASK { ?follow <https://w3id.org/ancrage/prive#target> ?target }".to_owned(),
        "ASK { GRAPH ?g { ?s a <https://w3id.org/ancrage/prive#Follow> } }".to_owned(),
        "ASK { ?s ?p ?o FILTER(STRSTARTS(STR(?s), \"urn:ancrage:abonnement:\")) }".to_owned(),
        format!(
            "ASK {{ ?s ?p ?o FILTER(CONTAINS(STR(?s), \"{account_key}\") || CONTAINS(STR(?o), \"{account_key}\")) }}"
        ),
    ] {
        assert!(sparql(&query).await.contains("false"), "{query}");
    }
    let platform = &collab_site().platform;
    platform
        .refresh_dumps(ancrage::opendata::DumpScope::KeepReferenceData)
        .unwrap();
    let whole = std::fs::read(platform.config.data_dir.join("dumps/ancrage.nq.gz")).unwrap();
    let mut text = String::new();
    std::io::Read::read_to_string(
        &mut flate2::read::MultiGzDecoder::new(&whole[..]),
        &mut text,
    )
    .unwrap();
    assert!(!text.contains("abonnement") && !text.contains(&account_key));
    let search = visitor
        .get(&format!("/api/search?q={account_key}"))
        .await
        .text();
    assert!(
        !search.contains(&account_key[..8]) || search.contains("\"total\":0"),
        "{search}"
    );

    // Unfollowing empties the list.
    let stop = [
        ("cible", territory.as_str()),
        ("action", "arreter"),
        ("suite", page),
    ];
    let stopped = visitor.submit(page, "/suivre", &stop).await;
    assert_eq!(stopped.status, StatusCode::SEE_OTHER);
    assert!(
        platform
            .follows
            .of_account(&account_key)
            .unwrap()
            .is_empty()
    );
    assert!(
        !visitor
            .get("/compte")
            .await
            .text()
            .contains("01053/flux.atom")
    );
}

#[tokio::test]
async fn feeds_hold_the_changes_the_graph_records() {
    // A territory with initiatives, its département, a theme of one of them, and one initiative.
    let commune = select_column(
        "PREFIX anc: <https://w3id.org/ancrage/ontology#>
         SELECT ?t WHERE { ?i anc:territory ?t . FILTER(CONTAINS(STR(?t), '/commune/')) }
         GROUP BY ?t ORDER BY DESC(COUNT(?i)) ?t LIMIT 1",
    );
    let commune = commune.first().expect("a commune with initiatives").clone();
    let departement = select_column(&format!(
        "SELECT ?d WHERE {{ <{commune}> <http://rdf.insee.fr/def/geo#subdivisionDe> ?d . FILTER(CONTAINS(STR(?d), '/departement/')) }}"
    ))[0]
        .clone();
    let theme = select_column(
        "PREFIX anc: <https://w3id.org/ancrage/ontology#>
         SELECT ?c WHERE { ?i anc:theme ?c } GROUP BY ?c ORDER BY DESC(COUNT(?i)) ?c LIMIT 1",
    )[0]
    .clone();
    let initiative = select_column(&format!(
        "SELECT ?i WHERE {{ ?i <{}> <{commune}> }} ORDER BY ?i LIMIT 1",
        anc::TERRITORY.as_str()
    ))[0]
        .clone();

    let scopes = [
        (
            commune.clone(),
            format!("?i anc:territory/igeo:subdivisionDe? <{commune}>"),
        ),
        (
            departement.clone(),
            format!("?i anc:territory/igeo:subdivisionDe? <{departement}>"),
        ),
        (
            theme.clone(),
            format!(
                "?i ?link ?c . ?c skos:broader* <{theme}> . VALUES ?link {{ anc:theme anc:audience anc:method anc:network anc:scale anc:carrierType }}"
            ),
        ),
    ];
    for (resource, pattern) in scopes {
        let expected = expected_changes(&format!(
            "{pattern} FILTER NOT EXISTS {{ ?i prov:invalidatedAtTime ?gone }}"
        ));
        assert!(!expected.is_empty(), "{resource} has changes to show");
        check_feed(&resource, &expected).await;
    }
    let expected = expected_changes(&format!("BIND(<{initiative}> AS ?i)"));
    assert!(
        !expected.is_empty(),
        "a harvested initiative has its harvest"
    );
    check_feed(&initiative, &expected).await;

    // Pages link their feed; a resource without a feed has none.
    let page = get(&format!("/{}", &commune[BASE.len()..]), Some("text/html")).await;
    assert!(
        page.text()
            .contains(&format!("href=\"/{}/flux.atom\"", &commune[BASE.len()..]))
    );
    let none = get("/source/france-services/flux.atom", None).await;
    assert_eq!(none.status, StatusCode::NOT_FOUND);
    let none = get("/territoire/commune/99999/flux.atom", None).await;
    assert_eq!(none.status, StatusCode::NOT_FOUND);
}

/// The entries a feed must hold, by an independent reading of the graph: (entry id, RFC 3339
/// time, initiative), the 50 latest, ties in IRI order.
fn expected_changes(scope_pattern: &str) -> Vec<(String, String)> {
    let query = format!(
        "PREFIX anc: <https://w3id.org/ancrage/ontology#>
         PREFIX igeo: <http://rdf.insee.fr/def/geo#>
         PREFIX prov: <http://www.w3.org/ns/prov#>
         PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
         SELECT DISTINCT ?i ?changed WHERE {{
           {scope_pattern}
           {{ ?i prov:wasDerivedFrom/prov:wasGeneratedBy/prov:endedAtTime ?changed }}
           UNION {{ ?r anc:revisionOf ?i ; prov:endedAtTime ?changed }}
         }}"
    );
    let rows = site().platform.store.select(&query, &[]).unwrap();
    let mut changes: Vec<(chrono::DateTime<chrono::Utc>, String)> = rows
        .iter()
        .map(|row| {
            (
                ancrage::rdf::parse_date_time(row.text("changed").unwrap()).unwrap(),
                row.text("i").unwrap().to_owned(),
            )
        })
        .collect();
    changes.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| a.1.cmp(&b.1)));
    changes.truncate(ancrage::feed::FEED_LIMIT);
    changes
        .into_iter()
        .map(|(time, iri)| (iri, time.to_rfc3339()))
        .collect()
}

async fn check_feed(resource: &str, expected: &[(String, String)]) {
    let answer = get(&format!("/{}/flux.atom", &resource[BASE.len()..]), None).await;
    assert_eq!(
        answer.status,
        StatusCode::OK,
        "{resource}: {}",
        answer.text()
    );
    assert!(answer.media_type() == "application/atom+xml");
    let feed: Feed = answer.text().parse().expect("the feed is Atom");
    assert_eq!(feed.id(), format!("{resource}/flux.atom"));
    let shown: Vec<(String, String)> = feed
        .entries()
        .iter()
        .map(|entry| {
            assert!(entry.id().starts_with(entry.links()[0].href()));
            (
                entry.links()[0].href().to_owned(),
                entry.updated().to_rfc3339(),
            )
        })
        .collect();
    let shown_set: BTreeSet<_> = shown.iter().collect();
    let expected_set: BTreeSet<_> = expected.iter().collect();
    assert_eq!(
        shown_set, expected_set,
        "the feed of {resource} holds what the graph says"
    );
    let mut sorted = shown.clone();
    sorted.sort_by(|a, b| b.1.cmp(&a.1));
    assert_eq!(
        sorted.iter().map(|pair| &pair.1).collect::<Vec<_>>(),
        shown.iter().map(|pair| &pair.1).collect::<Vec<_>>(),
        "newest first"
    );
}

async fn feed_of(client: &mut Client, page_path: &str) -> Feed {
    let answer = client.get(&format!("{page_path}/flux.atom")).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.text());
    answer.text().parse().expect("the feed is Atom")
}

/// Publishes a new initiative in a commune of the collaboration site, as the moderation does.
fn publish_initiative(name: &str, commune: &str) -> NamedNode {
    let platform = &collab_site().platform;
    let minter = &platform.config.minter;
    let initiative = minter.initiative("contribution", &ancrage::account::token::new_key());
    let commune = minter.territory(ancrage::iri::TerritoryKind::Commune, commune);
    let about = |predicate: oxigraph::model::NamedNodeRef<'_>, object: oxigraph::model::Term| {
        Triple::new(initiative.clone(), predicate, object)
    };
    let mut diff = TripleDiff::default();
    diff.added.push(about(
        oxigraph::model::vocab::rdf::TYPE,
        anc::INITIATIVE.into_owned().into(),
    ));
    diff.added
        .push(about(anc::NAME, Literal::new_simple_literal(name).into()));
    diff.added.push(about(anc::TERRITORY, commune.into()));
    platform
        .history()
        .publish(&ChangeRequest {
            initiative: initiative.clone(),
            diff,
            author: AgentRef {
                key: "moderation-communautes".to_owned(),
                display_name: "Modération".to_owned(),
            },
            comment: None,
            contribution: None,
            reverts: None,
        })
        .unwrap();
    initiative
}

/// The first IRI bound in a SPARQL JSON answer.
fn first_binding(json: &str) -> String {
    let value: serde_json::Value = serde_json::from_str(json).unwrap();
    value["results"]["bindings"][0]
        .as_object()
        .and_then(|binding| binding.values().next())
        .and_then(|term| term["value"].as_str())
        .unwrap_or_default()
        .to_owned()
}

impl Client {
    async fn send_accept(&mut self, path: &str, accept: &str) -> Answer {
        let request = axum::http::Request::get(path)
            .header("accept", accept)
            .body(axum::body::Body::empty())
            .unwrap();
        self.send(request).await
    }
}

//! The collaborative space in a real browser: headless Chromium drives an `ancrage serve`
//! process through sign-up, a proposal with a fault, its fix, publication by a moderator made
//! with `ancrage admin create-user`, an edit, its diff in the history and its revert.
//!
//! Every text field is filled with markup that would set `window.__xss` if it ran, and every
//! page showing that text is checked: the variable must stay undefined while the page's own
//! script (the suggestions of the lookup fields) does run.
//!
//! Chromium is required: without it the test fails (CI installs Debian's `chromium`).

use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

use headless_chrome::Tab;

use crate::chrome::{PAGE_TIMEOUT, Server, evaluate, launch_browser, wait_for};

const MODERATOR: &str = "moderation@exemple.test";
const PASSWORD: &str = "une phrase de passe solide";

/// Markup that sets `window.__xss` if a page ever lets it run, one per text field.
const NAME: &str = "Atelier <script>window.__xss = 1</script> vélo";
const DESCRIPTION: &str = "Réparation \"><img src=x onerror=\"window.__xss = 1\"> solidaire.";
const STREET: &str = "2 rue <svg onload=\"window.__xss = 1\">";
const LOCALITY: &str = "Bourg <iframe src=\"javascript:top.__xss = 1\"></iframe>";
const HOURS: &str = "</textarea><script>window.__xss = 1</script> lundi";
const EMAIL: &str = "\"><img/src=x/onerror=window.__xss=1>@exemple.fr";
const COMMENT: &str = "<script>window.__xss = 1</script> vu en mairie";
const DISPLAY_NAME: &str = "<img src=x onerror=\"window.__xss = 1\">";
const REPORT: &str = "<script>window.__xss = 1</script> le téléphone a changé";

#[test]
fn contributing_in_a_browser_publishes_edits_reverts_and_runs_no_contributed_script() {
    let work = tempfile::tempdir().unwrap();
    let data = work.path().join("data");
    create_moderator(&data);
    let server = Server::start(&data, &work.path().join("serveur.log"), "/compte/connexion");
    let browser = launch_browser(&work.path().join("profil"), 1024);
    let tab = browser.new_tab().unwrap();
    tab.set_default_timeout(PAGE_TIMEOUT);
    let url = |path: &str| format!("{}{path}", server.address);

    // Sign up, with markup as the public name.
    open(&tab, &url("/compte/inscription"));
    fill(&tab, "#email", "contributrice@exemple.test");
    fill(&tab, "#nom", DISPLAY_NAME);
    fill(&tab, "#mot_de_passe", PASSWORD);
    submit(&tab, "form[action='/compte/inscription'] button");
    wait_for(&tab, "location.pathname === '/compte'");
    assert_no_script_ran(&tab, "the account page");

    // A proposal with a faulty postcode and a javascript: address: the report shows and nothing
    // is saved. The commune comes from the suggestions, which proves the page's script runs.
    open(&tab, &url("/contribuer"));
    fill_proposal(&tab);
    type_into(&tab, "input[name='anc-commune']", "Bourg-en-B");
    wait_for(
        &tab,
        "[...document.querySelectorAll('#liste-anc-commune option')].some(o => o.value === 'Bourg-en-Bresse (01053)')",
    );
    fill(&tab, "input[name='anc-commune']", "Bourg-en-Bresse (01053)");
    fill(&tab, "input[name='anc-postalCode']", "1200");
    fill(
        &tab,
        "input[name='anc-website']",
        "javascript:window.__xss = 1",
    );
    submit(&tab, "button[value='envoyer']");
    wait_for(&tab, "document.querySelector('#rapport') !== null");
    let report = text_of(&tab, "#rapport");
    assert!(report.contains("rien n'a été enregistré"), "{report}");
    assert!(text_of(&tab, "#champ-anc-postalCode").contains("cinq chiffres"));
    assert!(text_of(&tab, "#champ-anc-website").contains("https://"));
    assert_eq!(
        evaluate(
            &tab,
            "document.querySelectorAll('a[href^=\"javascript:\"]').length"
        ),
        0
    );
    assert_no_script_ran(&tab, "the form with its report");

    // Fixed, it is sent for moderation.
    fill(&tab, "input[name='anc-postalCode']", "01000");
    fill(
        &tab,
        "input[name='anc-website']",
        "https://velo.exemple.fr/",
    );
    submit(&tab, "button[value='envoyer']");
    wait_for(
        &tab,
        "document.body.innerText.includes('Proposition envoyée')",
    );
    assert_no_script_ran(&tab, "the confirmation");
    open(&tab, &url("/compte"));
    assert!(text_of(&tab, "main").contains("En attente de modération"));
    assert_no_script_ran(&tab, "the list of one's proposals");
    submit(&tab, "form[action='/compte/deconnexion'] button");
    wait_for(&tab, "location.pathname === '/'");

    // The moderator made with the command line publishes it.
    log_in(&tab, &url("/compte/connexion"), MODERATOR);
    open(&tab, &url("/moderation"));
    assert_no_script_ran(&tab, "the moderation queue");
    submit(&tab, "main table a");
    wait_for(&tab, "document.querySelector('.diff .added') !== null");
    assert!(
        text_of(&tab, ".diff").contains(NAME),
        "the diff shows the text as typed"
    );
    assert_no_script_ran(&tab, "a proposal's diff");
    submit(&tab, "form[action$='/publier'] button");
    wait_for(
        &tab,
        "location.pathname.startsWith('/initiative/contribution/')",
    );
    let initiative_path: String =
        serde_json::from_value(evaluate(&tab, "location.pathname")).unwrap();
    assert_eq!(text_of(&tab, "h1"), NAME);
    assert!(text_of(&tab, ".description").contains("solidaire"));
    assert!(text_of(&tab, "#historique ~ .history").contains(DISPLAY_NAME));
    assert_no_script_ran(&tab, "the initiative's page");
    for territory in ["/territoire/commune/01053", "/territoire/departement/01"] {
        let feed = territory_feed(&url(&format!("{territory}/flux.atom")));
        let entry = feed
            .entries()
            .iter()
            .find(|entry| {
                entry
                    .links()
                    .iter()
                    .any(|link| link.href().ends_with(&initiative_path))
            })
            .unwrap_or_else(|| panic!("the published initiative is in the feed of {territory}"));
        assert_eq!(entry.title().as_str(), NAME);
    }
    open(&tab, &url("/recherche?q=atelier%20velo"));
    assert!(text_of(&tab, "main").contains("Atelier"));
    assert_no_script_ran(&tab, "the search results");

    // On the map of the same search: a marker is drawn, and the list beside the map links it.
    open(&tab, &url("/carte?q=atelier%20velo"));
    wait_for(
        &tab,
        &format!("document.querySelector('#carte-panneau a[href=\"{initiative_path}\"]') !== null"),
    );
    wait_for(
        &tab,
        "window.ancrageCarte && window.ancrageCarte.loads >= 1 \
         && document.querySelectorAll('#carte .leaflet-marker-icon').length >= 1",
    );
    assert_no_script_ran(&tab, "the map of the search");

    // An edit, from the prefilled form, then its diff in the history.
    open(&tab, &url(&format!("{initiative_path}/modifier")));
    let hours: String = serde_json::from_value(evaluate(
        &tab,
        "document.querySelector(\"textarea[name='anc-openingHours']\").value",
    ))
    .unwrap();
    assert_eq!(hours, HOURS, "the prefilled text is the text, not markup");
    assert_no_script_ran(&tab, "the prefilled edit form");
    fill(
        &tab,
        "textarea[name='anc-description']",
        "Atelier ouvert le samedi matin.",
    );
    fill(&tab, "textarea[name='contribution-rdfs-comment']", COMMENT);
    submit(&tab, "button[value='envoyer']");
    wait_for(
        &tab,
        "document.body.innerText.includes('Proposition envoyée')",
    );
    open(&tab, &url("/moderation"));
    submit(&tab, "main table a");
    wait_for(&tab, "document.querySelector('.diff .removed') !== null");
    submit(&tab, "form[action$='/publier'] button");
    wait_for(&tab, &format!("location.pathname === '{initiative_path}'"));
    let history = text_of(&tab, ".history");
    assert!(
        history.contains("Atelier ouvert le samedi matin."),
        "{history}"
    );
    assert!(
        history.contains("Retiré") && history.contains("Ajouté"),
        "{history}"
    );
    assert_eq!(
        evaluate(&tab, "document.querySelectorAll('.history > li').length"),
        2
    );
    assert_no_script_ran(&tab, "the history with its diff");

    // The revert brings the first description back, as a third revision.
    submit(&tab, ".history > li:first-child form button");
    wait_for(
        &tab,
        "document.querySelectorAll('.history > li').length === 3",
    );
    assert!(text_of(&tab, ".description").contains("solidaire"));
    assert!(!text_of(&tab, ".description").contains("samedi"));
    assert_no_script_ran(&tab, "the page after the revert");

    // A visitor reports an error; the moderator reads it in the queue.
    let revision_href: String = serde_json::from_value(evaluate(
        &tab,
        "document.querySelector('.history > li a').getAttribute('href')",
    ))
    .unwrap();
    open(&tab, &url(&revision_href));
    assert_no_script_ran(&tab, "a revision's page");
    open(&tab, &url(&initiative_path));
    evaluate(&tab, "document.querySelector('.report-form').open = true");
    fill(&tab, "#signalement", REPORT);
    submit(&tab, ".report-form button");
    wait_for(
        &tab,
        "document.body.innerText.includes('Signalement transmis')",
    );
    open(&tab, &url("/moderation"));
    assert!(text_of(&tab, "main").contains("le téléphone a changé"));
    assert_no_script_ran(&tab, "the queue with a report");
}

fn fill_proposal(tab: &Tab) {
    fill(tab, "input[name='anc-name']", NAME);
    fill(tab, "textarea[name='anc-description']", DESCRIPTION);
    fill(tab, "input[name='anc-streetAddress']", STREET);
    fill(tab, "input[name='anc-addressLocality']", LOCALITY);
    fill(tab, "textarea[name='anc-openingHours']", HOURS);
    fill(tab, "input[name='anc-email']", EMAIL);
    fill(tab, "textarea[name='contribution-rdfs-comment']", COMMENT);
    evaluate(
        tab,
        "document.querySelector(\"input[name='anc-theme']\").checked = true",
    );
}

fn log_in(tab: &Tab, url: &str, email: &str) {
    open(tab, url);
    fill(tab, "#email", email);
    fill(tab, "#mot_de_passe", PASSWORD);
    submit(tab, "form[action='/compte/connexion'] button");
    wait_for(tab, "location.pathname === '/compte'");
}

/// Loads a page and waits for it to be complete.
fn open(tab: &Tab, url: &str) {
    tab.navigate_to(url).unwrap();
    tab.wait_until_navigated().unwrap();
    wait_for(tab, "document.readyState === 'complete'");
}

/// Sets a field's value as if typed.
fn fill(tab: &Tab, selector: &str, value: &str) {
    let script = format!(
        "(() => {{ const field = document.querySelector({}); field.value = {}; \
         field.dispatchEvent(new Event('input', {{ bubbles: true }})); return true; }})()",
        json(selector),
        json(value)
    );
    assert_eq!(evaluate(tab, &script), true, "no field {selector}");
}

/// Types text key by key, for the fields whose script reacts to typing.
fn type_into(tab: &Tab, selector: &str, text: &str) {
    tab.wait_for_element(selector).unwrap().click().unwrap();
    tab.type_str(text).unwrap();
}

/// Clicks a button or link; the caller waits for what the click leads to.
fn submit(tab: &Tab, selector: &str) {
    let script = format!(
        "(() => {{ const target = document.querySelector({}); if (!target) return false; \
         target.click(); return true; }})()",
        json(selector)
    );
    assert_eq!(
        evaluate(tab, &script),
        true,
        "nothing to click at {selector}"
    );
}

fn text_of(tab: &Tab, selector: &str) -> String {
    let script = format!(
        "document.querySelector({})?.innerText ?? ''",
        json(selector)
    );
    serde_json::from_value(evaluate(tab, &script)).unwrap()
}

/// Waits for the page to load fully and for images to fail, then checks no payload ran.
fn assert_no_script_ran(tab: &Tab, page: &str) {
    wait_for(tab, "document.readyState === 'complete'");
    std::thread::sleep(Duration::from_millis(300));
    let state = evaluate(tab, "typeof window.__xss");
    assert_eq!(state, "undefined", "a contributed script ran on {page}");
}

fn json(text: &str) -> String {
    serde_json::to_string(text).unwrap()
}

/// `ancrage admin create-user`, with the password on standard input, before the server runs.
fn create_moderator(data: &Path) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_ancrage"))
        .args([
            "admin",
            "create-user",
            "--role",
            "moderator",
            "--name",
            "Modération",
        ])
        .args(["--email", MODERATOR, "--password-stdin", "--data"])
        .arg(data)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    writeln!(child.stdin.take().unwrap(), "{PASSWORD}").unwrap();
    let output = child.wait_with_output().unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

/// The Atom feed at `url`, parsed.
fn territory_feed(url: &str) -> atom_syndication::Feed {
    let mut response = ureq::get(url).call().unwrap();
    let content_type = response
        .headers()
        .get("content-type")
        .and_then(|value| value.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    assert!(
        content_type.starts_with("application/atom+xml"),
        "{content_type}"
    );
    let xml = response.body_mut().read_to_string().unwrap();
    xml.parse().unwrap()
}

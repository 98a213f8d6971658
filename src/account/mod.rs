//! People who write in the collaborative space: accounts and their roles, sessions, password
//! resets and API tokens. All of it lives in the private store, under `urn:ancrage:` IRIs that
//! no public document names; the only public trace of an account is its agent IRI
//! (`contributeur/{key}`) and display name, written with the revisions it made.

mod mailer;
mod password;
mod role;
pub mod token;

use std::sync::Mutex;
use std::time::Duration;

use chrono::Utc;
use oxigraph::model::vocab::rdf;
use oxigraph::model::{Literal, NamedNode, Quad, Term};

pub use self::mailer::{LogMailer, Mailer, OutgoingMail};
pub use self::password::{MAX_PASSWORD_BYTES, MIN_PASSWORD_CHARS};
pub use self::role::Role;
use crate::rdf::{QuadBuffer, SubjectFacts, date_time, parse_date_time as parse_time};
use crate::store::{Store, StoreError};
use crate::vocab::ancp;

/// How long a session lasts without a new login.
pub const SESSION_LIFETIME: Duration = Duration::from_secs(14 * 24 * 3600);
/// How long a password-reset link works.
pub const RESET_LIFETIME: Duration = Duration::from_secs(3600);
/// Longest display name, in characters.
const MAX_DISPLAY_NAME_CHARS: usize = 80;

/// Graphs of the private store.
const ACCOUNTS_GRAPH: &str = "urn:ancrage:prive:comptes";
const SESSIONS_GRAPH: &str = "urn:ancrage:prive:sessions";
const TOKENS_GRAPH: &str = "urn:ancrage:prive:jetons";

/// What can go wrong with accounts.
#[derive(Debug, thiserror::Error)]
pub enum AccountError {
    /// The private store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// Another account has this e-mail address.
    #[error("an account already exists for this e-mail address")]
    EmailTaken,
    /// The e-mail address is not one.
    #[error("the e-mail address is not valid")]
    InvalidEmail,
    /// The password is too short or too long.
    #[error("the password must have at least {MIN_PASSWORD_CHARS} characters")]
    WeakPassword,
    /// The display name is empty, too long, or an e-mail address.
    #[error("the display name must have 2 to {MAX_DISPLAY_NAME_CHARS} characters and no @")]
    InvalidDisplayName,
    /// No account has this e-mail address.
    #[error("no account has the e-mail address {0}")]
    UnknownAccount(String),
    /// The token is unknown, used or expired.
    #[error("the link is unknown, already used or expired")]
    InvalidToken,
    /// The password could not be hashed.
    #[error("the password could not be hashed: {0}")]
    Hash(String),
}

/// An account, as the platform knows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Account {
    /// Random key naming the account in the private store.
    pub key: String,
    /// E-mail address, in lower case; never published.
    pub email: String,
    /// The name shown with the person's revisions.
    pub display_name: String,
    /// What the account may do.
    pub role: Role,
    /// Random key of the public agent IRI standing for the account.
    pub agent_key: String,
}

/// What is needed to create an account.
#[derive(Debug, Clone)]
pub struct NewAccount<'a> {
    /// E-mail address.
    pub email: &'a str,
    /// Display name.
    pub display_name: &'a str,
    /// Password in clear, hashed before it is stored.
    pub password: &'a str,
    /// Role.
    pub role: Role,
}

/// The accounts of the private store.
pub struct Accounts {
    store: Store,
    /// Writes that check then insert (a new e-mail, a token's single use) run one at a time.
    write_lock: Mutex<()>,
}

impl Accounts {
    /// The accounts kept in `store`, the private store.
    pub fn new(store: Store) -> Self {
        Self {
            store,
            write_lock: Mutex::new(()),
        }
    }

    /// Creates an account; the e-mail address must be new.
    pub fn create(&self, new: &NewAccount<'_>) -> Result<Account, AccountError> {
        let email = normalize_email(new.email).ok_or(AccountError::InvalidEmail)?;
        let display_name = check_display_name(new.display_name)?;
        if !password::is_acceptable(new.password) {
            return Err(AccountError::WeakPassword);
        }
        let hash = password::hash_password(new.password).map_err(AccountError::Hash)?;
        let _one_writer = self.lock();
        if self.find_by_email(&email)?.is_some() {
            return Err(AccountError::EmailTaken);
        }
        let account = Account {
            key: token::new_key(),
            email,
            display_name,
            role: new.role,
            agent_key: token::new_key(),
        };
        let iri = account_iri(&account.key);
        let mut quads = QuadBuffer::new(NamedNode::new_unchecked(ACCOUNTS_GRAPH));
        quads.add_type(&iri, ancp::ACCOUNT);
        quads.add_text(&iri, ancp::EMAIL, &account.email);
        quads.add_text(&iri, ancp::PASSWORD_HASH, &hash);
        quads.add_text(&iri, ancp::DISPLAY_NAME, &account.display_name);
        quads.add_text(&iri, ancp::ROLE, account.role.as_str());
        quads.add_text(&iri, ancp::AGENT_KEY, &account.agent_key);
        quads.add(iri.clone(), ancp::CREATED, date_time(Utc::now()));
        self.store.insert_quads(&quads.into_quads())?;
        Ok(account)
    }

    /// The account with this e-mail address.
    pub fn find_by_email(&self, email: &str) -> Result<Option<Account>, AccountError> {
        let Some(email) = normalize_email(email) else {
            return Ok(None);
        };
        let literal = Term::from(Literal::new_simple_literal(email));
        let subjects = self.store.subjects(ancp::EMAIL, literal.as_ref())?;
        match subjects.first() {
            Some(oxigraph::model::NamedOrBlankNode::NamedNode(iri)) => self.read(iri),
            _ => Ok(None),
        }
    }

    /// The account with this key.
    pub fn get(&self, key: &str) -> Result<Option<Account>, AccountError> {
        self.read(&account_iri(key))
    }

    /// Every account, by e-mail address.
    pub fn list(&self) -> Result<Vec<Account>, AccountError> {
        let class = Term::from(ancp::ACCOUNT.into_owned());
        let mut accounts = Vec::new();
        for subject in self.store.subjects(rdf::TYPE, class.as_ref())? {
            if let oxigraph::model::NamedOrBlankNode::NamedNode(iri) = subject
                && let Some(account) = self.read(&iri)?
            {
                accounts.push(account);
            }
        }
        accounts.sort_by(|a, b| a.email.cmp(&b.email));
        Ok(accounts)
    }

    /// The account whose e-mail and password match; `None` otherwise. An unknown address costs
    /// the same hashing time as a wrong password, so that timing does not reveal accounts.
    pub fn authenticate(
        &self,
        email: &str,
        password: &str,
    ) -> Result<Option<Account>, AccountError> {
        let found = self.find_by_email(email)?;
        let stored_hash = match &found {
            Some(account) => self
                .facts(&account_iri(&account.key))?
                .text(ancp::PASSWORD_HASH)
                .map(str::to_owned),
            None => None,
        };
        let hash = stored_hash.unwrap_or_else(decoy_hash);
        let matches = password::verify_password(password, &hash);
        Ok(found.filter(|_| matches))
    }

    /// Changes the role of the account with this e-mail address.
    pub fn set_role(&self, email: &str, role: Role) -> Result<Account, AccountError> {
        let account = self
            .find_by_email(email)?
            .ok_or_else(|| AccountError::UnknownAccount(email.to_owned()))?;
        let iri = account_iri(&account.key);
        let facts = self.facts(&iri)?;
        let mut quads = QuadBuffer::new(NamedNode::new_unchecked(ACCOUNTS_GRAPH));
        quads.add_text(&iri, ancp::ROLE, role.as_str());
        self.store
            .apply_change(&facts.quads_of(ancp::ROLE), &quads.into_quads())?;
        Ok(Account { role, ..account })
    }

    /// Opens a session for `account` and returns its secret token, for the session cookie.
    /// Expired sessions of every account are dropped on the way.
    pub fn open_session(&self, account: &Account) -> Result<String, AccountError> {
        self.drop_expired_sessions()?;
        let secret = token::new_token();
        let quads = token_quads(
            SESSIONS_GRAPH,
            &session_iri(&secret),
            ancp::SESSION,
            &account.key,
            SESSION_LIFETIME,
        );
        self.store.insert_quads(&quads)?;
        Ok(secret)
    }

    /// The account of a live session.
    pub fn session_account(&self, secret: &str) -> Result<Option<Account>, AccountError> {
        if !token::is_well_formed(secret) {
            return Ok(None);
        }
        let facts = self.facts(&session_iri(secret))?;
        if facts.is_empty() {
            return Ok(None);
        }
        if is_expired(&facts) {
            self.store.apply_change(facts.quads(), &[])?;
            return Ok(None);
        }
        match facts.iri(ancp::ACCOUNT_PROP) {
            Some(account) => self.read(account),
            None => Ok(None),
        }
    }

    /// Ends a session.
    pub fn close_session(&self, secret: &str) -> Result<(), AccountError> {
        if token::is_well_formed(secret) {
            let facts = self.facts(&session_iri(secret))?;
            self.store.apply_change(facts.quads(), &[])?;
        }
        Ok(())
    }

    /// A single-use password-reset token for the account with this e-mail address, if any.
    pub fn issue_reset_token(
        &self,
        email: &str,
    ) -> Result<Option<(Account, String)>, AccountError> {
        let Some(account) = self.find_by_email(email)? else {
            return Ok(None);
        };
        let secret = token::new_token();
        let quads = token_quads(
            TOKENS_GRAPH,
            &reset_iri(&secret),
            ancp::RESET_TOKEN,
            &account.key,
            RESET_LIFETIME,
        );
        self.store.insert_quads(&quads)?;
        Ok(Some((account, secret)))
    }

    /// Sets a new password with a reset token, which is then spent; the account's open sessions
    /// are closed, since whoever held them may have known the old password.
    pub fn reset_password(
        &self,
        secret: &str,
        new_password: &str,
    ) -> Result<Account, AccountError> {
        if !password::is_acceptable(new_password) {
            return Err(AccountError::WeakPassword);
        }
        if !token::is_well_formed(secret) {
            return Err(AccountError::InvalidToken);
        }
        let hash = password::hash_password(new_password).map_err(AccountError::Hash)?;
        let _one_writer = self.lock();
        let token_facts = self.facts(&reset_iri(secret))?;
        let account_iri = token_facts
            .iri(ancp::ACCOUNT_PROP)
            .cloned()
            .filter(|_| !is_expired(&token_facts))
            .ok_or(AccountError::InvalidToken)?;
        let account = self.read(&account_iri)?.ok_or(AccountError::InvalidToken)?;
        let account_facts = self.facts(&account_iri)?;
        let mut removed = token_facts.quads().to_vec();
        removed.extend(account_facts.quads_of(ancp::PASSWORD_HASH));
        removed.extend(self.sessions_of(&account_iri)?);
        let mut added = QuadBuffer::new(NamedNode::new_unchecked(ACCOUNTS_GRAPH));
        added.add_text(&account_iri, ancp::PASSWORD_HASH, &hash);
        self.store.apply_change(&removed, &added.into_quads())?;
        Ok(account)
    }

    /// A new API token for `account`, named `label`; the token itself is shown only now.
    pub fn issue_api_token(&self, account: &Account, label: &str) -> Result<String, AccountError> {
        self.issue_api_token_until(account, label, None)
    }

    /// A new API token for `account` that stops working at `expires` (never when `None`).
    pub fn issue_api_token_until(
        &self,
        account: &Account,
        label: &str,
        expires: Option<chrono::DateTime<Utc>>,
    ) -> Result<String, AccountError> {
        let secret = token::new_token();
        let iri = api_token_iri(&secret);
        let mut quads = QuadBuffer::new(NamedNode::new_unchecked(TOKENS_GRAPH));
        quads.add_type(&iri, ancp::API_TOKEN);
        quads.add_link(&iri, ancp::ACCOUNT_PROP, &account_iri(&account.key));
        quads.add_text(&iri, ancp::LABEL, label);
        quads.add(iri.clone(), ancp::CREATED, date_time(Utc::now()));
        if let Some(expires) = expires {
            quads.add(iri.clone(), ancp::EXPIRES, date_time(expires));
        }
        self.store.insert_quads(&quads.into_quads())?;
        Ok(secret)
    }

    /// The account an API token was issued to, while the token has not expired.
    pub fn api_token_account(&self, secret: &str) -> Result<Option<Account>, AccountError> {
        if !token::is_well_formed(secret) {
            return Ok(None);
        }
        let facts = self.facts(&api_token_iri(secret))?;
        if facts.text(ancp::EXPIRES).is_some() && is_expired(&facts) {
            return Ok(None);
        }
        match facts.iri(ancp::ACCOUNT_PROP) {
            Some(account) => self.read(account),
            None => Ok(None),
        }
    }

    /// Lets `account` write `graph` as a partner (see `crate::partner`).
    pub fn grant_graph(&self, account: &Account, graph: &NamedNode) -> Result<(), AccountError> {
        let iri = account_iri(&account.key);
        let mut quads = QuadBuffer::new(NamedNode::new_unchecked(ACCOUNTS_GRAPH));
        quads.add_link(&iri, ancp::WRITES_GRAPH, graph);
        self.store.insert_quads(&quads.into_quads())?;
        Ok(())
    }

    /// The graphs `account` may write as a partner, sorted; empty for other accounts.
    pub fn writable_graphs(&self, account: &Account) -> Result<Vec<NamedNode>, AccountError> {
        let iri = account_iri(&account.key);
        let mut graphs: Vec<NamedNode> = self
            .store
            .objects(iri.as_ref(), ancp::WRITES_GRAPH)?
            .into_iter()
            .filter_map(|term| match term {
                Term::NamedNode(graph) => Some(graph),
                _ => None,
            })
            .collect();
        graphs.sort();
        graphs.dedup();
        Ok(graphs)
    }

    fn read(&self, iri: &NamedNode) -> Result<Option<Account>, AccountError> {
        let facts = self.facts(iri)?;
        let key = account_key(iri).unwrap_or_default();
        let (Some(email), Some(display_name), Some(role), Some(agent_key)) = (
            facts.text(ancp::EMAIL),
            facts.text(ancp::DISPLAY_NAME),
            facts.text(ancp::ROLE).and_then(Role::parse),
            facts.text(ancp::AGENT_KEY),
        ) else {
            return Ok(None);
        };
        Ok(Some(Account {
            key: key.to_owned(),
            email: email.to_owned(),
            display_name: display_name.to_owned(),
            role,
            agent_key: agent_key.to_owned(),
        }))
    }

    /// Every statement of the open sessions of an account.
    fn sessions_of(&self, account: &NamedNode) -> Result<Vec<Quad>, StoreError> {
        let graph = NamedNode::new_unchecked(SESSIONS_GRAPH);
        let quads = self.store.graph_quads(graph.as_ref())?;
        let owner = Term::from(account.clone());
        Ok(quads
            .iter()
            .filter(|quad| quad.predicate == ancp::ACCOUNT_PROP && quad.object == owner)
            .flat_map(|owned| quads.iter().filter(|quad| quad.subject == owned.subject))
            .cloned()
            .collect())
    }

    fn facts(&self, iri: &NamedNode) -> Result<SubjectFacts, StoreError> {
        Ok(SubjectFacts::new(
            iri.clone(),
            self.store.describe(iri.as_ref())?,
        ))
    }

    fn drop_expired_sessions(&self) -> Result<(), StoreError> {
        let graph = NamedNode::new_unchecked(SESSIONS_GRAPH);
        let quads = self.store.graph_quads(graph.as_ref())?;
        let now = Utc::now();
        let expired: Vec<Quad> = quads
            .iter()
            .filter(|quad| quad.predicate == ancp::EXPIRES)
            .filter(|quad| match &quad.object {
                Term::Literal(literal) => parse_time(literal.value()).is_none_or(|end| end < now),
                _ => true,
            })
            .flat_map(|expired| quads.iter().filter(|quad| quad.subject == expired.subject))
            .cloned()
            .collect();
        if !expired.is_empty() {
            self.store.apply_change(&expired, &[])?;
        }
        Ok(())
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, ()> {
        self.write_lock
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// `alice@example.org` in lower case without surrounding spaces, if it looks like an address.
pub fn normalize_email(email: &str) -> Option<String> {
    let email = email.trim().to_lowercase();
    let (local, domain) = email.split_once('@')?;
    let valid = !local.is_empty()
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && email.len() <= 254
        && !email
            .chars()
            .any(|c| c.is_whitespace() || c.is_control() || c == '<' || c == '>')
        && !domain.contains('@');
    valid.then_some(email)
}

const ACCOUNT_PREFIX: &str = "urn:ancrage:compte:";

/// The private IRI of the account with this key (never published).
pub fn account_iri(key: &str) -> NamedNode {
    NamedNode::new_unchecked(format!(
        "{ACCOUNT_PREFIX}{}",
        crate::iri::encode_segment(key)
    ))
}

/// The key of an account, from its private IRI.
pub fn account_key(iri: &NamedNode) -> Option<&str> {
    iri.as_str().strip_prefix(ACCOUNT_PREFIX)
}

fn session_iri(secret: &str) -> NamedNode {
    NamedNode::new_unchecked(format!("urn:ancrage:session:{}", token::digest(secret)))
}

fn reset_iri(secret: &str) -> NamedNode {
    NamedNode::new_unchecked(format!(
        "urn:ancrage:reinitialisation:{}",
        token::digest(secret)
    ))
}

fn api_token_iri(secret: &str) -> NamedNode {
    NamedNode::new_unchecked(format!("urn:ancrage:jeton-api:{}", token::digest(secret)))
}

fn token_quads(
    graph: &str,
    iri: &NamedNode,
    class: oxigraph::model::NamedNodeRef<'_>,
    account_key: &str,
    lifetime: Duration,
) -> Vec<Quad> {
    let expires = Utc::now() + chrono::Duration::from_std(lifetime).unwrap_or_default();
    let mut quads = QuadBuffer::new(NamedNode::new_unchecked(graph));
    quads.add_type(iri, class);
    quads.add_link(iri, ancp::ACCOUNT_PROP, &account_iri(account_key));
    quads.add(iri.clone(), ancp::EXPIRES, date_time(expires));
    quads.into_quads()
}

fn is_expired(facts: &SubjectFacts) -> bool {
    facts
        .text(ancp::EXPIRES)
        .and_then(parse_time)
        .is_none_or(|end| end < Utc::now())
}

fn check_display_name(name: &str) -> Result<String, AccountError> {
    let name: String = name.split_whitespace().collect::<Vec<_>>().join(" ");
    let length = name.chars().count();
    if (2..=MAX_DISPLAY_NAME_CHARS).contains(&length) && !name.contains('@') {
        Ok(name)
    } else {
        Err(AccountError::InvalidDisplayName)
    }
}

/// A hash of a random password, verified when no account matches so that both paths cost the
/// same.
fn decoy_hash() -> String {
    static DECOY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DECOY
        .get_or_init(|| password::hash_password(&token::new_token()).unwrap_or_default())
        .clone()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn accounts() -> Accounts {
        Accounts::new(Store::in_memory().unwrap())
    }

    fn alice() -> NewAccount<'static> {
        NewAccount {
            email: " Alice@Example.org ",
            display_name: "Alice  Martin",
            password: "cheval agrafe pile",
            role: Role::Contributor,
        }
    }

    #[test]
    fn an_account_is_found_by_its_address_and_its_password_only() {
        let accounts = accounts();
        let created = accounts.create(&alice()).unwrap();
        assert_eq!(created.email, "alice@example.org");
        assert_eq!(created.display_name, "Alice Martin");
        assert!(matches!(
            accounts.create(&alice()),
            Err(AccountError::EmailTaken)
        ));
        let found = accounts
            .authenticate("ALICE@example.org", "cheval agrafe pile")
            .unwrap();
        assert_eq!(found, Some(created.clone()));
        assert_eq!(
            accounts
                .authenticate("alice@example.org", "cheval")
                .unwrap(),
            None
        );
        assert_eq!(
            accounts
                .authenticate("bob@example.org", "cheval agrafe pile")
                .unwrap(),
            None
        );
        assert_eq!(accounts.get(&created.key).unwrap(), Some(created));
    }

    #[test]
    fn bad_addresses_names_and_passwords_are_refused() {
        let accounts = accounts();
        let refused = |email, display_name, password| {
            accounts
                .create(&NewAccount {
                    email,
                    display_name,
                    password,
                    role: Role::Contributor,
                })
                .unwrap_err()
        };
        assert!(matches!(
            refused("alice", "Alice", "cheval agrafe pile"),
            AccountError::InvalidEmail
        ));
        assert!(matches!(
            refused("a@b.fr", "a@b.fr", "cheval agrafe pile"),
            AccountError::InvalidDisplayName
        ));
        assert!(matches!(
            refused("a@b.fr", "Alice", "court"),
            AccountError::WeakPassword
        ));
    }

    #[test]
    fn a_session_names_its_account_until_it_is_closed() {
        let accounts = accounts();
        let account = accounts.create(&alice()).unwrap();
        let secret = accounts.open_session(&account).unwrap();
        assert_eq!(accounts.session_account(&secret).unwrap(), Some(account));
        assert_eq!(accounts.session_account(&token::new_token()).unwrap(), None);
        assert_eq!(accounts.session_account("not a token").unwrap(), None);
        accounts.close_session(&secret).unwrap();
        assert_eq!(accounts.session_account(&secret).unwrap(), None);
    }

    #[test]
    fn a_reset_token_sets_a_new_password_once() {
        let accounts = accounts();
        let account = accounts.create(&alice()).unwrap();
        let session = accounts.open_session(&account).unwrap();
        let (_, secret) = accounts
            .issue_reset_token("alice@example.org")
            .unwrap()
            .unwrap();
        assert!(
            accounts
                .issue_reset_token("nobody@example.org")
                .unwrap()
                .is_none()
        );
        accounts
            .reset_password(&secret, "nouveau mot de passe")
            .unwrap();
        assert!(matches!(
            accounts.reset_password(&secret, "encore un autre"),
            Err(AccountError::InvalidToken)
        ));
        assert!(
            accounts
                .authenticate("alice@example.org", "nouveau mot de passe")
                .unwrap()
                .is_some()
        );
        assert!(
            accounts
                .authenticate("alice@example.org", "cheval agrafe pile")
                .unwrap()
                .is_none()
        );
        assert_eq!(
            accounts.session_account(&session).unwrap(),
            None,
            "sessions are closed"
        );
    }

    #[test]
    fn roles_change_and_api_tokens_name_their_account() {
        let accounts = accounts();
        let account = accounts.create(&alice()).unwrap();
        let promoted = accounts
            .set_role("alice@example.org", Role::Moderator)
            .unwrap();
        assert_eq!(promoted.role, Role::Moderator);
        assert_eq!(
            accounts.get(&account.key).unwrap().unwrap().role,
            Role::Moderator
        );
        let secret = accounts.issue_api_token(&promoted, "partenaire").unwrap();
        assert_eq!(
            accounts.api_token_account(&secret).unwrap().unwrap().key,
            account.key
        );
        assert!(
            accounts
                .api_token_account(&token::new_token())
                .unwrap()
                .is_none()
        );
    }

    #[test]
    fn an_expired_api_token_names_no_account_and_partners_have_their_graphs() {
        let accounts = accounts();
        let account = accounts.create(&alice()).unwrap();
        let past = Utc::now() - chrono::Duration::hours(1);
        let expired = accounts
            .issue_api_token_until(&account, "périmé", Some(past))
            .unwrap();
        assert!(accounts.api_token_account(&expired).unwrap().is_none());
        assert!(accounts.writable_graphs(&account).unwrap().is_empty());
        let graph = NamedNode::new_unchecked("http://e.test/graphe/partenaire/a");
        accounts.grant_graph(&account, &graph).unwrap();
        accounts.grant_graph(&account, &graph).unwrap();
        assert_eq!(accounts.writable_graphs(&account).unwrap(), vec![graph]);
    }
}

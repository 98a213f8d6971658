//! `ancrage admin`: accounts managed from the command line, first of all the first
//! administrator. It opens the private store directly, so the server must be stopped.

use std::io::BufRead;
use std::process::ExitCode;

use anyhow::Context;

use crate::account::{Accounts, NewAccount, Role, token};
use crate::cli::{AdminCommand, StoreArgs};
use crate::store::Store;

/// Runs one `admin` command.
pub fn run(command: &AdminCommand) -> anyhow::Result<ExitCode> {
    match command {
        AdminCommand::CreateUser {
            store,
            email,
            role,
            name,
            password_stdin,
        } => {
            let role = parse_role(role)?;
            let (password, generated) = if *password_stdin {
                (read_password()?, false)
            } else {
                (token::new_token()[..24].to_owned(), true)
            };
            let accounts = open_accounts(store)?;
            let account = accounts.create(&NewAccount {
                email,
                display_name: name.as_deref().unwrap_or("Équipe ancrage"),
                password: &password,
                role,
            })?;
            eprintln!(
                "Compte créé : {} ({})",
                account.email,
                account.role.as_str()
            );
            if generated {
                println!("{password}");
                eprintln!("Le mot de passe ci-dessus n'est affiché qu'une fois : notez-le.");
            }
            Ok(ExitCode::SUCCESS)
        }
        AdminCommand::SetRole { store, email, role } => {
            let account = open_accounts(store)?.set_role(email, parse_role(role)?)?;
            eprintln!(
                "{} a maintenant le rôle {}",
                account.email,
                account.role.as_str()
            );
            Ok(ExitCode::SUCCESS)
        }
        AdminCommand::CreatePartner {
            store,
            email,
            id,
            name,
            expires_days,
        } => create_partner(store, email, id, name.as_deref(), *expires_days),
        AdminCommand::IssueToken {
            store,
            email,
            label,
            expires_days,
        } => {
            let (accounts, _) = open_accounts_with_config(store)?;
            let account = accounts
                .find_by_email(email)?
                .with_context(|| format!("no account has the e-mail address {email}"))?;
            if accounts.writable_graphs(&account)?.is_empty() {
                anyhow::bail!("{email} is not a partner: run `ancrage admin create-partner` first");
            }
            let token = accounts.issue_api_token_until(&account, label, expiry(*expires_days))?;
            print_token_once(&token);
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// Creates or reuses the account, grants it its partner graph and prints a token.
fn create_partner(
    store: &StoreArgs,
    email: &str,
    id: &str,
    name: Option<&str>,
    expires_days: Option<u32>,
) -> anyhow::Result<ExitCode> {
    let valid_id = !id.is_empty()
        && id.len() <= 64
        && id
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
    if !valid_id {
        anyhow::bail!("the partner id {id:?} must be 1 to 64 lower-case letters, digits or dashes");
    }
    let (accounts, config) = open_accounts_with_config(store)?;
    let account = match accounts.find_by_email(email)? {
        Some(account) => account,
        None => accounts.create(&NewAccount {
            email,
            display_name: name.unwrap_or(id),
            // Partners write with their token; this password is never shown.
            password: &token::new_token(),
            role: Role::Contributor,
        })?,
    };
    let graph = crate::partner::partner_graph(&config.minter, id);
    accounts.grant_graph(&account, &graph)?;
    let token = accounts.issue_api_token_until(
        &account,
        &format!("partenaire {id}"),
        expiry(expires_days),
    )?;
    eprintln!(
        "{} écrit maintenant le graphe <{}>",
        account.email,
        graph.as_str()
    );
    print_token_once(&token);
    Ok(ExitCode::SUCCESS)
}

fn print_token_once(token: &str) {
    println!("{token}");
    eprintln!("Le jeton ci-dessus n'est affiché qu'une fois : seule son empreinte est gardée.");
}

fn expiry(days: Option<u32>) -> Option<chrono::DateTime<chrono::Utc>> {
    days.map(|days| chrono::Utc::now() + chrono::Duration::days(i64::from(days)))
}

fn open_accounts(args: &StoreArgs) -> anyhow::Result<Accounts> {
    Ok(open_accounts_with_config(args)?.0)
}

fn open_accounts_with_config(args: &StoreArgs) -> anyhow::Result<(Accounts, crate::Config)> {
    let config = crate::Config::for_data_dir(args.data.clone(), args.bind, args.base.as_deref())?;
    let store = Store::open(&config.private_store_dir()).with_context(|| {
        format!(
            "cannot open the private store in {}: stop the server that uses it first",
            config.private_store_dir().display()
        )
    })?;
    Ok((Accounts::new(store), config))
}

fn parse_role(name: &str) -> anyhow::Result<Role> {
    Role::parse(name)
        .with_context(|| format!("unknown role {name:?}: give contributor, moderator or admin"))
}

/// The first line of standard input, without its line end.
fn read_password() -> anyhow::Result<String> {
    let mut line = String::new();
    std::io::stdin().lock().read_line(&mut line)?;
    Ok(line.trim_end_matches(['\r', '\n']).to_owned())
}

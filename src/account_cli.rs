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
    }
}

fn open_accounts(args: &StoreArgs) -> anyhow::Result<Accounts> {
    let config = crate::Config::new(args.data.clone(), args.bind, args.base.as_deref())?;
    let store = Store::open(&config.private_store_dir()).with_context(|| {
        format!(
            "cannot open the private store in {}: stop the server that uses it first",
            config.private_store_dir().display()
        )
    })?;
    Ok(Accounts::new(store))
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

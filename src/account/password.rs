//! Password hashing with Argon2id, kept as PHC strings (`$argon2id$v=19$...`), which carry their
//! own salt and parameters.

use argon2::Argon2;
use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};

/// Shortest password accepted, in characters.
pub const MIN_PASSWORD_CHARS: usize = 10;
/// Longest password accepted, in bytes: more only costs the server time.
pub const MAX_PASSWORD_BYTES: usize = 1024;

/// The PHC string of `password`, with a fresh random salt.
pub fn hash_password(password: &str) -> Result<String, String> {
    Argon2::default()
        .hash_password(password.as_bytes())
        .map(|hash| hash.to_string())
        .map_err(|error| error.to_string())
}

/// Whether `password` matches the PHC string `phc`; a malformed string matches nothing.
pub fn verify_password(password: &str, phc: &str) -> bool {
    let Ok(parsed) = PasswordHash::new(phc) else {
        return false;
    };
    Argon2::default()
        .verify_password(password.as_bytes(), &parsed)
        .is_ok()
}

/// Whether a password is long enough and not absurdly long.
pub fn is_acceptable(password: &str) -> bool {
    password.chars().count() >= MIN_PASSWORD_CHARS && password.len() <= MAX_PASSWORD_BYTES
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hash_verifies_its_password_only_and_salts_differ() {
        let first = hash_password("cheval agrafe pile").unwrap();
        let second = hash_password("cheval agrafe pile").unwrap();
        assert!(first.starts_with("$argon2id$"));
        assert_ne!(first, second, "each hash has its own salt");
        assert!(verify_password("cheval agrafe pile", &first));
        assert!(!verify_password("cheval agrafe pile ", &first));
        assert!(!verify_password("cheval agrafe pile", "not a PHC string"));
    }
}

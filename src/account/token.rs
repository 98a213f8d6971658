//! Secret tokens (sessions, password resets, API access): random, shown once, stored only as
//! their SHA-256 digest so that a copy of the private store opens no session.

use sha2::{Digest, Sha256};

/// A new random token: 256 bits as 64 hexadecimal digits.
pub fn new_token() -> String {
    let bytes: [u8; 32] = rand::random();
    hex(&bytes)
}

/// A new random key for IRIs (drafts, agents, accounts): 64 bits as 16 hexadecimal digits.
pub fn new_key() -> String {
    format!("{:016x}", rand::random::<u64>())
}

/// The SHA-256 digest of `text`, in hexadecimal.
pub fn digest(text: &str) -> String {
    hex(&Sha256::digest(text.as_bytes()))
}

/// Whether two strings are equal, in a time that depends on their lengths only.
pub fn same_secret(expected: &str, given: &str) -> bool {
    let differences = expected
        .bytes()
        .zip(given.bytes())
        .fold(0u8, |acc, (a, b)| acc | (a ^ b));
    differences == 0 && expected.len() == given.len()
}

/// Whether `text` looks like a token this module made (so that lookups never see junk).
pub fn is_well_formed(text: &str) -> bool {
    text.len() == 64 && text.bytes().all(|byte| byte.is_ascii_hexdigit())
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|byte| format!("{byte:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_random_well_formed_and_digests_differ_from_them() {
        let token = new_token();
        assert!(is_well_formed(&token));
        assert_ne!(token, new_token());
        assert_ne!(digest(&token), token);
        assert_eq!(digest("abc").len(), 64);
        assert!(same_secret(&token, &token.clone()));
        assert!(!same_secret(&token, &token[..63]));
        assert!(!is_well_formed("zz"));
    }
}

//! The order of results and the cursor that resumes it on the next page.
//!
//! Results are ordered by score (descending), then by a shuffle key (ascending: zero for all
//! documents unless the request has a `fair_seed`), then by IRI. Every part is a function of
//! the document and the request only, so the position of a document does not move when other
//! documents are added, changed or removed, and a cursor holding the last key of a page resumes
//! exactly after it.

use std::cmp::Ordering;

use super::error::SearchError;

const CURSOR_VERSION: u8 = 1;
const MAX_CURSOR_CHARS: usize = 8192;

/// Where a hit stands in the result order.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct RankKey {
    pub score: f32,
    pub shuffle: u64,
    pub iri: String,
}

/// The position after which the next page starts, bound to the request that produced it.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Cursor {
    pub after: RankKey,
    pub seed: Option<u64>,
    /// Hash of the request's text and filters: a cursor only resumes the request it came from.
    pub fingerprint: u64,
}

impl RankKey {
    /// `Less` when `self` comes first in the results.
    pub(super) fn cmp_rank(&self, other: &RankKey) -> Ordering {
        compare_rank(self.score, self.shuffle, other.score, other.shuffle)
            .then_with(|| self.iri.cmp(&other.iri))
    }
}

impl Cursor {
    /// Encodes the cursor as lower-case hexadecimal, safe in a URL.
    pub(super) fn encode(&self) -> String {
        let mut bytes = Vec::with_capacity(32 + self.after.iri.len());
        bytes.push(CURSOR_VERSION);
        bytes.extend_from_slice(&self.after.score.to_bits().to_be_bytes());
        bytes.extend_from_slice(&self.after.shuffle.to_be_bytes());
        bytes.extend_from_slice(&self.fingerprint.to_be_bytes());
        match self.seed {
            Some(seed) => {
                bytes.push(1);
                bytes.extend_from_slice(&seed.to_be_bytes());
            }
            None => bytes.push(0),
        }
        bytes.extend_from_slice(self.after.iri.as_bytes());
        bytes.iter().map(|byte| format!("{byte:02x}")).collect()
    }

    /// Decodes a cursor made by [`Cursor::encode`]; anything else is a client error.
    pub(super) fn decode(text: &str) -> Result<Cursor, SearchError> {
        if text.len() > MAX_CURSOR_CHARS {
            return Err(SearchError::bad_cursor("it is too long"));
        }
        let bytes = decode_hex(text).ok_or(SearchError::bad_cursor("it is not hexadecimal"))?;
        let mut reader = ByteReader { bytes: &bytes };
        if reader.take::<1>()? != [CURSOR_VERSION] {
            return Err(SearchError::bad_cursor(
                "it comes from another version of the search",
            ));
        }
        let score = f32::from_bits(u32::from_be_bytes(reader.take()?));
        let shuffle = u64::from_be_bytes(reader.take()?);
        let fingerprint = u64::from_be_bytes(reader.take()?);
        let seed = match reader.take::<1>()? {
            [0] => None,
            [1] => Some(u64::from_be_bytes(reader.take()?)),
            _ => return Err(SearchError::bad_cursor("it is corrupted")),
        };
        if !score.is_finite() || score < 0.0 {
            return Err(SearchError::bad_cursor("it is corrupted"));
        }
        let iri = String::from_utf8(reader.bytes.to_vec())
            .map_err(|_| SearchError::bad_cursor("it is corrupted"))?;
        Ok(Cursor {
            after: RankKey {
                score,
                shuffle,
                iri,
            },
            seed,
            fingerprint,
        })
    }
}

/// Orders (score, shuffle) pairs: higher scores first, then lower shuffle keys.
#[inline]
pub(super) fn compare_rank(
    score: f32,
    shuffle: u64,
    other_score: f32,
    other_shuffle: u64,
) -> Ordering {
    other_score
        .total_cmp(&score)
        .then(shuffle.cmp(&other_shuffle))
}

/// A stable 64-bit hash of an IRI, stored in the index as the input of [`shuffle_key`].
pub(super) fn iri_hash(iri: &str) -> u64 {
    mix64(fnv1a(iri.as_bytes()))
}

/// The seeded shuffle key of a document: distinct IRIs hashes give distinct keys for one seed.
#[inline]
pub(super) fn shuffle_key(seed: u64, iri_hash: u64) -> u64 {
    mix64(iri_hash ^ mix64(seed ^ 0x9e37_79b9_7f4a_7c15))
}

/// FNV-1a: stable across Rust versions and platforms, unlike the standard library's hasher.
pub(super) fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |hash, &byte| {
        (hash ^ u64::from(byte)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

/// The splitmix64 finaliser: a bijection on `u64` that spreads every input bit.
fn mix64(mut value: u64) -> u64 {
    value = (value ^ (value >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    value = (value ^ (value >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    value ^ (value >> 31)
}

fn decode_hex(text: &str) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(2) || !text.is_ascii() {
        return None;
    }
    (0..text.len())
        .step_by(2)
        .map(|idx| u8::from_str_radix(&text[idx..idx + 2], 16).ok())
        .collect()
}

struct ByteReader<'a> {
    bytes: &'a [u8],
}

impl ByteReader<'_> {
    fn take<const N: usize>(&mut self) -> Result<[u8; N], SearchError> {
        let Some((head, rest)) = self.bytes.split_first_chunk::<N>() else {
            return Err(SearchError::bad_cursor("it is truncated"));
        };
        self.bytes = rest;
        Ok(*head)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cursor(seed: Option<u64>) -> Cursor {
        let after = RankKey {
            score: 2.5,
            shuffle: 42,
            iri: "https://ex.org/é".to_string(),
        };
        Cursor {
            after,
            seed,
            fingerprint: 7,
        }
    }

    #[test]
    fn cursors_round_trip() {
        for seed in [None, Some(0), Some(u64::MAX)] {
            let cursor = cursor(seed);
            assert_eq!(Cursor::decode(&cursor.encode()).unwrap(), cursor);
        }
    }

    #[test]
    fn malformed_cursors_are_client_errors() {
        let encoded = cursor(None).encode();
        for bad in [
            "",
            "zz",
            "0",
            &encoded[..20],
            &format!("02{}", &encoded[2..]),
        ] {
            let error = Cursor::decode(bad).unwrap_err();
            assert!(error.is_client_error(), "{bad}: {error}");
        }
    }

    #[test]
    fn rank_puts_higher_scores_then_lower_keys_first() {
        let key = |score, shuffle, iri: &str| RankKey {
            score,
            shuffle,
            iri: iri.to_string(),
        };
        assert_eq!(key(2.0, 9, "b").cmp_rank(&key(1.0, 0, "a")), Ordering::Less);
        assert_eq!(key(1.0, 1, "b").cmp_rank(&key(1.0, 2, "a")), Ordering::Less);
        assert_eq!(key(1.0, 1, "a").cmp_rank(&key(1.0, 1, "b")), Ordering::Less);
    }

    #[test]
    fn shuffle_keys_depend_on_the_seed() {
        let hashes: Vec<u64> = (0..50).map(|n| iri_hash(&format!("iri:{n}"))).collect();
        let order = |seed| {
            let mut sorted = hashes.clone();
            sorted.sort_by_key(|&hash| shuffle_key(seed, hash));
            sorted
        };
        assert_eq!(order(1), order(1));
        assert_ne!(order(1), order(2));
    }
}

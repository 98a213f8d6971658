//! Bounds checked on untrusted text before any recursive parser sees it.

use std::fmt;

/// A limit that an input went past.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LimitExceeded {
    /// The input is longer than allowed.
    Size {
        /// Bytes in the input.
        actual: usize,
        /// Bytes allowed.
        limit: usize,
    },
    /// The query may build a string longer than allowed (CONCAT or REPLACE in a chain).
    StringGrowth {
        /// Upper bound of the longest string, in bytes.
        bound: u64,
        /// Bytes allowed.
        limit: u64,
    },
    /// Brackets, braces or parentheses are nested deeper than allowed.
    Nesting {
        /// Depth allowed.
        limit: usize,
        /// Byte offset where the limit was passed.
        offset: usize,
    },
}

impl fmt::Display for LimitExceeded {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Size { actual, limit } => write!(
                f,
                "the input is {actual} bytes long, more than the {limit} bytes allowed"
            ),
            Self::StringGrowth { bound, limit } => write!(
                f,
                "the query may build strings of up to {bound} bytes, more than the {limit} \
                 allowed: avoid chains of CONCAT or REPLACE that grow a value at each step"
            ),
            Self::Nesting { limit, offset } => write!(
                f,
                "groups are nested more than {limit} levels deep (at byte {offset}): \
                 flatten the query or the document"
            ),
        }
    }
}

/// Checks size and nesting depth of SPARQL or Turtle-like text in one linear pass that skips
/// strings, IRIs and comments.
pub fn check_text(text: &str, max_bytes: usize, max_nesting: usize) -> Result<(), LimitExceeded> {
    if text.len() > max_bytes {
        return Err(LimitExceeded::Size {
            actual: text.len(),
            limit: max_bytes,
        });
    }
    let bytes = text.as_bytes();
    let mut depth = 0usize;
    let mut position = 0;
    while position < bytes.len() {
        position = match bytes[position] {
            b'{' | b'(' | b'[' => {
                depth += 1;
                if depth > max_nesting {
                    return Err(LimitExceeded::Nesting {
                        limit: max_nesting,
                        offset: position,
                    });
                }
                position + 1
            }
            b'}' | b')' | b']' => {
                depth = depth.saturating_sub(1);
                position + 1
            }
            b'#' => skip_until(bytes, position, b'\n'),
            b'<' => skip_iri(bytes, position),
            quote @ (b'"' | b'\'') => skip_string(bytes, position, quote),
            _ => position + 1,
        };
    }
    Ok(())
}

fn skip_until(bytes: &[u8], start: usize, end: u8) -> usize {
    bytes[start..]
        .iter()
        .position(|byte| *byte == end)
        .map_or(bytes.len(), |at| start + at + 1)
}

/// Skips `<...>` when it is an IRI; a `<` used as "less than" is a single character.
fn skip_iri(bytes: &[u8], start: usize) -> usize {
    for (offset, byte) in bytes[start + 1..].iter().enumerate() {
        match byte {
            b'>' => return start + offset + 2,
            b' ' | b'\t' | b'\n' | b'\r' | b'<' | b'"' | b'{' | b'}' | b'|' | b'^' | b'`' => {
                return start + 1;
            }
            _ => (),
        }
    }
    start + 1
}

fn skip_string(bytes: &[u8], start: usize, quote: u8) -> usize {
    let long = bytes.get(start + 1) == Some(&quote) && bytes.get(start + 2) == Some(&quote);
    let mut position = if long { start + 3 } else { start + 1 };
    while position < bytes.len() {
        match bytes[position] {
            b'\\' => position += 2,
            byte if byte == quote => {
                if !long {
                    return position + 1;
                }
                if bytes.get(position + 1) == Some(&quote)
                    && bytes.get(position + 2) == Some(&quote)
                {
                    return position + 3;
                }
                position += 1;
            }
            b'\n' if !long => return position + 1,
            _ => position += 1,
        }
    }
    bytes.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deep_group_nesting_is_refused_with_its_offset() {
        let query = format!("SELECT * WHERE {}{}", "{".repeat(100), "}".repeat(100));
        let error = check_text(&query, 1 << 20, 64).unwrap_err();
        // The first brace is at byte 15; the 65th, one past the limit, is 64 bytes further.
        assert_eq!(
            error,
            LimitExceeded::Nesting {
                limit: 64,
                offset: 15 + 64
            }
        );
    }

    #[test]
    fn brackets_inside_strings_iris_and_comments_do_not_count() {
        let query = "SELECT * WHERE { ?s <http://e/(((> \"{{{\" . # [[[[\n FILTER(?x < 3) }";
        assert_eq!(check_text(query, 1 << 20, 2), Ok(()));
    }

    #[test]
    fn long_strings_may_hold_quotes_and_newlines() {
        let query = "SELECT * WHERE { ?s ?p \"\"\"a \"quoted\" {{{\n line\"\"\" }";
        assert_eq!(check_text(query, 1 << 20, 1), Ok(()));
    }

    #[test]
    fn size_is_checked_first() {
        assert_eq!(
            check_text("SELECT * {}", 5, 10),
            Err(LimitExceeded::Size {
                actual: 11,
                limit: 5
            })
        );
    }
}

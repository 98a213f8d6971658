//! `sh:pattern` with `sh:flags`: XPath-style regular expressions compiled once per shape.

use oxrdf::vocab::xsd;
use oxrdf::{Literal, Term};
use regex::Regex;

use super::error::ShapeError;
use super::vocab as sh;

/// A compiled `sh:pattern`, searched anywhere in the string as XPath `fn:matches` does.
#[derive(Debug, Clone)]
pub(super) struct Pattern {
    /// The pattern as written in the shapes graph.
    pub(super) source: String,
    /// The `sh:flags` as written, if any.
    pub(super) flags: Option<String>,
    regex: Regex,
}

impl Pattern {
    /// Compiles the pattern of `shape` with its flags: `i`, `m`, `s` and `x` become inline
    /// flags, and `q` makes the whole pattern a literal string.
    pub(super) fn compile(
        shape: &Term,
        source: String,
        flags: Option<String>,
    ) -> Result<Self, ShapeError> {
        let (inline_flags, quoted) = read_flags(shape, flags.as_deref().unwrap_or_default())?;

        // FIXME: XPath regular expressions are compiled with Rust `regex` syntax, so XPath-only
        // forms such as class subtraction `[a-z-[aeiou]]` or the `\i` and `\c` escapes are
        // rejected; a translation step from XPath to `regex` syntax would accept them.
        let body = if quoted {
            regex::escape(&source)
        } else {
            source.clone()
        };
        let expression = if inline_flags.is_empty() {
            body
        } else {
            format!("(?{inline_flags}){body}")
        };
        match Regex::new(&expression) {
            Ok(regex) => Ok(Self {
                source,
                flags,
                regex,
            }),
            Err(error) => Err(ShapeError::InvalidPattern {
                shape: shape.clone(),
                pattern: source,
                source: error,
            }),
        }
    }

    /// Whether the pattern occurs in the text.
    pub(super) fn is_match(&self, text: &str) -> bool {
        self.regex.is_match(text)
    }
}

/// The inline flags to prefix, and whether `q` asks for a literal match.
fn read_flags(shape: &Term, flags: &str) -> Result<(String, bool), ShapeError> {
    let mut inline_flags = String::new();
    let mut quoted = false;
    for flag in flags.chars() {
        match flag {
            'i' | 'm' | 's' | 'x' => inline_flags.push(flag),
            'q' => quoted = true,
            _ => {
                let value = Literal::new_typed_literal(flags, xsd::STRING).into();
                let expected = "flags among s, m, i, x and q";
                return Err(ShapeError::invalid_value(shape, sh::FLAGS, value, expected));
            }
        }
    }
    Ok((inline_flags, quoted))
}

#[cfg(test)]
mod tests {
    use super::*;
    use oxrdf::NamedNode;

    fn pattern(source: &str, flags: Option<&str>) -> Result<Pattern, ShapeError> {
        let shape = NamedNode::new_unchecked("http://example.org/S").into();
        Pattern::compile(&shape, source.to_owned(), flags.map(str::to_owned))
    }

    #[test]
    fn flags_change_matching() {
        assert!(!pattern("^abc", None).unwrap().is_match("ABC"));
        assert!(pattern("^abc", Some("i")).unwrap().is_match("ABC"));
        assert!(pattern("a.c", Some("q")).unwrap().is_match("xa.cx"));
        assert!(!pattern("a.c", Some("q")).unwrap().is_match("abc"));
    }

    #[test]
    fn bad_flags_and_bad_expressions_are_shape_errors() {
        assert!(matches!(
            pattern("a", Some("z")),
            Err(ShapeError::InvalidValue { .. })
        ));
        assert!(matches!(
            pattern("(", None),
            Err(ShapeError::InvalidPattern { .. })
        ));
    }
}

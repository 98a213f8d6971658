//! Why a document matched: the fields its words were found in, and an HTML snippet.

use super::analyzer::{analyze_words, within_edit_distance};
use super::query::QueryWord;

/// Longest snippet cut from a description, in characters (plus the ellipses).
const SNIPPET_CHARS: usize = 200;
/// Characters kept before the first match when the snippet does not start the text.
const LEAD_CHARS: usize = 60;

/// The texts of a hit, as stored.
pub(super) struct HitTexts<'a> {
    pub name: &'a str,
    pub other_texts: &'a [String],
    pub description: Option<&'a str>,
}

/// The explanation of a hit.
pub(super) struct Explanation {
    pub snippet: Option<String>,
    pub matched_fields: Vec<String>,
}

/// Finds the matched fields and builds the snippet.
///
/// The snippet is the part of the description around its first match; failing that, the first
/// other text with a match, then the name. Without query words it is the start of the
/// description. It is HTML-escaped, with `<mark>…</mark>` around matched words.
pub(super) fn explain_hit(words: &[QueryWord], texts: &HitTexts<'_>) -> Explanation {
    let name_matches = find_matches(words, texts.name);
    let other_matches: Vec<(&str, Vec<(usize, usize)>)> = texts
        .other_texts
        .iter()
        .map(|text| (text.as_str(), find_matches(words, text)))
        .collect();
    let description = texts.description.unwrap_or_default();
    let description_matches = find_matches(words, description);

    let mut matched_fields = Vec::new();
    if !name_matches.is_empty() {
        matched_fields.push("name".to_string());
    }
    if other_matches.iter().any(|(_, matches)| !matches.is_empty()) {
        matched_fields.push("other_texts".to_string());
    }
    if !description_matches.is_empty() {
        matched_fields.push("description".to_string());
    }

    let snippet =
        if !description_matches.is_empty() || (words.is_empty() && !description.is_empty()) {
            Some(excerpt(description, &description_matches))
        } else if let Some((text, matches)) = other_matches.iter().find(|(_, m)| !m.is_empty()) {
            Some(mark_html(text, matches, 0, text.len()))
        } else if !name_matches.is_empty() {
            Some(mark_html(texts.name, &name_matches, 0, texts.name.len()))
        } else {
            None
        };
    Explanation {
        snippet,
        matched_fields,
    }
}

/// Byte ranges of the words of `text` that match a query word, exactly or within its typo
/// distance, in text order.
pub(super) fn find_matches(words: &[QueryWord], text: &str) -> Vec<(usize, usize)> {
    if words.is_empty() {
        return Vec::new();
    }
    analyze_words(text)
        .into_iter()
        .filter(|token| {
            words.iter().any(|word| {
                token.stem == word.stem
                    || (word.typo_distance > 0
                        && within_edit_distance(&token.plain, &word.plain, word.typo_distance))
            })
        })
        .map(|token| token.offsets)
        .collect()
}

/// Escapes `text[from..to]` for HTML and wraps the `matches` inside it in `<mark>`.
pub(super) fn mark_html(text: &str, matches: &[(usize, usize)], from: usize, to: usize) -> String {
    let mut html = String::with_capacity(to - from + matches.len() * 13);
    let mut cursor = from;
    for &(start, end) in matches {
        if start < cursor || end > to {
            continue;
        }
        escape_into(&text[cursor..start], &mut html);
        html.push_str("<mark>");
        escape_into(&text[start..end], &mut html);
        html.push_str("</mark>");
        cursor = end;
    }
    escape_into(&text[cursor..to], &mut html);
    html
}

/// Cuts about [`SNIPPET_CHARS`] characters around the first match, at word boundaries.
fn excerpt(text: &str, matches: &[(usize, usize)]) -> String {
    let first_match = matches.first().map_or(0, |&(start, _)| start);
    let mut from = back_by_chars(text, first_match, LEAD_CHARS);
    if from > 0 {
        // Start on the word after the space, not inside a word.
        from = text[from..first_match]
            .find(' ')
            .map_or(first_match, |space| from + space + 1);
    }
    let mut to = forward_by_chars(text, from, SNIPPET_CHARS);
    if to < text.len() {
        to = text[from..to]
            .rfind(' ')
            .map_or(to, |space| from + space)
            .max(first_match_end(matches));
    }

    let mut html = String::new();
    if from > 0 {
        html.push('…');
    }
    html.push_str(mark_html(text, matches, from, to).trim_end());
    if to < text.len() {
        html.push('…');
    }
    html
}

fn first_match_end(matches: &[(usize, usize)]) -> usize {
    matches.first().map_or(0, |&(_, end)| end)
}

fn back_by_chars(text: &str, from: usize, chars: usize) -> usize {
    text[..from]
        .char_indices()
        .rev()
        .nth(chars.saturating_sub(1))
        .map_or(0, |(idx, _)| idx)
}

fn forward_by_chars(text: &str, from: usize, chars: usize) -> usize {
    text[from..]
        .char_indices()
        .nth(chars)
        .map_or(text.len(), |(idx, _)| from + idx)
}

fn escape_into(text: &str, html: &mut String) {
    for c in text.chars() {
        match c {
            '&' => html.push_str("&amp;"),
            '<' => html.push_str("&lt;"),
            '>' => html.push_str("&gt;"),
            '"' => html.push_str("&quot;"),
            '\'' => html.push_str("&#39;"),
            c => html.push(c),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::query::query_words;
    use super::*;

    fn explain(query: &str, name: &str, description: Option<&str>) -> Explanation {
        let texts = HitTexts {
            name,
            other_texts: &[],
            description,
        };
        explain_hit(&query_words(query), &texts)
    }

    #[test]
    fn names_are_escaped_and_marked() {
        let explanation = explain("atelier", "Atelier <script>alert(1)</script> & co", None);
        assert_eq!(
            explanation.snippet.as_deref(),
            Some("<mark>Atelier</mark> &lt;script&gt;alert(1)&lt;/script&gt; &amp; co")
        );
        assert_eq!(explanation.matched_fields, ["name"]);
    }

    #[test]
    fn description_snippets_cut_around_the_first_match() {
        let filler = "Lorem ipsum dolor sit amet. ".repeat(10);
        let description = format!("{filler}Une épicerie solidaire ouverte à tous. {filler}");
        let explanation = explain("epiceries", "Nom", Some(&description));
        let snippet = explanation.snippet.unwrap();
        assert!(
            snippet.starts_with('…') && snippet.ends_with('…'),
            "{snippet}"
        );
        assert!(
            snippet.contains("Une <mark>épicerie</mark> solidaire"),
            "{snippet}"
        );
        assert!(snippet.chars().count() < 230, "{snippet}");
        assert_eq!(explanation.matched_fields, ["description"]);
    }

    #[test]
    fn typos_are_marked_too() {
        let explanation = explain("jardni", "Le jardin partagé", None);
        assert_eq!(
            explanation.snippet.as_deref(),
            Some("Le <mark>jardin</mark> partagé")
        );
    }

    #[test]
    fn without_words_the_snippet_starts_the_description() {
        let explanation = explain("", "Nom", Some("Court <b>texte</b>"));
        assert_eq!(
            explanation.snippet.as_deref(),
            Some("Court &lt;b&gt;texte&lt;/b&gt;")
        );
        assert!(explanation.matched_fields.is_empty());
    }
}

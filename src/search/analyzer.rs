//! French text analysis: the named analyzers used for indexing and queries alike.
//!
//! The stemmed analyzer runs, in this order:
//!
//! 1. [`FrenchWordTokenizer`]: words are runs of letters and digits; an apostrophe after an
//!    elided article (`l'`, `qu'`, `l’`…) ends that article as a token of its own, any other
//!    apostrophe stays inside the word (`aujourd'hui`). Tokens are NFC-normalised, so a
//!    decomposed `é` and a precomposed one give the same token.
//! 2. lower case;
//! 3. [`ElisionFilter`]: drops the elided articles, so `l'emploi` indexes as `emploi`;
//! 4. French stop words, while the accents are still there (the list holds `à`, `été`…);
//! 5. ASCII folding, *before* the stemmer: users type without accents as often as with them, and
//!    Snowball removes different suffixes from `randonnée` and `randonnees`, or `élevée` and
//!    `eleve`; folding first gives the stemmer one spelling of both;
//! 6. the French Snowball stemmer;
//! 7. [`FinalEFilter`]: once the accents are folded, Snowball cannot tell the `ée` of `élevée`
//!    from the `e` of `élève` and removes a single `e`, leaving `eleve` beside `elev`; dropping a
//!    final `e` left on a stem makes both `elev` (and `randonnée`, `randonnees`: `randonn`).
//!
//! The opposite order (stemming first, then folding) breaks `randonnée` / `randonnees` and
//! `Sécurité` / `securite` instead, as the stemmer removes `é` but not `e`.
//!
//! The plain analyzer stops before the stemmer: its terms serve typo tolerance, where the
//! stemmer would turn one typo into several different letters, and prefix completion.

use std::sync::OnceLock;

use tantivy::Index;
use tantivy::tokenizer::{
    AsciiFoldingFilter, Language, LowerCaser, RawTokenizer, RemoveLongFilter, Stemmer,
    StopWordFilter, TextAnalyzer, Token, TokenFilter, TokenStream, Tokenizer,
};
use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

/// Name under which the stemmed French analyzer is registered on the index.
pub const FRENCH_ANALYZER: &str = "ancrage_fr";

/// Name of the same analysis without the stemmer, for typo tolerance and prefixes.
pub const FRENCH_PLAIN_ANALYZER: &str = "ancrage_fr_plain";

/// Articles that French elides before a vowel, without their apostrophe.
const ELIDED_ARTICLES: &[&str] = &[
    "l", "d", "qu", "j", "n", "s", "c", "t", "m", "jusqu", "lorsqu", "puisqu", "quoiqu",
];

/// Words that tantivy's French list lacks but that carry no meaning in a search.
const EXTRA_STOP_WORDS: &[&str] = &["a", "est"];

/// Tokens longer than this (in bytes) are dropped: they are identifiers or noise, not words.
const MAX_TOKEN_BYTES: usize = 64;

/// One word of a text, as both analyzers see it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AnalyzedWord {
    /// The indexed form: folded and stemmed.
    pub stem: String,
    /// The folded form before stemming.
    pub plain: String,
    /// Byte range of the word in the analysed text.
    pub offsets: (usize, usize),
}

/// The stemmed French analyzer registered as [`FRENCH_ANALYZER`].
pub fn french_analyzer() -> TextAnalyzer {
    TextAnalyzer::builder(FrenchWordTokenizer)
        .filter(RemoveLongFilter::limit(MAX_TOKEN_BYTES))
        .filter(LowerCaser)
        .filter(ElisionFilter)
        .filter(french_stop_words())
        .filter(extra_stop_words())
        .filter(AsciiFoldingFilter)
        .filter(Stemmer::new(Language::French))
        .filter(FinalEFilter)
        .build()
}

/// The same analysis without the stemmer, registered as [`FRENCH_PLAIN_ANALYZER`].
pub fn french_plain_analyzer() -> TextAnalyzer {
    TextAnalyzer::builder(FrenchWordTokenizer)
        .filter(RemoveLongFilter::limit(MAX_TOKEN_BYTES))
        .filter(LowerCaser)
        .filter(ElisionFilter)
        .filter(french_stop_words())
        .filter(extra_stop_words())
        .filter(AsciiFoldingFilter)
        .build()
}

/// Registers both analyzers on `index` under their names.
pub fn register_analyzers(index: &Index) {
    let manager = index.tokenizers();
    manager.register(FRENCH_ANALYZER, french_analyzer());
    manager.register(FRENCH_PLAIN_ANALYZER, french_plain_analyzer());
}

/// Analyses `text` with both analyzers and pairs their tokens word by word.
///
/// Both analyzers drop the same tokens (elided articles, stop words, long tokens), so the
/// positions of what remains line up.
pub fn analyze_words(text: &str) -> Vec<AnalyzedWord> {
    let mut plain_tokens = Vec::new();
    shared(&PLAIN, french_plain_analyzer)
        .token_stream(text)
        .process(&mut |token: &Token| {
            plain_tokens.push((token.position, token.text.clone()));
        });

    let mut words = Vec::with_capacity(plain_tokens.len());
    let mut plain_iter = plain_tokens.into_iter().peekable();
    shared(&STEMMED, french_analyzer)
        .token_stream(text)
        .process(&mut |token: &Token| {
            while plain_iter
                .next_if(|(position, _)| *position < token.position)
                .is_some()
            {}
            let plain = match plain_iter.next_if(|(position, _)| *position == token.position) {
                Some((_, plain)) => plain,
                None => token.text.clone(),
            };
            words.push(AnalyzedWord {
                stem: token.text.clone(),
                plain,
                offsets: (token.offset_from, token.offset_to),
            });
        });
    words
}

/// The folded words of text being typed, for prefix completion: complete words without stop
/// words, and the last word kept whatever it is when the text ends inside it, since `la` may be
/// the start of `laverie`.
pub fn prefix_terms(text: &str) -> Vec<String> {
    let mut folder = TextAnalyzer::builder(FrenchWordTokenizer)
        .filter(RemoveLongFilter::limit(MAX_TOKEN_BYTES))
        .filter(LowerCaser)
        .filter(ElisionFilter)
        .filter(AsciiFoldingFilter)
        .build();
    let mut tokens: Vec<(String, usize)> = Vec::new();
    folder.token_stream(text).process(&mut |token: &Token| {
        tokens.push((token.text.clone(), token.offset_to));
    });

    let mut plain = shared(&PLAIN, french_plain_analyzer);
    let mut terms = Vec::with_capacity(tokens.len());
    for (term, offset_to) in tokens {
        let is_partial = offset_to == text.len();
        let mut is_stop_word = true;
        plain
            .token_stream(&term)
            .process(&mut |_: &Token| is_stop_word = false);
        if is_partial || !is_stop_word {
            terms.push(term);
        }
    }
    terms
}

/// Stems a word already in plain form (lower case, folded), giving its term in the stemmed
/// field.
pub fn stem_plain_word(plain: &str) -> String {
    let mut stem = String::new();
    shared(&PLAIN_STEMMER, plain_stemmer)
        .token_stream(plain)
        .process(&mut |token: &Token| stem.push_str(&token.text));
    stem
}

/// The edit distance a typo may have from a word of this plain form: none below 5 letters,
/// 1 from 5 letters, 2 from 9 letters.
pub fn typo_distance(plain: &str) -> u8 {
    match plain.chars().count() {
        0..5 => 0,
        5..9 => 1,
        _ => 2,
    }
}

/// Whether `a` and `b` are at most `max` edits apart, counting insertions, deletions,
/// substitutions and swaps of adjacent letters as one edit each (as tantivy's fuzzy query does
/// with transpositions enabled).
pub fn within_edit_distance(a: &str, b: &str, max: u8) -> bool {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let max = usize::from(max);
    if a.len().abs_diff(b.len()) > max {
        return false;
    }

    // Three rows of the optimal-string-alignment table are enough: the swap looks two back.
    let mut before_previous = vec![0usize; b.len() + 1];
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    let mut current = vec![0usize; b.len() + 1];
    for i in 1..=a.len() {
        current[0] = i;
        for j in 1..=b.len() {
            let substitution = previous[j - 1] + usize::from(a[i - 1] != b[j - 1]);
            let mut best = substitution.min(previous[j] + 1).min(current[j - 1] + 1);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                best = best.min(before_previous[j - 2] + 1);
            }
            current[j] = best;
        }
        std::mem::swap(&mut before_previous, &mut previous);
        std::mem::swap(&mut previous, &mut current);
    }
    previous[b.len()] <= max
}

/// Splits text into words and elided articles; see the module documentation.
#[derive(Clone, Copy, Debug, Default)]
pub struct FrenchWordTokenizer;

/// Token stream of [`FrenchWordTokenizer`].
pub struct FrenchWordStream<'a> {
    text: &'a str,
    cursor: usize,
    token: Token,
}

impl Tokenizer for FrenchWordTokenizer {
    type TokenStream<'a> = FrenchWordStream<'a>;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> FrenchWordStream<'a> {
        FrenchWordStream {
            text,
            cursor: 0,
            token: Token::default(),
        }
    }
}

impl TokenStream for FrenchWordStream<'_> {
    fn advance(&mut self) -> bool {
        let Some((start, end)) = next_word_span(self.text, self.cursor) else {
            return false;
        };
        self.cursor = end;

        let raw = &self.text[start..end];
        self.token.text.clear();
        if raw.is_ascii() {
            self.token.text.push_str(raw);
        } else {
            self.token.text.extend(raw.nfc().map(normalize_apostrophe));
        }
        self.token.offset_from = start;
        self.token.offset_to = end;
        self.token.position = self.token.position.wrapping_add(1);
        true
    }

    fn token(&self) -> &Token {
        &self.token
    }

    fn token_mut(&mut self) -> &mut Token {
        &mut self.token
    }
}

/// Drops the elided articles that [`FrenchWordTokenizer`] leaves as tokens of their own; expects
/// lower-case tokens.
#[derive(Clone, Copy, Debug, Default)]
pub struct ElisionFilter;

/// The tokenizer wrapped by [`ElisionFilter`].
#[derive(Clone)]
pub struct ElisionTokenizer<T> {
    inner: T,
}

/// Token stream of [`ElisionFilter`].
pub struct ElisionStream<S> {
    tail: S,
}

impl TokenFilter for ElisionFilter {
    type Tokenizer<T: Tokenizer> = ElisionTokenizer<T>;

    fn transform<T: Tokenizer>(self, tokenizer: T) -> ElisionTokenizer<T> {
        ElisionTokenizer { inner: tokenizer }
    }
}

impl<T: Tokenizer> Tokenizer for ElisionTokenizer<T> {
    type TokenStream<'a> = ElisionStream<T::TokenStream<'a>>;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> Self::TokenStream<'a> {
        ElisionStream {
            tail: self.inner.token_stream(text),
        }
    }
}

impl<S: TokenStream> TokenStream for ElisionStream<S> {
    fn advance(&mut self) -> bool {
        while self.tail.advance() {
            if !is_elided_article(&self.tail.token().text) {
                return true;
            }
        }
        false
    }

    fn token(&self) -> &Token {
        self.tail.token()
    }

    fn token_mut(&mut self) -> &mut Token {
        self.tail.token_mut()
    }
}

/// Drops the final `e` of a stem of three letters or more; see the module documentation.
#[derive(Clone, Copy, Debug, Default)]
pub struct FinalEFilter;

/// The tokenizer wrapped by [`FinalEFilter`].
#[derive(Clone)]
pub struct FinalETokenizer<T> {
    inner: T,
}

/// Token stream of [`FinalEFilter`].
pub struct FinalEStream<S> {
    tail: S,
}

impl TokenFilter for FinalEFilter {
    type Tokenizer<T: Tokenizer> = FinalETokenizer<T>;

    fn transform<T: Tokenizer>(self, tokenizer: T) -> FinalETokenizer<T> {
        FinalETokenizer { inner: tokenizer }
    }
}

impl<T: Tokenizer> Tokenizer for FinalETokenizer<T> {
    type TokenStream<'a> = FinalEStream<T::TokenStream<'a>>;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> Self::TokenStream<'a> {
        FinalEStream {
            tail: self.inner.token_stream(text),
        }
    }
}

impl<S: TokenStream> TokenStream for FinalEStream<S> {
    fn advance(&mut self) -> bool {
        if !self.tail.advance() {
            return false;
        }
        let text = &mut self.tail.token_mut().text;
        if text.len() >= 3 && text.ends_with('e') {
            text.pop();
        }
        true
    }

    fn token(&self) -> &Token {
        self.tail.token()
    }

    fn token_mut(&mut self) -> &mut Token {
        self.tail.token_mut()
    }
}

static STEMMED: OnceLock<TextAnalyzer> = OnceLock::new();
static PLAIN: OnceLock<TextAnalyzer> = OnceLock::new();
static PLAIN_STEMMER: OnceLock<TextAnalyzer> = OnceLock::new();

/// A copy of an analyzer built once: building one fills the stop word sets, which cost more
/// than analysing a name.
fn shared(cell: &OnceLock<TextAnalyzer>, build: fn() -> TextAnalyzer) -> TextAnalyzer {
    cell.get_or_init(build).clone()
}

/// The last steps of [`french_analyzer`], for words that went through the others.
fn plain_stemmer() -> TextAnalyzer {
    TextAnalyzer::builder(RawTokenizer::default())
        .filter(Stemmer::new(Language::French))
        .filter(FinalEFilter)
        .build()
}

fn french_stop_words() -> StopWordFilter {
    StopWordFilter::new(Language::French).expect("tantivy is built with its stop word lists")
}

fn extra_stop_words() -> StopWordFilter {
    StopWordFilter::remove(EXTRA_STOP_WORDS.iter().map(|word| word.to_string()))
}

fn is_elided_article(token: &str) -> bool {
    token
        .strip_suffix('\'')
        .is_some_and(|article| ELIDED_ARTICLES.contains(&article))
}

/// Finds the next token at or after `from`: a word, or an elided article with its apostrophe.
fn next_word_span(text: &str, from: usize) -> Option<(usize, usize)> {
    let rest = &text[from..];
    let (skip, _) = rest.char_indices().find(|&(_, c)| is_word_char(c))?;
    let start = from + skip;

    let mut end = start;
    let mut chars = text[start..].char_indices().peekable();
    while let Some((idx, c)) = chars.next() {
        if is_word_char(c) {
            end = start + idx + c.len_utf8();
            continue;
        }
        let next_is_word = chars.peek().is_some_and(|&(_, next)| is_word_char(next));
        if !is_apostrophe(c) || !next_is_word {
            break;
        }
        let so_far = text[start..end].to_lowercase();
        if ELIDED_ARTICLES.contains(&so_far.as_str()) {
            // The article ends here, apostrophe included; the word after it is the next token.
            return Some((start, start + idx + c.len_utf8()));
        }
        end = start + idx + c.len_utf8();
    }
    Some((start, end))
}

fn is_word_char(c: char) -> bool {
    c.is_alphanumeric() || is_combining_mark(c)
}

fn is_apostrophe(c: char) -> bool {
    matches!(c, '\'' | '\u{2019}' | '\u{02bc}')
}

fn normalize_apostrophe(c: char) -> char {
    if is_apostrophe(c) { '\'' } else { c }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stems(text: &str) -> Vec<String> {
        analyze_words(text)
            .into_iter()
            .map(|word| word.stem)
            .collect()
    }

    /// Pairs people type differently and expect to find each other.
    #[test]
    fn typed_variants_analyze_to_the_same_terms() {
        let pairs = [
            ("mediation", "Médiation"),
            ("numériques", "numérique"),
            ("épicerie", "epiceries"),
            ("l'emploi", "emploi"),
            ("l’emploi", "Emploi"),
            ("randonnée", "randonnees"),
            ("élevée", "eleve"),
            ("élevée", "élève"),
            ("randonnée", "randonnées"),
            ("idées", "idee"),
            ("Sécurité", "securite"),
            ("e\u{301}picerie", "épicerie"),
            ("qu'alimentation", "alimentation"),
        ];
        for (left, right) in pairs {
            assert_eq!(stems(left), stems(right), "{left} / {right}");
            assert_eq!(stems(left).len(), 1, "{left}");
        }
    }

    #[test]
    fn stemming_a_plain_word_gives_its_indexed_term() {
        for word in analyze_words("Randonnées solidaires à l'épicerie élevée, numériques") {
            assert_eq!(stem_plain_word(&word.plain), word.stem, "{}", word.plain);
        }
    }

    #[test]
    fn stop_words_and_articles_are_dropped() {
        assert_eq!(
            stems("la maison de l'emploi et d'insertion"),
            stems("maison emploi insertion")
        );
        assert!(stems("de la à l' est").is_empty());
    }

    #[test]
    fn apostrophes_inside_words_are_kept() {
        assert_eq!(stems("aujourd’hui"), stems("aujourd'hui"));
        assert_eq!(stems("aujourd'hui").len(), 1);
    }

    #[test]
    fn words_keep_their_offsets_and_plain_forms() {
        let text = "L’Épicerie solidaire";
        let words = analyze_words(text);
        assert_eq!(words.len(), 2);
        assert_eq!(&text[words[0].offsets.0..words[0].offsets.1], "Épicerie");
        assert_eq!(words[0].plain, "epicerie");
        assert_eq!(words[1].plain, "solidaire");
    }

    #[test]
    fn prefix_terms_keep_the_word_being_typed() {
        assert_eq!(prefix_terms("Méd"), ["med"]);
        assert_eq!(prefix_terms("jardin la"), ["jardin", "la"]);
        assert_eq!(prefix_terms("jardin la "), ["jardin"]);
        assert_eq!(prefix_terms("l'épi"), ["epi"]);
        assert_eq!(prefix_terms("inclusion-num"), ["inclusion", "num"]);
    }

    #[test]
    fn typo_distance_grows_with_word_length() {
        assert_eq!(typo_distance("velo"), 0);
        assert_eq!(typo_distance("jardin"), 1);
        assert_eq!(typo_distance("solidarite"), 2);
    }

    #[test]
    fn edit_distance_counts_swaps_as_one() {
        assert!(within_edit_distance("jardin", "jradin", 1));
        assert!(within_edit_distance("jardin", "jardins", 1));
        assert!(!within_edit_distance("jardin", "jarlins", 1));
        assert!(within_edit_distance("mediation", "mediatoin", 1));
        assert!(!within_edit_distance("abc", "abcdef", 2));
        assert!(within_edit_distance("", "ab", 2));
    }
}

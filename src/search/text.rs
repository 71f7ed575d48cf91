//! Text analysis shared by the embedded index, snippets and the Meilisearch chunker: words for
//! scripts that space them (lower-cased, stemmed where a stemmer exists for the language),
//! overlapping character bigrams for those that do not (Han, Kana, Hangul, Thai), so a query
//! finds a CJK word inside a longer run without a dictionary.

use rust_stemmers::{Algorithm, Stemmer};

/// One token with its byte range in the analysed text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Token {
    /// The normalised form that is indexed and matched.
    pub text: String,
    pub from: usize,
    pub to: usize,
    /// Whether it is a bigram (or lone character) of an unspaced script.
    pub unspaced: bool,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Class {
    Word,
    Unspaced,
    Gap,
}

fn is_unspaced(c: char) -> bool {
    matches!(c as u32,
        0x3040..=0x30FF   // Hiragana, Katakana
        | 0x31F0..=0x31FF // Katakana extensions
        | 0x3400..=0x4DBF // CJK extension A
        | 0x4E00..=0x9FFF // CJK unified ideographs
        | 0xF900..=0xFAFF // compatibility ideographs
        | 0xFF66..=0xFF9D // half-width Katakana
        | 0x1100..=0x11FF | 0x3130..=0x318F | 0xAC00..=0xD7AF // Hangul
        | 0x0E00..=0x0E7F // Thai
        | 0x20000..=0x2FA1F)
}

fn is_gap(c: char) -> bool {
    c.is_whitespace()
        || c.is_ascii_punctuation()
        || c.is_control()
        || matches!(c as u32,
            0x00A1..=0x00BF | 0x00D7 | 0x00F7 // Latin-1 punctuation and signs
            | 0x2000..=0x206F // general punctuation
            | 0x2190..=0x23FF | 0x2500..=0x27BF // arrows, symbols
            | 0x3000..=0x303F // CJK punctuation
            | 0xFF01..=0xFF0F | 0xFF1A..=0xFF20 | 0xFF3B..=0xFF40 | 0xFF5B..=0xFF65
            | 0x060C | 0x061B | 0x061F | 0x06D4 | 0x0964 | 0x0965 | 0x0E2F | 0x0E5A | 0x0E5B)
}

fn class(c: char) -> Class {
    if is_unspaced(c) {
        Class::Unspaced
    } else if is_gap(c) {
        Class::Gap
    } else {
        Class::Word
    }
}

/// `text` as this module indexes it, for an index that does neither itself (Meilisearch built
/// without its CJK segmenters does not split unspaced text; it never stems): each word stemmed
/// and each pair of unspaced characters, space-separated. `None` when that would be the text
/// again (no stemmer for `lang`, nothing unspaced).
pub fn index_terms(text: &str, lang: &str) -> Option<String> {
    let tokens = analyze(text, lang);
    if stemmer(lang).is_none() && !tokens.iter().any(|t| t.unspaced) {
        return None;
    }
    Some(tokens.into_iter().map(|t| t.text).collect::<Vec<_>>().join(" "))
}

/// The Snowball stemmer for a language, if there is one.
fn stemmer(lang: &str) -> Option<Stemmer> {
    let algorithm = match primary(lang).as_str() {
        "ar" => Algorithm::Arabic,
        "da" => Algorithm::Danish,
        "nl" => Algorithm::Dutch,
        "en" => Algorithm::English,
        "fi" => Algorithm::Finnish,
        "fr" => Algorithm::French,
        "de" => Algorithm::German,
        "el" => Algorithm::Greek,
        "hu" => Algorithm::Hungarian,
        "it" => Algorithm::Italian,
        "no" | "nb" | "nn" => Algorithm::Norwegian,
        "pt" => Algorithm::Portuguese,
        "ro" => Algorithm::Romanian,
        "ru" => Algorithm::Russian,
        "es" => Algorithm::Spanish,
        "sv" => Algorithm::Swedish,
        "ta" => Algorithm::Tamil,
        "tr" => Algorithm::Turkish,
        _ => return None,
    };
    Some(Stemmer::create(algorithm))
}

/// The language subtag of a locale, lower-cased (`pt-BR` → `pt`).
pub fn primary(locale: &str) -> String {
    locale.split('-').next().unwrap_or("").to_ascii_lowercase()
}

/// Tokens of `text` as written in `lang`.
pub fn analyze(text: &str, lang: &str) -> Vec<Token> {
    let stem = stemmer(lang);
    let mut out = Vec::new();
    let mut chars = text.char_indices().peekable();
    while let Some(&(start, c)) = chars.peek() {
        match class(c) {
            Class::Gap => {
                chars.next();
            }
            Class::Word => {
                let mut end = start;
                while let Some(&(i, c)) = chars.peek() {
                    if class(c) != Class::Word {
                        break;
                    }
                    end = i + c.len_utf8();
                    chars.next();
                }
                let lower = text[start..end].to_lowercase();
                let normal = match &stem {
                    Some(s) => s.stem(&lower).into_owned(),
                    None => lower,
                };
                out.push(Token { text: normal, from: start, to: end, unspaced: false });
            }
            Class::Unspaced => {
                let mut run: Vec<(usize, char)> = Vec::new();
                while let Some(&(i, c)) = chars.peek() {
                    if class(c) != Class::Unspaced {
                        break;
                    }
                    run.push((i, c));
                    chars.next();
                }
                if run.len() == 1 {
                    let (i, c) = run[0];
                    out.push(Token { text: c.to_string(), from: i, to: i + c.len_utf8(), unspaced: true });
                }
                for pair in run.windows(2) {
                    let (i, a) = pair[0];
                    let (j, b) = pair[1];
                    out.push(Token { text: format!("{a}{b}"), from: i, to: j + b.len_utf8(), unspaced: true });
                }
            }
        }
    }
    out
}

/// Whether a query token may match with typos: a word of a Latin script, four letters or more.
pub fn typo_tolerant(t: &Token) -> bool {
    !t.unspaced && t.text.chars().count() >= 4 && t.text.chars().all(|c| (c as u32) < 0x0250)
}

/// The edit distance allowed for a typo-tolerant token: one, two from nine characters (close
/// to Meilisearch's defaults, so both backends forgive the same typos).
pub fn typo_distance(t: &Token) -> u8 {
    if t.text.chars().count() >= 9 {
        2
    } else {
        1
    }
}

fn within(a: &str, b: &str, max: usize) -> bool {
    let (a, b): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
    if a.len().abs_diff(b.len()) > max {
        return false;
    }
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.iter().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != cb);
            cur[j + 1] = (prev[j] + cost).min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()] <= max
}

fn escape(s: &str, out: &mut String) {
    for c in s.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
}

/// About how many characters a snippet shows.
const SNIPPET_CHARS: usize = 180;

/// A snippet of `text` around the first place a query token matches, HTML-escaped, with the
/// matches in `<mark>`. `query` holds the query's tokens as analysed for `lang`.
pub fn snippet(text: &str, lang: &str, query: &[Token]) -> String {
    let tokens = analyze(text, lang);
    let hits: Vec<&Token> = tokens
        .iter()
        .filter(|t| {
            query.iter().any(|q| {
                q.text == t.text || (typo_tolerant(q) && within(&q.text, &t.text, usize::from(typo_distance(q))))
            })
        })
        .collect();
    let first = hits.first().map(|t| t.from).unwrap_or(0);
    // Start a little before the first hit, on a character boundary.
    let lead = text[..first].char_indices().rev().nth(40).map(|(i, _)| i).unwrap_or(0);
    let start = if first == 0 { 0 } else { lead };
    let end = text[start..].char_indices().nth(SNIPPET_CHARS).map(|(i, _)| start + i).unwrap_or(text.len());
    let mut out = String::new();
    if start > 0 {
        out.push('…');
    }
    let mut at = start;
    // Merge overlapping bigram hits into one marked range.
    let mut ranges: Vec<(usize, usize)> = Vec::new();
    for h in hits.iter().filter(|h| h.from >= start && h.to <= end) {
        match ranges.last_mut() {
            Some(last) if h.from <= last.1 => last.1 = last.1.max(h.to),
            _ => ranges.push((h.from, h.to)),
        }
    }
    for (from, to) in ranges {
        escape(&text[at..from], &mut out);
        out.push_str("<mark>");
        escape(&text[from..to], &mut out);
        out.push_str("</mark>");
        at = to;
    }
    escape(&text[at..end], &mut out);
    if end < text.len() {
        out.push('…');
    }
    out.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// `text` HTML-escaped with every occurrence of `needle` (case folded, character by character:
/// the database's substring match) in `<mark>`, whitespace collapsed, `…` where it was cut.
pub fn mark_substring(text: &str, needle: &str, cut_before: bool, cut_after: bool) -> String {
    let fold = |c: char| c.to_lowercase().collect::<String>();
    let hay: Vec<(usize, char)> = text.char_indices().collect();
    let want: Vec<String> = needle.chars().map(fold).collect();
    let mut out = String::new();
    if cut_before {
        out.push('…');
    }
    let (mut i, mut at) = (0, 0);
    while !want.is_empty() && i + want.len() <= hay.len() {
        if hay[i..i + want.len()].iter().zip(&want).all(|((_, c), w)| fold(*c) == *w) {
            let from = hay[i].0;
            let to = hay.get(i + want.len()).map(|(b, _)| *b).unwrap_or(text.len());
            escape(&text[at..from], &mut out);
            out.push_str("<mark>");
            escape(&text[from..to], &mut out);
            out.push_str("</mark>");
            at = to;
            i += want.len();
        } else {
            i += 1;
        }
    }
    escape(&text[at..], &mut out);
    if cut_after {
        out.push('…');
    }
    out.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(t: &str, lang: &str) -> Vec<String> {
        analyze(t, lang).into_iter().map(|t| t.text).collect()
    }

    #[test]
    fn index_terms_are_stems_and_pairs() {
        assert_eq!(index_terms("Resetting passwords", "en").as_deref(), Some("reset password"));
        assert_eq!(index_terms("申请退款", "zh").as_deref(), Some("申请 请退 退款"));
    }

    #[test]
    fn words_are_stemmed_and_cjk_is_bigrammed() {
        assert_eq!(texts("Resetting passwords!", "en"), vec!["reset", "password"]);
        assert_eq!(texts("如何退款", "zh"), vec!["如何", "何退", "退款"]);
        assert_eq!(texts("返品 ok", "ja"), vec!["返品", "ok"]);
        assert_eq!(texts("猫", "ja"), vec!["猫"]);
    }

    #[test]
    fn snippets_escape_and_mark() {
        let q = analyze("script", "en");
        let s = snippet("a <script>alert(1)</script> b", "en", &q);
        assert!(s.contains("&lt;<mark>script</mark>&gt;"), "{s}");
        assert!(!s.contains("<script"));
        assert!(within("pasword", "password", 1));
    }

    #[test]
    fn substrings_are_marked_case_folded_and_escaped() {
        let s = mark_substring("Hi <b>, the REFUND\n is a refund", "refund", true, false);
        assert_eq!(s, "…Hi &lt;b&gt;, the <mark>REFUND</mark> is a <mark>refund</mark>");
        assert_eq!(mark_substring("申请退款按钮", "退款", false, true), "申请<mark>退款</mark>按钮…");
        assert_eq!(mark_substring("50% off", "%", false, false), "50<mark>%</mark> off");
    }
}

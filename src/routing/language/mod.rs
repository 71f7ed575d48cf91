//! A ticket's language from what came with it: a declared language (mail's Content-Language)
//! wins; otherwise the text's own language. Tags leave as BCP 47 (`pt`, `zh`), the shape ticket
//! languages are stored in.
//!
//! Detection covers the 20 languages the desk routes ([`LANGUAGES`]), chosen by measurement
//! (BENCHMARKS.md, "Language detection"): the script first (Hangul, kana, Han, Thai, Arabic,
//! Devanagari each name one language; Ukrainian and Russian have letters of their own), then for
//! Latin and Cyrillic text frequent words, telling letters and whatlang's trigrams restricted to
//! the languages of that script, over the text with URLs, code, identifiers and quoted English
//! error messages taken out. What the desk already knows ([`Priors`]) decides when the text
//! alone is unsure.

mod lexicon;
pub mod strip;
#[cfg(test)]
mod tests;

use lexicon::{CYRILLIC, LATIN};

/// The languages detection chooses from.
pub const LANGUAGES: [&str; 20] = [
    "en", "es", "pt", "fr", "de", "it", "nl", "ru", "uk", "pl", "tr", "ar", "hi", "zh", "ja", "ko", "vi", "th", "id",
    "sv",
];

/// What the desk knows about a message before reading it; each may be missing.
#[derive(Debug, Clone, Copy, Default)]
pub struct Priors<'a> {
    /// The languages the tenant works in (its agents' languages); empty when unknown.
    pub tenant: &'a [String],
    /// The widget, help-center, browser or contact locale (`pt-BR`).
    pub locale: Option<&'a str>,
    /// The language of the requester's previous ticket.
    pub earlier: Option<&'a str>,
}

/// What a matching locale adds to a language's score (about one telling word).
const LOCALE_WEIGHT: f64 = 0.9;
/// An English locale says less: browsers and phones are often left in English.
const ENGLISH_LOCALE_WEIGHT: f64 = 0.4;
/// What the requester's previous ticket's language adds.
const EARLIER_WEIGHT: f64 = 0.9;
/// What a language the tenant's agents do not speak loses.
const OUTSIDE_TENANT: f64 = 0.6;
/// The least weight of whatlang's first choice, however unsure it says it is.
const TRIGRAM_FLOOR: f64 = 0.5;
/// Least score (words, letters, trigrams and priors together) taken for a language.
const MIN_SCORE: f64 = 0.5;

impl Priors<'_> {
    fn weight(&self, code: &str) -> f64 {
        let mut w = 0.0;
        if self.locale.is_some_and(|l| same_language(l, code)) {
            w += if code == "en" { ENGLISH_LOCALE_WEIGHT } else { LOCALE_WEIGHT };
        }
        if self.earlier.is_some_and(|l| same_language(l, code)) {
            w += EARLIER_WEIGHT;
        }
        if !self.tenant.is_empty() && !self.tenant.iter().any(|t| same_language(t, code)) {
            w -= OUTSIDE_TENANT;
        }
        w
    }

    fn names(&self, code: &str) -> bool {
        self.locale.is_some_and(|l| same_language(l, code)) || self.earlier.is_some_and(|l| same_language(l, code))
    }
}

/// Whether BCP 47 tag `tag` (`pt-BR`, `zh_CN`) is in language `code`.
fn same_language(tag: &str, code: &str) -> bool {
    tag.split(['-', '_']).next().is_some_and(|p| p.eq_ignore_ascii_case(code))
}

/// The first language of a Content-Language value (`de-DE, en` → `de-DE`), if it is a tag.
pub fn declared(value: &str) -> Option<String> {
    let first = value.split(',').next()?.trim();
    if first.is_empty() || first.eq_ignore_ascii_case("i-default") {
        return None;
    }
    first.parse::<unic_langid::LanguageIdentifier>().ok().map(|l| l.to_string())
}

/// The language `text` is written in, when there is evidence of one; `None` otherwise.
pub fn detect(text: &str) -> Option<String> {
    detect_scored(text).map(|(code, _)| code)
}

/// [`detect`] with a confidence (0–1), knowing nothing but the text.
pub fn detect_scored(text: &str) -> Option<(String, f64)> {
    detect_with(text, &Priors::default())
}

/// The language of `text` with a confidence (0–1), `priors` deciding where the text is unsure.
pub fn detect_with(text: &str, priors: &Priors) -> Option<(String, f64)> {
    let clean = strip::strip(text);
    let tally = Tally::of(&clean);
    let one = |code: &str, confidence: f64| Some((code.to_string(), confidence));
    match tally.main()? {
        Script::Hangul => one("ko", 1.0),
        Script::Kana => one("ja", 1.0),
        // Japanese is rarely written without kana; a few Han characters alone may be either.
        Script::Han if tally.kana > 0 && tally.kana * 10 >= tally.han => one("ja", 1.0),
        Script::Han if tally.han < 8 && priors.names("ja") && !priors.names("zh") => one("ja", 0.6),
        Script::Han => one("zh", if tally.han < 8 { 0.6 } else { 1.0 }),
        Script::Thai => one("th", 1.0),
        Script::Arabic => one("ar", 1.0),
        Script::Devanagari => one("hi", 1.0),
        Script::Cyrillic => scored(&clean, &CYRILLIC, CYRILLIC_TRIGRAMS, priors),
        Script::Latin => scored(&clean, &LATIN, LATIN_TRIGRAMS, priors),
    }
}

/// A declared language, else the detected one.
pub fn of_message(content_language: Option<&str>, text: &str) -> Option<String> {
    content_language.and_then(declared).or_else(|| detect(text))
}

/// Scripts that decide the language, or narrow it to a group.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Script {
    Hangul,
    Kana,
    Han,
    Thai,
    Arabic,
    Devanagari,
    Cyrillic,
    Latin,
}

/// Letters of `text` by script.
#[derive(Debug, Default)]
struct Tally {
    hangul: usize,
    kana: usize,
    han: usize,
    thai: usize,
    arabic: usize,
    devanagari: usize,
    cyrillic: usize,
    latin: usize,
}

impl Tally {
    fn of(text: &str) -> Self {
        let mut t = Tally::default();
        for c in text.chars() {
            match c as u32 {
                0x1100..=0x11FF | 0x3130..=0x318F | 0xAC00..=0xD7AF => t.hangul += 1,
                0x3040..=0x30FF | 0x31F0..=0x31FF | 0xFF66..=0xFF9F => t.kana += 1,
                0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xF900..=0xFAFF | 0x20000..=0x2FA1F => t.han += 1,
                0x0E00..=0x0E7F => t.thai += 1,
                0x0600..=0x06FF | 0x0750..=0x077F | 0xFB50..=0xFDFF | 0xFE70..=0xFEFF if c.is_alphabetic() => {
                    t.arabic += 1
                }
                0x0900..=0x097F => t.devanagari += 1,
                0x0400..=0x04FF => t.cyrillic += 1,
                _ if c.is_alphabetic() && ((c as u32) < 0x0250 || (0x1E00..=0x1EFF).contains(&(c as u32))) => {
                    t.latin += 1
                }
                _ => {}
            }
        }
        t
    }

    /// The script most of the text is in; one Han, kana or Hangul character counts as three
    /// letters (about a short word).
    fn main(&self) -> Option<Script> {
        let counts = [
            (Script::Hangul, self.hangul * 3),
            (Script::Han, (self.han + self.kana) * 3),
            (Script::Thai, self.thai),
            (Script::Arabic, self.arabic),
            (Script::Devanagari, self.devanagari),
            (Script::Cyrillic, self.cyrillic),
            (Script::Latin, self.latin),
        ];
        // Latin letters beside another script are mostly English product names and terms.
        let (script, n) = counts[..6].iter().copied().max_by_key(|(_, n)| *n)?;
        let (script, n) = if n >= 2 && n * 3 >= self.latin { (script, n) } else { (Script::Latin, self.latin) };
        if n < 2 {
            return None;
        }
        Some(match script {
            Script::Han if self.han == 0 => Script::Kana,
            s => s,
        })
    }
}

const LATIN_TRIGRAMS: &[whatlang::Lang] = {
    use whatlang::Lang::*;
    &[Eng, Spa, Por, Fra, Deu, Ita, Nld, Pol, Tur, Vie, Ind, Swe]
};
const CYRILLIC_TRIGRAMS: &[whatlang::Lang] = &[whatlang::Lang::Rus, whatlang::Lang::Ukr];

/// Words, letters and trigrams for the languages of one script, then the priors.
fn scored(text: &str, codes: &[&'static str], trigrams: &[whatlang::Lang], priors: &Priors) -> Option<(String, f64)> {
    let words = lexicon::words();
    let mut score = [0.0f64; 14];
    let mut n_words = 0usize;
    let lower = text.to_lowercase();
    for token in lower.split(|c: char| !(c.is_alphabetic() || c == '\'' || c == '’')) {
        if token.is_empty() || !token.chars().any(char::is_alphabetic) {
            continue;
        }
        n_words += 1;
        let token = token.trim_matches(['\'', '’']);
        let mut add = |w: &str| {
            if let Some(&bits) = words.get(w) {
                let share = 1.0 / f64::from(bits.count_ones());
                (0..14).filter(|i| bits & (1 << i) != 0).for_each(|i| score[i] += share);
            }
        };
        match token.split_once(['\'', '’']) {
            // French and Italian elision: `n'arrive` is `n'` and `arrive`; `can't` is one word.
            Some((head, tail)) if !words.contains_key(token) => {
                add(&format!("{head}'"));
                add(tail);
            }
            _ => add(token),
        }
    }
    if codes.len() == LATIN.len() {
        for c in text.chars() {
            for &(i, w) in lexicon::letter_cues(c.to_lowercase().next().unwrap_or(c)) {
                score[i] += w;
            }
        }
    } else {
        let (ru, uk) = (lexicon::index("ru").unwrap_or(12), lexicon::index("uk").unwrap_or(13));
        for c in lower.chars() {
            match c {
                'і' | 'ї' | 'є' | 'ґ' => score[uk] += 2.0,
                'ы' | 'э' | 'ъ' | 'ё' => score[ru] += 2.0,
                _ => {}
            }
        }
    }
    // Trigrams weigh like a telling word per few words of text: little on a short message,
    // most of the verdict on a long one.
    if let Some(info) = whatlang::Detector::with_allowlist(trigrams.to_vec()).detect(text) {
        if let Some(i) = bcp47(info.lang()).and_then(lexicon::index) {
            // Its confidence falls to nothing on two or three words, where its first choice is
            // still right more often than not: that choice keeps half a vote.
            score[i] += info.confidence().max(TRIGRAM_FLOOR) * (0.5 + 0.4 * n_words as f64);
        }
    }
    let offset = if codes.len() == LATIN.len() { 0 } else { LATIN.len() };
    let mut ranked: Vec<(&'static str, f64)> =
        codes.iter().enumerate().map(|(i, c)| (*c, score[offset + i] + priors.weight(c))).collect();
    ranked.sort_by(|a, b| b.1.total_cmp(&a.1));
    let (best, top) = ranked[0];
    let second = ranked.get(1).map_or(0.0, |r| r.1.max(0.0));
    if top < MIN_SCORE {
        return None;
    }
    let margin = top - second;
    Some((best.to_string(), margin / (margin + 1.0)))
}

/// The two-letter code of a detected language (ISO 639-1, which BCP 47 prefers), or its
/// three-letter one where it has none.
fn bcp47(lang: whatlang::Lang) -> Option<&'static str> {
    use whatlang::Lang::*;
    Some(match lang {
        Epo => "eo",
        Eng => "en",
        Rus => "ru",
        Cmn => "zh",
        Spa => "es",
        Por => "pt",
        Ita => "it",
        Ben => "bn",
        Fra => "fr",
        Deu => "de",
        Ukr => "uk",
        Kat => "ka",
        Ara => "ar",
        Hin => "hi",
        Jpn => "ja",
        Heb => "he",
        Yid => "yi",
        Pol => "pl",
        Amh => "am",
        Jav => "jv",
        Kor => "ko",
        Nob => "nb",
        Dan => "da",
        Swe => "sv",
        Fin => "fi",
        Tur => "tr",
        Nld => "nl",
        Hun => "hu",
        Ces => "cs",
        Ell => "el",
        Bul => "bg",
        Bel => "be",
        Mar => "mr",
        Kan => "kn",
        Ron => "ro",
        Slv => "sl",
        Hrv => "hr",
        Srp => "sr",
        Mkd => "mk",
        Lit => "lt",
        Lav => "lv",
        Est => "et",
        Tam => "ta",
        Vie => "vi",
        Urd => "ur",
        Tha => "th",
        Guj => "gu",
        Uzb => "uz",
        Pan => "pa",
        Aze => "az",
        Ind => "id",
        Tel => "te",
        Pes => "fa",
        Mal => "ml",
        Ori => "or",
        Mya => "my",
        Nep => "ne",
        Sin => "si",
        Khm => "km",
        Tuk => "tk",
        Aka => "ak",
        Zul => "zu",
        Sna => "sn",
        Afr => "af",
        Lat => "la",
        Slk => "sk",
        Cat => "ca",
        Tgl => "tl",
        Hye => "hy",
        Cym => "cy",
        #[allow(unreachable_patterns)]
        _ => return None,
    })
}

//! A ticket's language from what came with it: a declared language (mail's Content-Language)
//! wins; otherwise the text's own language, when the detector is sure of it. Tags leave as
//! BCP 47 (`pt`, `zh`), the shape ticket languages are stored in.

/// Shortest text worth detecting: below this a guess is mostly noise.
const MIN_CHARS: usize = 12;
/// Least detector confidence (0–1) taken for a language.
const MIN_CONFIDENCE: f64 = 0.5;

/// The first language of a Content-Language value (`de-DE, en` → `de-DE`), if it is a tag.
pub fn declared(value: &str) -> Option<String> {
    let first = value.split(',').next()?.trim();
    if first.is_empty() || first.eq_ignore_ascii_case("i-default") {
        return None;
    }
    first.parse::<unic_langid::LanguageIdentifier>().ok().map(|l| l.to_string())
}

/// The language `text` is written in, when the detector is confident; `None` otherwise.
pub fn detect(text: &str) -> Option<String> {
    detect_scored(text).map(|(code, _)| code)
}

/// [`detect`] with the detector's confidence (0–1).
pub fn detect_scored(text: &str) -> Option<(String, f64)> {
    if text.trim().chars().count() < MIN_CHARS {
        return None;
    }
    let info = whatlang::detect(text)?;
    // whatlang's own `is_reliable` refuses most one-line messages, which support mail is full
    // of; half its confidence scale still rejects the guesses it makes on a few words.
    if !info.is_reliable() && info.confidence() < MIN_CONFIDENCE {
        return None;
    }
    bcp47(info.lang()).map(|c| (c.to_string(), info.confidence()))
}

/// A declared language, else the detected one.
pub fn of_message(content_language: Option<&str>, text: &str) -> Option<String> {
    content_language.and_then(declared).or_else(|| detect(text))
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn declared_wins_and_detection_needs_enough_text() {
        assert_eq!(declared("de-DE, en").as_deref(), Some("de-DE"));
        assert_eq!(declared("not a tag!"), None);
        assert_eq!(
            of_message(Some("fr"), "This is plainly written in English, as anyone can see.").as_deref(),
            Some("fr")
        );
        assert_eq!(
            of_message(None, "Bonjour, ma commande n'est toujours pas arrivée et je voudrais savoir pourquoi.")
                .as_deref(),
            Some("fr")
        );
        assert_eq!(detect("您好，我的订单还没有到，请问什么时候可以发货？谢谢。").as_deref(), Some("zh"));
        assert_eq!(detect("ok"), None);
        // A few English words read as Portuguese to the detector, with low confidence: no guess.
        assert_eq!(detect("My printer does not work since yesterday."), None);
    }
}

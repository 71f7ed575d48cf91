//! The candidates, each as `text → Option<language code>` over our 20 languages.

#[path = "../../../src/routing/language/mod.rs"]
pub mod language;

/// The 20 languages.
pub use language::LANGUAGES;

/// whatlang's answer as one of our codes ("other" for its other languages).
pub fn whatlang_code(lang: whatlang::Lang) -> &'static str {
    let code = lang.code();
    let map = [
        ("eng", "en"),
        ("spa", "es"),
        ("por", "pt"),
        ("fra", "fr"),
        ("deu", "de"),
        ("ita", "it"),
        ("nld", "nl"),
        ("rus", "ru"),
        ("ukr", "uk"),
        ("pol", "pl"),
        ("tur", "tr"),
        ("ara", "ar"),
        ("hin", "hi"),
        ("cmn", "zh"),
        ("jpn", "ja"),
        ("kor", "ko"),
        ("vie", "vi"),
        ("tha", "th"),
        ("ind", "id"),
        ("swe", "sv"),
    ];
    map.iter().find(|(w, _)| *w == code).map_or("other", |(_, c)| c)
}

/// Meridian's detector before issue 10's work: whatlang over all its 69 languages, nothing under
/// 12 characters, and a guess taken only when reliable or at least half confident.
pub fn today(text: &str) -> Option<&'static str> {
    if text.trim().chars().count() < 12 {
        return None;
    }
    let info = whatlang::detect(text)?;
    if !info.is_reliable() && info.confidence() < 0.5 {
        return None;
    }
    Some(whatlang_code(info.lang()))
}

/// whatlang's answer with nothing in the way, over all its languages.
pub fn whatlang_all(text: &str) -> Option<&'static str> {
    whatlang::detect_lang(text).map(whatlang_code)
}

/// whatlang restricted to our 20 languages by its allowlist.
pub fn whatlang_allowlist() -> impl Fn(&str) -> Option<&'static str> {
    use whatlang::Lang::*;
    let d = whatlang::Detector::with_allowlist(vec![
        Eng, Spa, Por, Fra, Deu, Ita, Nld, Rus, Ukr, Pol, Tur, Ara, Hin, Cmn, Jpn, Kor, Vie, Tha, Ind, Swe,
    ]);
    move |t| d.detect_lang(t).map(whatlang_code)
}

/// whichlang (16 languages: no pl, uk, th or id).
#[cfg(feature = "whichlang")]
pub fn whichlang(text: &str) -> Option<&'static str> {
    use whichlang::Lang::*;
    Some(match whichlang::detect_language(text) {
        Ara => "ar",
        Cmn => "zh",
        Deu => "de",
        Eng => "en",
        Fra => "fr",
        Hin => "hi",
        Ita => "it",
        Jpn => "ja",
        Kor => "ko",
        Nld => "nl",
        Por => "pt",
        Rus => "ru",
        Spa => "es",
        Swe => "sv",
        Tur => "tr",
        Vie => "vi",
    })
}

/// lingua built with only our 20 languages' models, models loaded up front.
#[cfg(feature = "lingua")]
pub fn lingua(low_accuracy: bool) -> lingua::LanguageDetector {
    let mut b = lingua::LanguageDetectorBuilder::from_all_languages();
    b.with_preloaded_language_models();
    if low_accuracy {
        b.with_low_accuracy_mode();
    }
    b.build()
}

/// lingua's answer as one of our codes.
#[cfg(feature = "lingua")]
pub fn lingua_code(d: &lingua::LanguageDetector, text: &str) -> Option<&'static str> {
    let l = d.detect_language_of(text)?;
    let code = l.iso_code_639_1().to_string();
    LANGUAGES.iter().copied().find(|c| *c == code)
}

//! The knowledge base: categories → sections → articles, each article with one translation per
//! locale (`articles.rs`), categories and sections with their per-locale names (`structure.rs`),
//! what the console's editor adds (`editing.rs`: publishing, schedules, the list), what readers
//! see (`reading.rs`), what changed between versions (`diff.rs`), readers' feedback and the
//! numbers (`feedback.rs`), images and attachments (`files.rs`), Markdown rendering
//! (`render.rs`) and the readers' locale fallback (here).

pub mod articles;
pub mod diff;
pub mod editing;
pub mod feedback;
pub mod files;
pub mod reading;
pub mod render;
pub mod schema;
pub mod structure;

use serde::{Deserialize, Serialize};

use crate::error::{AppError, AppResult};

/// Kind of the job that brings an article's search documents up to date.
pub const INDEX_JOB: &str = "kb.index";
/// Longest title of an article or name of a category or section.
pub const MAX_TITLE_CHARS: usize = 200;
/// Longest Markdown body.
pub const MAX_BODY_CHARS: usize = 200_000;
/// Most keywords on one translation, and the longest keyword.
pub const MAX_KEYWORDS: usize = 20;
/// See [`MAX_KEYWORDS`].
pub const MAX_KEYWORD_CHARS: usize = 60;
/// Longest category or section description.
pub const MAX_DESCRIPTION_CHARS: usize = 1000;

/// Who may read an article.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
#[schema(as = KbVisibility)]
pub enum Visibility {
    /// Everyone, on the help center.
    Public,
    /// Agents only (the console and the API).
    Internal,
}

impl Visibility {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Visibility::Public => "public",
            Visibility::Internal => "internal",
        }
    }

    /// Parse a stored name.
    pub fn parse(s: &str) -> AppResult<Self> {
        match s {
            "public" => Ok(Visibility::Public),
            "internal" => Ok(Visibility::Internal),
            other => Err(AppError::Internal(anyhow::anyhow!("unknown visibility {other:?}"))),
        }
    }
}

/// Whether a translation is visible to readers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
#[schema(as = KbStatus)]
pub enum Status {
    /// Being written; agents see it, readers do not.
    Draft,
    /// Live.
    Published,
}

impl Status {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Draft => "draft",
            Status::Published => "published",
        }
    }

    /// Parse a stored name.
    pub fn parse(s: &str) -> AppResult<Self> {
        match s {
            "draft" => Ok(Status::Draft),
            "published" => Ok(Status::Published),
            other => Err(AppError::Internal(anyhow::anyhow!("unknown status {other:?}"))),
        }
    }
}

/// Who is reading: readers of the help center see published public articles; agents (console,
/// API) also see internal ones.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Audience {
    /// An anonymous help-center visitor.
    Public,
    /// A signed-in agent or an API token.
    Agent,
}

/// A locale tag in canonical form (`pt-BR`, `zh-Hans`), parsed at the boundary.
pub fn parse_locale(field: &str, raw: &str) -> AppResult<String> {
    let bad = || {
        AppError::invalid(
            field,
            "error-kb-locale",
            format!("{raw:?} is not a BCP 47 language tag (en, pt-BR, zh-Hans)"),
        )
    };
    if raw.is_empty() || raw.len() > 64 || !raw.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-') {
        return Err(bad());
    }
    let id: unic_langid::LanguageIdentifier = raw.parse().map_err(|_| bad())?;
    Ok(id.to_string())
}

/// The locales a reader of `wanted` is shown, best first: the tag, its shorter forms
/// (`pt-BR` → `pt`), then the tenant's default (and its shorter forms).
pub fn fallback_chain(wanted: &str, tenant_default: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for tag in [wanted, tenant_default] {
        let mut t = tag.to_string();
        loop {
            if !t.is_empty() && !out.iter().any(|o| o.eq_ignore_ascii_case(&t)) {
                out.push(t.clone());
            }
            match t.rfind('-') {
                Some(i) => t.truncate(i),
                None => break,
            }
        }
    }
    out
}

/// Of the locales an item exists in, the one a reader of `chain` gets (see [`fallback_chain`]).
/// A chain entry `pt` also takes a translation in `pt-PT` when no closer one exists.
pub fn pick<'a>(chain: &[String], available: &'a [String]) -> Option<&'a String> {
    for want in chain {
        if let Some(hit) = available.iter().find(|a| a.eq_ignore_ascii_case(want)) {
            return Some(hit);
        }
        let prefix = format!("{}-", want.to_ascii_lowercase());
        if let Some(hit) = available.iter().find(|a| a.to_ascii_lowercase().starts_with(&prefix)) {
            return Some(hit);
        }
    }
    None
}

/// Whether text is written right to left (Arabic, Hebrew, Persian, Urdu).
pub fn is_rtl(locale: &str) -> bool {
    let lang = locale.split('-').next().unwrap_or("").to_ascii_lowercase();
    matches!(lang.as_str(), "ar" | "he" | "fa" | "ur" | "yi")
}

/// Check one line of text (a title or name): not blank, no control characters, at most `max`
/// characters as sent; stored trimmed.
pub fn check_line(field: &str, value: &str, max: usize) -> AppResult<String> {
    let v = value.trim();
    if v.is_empty() || value.chars().count() > max || value.chars().any(char::is_control) {
        return Err(AppError::invalid(
            field,
            "error-kb-title",
            format!("1-{max} characters on one line, without control characters"),
        ));
    }
    Ok(v.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chain_goes_from_region_to_language_to_default() {
        assert_eq!(fallback_chain("pt-BR", "en"), vec!["pt-BR", "pt", "en"]);
        assert_eq!(fallback_chain("en", "en"), vec!["en"]);
        assert_eq!(fallback_chain("zh-Hant-TW", "pt-BR"), vec!["zh-Hant-TW", "zh-Hant", "zh", "pt-BR", "pt"]);
        let avail = vec!["en".to_string(), "pt-PT".to_string()];
        assert_eq!(pick(&fallback_chain("pt-BR", "en"), &avail).map(String::as_str), Some("pt-PT"));
        assert_eq!(pick(&fallback_chain("de", "en"), &avail).map(String::as_str), Some("en"));
    }

    #[test]
    fn locales_are_canonical() {
        assert_eq!(parse_locale("l", "pt-br").unwrap(), "pt-BR");
        assert_eq!(parse_locale("l", "zh-hans").unwrap(), "zh-Hans");
        assert!(parse_locale("l", "not a tag").is_err());
        assert!(parse_locale("l", "").is_err());
    }
}

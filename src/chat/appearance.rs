//! How a tenant's widget looks and greets, per language, and whether anonymous visitors fill in
//! a pre-chat form (name, email) first. Validated here, stored by [`super::settings`].

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::error::{AppError, AppResult};

/// Most languages one tenant may set up.
pub const MAX_LANGUAGES: usize = 50;
/// Longest greeting, in characters.
pub const MAX_GREETING: usize = 500;

/// Whether anonymous visitors are asked for their name and email before chatting.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Prechat {
    /// No form.
    #[default]
    Off,
    /// The form is shown; the visitor may skip it.
    Optional,
    /// No message is taken before the visitor gave an email address (a signed identity counts).
    Required,
}

impl Prechat {
    /// As stored.
    pub fn as_str(self) -> &'static str {
        match self {
            Prechat::Off => "off",
            Prechat::Optional => "optional",
            Prechat::Required => "required",
        }
    }

    /// From storage or a form; `None` for anything else.
    pub fn parse(s: &str) -> Option<Prechat> {
        match s {
            "off" => Some(Prechat::Off),
            "optional" => Some(Prechat::Optional),
            "required" => Some(Prechat::Required),
            _ => None,
        }
    }
}

/// The widget's look in one language.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WidgetLook {
    /// `#rrggbb`; the built-in blue when `null`.
    pub color: Option<String>,
    /// Shown to a visitor before the conversation starts.
    pub greeting: Option<String>,
}

/// Validate a language → look map: language tags (normalised), `#rrggbb` colours, greetings of
/// at most [`MAX_GREETING`] characters without control characters but line breaks. Blank
/// values become `None`; a language with neither is dropped.
pub fn validate(looks: &BTreeMap<String, WidgetLook>) -> AppResult<BTreeMap<String, WidgetLook>> {
    if looks.len() > MAX_LANGUAGES {
        return Err(AppError::invalid(
            "appearance",
            "error-chat-appearance-languages",
            format!("at most {MAX_LANGUAGES} languages"),
        ));
    }
    let mut out = BTreeMap::new();
    for (tag, look) in looks {
        let lang = tag
            .parse::<unic_langid::LanguageIdentifier>()
            .ok()
            .filter(|_| !tag.trim().is_empty())
            .ok_or_else(|| {
                AppError::invalid(
                    &format!("appearance.{tag}"),
                    "error-language-invalid",
                    format!("{tag:?} is not a language tag"),
                )
            })?
            .to_string();
        let color = look.color.as_deref().map(str::trim).filter(|c| !c.is_empty());
        if let Some(c) = color {
            let hex = c.len() == 7 && c.starts_with('#') && c[1..].chars().all(|x| x.is_ascii_hexdigit());
            if !hex {
                return Err(AppError::invalid(
                    &format!("appearance.{tag}.color"),
                    "error-chat-color",
                    format!("{c:?} is not a colour like #1f5eff"),
                ));
            }
        }
        let greeting = look.greeting.as_deref().map(str::trim).filter(|g| !g.is_empty());
        if let Some(g) = greeting {
            if g.chars().count() > MAX_GREETING || g.chars().any(|x| x.is_control() && x != '\n' && x != '\r') {
                return Err(AppError::invalid(
                    &format!("appearance.{tag}.greeting"),
                    "error-chat-greeting",
                    format!(
                        "a greeting of at most {MAX_GREETING} characters, line breaks but no other control characters"
                    ),
                ));
            }
        }
        if color.is_some() || greeting.is_some() {
            let look = WidgetLook { color: color.map(str::to_ascii_lowercase), greeting: greeting.map(str::to_string) };
            out.insert(lang, look);
        }
    }
    Ok(out)
}

/// The form a visitor is shown: none once their email is known (given, or a signed identity's).
pub fn prechat_for(p: Prechat, v: &super::visitors::Visitor) -> Prechat {
    if v.email.is_some() {
        Prechat::Off
    } else {
        p
    }
}

/// Refuse a message while a required pre-chat form is not filled in (an email is needed); a
/// visitor whose conversation already started goes on.
pub fn check_prechat(p: Prechat, v: &super::visitors::Visitor) -> AppResult<()> {
    if p == Prechat::Required && v.email.is_none() && v.ticket_id.is_none() {
        return Err(AppError::invalid("email", "error-chat-prechat", "this workspace asks for an email address first"));
    }
    Ok(())
}

/// The look for a visitor's locale: the exact tag, then its language, then the tenant's
/// default locale (and its language); the built-in look when none is set up.
pub fn for_locale(looks: &BTreeMap<String, WidgetLook>, locale: Option<&str>, default_locale: &str) -> WidgetLook {
    let primary = crate::routing::engine::primary;
    let find = |tag: &str| {
        looks
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(tag))
            .or_else(|| looks.iter().find(|(k, _)| k.eq_ignore_ascii_case(&primary(tag))))
            .map(|(_, v)| v.clone())
    };
    locale.and_then(find).or_else(|| find(default_locale)).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn look(color: &str, greeting: &str) -> WidgetLook {
        WidgetLook { color: Some(color.into()), greeting: Some(greeting.into()) }
    }

    #[test]
    fn looks_are_validated_and_chosen_by_language() {
        let mut m = BTreeMap::new();
        m.insert("en".to_string(), look("#1F5EFF", " Hi! "));
        m.insert("zh-CN".to_string(), look("", "你好"));
        let v = validate(&m).unwrap();
        assert_eq!(v["en"], WidgetLook { color: Some("#1f5eff".into()), greeting: Some("Hi!".into()) });
        assert_eq!(for_locale(&v, Some("en-GB"), "en").greeting.as_deref(), Some("Hi!"));
        assert_eq!(for_locale(&v, Some("zh-CN"), "en").greeting.as_deref(), Some("你好"));
        assert_eq!(for_locale(&v, Some("pt-BR"), "en").greeting.as_deref(), Some("Hi!"));
        assert_eq!(for_locale(&v, None, "de"), WidgetLook::default());
        m.insert("en".to_string(), look("blue", ""));
        assert!(matches!(validate(&m), Err(AppError::Invalid { field, .. }) if field == "appearance.en.color"));
        m.insert("en".to_string(), look("#000000", "a\u{7}b"));
        assert!(matches!(validate(&m), Err(AppError::Invalid { field, .. }) if field == "appearance.en.greeting"));
        let mut bad = BTreeMap::new();
        bad.insert("not a tag".to_string(), WidgetLook::default());
        assert!(matches!(validate(&bad), Err(AppError::Invalid { field, .. }) if field == "appearance.not a tag"));
    }
}

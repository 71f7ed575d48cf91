//! Translations: Fluent bundles embedded from `locales/`, locale negotiation, a template helper.

use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;

use fluent_bundle::concurrent::FluentBundle;
use fluent_bundle::{FluentArgs, FluentResource, FluentValue};
use fluent_langneg::{negotiate_languages, NegotiationStrategy};
use unic_langid::LanguageIdentifier;

#[derive(rust_embed::RustEmbed)]
#[folder = "locales/"]
struct LocaleFiles;

/// The source locale: every key exists here first.
pub const SOURCE_LOCALE: &str = "en";

/// The locales shipped in the binary (folder names under `locales/`).
pub fn available() -> Vec<String> {
    let set: BTreeSet<String> =
        LocaleFiles::iter().filter_map(|p| p.split_once('/').map(|(dir, _)| dir.to_string())).collect();
    set.into_iter().collect()
}

/// Whether `tag` names a shipped locale exactly (`en`, `zh-CN`).
pub fn is_supported(tag: &str) -> bool {
    available().iter().any(|l| l == tag)
}

/// The Fluent sources of one locale, file by file.
pub fn sources(locale: &str) -> Vec<(String, String)> {
    LocaleFiles::iter()
        .filter(|p| p.starts_with(&format!("{locale}/")) && p.ends_with(".ftl"))
        .filter_map(|p| {
            let file = LocaleFiles::get(&p)?;
            Some((p.to_string(), String::from_utf8_lossy(&file.data).into_owned()))
        })
        .collect()
}

/// The message ids a locale defines (for the key-parity check).
pub fn message_ids(locale: &str) -> Result<BTreeSet<String>, String> {
    let mut ids = BTreeSet::new();
    for (path, text) in sources(locale) {
        let res = FluentResource::try_new(text).map_err(|(_, errs)| format!("{path}: {errs:?}"))?;
        for entry in res.entries() {
            if let fluent_syntax::ast::Entry::Message(m) = entry {
                ids.insert(m.id.name.to_string());
            }
        }
    }
    Ok(ids)
}

/// All loaded bundles.
pub struct I18n {
    bundles: HashMap<String, FluentBundle<FluentResource>>,
    available: Vec<LanguageIdentifier>,
    default: LanguageIdentifier,
}

impl I18n {
    /// Load every embedded locale; a syntax error is a startup error.
    pub fn load() -> anyhow::Result<Self> {
        let mut bundles = HashMap::new();
        let mut ids = Vec::new();
        for tag in available() {
            let lid: LanguageIdentifier = tag.parse().map_err(|e| anyhow::anyhow!("locale folder {tag}: {e:?}"))?;
            let mut bundle = FluentBundle::new_concurrent(vec![lid.clone()]);
            // Isolation marks would end up inside HTML attributes and plain-text mail.
            bundle.set_use_isolating(false);
            for (path, text) in sources(&tag) {
                let res = FluentResource::try_new(text).map_err(|(_, e)| anyhow::anyhow!("{path}: {e:?}"))?;
                bundle.add_resource(res).map_err(|e| anyhow::anyhow!("{path}: {e:?}"))?;
            }
            bundles.insert(tag.clone(), bundle);
            ids.push(lid);
        }
        let default: LanguageIdentifier = SOURCE_LOCALE.parse().map_err(|e| anyhow::anyhow!("{e:?}"))?;
        Ok(I18n { bundles, available: ids, default })
    }

    /// Pick a locale: the user's preference, then `Accept-Language`, then the tenant default, then `en`.
    pub fn negotiate(&self, user: Option<&str>, accept_language: Option<&str>, tenant_default: Option<&str>) -> String {
        let mut requested: Vec<LanguageIdentifier> = Vec::new();
        if let Some(u) = user.and_then(|u| u.parse().ok()) {
            requested.push(u);
        }
        if let Some(h) = accept_language {
            requested.extend(fluent_langneg::accepted_languages::parse(h));
        }
        if let Some(t) = tenant_default.and_then(|t| t.parse().ok()) {
            requested.push(t);
        }
        // Try each request on its own, in order, so an earlier preference always wins.
        for r in &requested {
            let got = negotiate_languages(std::slice::from_ref(r), &self.available, None, NegotiationStrategy::Lookup);
            if let Some(l) = got.first() {
                return l.to_string();
            }
        }
        self.default.to_string()
    }

    /// Whether `key` has a message in `locale` or, failing that, in English.
    pub fn has(&self, locale: &str, key: &str) -> bool {
        let bundle = self.bundles.get(locale).or_else(|| self.bundles.get(SOURCE_LOCALE));
        bundle.is_some_and(|b| b.has_message(key))
    }

    /// Format a message; a missing key shows as the key itself and is logged.
    pub fn format(&self, locale: &str, key: &str, args: Option<&FluentArgs>) -> String {
        let bundle = self.bundles.get(locale).or_else(|| self.bundles.get(SOURCE_LOCALE));
        let Some(bundle) = bundle else { return key.to_string() };
        let Some(pattern) = bundle.get_message(key).and_then(|m| m.value()) else {
            tracing::warn!(locale, key, "missing translation");
            return key.to_string();
        };
        let mut errors = vec![];
        let text = bundle.format_pattern(pattern, args, &mut errors);
        if !errors.is_empty() {
            tracing::warn!(locale, key, ?errors, "translation formatting errors");
        }
        text.into_owned()
    }
}

/// A translator bound to one locale: the helper templates call (`t.t("nav-inbox")`, `t.t1("profile-email", "email", v)`).
#[derive(Clone)]
pub struct Tr {
    i18n: Arc<I18n>,
    locale: String,
}

impl Tr {
    /// Bind a translator to a negotiated locale.
    pub fn new(i18n: Arc<I18n>, locale: String) -> Self {
        Tr { i18n, locale }
    }

    /// The locale tag (for `<html lang>`).
    pub fn locale(&self) -> &str {
        &self.locale
    }

    /// A message without arguments.
    pub fn t(&self, key: &str) -> String {
        self.i18n.format(&self.locale, key, None)
    }

    /// A message whose key is a prefix plus a value (`locale-name-` + `zh-CN`).
    pub fn tp(&self, prefix: &str, suffix: impl AsRef<str>) -> String {
        self.t(&format!("{prefix}{}", suffix.as_ref()))
    }

    /// A message with one argument.
    pub fn t1(&self, key: &str, name: &str, value: impl std::fmt::Display) -> String {
        let mut args = FluentArgs::new();
        args.set(name.to_string(), FluentValue::from(value.to_string()));
        self.i18n.format(&self.locale, key, Some(&args))
    }

    /// A message with a numeric argument (plural selection).
    pub fn tn(&self, key: &str, name: &str, n: i64) -> String {
        let mut args = FluentArgs::new();
        args.set(name.to_string(), FluentValue::from(n));
        self.i18n.format(&self.locale, key, Some(&args))
    }

    /// A message with a numeric argument (plural selection) and a text one.
    pub fn tn1(&self, key: &str, name: &str, n: i64, n2: &str, v2: impl std::fmt::Display) -> String {
        let mut args = FluentArgs::new();
        args.set(name.to_string(), FluentValue::from(n));
        args.set(n2.to_string(), FluentValue::from(v2.to_string()));
        self.i18n.format(&self.locale, key, Some(&args))
    }

    /// A message with two arguments.
    pub fn t2(&self, key: &str, n1: &str, v1: impl std::fmt::Display, n2: &str, v2: impl std::fmt::Display) -> String {
        let mut args = FluentArgs::new();
        args.set(n1.to_string(), FluentValue::from(v1.to_string()));
        args.set(n2.to_string(), FluentValue::from(v2.to_string()));
        self.i18n.format(&self.locale, key, Some(&args))
    }

    /// A stored system message (key and string arguments), or `fallback` when the key is not a
    /// system message's, so stored data cannot pick arbitrary interface strings.
    pub fn system(&self, key: &str, args: &[(String, String)], fallback: &str) -> String {
        if !key.starts_with("system-") || !self.i18n.has(&self.locale, key) {
            return fallback.to_string();
        }
        let mut fa = FluentArgs::new();
        for (name, value) in args {
            fa.set(name.clone(), FluentValue::from(value.clone()));
        }
        self.i18n.format(&self.locale, key, Some(&fa))
    }

    /// How long ago a UTC timestamp was, in words ("3 h ago"); older than a month, the date.
    pub fn ago(&self, at: &chrono::NaiveDateTime, zone: &str) -> String {
        let secs = (chrono::Utc::now().naive_utc() - *at).num_seconds().max(0);
        match secs {
            0..60 => self.t("time-just-now"),
            60..3600 => self.tn("time-minutes-ago", "n", secs / 60),
            3600..86_400 => self.tn("time-hours-ago", "n", secs / 3600),
            86_400..2_592_000 => self.tn("time-days-ago", "n", secs / 86_400),
            _ => {
                let tz: chrono_tz::Tz = zone.parse().unwrap_or(chrono_tz::UTC);
                let local = at.and_utc().with_timezone(&tz);
                if self.locale.starts_with("zh") {
                    local.format("%Y年%m月%d日").to_string()
                } else {
                    local.format("%Y-%m-%d").to_string()
                }
            }
        }
    }

    /// A UTC timestamp shown in the viewer's zone, in a locale-appropriate order.
    pub fn datetime(&self, at: &chrono::NaiveDateTime, zone: &str) -> String {
        let tz: chrono_tz::Tz = zone.parse().unwrap_or(chrono_tz::UTC);
        let local = at.and_utc().with_timezone(&tz);
        if self.locale.starts_with("zh") {
            local.format("%Y年%m月%d日 %H:%M").to_string()
        } else {
            local.format("%Y-%m-%d %H:%M %Z").to_string()
        }
    }
}

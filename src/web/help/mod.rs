//! The public help center; its tenant comes from the host (`{slug}.<base_domain>`) or `/h/{slug}`.

use actix_web::http::header;
use actix_web::middleware::from_fn;
use actix_web::{web, HttpRequest, HttpResponse};

mod feedback;
pub mod files;
mod pages;
pub mod portal;
mod portal_tickets;
mod requests;
mod satisfaction;

use crate::app::AppState;
use crate::error::AppResult;
use crate::i18n::Tr;
use crate::tenancy;

/// The tenant slug named by the request's host, when it is a subdomain of the base domain.
pub fn slug_from_host(req: &HttpRequest, base_domain: &str) -> Option<String> {
    let host = req.headers().get(header::HOST)?.to_str().ok()?;
    let host = host.rsplit_once(':').map(|(h, _)| h).unwrap_or(host).to_ascii_lowercase();
    let slug = host.strip_suffix(base_domain)?.strip_suffix('.')?;
    (!slug.is_empty() && !slug.contains('.')).then(|| slug.to_string())
}

/// Which help center a request is for, and how its links begin.
pub struct Site {
    pub tenant: crate::tenancy::Tenant,
    /// `/h/{slug}`, or empty on the tenant's own host.
    pub prefix: String,
}

impl Site {
    /// The absolute URL of a path under this help center (canonical links, the sitemap): always
    /// the `/h/{slug}` form on the base URL, so each page has one canonical address.
    pub fn absolute(&self, config: &crate::config::Config, rest: &str) -> String {
        format!("{}/h/{}{rest}", config.base_url.as_str().trim_end_matches('/'), self.tenant.slug)
    }
}

/// The help center of this request: the `{slug}` path segment, else the host.
pub async fn site(state: &AppState, req: &HttpRequest) -> AppResult<Site> {
    let (slug, prefix) = match req.match_info().get("slug") {
        Some(s) => (s.to_string(), format!("/h/{s}")),
        None => {
            (slug_from_host(req, &state.config.base_domain).ok_or(crate::error::AppError::NotFound)?, String::new())
        }
    };
    let tenant = state.db.read(move |c| tenancy::by_slug(c, &slug)).await?;
    Ok(Site { tenant, prefix })
}

/// One language a page exists in.
pub struct Alternate {
    pub locale: String,
    pub href: String,
}

/// One entry of the locale switcher.
pub struct SwitchTo {
    pub locale: String,
    pub label: String,
    pub href: String,
    pub current: bool,
}

/// The help-center layout: languages, canonical and alternate links, Open Graph.
pub struct Layout {
    pub t: Tr,
    /// The content's language (`lang`), which is the URL's locale.
    pub lang: String,
    pub dir: &'static str,
    pub locale: String,
    pub tenant_name: String,
    pub prefix: String,
    pub canonical: String,
    pub alternates: Vec<Alternate>,
    pub switcher: Vec<SwitchTo>,
    pub og_title: String,
    pub og_type: &'static str,
    pub og_locale: String,
    pub og_description: String,
    /// The search box's value.
    pub q: String,
    pub version: &'static str,
}

/// A language's own name, for the switcher (names of languages are not translated).
pub fn endonym(locale: &str) -> String {
    let exact = match locale {
        "pt-BR" => Some("Português (Brasil)"),
        "pt-PT" => Some("Português (Portugal)"),
        "zh-CN" | "zh-Hans" => Some("简体中文"),
        "zh-TW" | "zh-Hant" => Some("繁體中文"),
        "en-GB" => Some("English (UK)"),
        "en-US" => Some("English (US)"),
        _ => None,
    };
    if let Some(n) = exact {
        return n.to_string();
    }
    let name = match crate::search::text::primary(locale).as_str() {
        "en" => "English",
        "pt" => "Português",
        "es" => "Español",
        "de" => "Deutsch",
        "fr" => "Français",
        "it" => "Italiano",
        "nl" => "Nederlands",
        "ru" => "Русский",
        "zh" => "中文",
        "ja" => "日本語",
        "ko" => "한국어",
        "th" => "ไทย",
        "ar" => "العربية",
        "he" => "עברית",
        "tr" => "Türkçe",
        "pl" => "Polski",
        "sv" => "Svenska",
        _ => return locale.to_string(),
    };
    name.to_string()
}

impl Layout {
    /// A layout for a page of `site` in `locale`, existing in `locales`; `path(locale)` is the
    /// page's path in another locale (after the prefix).
    pub fn new(
        state: &AppState,
        req: &HttpRequest,
        site: &Site,
        locale: &str,
        locales: &[String],
        path: impl Fn(&str) -> String,
        title: &str,
    ) -> Layout {
        let accept = req.headers().get(header::ACCEPT_LANGUAGE).and_then(|v| v.to_str().ok());
        let ui = state.i18n.negotiate(Some(locale), accept, Some(&site.tenant.default_locale));
        actix_web::HttpMessage::extensions_mut(req).insert(super::middleware::RequestLocale(ui.clone()));
        let mut sorted: Vec<String> = locales.to_vec();
        sorted.sort();
        sorted.dedup();
        let alternates = sorted
            .iter()
            .map(|l| Alternate { locale: l.clone(), href: site.absolute(&state.config, &path(l)) })
            .collect();
        let switcher = sorted
            .iter()
            .map(|l| SwitchTo {
                locale: l.clone(),
                label: endonym(l),
                href: format!("{}{}", site.prefix, path(l)),
                current: l == locale,
            })
            .collect();
        Layout {
            t: Tr::new(state.i18n.clone(), ui),
            lang: locale.to_string(),
            dir: if crate::kb::is_rtl(locale) { "rtl" } else { "ltr" },
            locale: locale.to_string(),
            tenant_name: site.tenant.name.clone(),
            prefix: site.prefix.clone(),
            canonical: site.absolute(&state.config, &path(locale)),
            alternates,
            switcher,
            og_title: title.to_string(),
            og_type: "website",
            og_locale: locale.replace('-', "_"),
            og_description: String::new(),
            q: String::new(),
            version: env!("CARGO_PKG_VERSION"),
        }
    }
}

/// The help-center home of the tenant with this slug (the root of its own host).
pub async fn home_for_slug(state: &AppState, req: &HttpRequest, slug: String) -> AppResult<HttpResponse> {
    let tenant = state.db.read(move |c| tenancy::by_slug(c, &slug)).await?;
    let site = Site { tenant, prefix: String::new() };
    let mut res = pages::home(state, req, site, None).await?;
    res.headers_mut().insert(header::VARY, header::HeaderValue::from_static("Accept-Language"));
    Ok(res)
}

/// `/h/{slug}/…` routes, and the same pages on a tenant's own host.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::scope("/h/{slug}")
            .wrap(from_fn(super::middleware::console_errors))
            .configure(pages::routes)
            .default_service(web::to(crate::web::not_found)),
    );
    pages::host_routes(cfg);
}

/// Requests submitted from one client address: at most [`RequestLimiter::MAX`] in
/// [`RequestLimiter::WINDOW`] (other uses choose their own numbers with [`RequestLimiter::new`]).
/// Per process, which is what a flood guard needs.
pub struct RequestLimiter {
    max: usize,
    window: std::time::Duration,
    seen: std::sync::Mutex<std::collections::HashMap<String, Vec<std::time::Instant>>>,
}

impl Default for RequestLimiter {
    fn default() -> Self {
        Self::new(Self::MAX, Self::WINDOW)
    }
}

impl RequestLimiter {
    /// Requests one address may submit per window.
    pub const MAX: usize = 5;
    /// The window.
    pub const WINDOW: std::time::Duration = std::time::Duration::from_secs(600);

    /// A limiter of `max` per `window`.
    pub fn new(max: usize, window: std::time::Duration) -> Self {
        RequestLimiter { max, window, seen: Default::default() }
    }

    /// Count a request from `ip`; the seconds to wait when it is one too many.
    pub fn check(&self, ip: &str) -> Result<(), u64> {
        let now = std::time::Instant::now();
        let mut seen = self.seen.lock().unwrap_or_else(|p| p.into_inner());
        if seen.len() > 10_000 {
            seen.retain(|_, v| v.iter().any(|t| now.duration_since(*t) < self.window));
        }
        let times = seen.entry(ip.to_string()).or_default();
        times.retain(|t| now.duration_since(*t) < self.window);
        if times.len() >= self.max {
            let oldest = times.first().copied().unwrap_or(now);
            return Err(self.window.saturating_sub(now.duration_since(oldest)).as_secs().max(1));
        }
        times.push(now);
        Ok(())
    }
}

/// The help center's feedback doors' limits, per tenant and client address.
pub struct FeedbackLimits {
    /// "Was this helpful?" votes.
    pub votes: RequestLimiter,
    /// Suggestion beacons of the request form.
    pub beacons: RequestLimiter,
}

impl Default for FeedbackLimits {
    fn default() -> Self {
        FeedbackLimits {
            votes: RequestLimiter::new(FeedbackLimits::VOTES, std::time::Duration::from_secs(600)),
            beacons: RequestLimiter::new(FeedbackLimits::BEACONS, std::time::Duration::from_secs(60)),
        }
    }
}

impl FeedbackLimits {
    /// Votes one address may cast in ten minutes: a reader voting on many articles, not a script.
    pub const VOTES: usize = 30;
    /// Beacons one address may send a minute (each suggestion shown or clicked while typing).
    pub const BEACONS: usize = 120;
}

/// Whether a browser sent this state-changing request from one of our own pages: an `Origin`
/// (else a `Referer`) naming another host is refused, as is the opaque `null` origin. A request
/// with neither is not from a browser page on another site (browsers send `Origin` on every
/// cross-origin POST), so it is let through; what it could do, any client can do anyway.
pub fn same_origin(req: &HttpRequest) -> bool {
    let Some(host) = req.headers().get(header::HOST).and_then(|v| v.to_str().ok()) else { return true };
    let from =
        req.headers().get(header::ORIGIN).or_else(|| req.headers().get(header::REFERER)).and_then(|v| v.to_str().ok());
    match from {
        None => true,
        Some(f) => url::Url::parse(f).ok().is_some_and(|u| {
            let authority = match (u.host_str(), u.port()) {
                (Some(h), Some(p)) => format!("{h}:{p}"),
                (Some(h), None) => h.to_string(),
                _ => return false,
            };
            authority.eq_ignore_ascii_case(host)
        }),
    }
}

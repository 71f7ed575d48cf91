//! Help-center pages: home, category, section, article, search results, the sitemap, robots.txt
//! and the public search API. Readers see published translations of public articles only; any
//! other id (another tenant's, a draft's, an internal article's) is 404.

use actix_web::http::header;
use actix_web::middleware::from_fn;
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use serde::Deserialize;

use super::{Layout, Site};
use crate::app::AppState;
use crate::error::{AppError, AppResult};
use crate::kb::articles::{self, Article, Translation};
use crate::kb::reading;
use crate::kb::structure::{self, NameIn};
use crate::kb::{self, Audience};
use crate::web::auth;

/// A link with a title, in some language.
pub struct Link {
    pub title: String,
    pub href: String,
    pub lang: String,
}

/// A category on the home page.
pub struct CategoryCard {
    pub id: String,
    pub name: String,
    pub description: String,
    pub lang: String,
}

/// A section of a listing page and its articles.
pub struct Group {
    pub title: String,
    pub href: String,
    pub articles: Vec<Link>,
}

/// A search result on the results page.
pub struct ResultItem {
    pub title: String,
    pub href: String,
    pub lang: String,
    /// Escaped HTML with `<mark>` (built by `search::text::snippet`).
    pub snippet: String,
}

#[derive(Template)]
#[template(path = "help/home.html")]
struct HomePage {
    l: Layout,
    categories: Vec<CategoryCard>,
    articles: Vec<Link>,
}

#[derive(Template)]
#[template(path = "help/listing.html")]
struct ListingPage {
    l: Layout,
    title: String,
    title_lang: String,
    description: String,
    crumbs: Vec<Link>,
    groups: Vec<Group>,
}

#[derive(Template)]
#[template(path = "help/article.html")]
struct ArticlePage {
    l: Layout,
    id: String,
    title: String,
    updated: String,
    body_html: String,
    crumbs: Vec<Link>,
    /// The reader just voted: the thank-you instead of the question.
    voted: bool,
}

#[derive(Template)]
#[template(path = "help/search.html")]
struct SearchPage {
    l: Layout,
    hits: Vec<ResultItem>,
    fallback: bool,
}

/// Render a public page: cacheable for a short while (it holds nothing private).
pub(super) fn page<T: Template>(tpl: &T) -> AppResult<HttpResponse> {
    let body = tpl.render().map_err(|e| AppError::Internal(anyhow::anyhow!("template: {e}")))?;
    Ok(HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, "text/html; charset=utf-8"))
        .insert_header((header::CACHE_CONTROL, "public, max-age=60"))
        .body(body))
}

/// The URL's locale (404 when it is not a language tag).
pub(super) fn url_locale(req: &HttpRequest) -> AppResult<String> {
    let raw = req.match_info().get("locale").ok_or(AppError::NotFound)?;
    kb::parse_locale("locale", raw).map_err(|_| AppError::NotFound)
}

fn url_id(req: &HttpRequest) -> AppResult<String> {
    req.match_info().get("id").map(str::to_string).ok_or(AppError::NotFound)
}

/// A name for readers of `chain`: theirs, else the first there is.
fn display_name(names: &[NameIn], chain: &[String]) -> Option<NameIn> {
    structure::name_for(names, chain).or_else(|| names.first().cloned())
}

fn article_link(site: &Site, a: &Article, t: &Translation) -> Link {
    Link {
        title: t.title.clone(),
        href: format!("{}/{}/articles/{}", site.prefix, t.locale, a.id),
        lang: t.locale.clone(),
    }
}

/// Of the locales readers find content in, the one the browser asks for, else the tenant's.
fn negotiate_content(req: &HttpRequest, site: &Site, available: &[String]) -> String {
    let accept = req.headers().get(header::ACCEPT_LANGUAGE).and_then(|v| v.to_str().ok()).unwrap_or("");
    for asked in fluent_langneg::accepted_languages::parse(accept) {
        let asked = asked.to_string();
        let chain = kb::fallback_chain(&asked, &asked);
        if let Some(found) = kb::pick(&chain, available) {
            return found.clone();
        }
    }
    site.tenant.default_locale.clone()
}

/// The home page in `locale`, or in the visitor's language when the URL names none.
pub(super) async fn home(
    state: &AppState,
    req: &HttpRequest,
    site: Site,
    locale: Option<String>,
) -> AppResult<HttpResponse> {
    let tid = site.tenant.tenant_id();
    let (mut available, categories) = state
        .db
        .read(move |c| Ok((reading::published_locales(c, &tid)?, structure::list_categories(c, &tid)?)))
        .await?;
    if !available.contains(&site.tenant.default_locale) {
        available.push(site.tenant.default_locale.clone());
    }
    let locale = locale.unwrap_or_else(|| negotiate_content(req, &site, &available));
    let chain = kb::fallback_chain(&locale, &site.tenant.default_locale);
    let tid = site.tenant.tenant_id();
    let ch = chain.clone();
    let loose = state
        .db
        .read(move |c| {
            let all = reading::readable_in(c, &tid, None, &ch, Audience::Public)?;
            Ok(all.into_iter().filter(|(a, _)| a.section_id.is_none()).collect::<Vec<_>>())
        })
        .await?;
    let title = state.i18n.format(&locale, "help-home", None);
    let l = Layout::new(state, req, &site, &locale, &available, |l| format!("/{l}"), &title);
    let categories = categories
        .iter()
        .filter_map(|c| {
            let n = display_name(&c.names(), &chain)?;
            Some(CategoryCard {
                id: c.id.clone(),
                name: n.name,
                description: n.description.unwrap_or_default(),
                lang: n.locale,
            })
        })
        .collect();
    let articles = loose.iter().map(|(a, t)| article_link(&site, a, t)).collect();
    page(&HomePage { l, categories, articles })
}

async fn home_any(req: HttpRequest) -> AppResult<HttpResponse> {
    let state = auth::state(&req)?;
    let site = super::site(&state, &req).await?;
    let mut res = home(&state, &req, site, None).await?;
    // Its language is the browser's choice.
    res.headers_mut().insert(header::VARY, header::HeaderValue::from_static("Accept-Language"));
    Ok(res)
}

async fn home_in(req: HttpRequest) -> AppResult<HttpResponse> {
    let state = auth::state(&req)?;
    let site = super::site(&state, &req).await?;
    let locale = url_locale(&req)?;
    home(&state, &req, site, Some(locale)).await
}

async fn category(req: HttpRequest) -> AppResult<HttpResponse> {
    let state = auth::state(&req)?;
    let site = super::site(&state, &req).await?;
    let (locale, id) = (url_locale(&req)?, url_id(&req)?);
    let chain = kb::fallback_chain(&locale, &site.tenant.default_locale);
    let (tid, ch) = (site.tenant.tenant_id(), chain.clone());
    let (cat, sections) = state
        .db
        .read(move |c| {
            let cat = structure::get_category(c, &tid, &id)?;
            let mut sections = Vec::new();
            for s in structure::list_sections(c, &tid, Some(&cat.id))? {
                let listed = reading::readable_in(c, &tid, Some(&s.id), &ch, Audience::Public)?;
                sections.push((s, listed));
            }
            Ok((cat, sections))
        })
        .await?;
    let names = cat.names();
    let name = display_name(&names, &chain).ok_or(AppError::NotFound)?;
    let locales: Vec<String> = names.iter().map(|n| n.locale.clone()).collect();
    let cid = cat.id.clone();
    let l = Layout::new(&state, &req, &site, &locale, &locales, |l| format!("/{l}/categories/{cid}"), &name.name);
    let groups = sections
        .iter()
        .filter_map(|(s, listed)| {
            let n = display_name(&s.names(), &chain)?;
            Some(Group {
                title: n.name,
                href: format!("{}/{locale}/sections/{}", site.prefix, s.id),
                articles: listed.iter().map(|(a, t)| article_link(&site, a, t)).collect(),
            })
        })
        .collect();
    page(&ListingPage {
        l,
        title: name.name,
        title_lang: name.locale,
        description: name.description.unwrap_or_default(),
        crumbs: vec![],
        groups,
    })
}

async fn section(req: HttpRequest) -> AppResult<HttpResponse> {
    let state = auth::state(&req)?;
    let site = super::site(&state, &req).await?;
    let (locale, id) = (url_locale(&req)?, url_id(&req)?);
    let chain = kb::fallback_chain(&locale, &site.tenant.default_locale);
    let (tid, ch) = (site.tenant.tenant_id(), chain.clone());
    let (sec, cat, listed) = state
        .db
        .read(move |c| {
            let sec = structure::get_section(c, &tid, &id)?;
            let cat = structure::get_category(c, &tid, &sec.category_id)?;
            let listed = reading::readable_in(c, &tid, Some(&sec.id), &ch, Audience::Public)?;
            Ok((sec, cat, listed))
        })
        .await?;
    let names = sec.names();
    let name = display_name(&names, &chain).ok_or(AppError::NotFound)?;
    let locales: Vec<String> = names.iter().map(|n| n.locale.clone()).collect();
    let sid = sec.id.clone();
    let l = Layout::new(&state, &req, &site, &locale, &locales, |l| format!("/{l}/sections/{sid}"), &name.name);
    let crumbs = display_name(&cat.names(), &chain)
        .map(|n| Link {
            title: n.name,
            href: format!("{}/{locale}/categories/{}", site.prefix, cat.id),
            lang: n.locale,
        })
        .into_iter()
        .collect();
    let groups = vec![Group {
        title: String::new(),
        href: String::new(),
        articles: listed.iter().map(|(a, t)| article_link(&site, a, t)).collect(),
    }];
    page(&ListingPage {
        l,
        title: name.name,
        title_lang: name.locale,
        description: name.description.unwrap_or_default(),
        crumbs,
        groups,
    })
}

async fn article(req: HttpRequest) -> AppResult<HttpResponse> {
    let state = auth::state(&req)?;
    let site = super::site(&state, &req).await?;
    let (locale, id) = (url_locale(&req)?, url_id(&req)?);
    article_page(&state, &req, &site, &locale, id, false).await
}

/// An article in `locale` (else a redirect to the reader's next best language). A page shown
/// to a person counts as a view, in memory (see `kb::feedback`); the page after a vote does not.
pub(super) async fn article_page(
    state: &AppState,
    req: &HttpRequest,
    site: &Site,
    locale: &str,
    id: String,
    voted: bool,
) -> AppResult<HttpResponse> {
    let locale = locale.to_string();
    let tid = site.tenant.tenant_id();
    let (a, trs, place) = state
        .db
        .read(move |c| {
            let a = articles::get(c, &tid, &id)?;
            let trs = articles::translations(c, &tid, &id)?;
            let place = match &a.section_id {
                Some(s) => {
                    let sec = structure::get_section(c, &tid, s)?;
                    let cat = structure::get_category(c, &tid, &sec.category_id)?;
                    Some((sec, cat))
                }
                None => None,
            };
            Ok((a, trs, place))
        })
        .await?;
    let readable: Vec<&Translation> = trs.iter().filter(|t| reading::readable(&a, t, Audience::Public)).collect();
    if readable.is_empty() {
        return Err(AppError::NotFound);
    }
    let Some(t) = readable.iter().find(|t| t.locale.eq_ignore_ascii_case(&locale)) else {
        // Not in this language: the reader's next best, never a page without text.
        let chain = kb::fallback_chain(&locale, &site.tenant.default_locale);
        let locales: Vec<String> = readable.iter().map(|t| t.locale.clone()).collect();
        let best = kb::pick(&chain, &locales).unwrap_or(&locales[0]);
        let to = format!("{}/{best}/articles/{}", site.prefix, a.id);
        return Ok(HttpResponse::Found().insert_header((header::LOCATION, to)).finish());
    };
    let ua = req.headers().get(header::USER_AGENT).and_then(|v| v.to_str().ok()).unwrap_or("");
    if !voted && !kb::feedback::is_bot(ua) {
        state.kb_tally.view(&site.tenant.tenant_id(), &a.id, &t.locale);
    }
    let locales: Vec<String> = readable.iter().map(|t| t.locale.clone()).collect();
    let aid = a.id.clone();
    let mut l = Layout::new(state, req, site, &t.locale, &locales, |l| format!("/{l}/articles/{aid}"), &t.title);
    l.og_type = "article";
    let text = kb::render::to_text(&t.body_markdown);
    l.og_description = text.split_whitespace().collect::<Vec<_>>().join(" ").chars().take(200).collect();
    let chain = kb::fallback_chain(&t.locale, &site.tenant.default_locale);
    let mut crumbs = Vec::new();
    if let Some((sec, cat)) = &place {
        if let Some(n) = display_name(&cat.names(), &chain) {
            crumbs.push(Link {
                title: n.name,
                href: format!("{}/{}/categories/{}", site.prefix, t.locale, cat.id),
                lang: n.locale,
            });
        }
        if let Some(n) = display_name(&sec.names(), &chain) {
            crumbs.push(Link {
                title: n.name,
                href: format!("{}/{}/sections/{}", site.prefix, t.locale, sec.id),
                lang: n.locale,
            });
        }
    }
    let updated = l.t.datetime(&t.updated_at, &site.tenant.time_zone);
    page(&ArticlePage {
        id: a.id.clone(),
        title: t.title.clone(),
        body_html: t.body_html.clone(),
        updated,
        crumbs,
        voted,
        l,
    })
}

/// Query of the search page and the public search API.
#[derive(Deserialize)]
pub(super) struct SearchParams {
    q: Option<String>,
    locale: Option<String>,
    limit: Option<i64>,
}

async fn search_page(req: HttpRequest, q: web::Query<SearchParams>) -> AppResult<HttpResponse> {
    let state = auth::state(&req)?;
    let site = super::site(&state, &req).await?;
    let locale = url_locale(&req)?;
    let text = q.q.clone().unwrap_or_default();
    let (hits, fallback) =
        crate::web::api::kb::search::run_search(&state, &site.tenant, &text, Some(&locale), Audience::Public, 20)
            .await?;
    let title = state.i18n.format(&locale, "help-search-button", None);
    let encoded: String = url::form_urlencoded::byte_serialize(text.as_bytes()).collect();
    // Results pages exist in every language the help center has; they are not indexed.
    let tid = site.tenant.tenant_id();
    let mut locales = state.db.read(move |c| reading::published_locales(c, &tid)).await?;
    if !locales.contains(&locale) {
        locales.push(locale.clone());
    }
    let mut l = Layout::new(&state, &req, &site, &locale, &locales, |l| format!("/{l}/search?q={encoded}"), &title);
    l.q = text;
    let hits = hits
        .into_iter()
        .map(|h| ResultItem {
            title: h.title,
            href: format!("{}/{}/articles/{}", site.prefix, h.locale, h.id),
            lang: h.locale,
            snippet: h.snippet,
        })
        .collect();
    let mut res = page(&SearchPage { l, hits, fallback })?;
    res.headers_mut()
        .insert(header::HeaderName::from_static("x-robots-tag"), header::HeaderValue::from_static("noindex"));
    Ok(res)
}

/// GET …/api/search: the public search, as JSON (errors too), for the widget and the request form.
async fn api_search(req: HttpRequest, q: web::Query<SearchParams>) -> HttpResponse {
    use actix_web::ResponseError;
    let answer = async {
        let state = auth::state(&req)?;
        let site = super::site(&state, &req).await?;
        let limit = q.limit.unwrap_or(5);
        if !(1..=20).contains(&limit) {
            return Err(AppError::invalid("limit", "error-limit-invalid", "limit is 1 to 20"));
        }
        let text = q.q.clone().unwrap_or_default();
        let (data, fallback) = crate::web::api::kb::search::run_search(
            &state,
            &site.tenant,
            &text,
            q.locale.as_deref(),
            Audience::Public,
            limit as usize,
        )
        .await?;
        Ok(serde_json::json!({"data": data, "fallback": fallback}))
    }
    .await;
    match answer {
        Ok(body) => HttpResponse::Ok().insert_header((header::CACHE_CONTROL, "public, max-age=30")).json(body),
        Err(e) => e.error_response(),
    }
}

fn xml_escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;").replace('\'', "&apos;")
}

async fn sitemap(req: HttpRequest) -> AppResult<HttpResponse> {
    let state = auth::state(&req)?;
    let site = super::site(&state, &req).await?;
    let tid = site.tenant.tenant_id();
    let rows = state.db.read(move |c| reading::published_public(c, &tid)).await?;
    let mut xml = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\" xmlns:xhtml=\"http://www.w3.org/1999/xhtml\">\n",
    );
    for (a, t) in &rows {
        let loc = site.absolute(&state.config, &format!("/{}/articles/{}", t.locale, a.id));
        xml.push_str(&format!(
            "<url><loc>{}</loc><lastmod>{}</lastmod>",
            xml_escape(&loc),
            t.updated_at.format("%Y-%m-%d")
        ));
        for (_, other) in rows.iter().filter(|(b, _)| b.id == a.id) {
            let href = site.absolute(&state.config, &format!("/{}/articles/{}", other.locale, a.id));
            xml.push_str(&format!(
                "<xhtml:link rel=\"alternate\" hreflang=\"{}\" href=\"{}\"/>",
                xml_escape(&other.locale),
                xml_escape(&href)
            ));
        }
        xml.push_str("</url>\n");
    }
    xml.push_str("</urlset>\n");
    Ok(HttpResponse::Ok().insert_header((header::CONTENT_TYPE, "application/xml; charset=utf-8")).body(xml))
}

async fn robots(req: HttpRequest) -> AppResult<HttpResponse> {
    let state = auth::state(&req)?;
    let site = super::site(&state, &req).await?;
    let body = format!(
        "User-agent: *\nAllow: {p}/\nDisallow: {p}/api/\nDisallow: {p}/*/search\nDisallow: {p}/*/requests/\nDisallow: {p}/*/portal\nSitemap: {}\n",
        site.absolute(&state.config, "/sitemap.xml"),
        p = site.prefix,
    );
    Ok(HttpResponse::Ok().insert_header((header::CONTENT_TYPE, "text/plain; charset=utf-8")).body(body))
}

/// The pages, relative to where the help center is mounted.
const PAGES: &[&str] = &[
    "/api/search",
    "/sitemap.xml",
    "/robots.txt",
    "/{locale}",
    "/{locale}/search",
    "/{locale}/categories/{id}",
    "/{locale}/sections/{id}",
    "/{locale}/articles/{id}",
    "/{locale}/articles/{id}/vote",
    "/{locale}/requests/new",
    "/{locale}/portal",
    "/{locale}/portal/sign-in",
    "/{locale}/portal/verify",
    "/{locale}/portal/sign-out",
    "/{locale}/portal/tickets/{id}",
    "/{locale}/portal/tickets/{id}/reply",
    "/{locale}/portal/tickets/{id}/rating",
    "/{locale}/portal/attachments/{id}",
    "/{locale}/satisfaction/{token}",
    "/api/deflection",
    "/files/{id}/{filename}",
];

fn mount(cfg: &mut web::ServiceConfig, path: &str, host: bool) {
    let res = web::resource(path.to_string());
    if host {
        let res = with_routes(res.guard(actix_web::guard::fn_guard(on_help_host)), path);
        cfg.service(res.wrap(from_fn(crate::web::middleware::console_errors)));
    } else {
        cfg.service(with_routes(res, path));
    }
}

fn with_routes(res: actix_web::Resource, path: &str) -> actix_web::Resource {
    match path.trim_start_matches('/') {
        "api/search" => res.route(web::get().to(api_search)),
        "sitemap.xml" => res.route(web::get().to(sitemap)),
        "robots.txt" => res.route(web::get().to(robots)),
        "{locale}" | "{locale}/" => res.route(web::get().to(home_in)),
        "{locale}/search" => res.route(web::get().to(search_page)),
        "{locale}/categories/{id}" => res.route(web::get().to(category)),
        "{locale}/sections/{id}" => res.route(web::get().to(section)),
        "{locale}/articles/{id}" => res.route(web::get().to(article)),
        "{locale}/articles/{id}/vote" => res.route(web::post().to(super::feedback::vote)),
        "api/deflection" => res.route(web::post().to(super::feedback::beacon)),
        "files/{id}/{filename}" => res.route(web::get().to(super::files::serve)),
        "{locale}/satisfaction/{token}" => {
            res.route(web::get().to(super::satisfaction::form)).route(web::post().to(super::satisfaction::submit))
        }
        p if p.starts_with("{locale}/portal") => portal_routes(res, p),
        _ => res.route(web::get().to(super::requests::form)).route(web::post().to(super::requests::submit)),
    }
}

fn portal_routes(res: actix_web::Resource, path: &str) -> actix_web::Resource {
    use super::{portal, portal_tickets as tickets};
    match path.trim_start_matches("{locale}/portal") {
        "/sign-in" => res.route(web::get().to(portal::sign_in_form)).route(web::post().to(portal::sign_in)),
        "/verify" => res.route(web::get().to(portal::verify_form)).route(web::post().to(portal::verify)),
        "/sign-out" => res.route(web::post().to(portal::sign_out)),
        "/tickets/{id}" => res.route(web::get().to(tickets::show)),
        "/tickets/{id}/reply" => res.route(web::post().to(tickets::reply)),
        "/tickets/{id}/rating" => res.route(web::post().to(tickets::rate)),
        "/attachments/{id}" => res.route(web::get().to(tickets::download)),
        _ => res.route(web::get().to(tickets::list)),
    }
}

/// Routes inside `/h/{slug}`.
pub(super) fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("", web::get().to(home_any)).route("/", web::get().to(home_any));
    for p in PAGES {
        mount(cfg, p, false);
    }
}

fn on_help_host(ctx: &actix_web::guard::GuardContext<'_>) -> bool {
    let Some(state) = ctx.app_data::<web::Data<AppState>>() else { return false };
    let Some(host) = ctx.head().headers().get(header::HOST).and_then(|v| v.to_str().ok()) else { return false };
    let host = host.rsplit_once(':').map(|(h, _)| h).unwrap_or(host).to_ascii_lowercase();
    host.strip_suffix(state.config.base_domain.as_str())
        .and_then(|s| s.strip_suffix('.'))
        .is_some_and(|s| !s.is_empty() && !s.contains('.'))
}

/// The same pages at the root of a tenant's own host (`{slug}.<base_domain>`); its `/` is the
/// console's root route, which hands over to [`super::home_for_slug`].
pub(super) fn host_routes(cfg: &mut web::ServiceConfig) {
    // `/{locale}` alone would shadow one-segment console paths (`/login`, `/inbox`) on the
    // host, so the home in a locale is only under `/h/{slug}` and as `/{locale}/`.
    for p in PAGES.iter().filter(|p| **p != "/{locale}") {
        mount(cfg, p, true);
    }
    mount(cfg, "/{locale}/", true);
}

//! The customer portal's door: sign-in by a link mailed to the address typed in, the page behind
//! the link (a button, since mail scanners fetch links and must not use them up), sign-out, and
//! the session every other portal page reads. The sign-in form answers the same page whether or
//! not the address is a contact of the tenant; requests are limited per address and per client
//! address. Forms before sign-in carry the double-submit token of the console's sign-in; forms
//! after it, the session's own token.

use actix_web::http::{header, StatusCode};
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use serde::Deserialize;

use super::pages::url_locale;
use super::{Layout, Site};
use crate::accounts::portal::{self, Customer};
use crate::accounts::{normalize_email, throttle};
use crate::app::AppState;
use crate::error::{AppError, AppResult};
use crate::web::auth::{self, client_ip, cookie, login_cookie_name};
use crate::web::console::signin::{login_token_ok, MIN_LOGIN_TOKEN_LEN};

/// The portal session cookie's name: `__Host-` prefixed when served over HTTPS.
pub fn cookie_name(config: &crate::config::Config) -> &'static str {
    if config.https() {
        "__Host-meridian_portal"
    } else {
        "meridian_portal"
    }
}

/// One portal request: the app, its help center, the layout, and who is signed in (if anyone
/// is, on this tenant's portal).
pub(super) struct Door {
    pub state: AppState,
    pub site: Site,
    pub l: Layout,
    pub customer: Option<Customer>,
}

impl Door {
    /// A path of this portal, as links on its pages write it.
    pub fn href(&self, rest: &str) -> String {
        format!("{}/{}/portal{rest}", self.site.prefix, self.l.locale)
    }

    /// Redirect to the sign-in page.
    pub fn to_sign_in(&self) -> HttpResponse {
        see_other(&self.href("/sign-in"))
    }
}

/// Open a portal request; the page's title is `title_key`. The cookie counts only where its
/// session belongs to this tenant: another help center's cookie signs nobody in.
pub(super) async fn door(req: &HttpRequest, title_key: &str) -> AppResult<Door> {
    let state = auth::state(req)?;
    let site = super::site(&state, req).await?;
    let locale = url_locale(req)?;
    let title = state.i18n.format(&locale, title_key, None);
    let rest = req.path().split_once("/portal").map(|(_, r)| r.to_string()).unwrap_or_default();
    let locales = vec![locale.clone()];
    let l = Layout::new(&state, req, &site, &locale, &locales, |l| format!("/{l}/portal{rest}"), &title);
    let customer = match req.cookie(cookie_name(&state.config)) {
        Some(c) => {
            let (tid, secret) = (site.tenant.tenant_id(), c.value().to_string());
            state.db.read(move |conn| portal::session(conn, &tid, &secret)).await?
        }
        None => None,
    };
    Ok(Door { state, site, l, customer })
}

/// A portal page: private to its reader, never cached or indexed.
pub(super) fn private<T: Template>(tpl: &T, status: StatusCode) -> AppResult<HttpResponse> {
    let body = tpl.render().map_err(|e| AppError::Internal(anyhow::anyhow!("template: {e}")))?;
    Ok(HttpResponse::build(status)
        .insert_header((header::CONTENT_TYPE, "text/html; charset=utf-8"))
        .insert_header((header::CACHE_CONTROL, "private, no-store"))
        .insert_header((header::HeaderName::from_static("x-robots-tag"), "noindex"))
        // Sign-in secrets travel in portal addresses: never send them on to another site.
        .insert_header((header::REFERRER_POLICY, "no-referrer"))
        .body(body))
}

/// Redirect after a form post.
pub(super) fn see_other(location: &str) -> HttpResponse {
    HttpResponse::SeeOther().insert_header((header::LOCATION, location.to_string())).finish()
}

/// 403 unless the form carries the session's CSRF token.
pub(super) fn check_csrf(customer: &Customer, presented: Option<&str>) -> AppResult<()> {
    match presented {
        Some(p) if auth::secrets_equal(p, &customer.csrf_token) => Ok(()),
        _ => Err(AppError::Csrf),
    }
}

fn cookie_error(e: impl std::fmt::Display) -> AppError {
    AppError::Internal(anyhow::anyhow!("cookie: {e}"))
}

#[derive(Template)]
#[template(path = "help/portal_sign_in.html")]
struct SignInPage {
    l: Layout,
    email: String,
    login_csrf: String,
    error: String,
    field_error: String,
}

#[derive(Template)]
#[template(path = "help/portal_sent.html")]
struct SentPage {
    l: Layout,
}

#[derive(Template)]
#[template(path = "help/portal_verify.html")]
struct VerifyPage {
    l: Layout,
    /// The link's secret, when the link still works.
    token: Option<String>,
    login_csrf: String,
}

/// The double-submit token: the cookie's when it has one, else a new one.
fn login_csrf(req: &HttpRequest, state: &AppState) -> String {
    req.cookie(login_cookie_name(&state.config))
        .map(|c| c.value().to_string())
        .filter(|v| v.len() >= MIN_LOGIN_TOKEN_LEN)
        .unwrap_or_else(|| crate::accounts::tokens::random_secret(24))
}

/// A pre-sign-in page, with its double-submit cookie.
fn with_login_cookie(state: &AppState, mut res: HttpResponse, token: &str) -> AppResult<HttpResponse> {
    res.add_cookie(&cookie(&state.config, login_cookie_name(&state.config), token.to_string(), 3600))
        .map_err(cookie_error)?;
    Ok(res)
}

fn sign_in_page(
    d: Door,
    email: String,
    token: String,
    error: String,
    field_error: String,
    status: StatusCode,
) -> AppResult<HttpResponse> {
    let state = d.state.clone();
    let res = private(&SignInPage { l: d.l, email, login_csrf: token.clone(), error, field_error }, status)?;
    with_login_cookie(&state, res, &token)
}

/// GET …/{locale}/portal/sign-in
pub async fn sign_in_form(req: HttpRequest) -> AppResult<HttpResponse> {
    let d = door(&req, "portal-sign-in-title").await?;
    let token = login_csrf(&req, &d.state);
    sign_in_page(d, String::new(), token, String::new(), String::new(), StatusCode::OK)
}

/// The sign-in form.
#[derive(Deserialize)]
pub struct SignInForm {
    #[serde(default)]
    email: String,
    #[serde(rename = "_csrf", default)]
    csrf: String,
}

/// POST …/{locale}/portal/sign-in: mail a link when the address is a contact's; the same
/// answer either way.
pub async fn sign_in(req: HttpRequest, form: web::Form<SignInForm>) -> AppResult<HttpResponse> {
    let f = form.into_inner();
    let cookie_token = req.cookie(login_cookie_name(&auth::state(&req)?.config)).map(|c| c.value().to_string());
    if !login_token_ok(cookie_token.as_deref(), &f.csrf) {
        return Err(AppError::Csrf);
    }
    let d = door(&req, "portal-sign-in-title").await?;
    let email = match normalize_email("email", &f.email) {
        Ok(e) => e,
        Err(AppError::Invalid { key, .. }) => {
            let (error, field_error) = (d.l.t.t("help-request-errors"), d.l.t.t(key));
            return sign_in_page(d, f.email, f.csrf, error, field_error, StatusCode::UNPROCESSABLE_ENTITY);
        }
        Err(e) => return Err(e),
    };
    let ip = client_ip(&req, d.state.config.trust_proxy);
    let tid = d.site.tenant.tenant_id();
    let limits = throttle::Limits {
        per_account: portal::PER_ADDRESS,
        per_ip: portal::PER_IP,
        window_minutes: portal::WINDOW_MINUTES,
    };
    let account = format!("portal:{}:{email}", tid.as_str());
    let ip_key = format!("portal-ip:{ip}");
    let (site_abs, locale) = (d.site.absolute(&d.state.config, ""), d.l.locale.clone());
    let domain = d.state.config.inbound_domain.clone();
    let sent = d
        .state
        .db
        .write(move |c| {
            throttle::begin(c, limits, &account, &ip_key)?;
            if let Some(contact) = portal::contact_for(c, &tid, &email)? {
                crate::email::outbound::links::send_portal_link(
                    c,
                    &tid,
                    &contact,
                    &email,
                    &locale,
                    &domain,
                    |secret| format!("{site_abs}/{locale}/portal/verify?token={secret}"),
                )?;
            }
            Ok(())
        })
        .await;
    match sent {
        Ok(()) => {
            d.state.wake_jobs();
            private(&SentPage { l: d.l }, StatusCode::OK)
        }
        Err(AppError::TooManyRequests { retry_after_secs }) => {
            let error = d.l.t.t("portal-sign-in-rate-limited");
            let mut res = sign_in_page(d, f.email, f.csrf, error, String::new(), StatusCode::TOO_MANY_REQUESTS)?;
            res.headers_mut().insert(header::RETRY_AFTER, retry_after_secs.into());
            Ok(res)
        }
        Err(e) => Err(e),
    }
}

/// The link's query.
#[derive(Deserialize)]
pub struct VerifyQuery {
    #[serde(default)]
    token: String,
}

/// GET …/{locale}/portal/verify?token=: a button that signs in, when the link still works.
/// Looking does not use the link up.
pub async fn verify_form(req: HttpRequest, q: web::Query<VerifyQuery>) -> AppResult<HttpResponse> {
    let d = door(&req, "portal-verify-title").await?;
    let (tid, secret) = (d.site.tenant.tenant_id(), q.token.clone());
    let works = d.state.db.read(move |c| portal::link_works(c, &tid, &secret)).await?;
    let token = login_csrf(&req, &d.state);
    let state = d.state.clone();
    let status = if works { StatusCode::OK } else { StatusCode::NOT_FOUND };
    let page = VerifyPage { l: d.l, token: works.then(|| q.token.clone()), login_csrf: token.clone() };
    with_login_cookie(&state, private(&page, status)?, &token)
}

/// The confirmation form.
#[derive(Deserialize)]
pub struct VerifyForm {
    #[serde(default)]
    token: String,
    #[serde(rename = "_csrf", default)]
    csrf: String,
}

/// POST …/{locale}/portal/verify: use the link up and sign in (a session cookie of this
/// tenant's portal), then on to the customer's tickets.
pub async fn verify(req: HttpRequest, form: web::Form<VerifyForm>) -> AppResult<HttpResponse> {
    let f = form.into_inner();
    let d = door(&req, "portal-verify-title").await?;
    let cookie_token = req.cookie(login_cookie_name(&d.state.config)).map(|c| c.value().to_string());
    if !login_token_ok(cookie_token.as_deref(), &f.csrf) {
        return Err(AppError::Csrf);
    }
    let tid = d.site.tenant.tenant_id();
    let secret = f.token.clone();
    let redeemed = d.state.db.write(move |c| portal::redeem(c, &tid, &secret)).await;
    let session = match redeemed {
        Ok(s) => s,
        // Used, expired, another tenant's: never told apart.
        Err(AppError::NotFound) => {
            let page = VerifyPage { l: d.l, token: None, login_csrf: f.csrf };
            return private(&page, StatusCode::NOT_FOUND);
        }
        Err(e) => return Err(e),
    };
    let config = &d.state.config;
    let mut res = see_other(&d.href(""));
    let max_age = portal::SESSION_DAYS * 24 * 3600;
    res.add_cookie(&cookie(config, cookie_name(config), session, max_age)).map_err(cookie_error)?;
    res.add_removal_cookie(&cookie(config, login_cookie_name(config), String::new(), 0)).map_err(cookie_error)?;
    Ok(res)
}

/// The sign-out form.
#[derive(Deserialize)]
pub struct SignOutForm {
    #[serde(rename = "_csrf")]
    csrf: Option<String>,
}

/// POST …/{locale}/portal/sign-out: ends the session server-side, so a copied cookie stops too.
pub async fn sign_out(req: HttpRequest, form: web::Form<SignOutForm>) -> AppResult<HttpResponse> {
    let d = door(&req, "portal-sign-in-title").await?;
    let Some(customer) = &d.customer else { return Ok(d.to_sign_in()) };
    check_csrf(customer, form.csrf.as_deref())?;
    let (tid, sid) = (d.site.tenant.tenant_id(), customer.session_id.clone());
    d.state.db.write(move |c| portal::revoke(c, &tid, &sid)).await?;
    let mut res = see_other(&format!("{}/{}", d.site.prefix, d.l.locale));
    res.add_removal_cookie(&cookie(&d.state.config, cookie_name(&d.state.config), String::new(), 0))
        .map_err(cookie_error)?;
    Ok(res)
}

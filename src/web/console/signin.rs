//! Sign-in and sign-out.

use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use serde::Deserialize;

use super::next_path::safe_next;
use super::{html, see_other, Page};
use crate::accounts::{agents, sessions, throttle};
use crate::error::{AppError, AppResult};
use crate::i18n::Tr;
use crate::tenancy;
use crate::web::auth::{self, client_ip, cookie, login_cookie_name, session_cookie_name, CsrfForm};

#[derive(Template)]
#[template(path = "console/signin.html")]
struct SignInPage {
    page: Page,
    workspace: String,
    email: String,
    next: String,
    login_csrf: String,
    error: Option<String>,
}

#[derive(Deserialize)]
pub struct SignInQuery {
    workspace: Option<String>,
    next: Option<String>,
}

/// The shortest double-submit token accepted; the form issues longer ones.
pub(crate) const MIN_LOGIN_TOKEN_LEN: usize = 16;

/// Whether the double-submit pair matches. An empty or short cookie is refused outright: a
/// cookie planted by a sibling subdomain could otherwise pair with a field the attacker chose.
pub(crate) fn login_token_ok(cookie: Option<&str>, field: &str) -> bool {
    cookie.is_some_and(|c| c.len() >= MIN_LOGIN_TOKEN_LEN && auth::secrets_equal(c, field))
}

pub(super) fn negotiate(req: &HttpRequest, state: &crate::app::AppState) -> Tr {
    let accept = req.headers().get(actix_web::http::header::ACCEPT_LANGUAGE).and_then(|v| v.to_str().ok());
    let locale = state.i18n.negotiate(None, accept, None);
    actix_web::HttpMessage::extensions_mut(req).insert(crate::web::middleware::RequestLocale(locale.clone()));
    Tr::new(state.i18n.clone(), locale)
}

fn render(
    state: &crate::app::AppState,
    page: SignInPage,
    status: actix_web::http::StatusCode,
) -> AppResult<HttpResponse> {
    let mut res = html(&page)?;
    *res.status_mut() = status;
    let c = cookie(&state.config, login_cookie_name(&state.config), page.login_csrf, 3600);
    res.add_cookie(&c).map_err(|e| AppError::Internal(anyhow::anyhow!("cookie: {e}")))?;
    Ok(res)
}

/// GET /login
pub async fn form(req: HttpRequest, q: web::Query<SignInQuery>) -> AppResult<HttpResponse> {
    let state = auth::state(&req)?;
    let t = negotiate(&req, &state);
    let workspace = q
        .workspace
        .clone()
        .or_else(|| crate::web::help::slug_from_host(&req, &state.config.base_domain))
        .unwrap_or_default();
    // Reusing the cookie's token keeps two open sign-in tabs working.
    let login_csrf = req
        .cookie(login_cookie_name(&state.config))
        .map(|c| c.value().to_string())
        .filter(|v| v.len() >= MIN_LOGIN_TOKEN_LEN)
        .unwrap_or_else(|| crate::accounts::tokens::random_secret(24));
    let page = SignInPage {
        page: Page::anonymous(t),
        workspace,
        email: String::new(),
        next: safe_next(q.next.as_deref()),
        login_csrf,
        error: None,
    };
    render(&state, page, actix_web::http::StatusCode::OK)
}

#[derive(Deserialize)]
pub struct SignInForm {
    workspace: String,
    email: String,
    password: String,
    #[serde(rename = "_csrf")]
    csrf: String,
    next: Option<String>,
}

/// POST /login
pub async fn submit(req: HttpRequest, form: web::Form<SignInForm>) -> AppResult<HttpResponse> {
    let state = auth::state(&req)?;
    let t = negotiate(&req, &state);
    let form = form.into_inner();
    let cookie_token = req.cookie(login_cookie_name(&state.config)).map(|c| c.value().to_string());
    if !login_token_ok(cookie_token.as_deref(), &form.csrf) {
        return Err(AppError::Csrf);
    }
    let workspace = form.workspace.trim().to_lowercase();
    let email = form.email.trim().to_lowercase();
    let ip = client_ip(&req, state.config.trust_proxy);
    let limits = throttle::Limits {
        per_account: state.config.signin_account_limit,
        per_ip: state.config.signin_ip_limit,
        window_minutes: state.config.signin_window_minutes,
    };
    let account_key = throttle::account_key(&workspace, &email);
    let ip_key = throttle::ip_key(&ip);

    // Counted before the password is checked, so parallel attempts cannot all slip under the limit.
    let (ak, ik, ws, em) = (account_key.clone(), ip_key, workspace.clone(), email.clone());
    let (attempt, found) = state
        .db
        .write(move |c| {
            let attempt = throttle::begin(c, limits, &ak, &ik)?;
            let tenant = match tenancy::by_slug(c, &ws) {
                Ok(t) => t,
                Err(AppError::NotFound) => return Ok((attempt, None)),
                Err(e) => return Err(e),
            };
            let agent = agents::by_email(c, &tenant.tenant_id(), &em)?.filter(|a| a.active);
            Ok((attempt, Some((tenant, agent))))
        })
        .await?;
    let (tenant, agent) = match found {
        Some((t, a)) => (Some(t), a),
        None => (None, None),
    };
    let hash = agent.as_ref().and_then(|a| a.password_hash.clone());
    // Unknown workspace or email still pays for a verify, so timing reveals nothing.
    let ok = state.hasher.verify(hash, form.password).await?;
    let (tenant, agent) = match (ok, tenant, agent) {
        (true, Some(t), Some(a)) => (t, a),
        _ => {
            // The attempt's rows stay: they are the failure.
            let page = SignInPage {
                error: Some(t.t("signin-failed")),
                page: Page::anonymous(t),
                workspace,
                email,
                next: safe_next(form.next.as_deref()),
                login_csrf: form.csrf,
            };
            return render(&state, page, actix_web::http::StatusCode::UNAUTHORIZED);
        }
    };
    let ua = req.headers().get(actix_web::http::header::USER_AGENT).and_then(|v| v.to_str().ok()).map(str::to_string);
    let ttl = state.config.session_hours;
    let tid = tenant.tenant_id();
    let session = state
        .db
        .write(move |c| {
            throttle::succeeded(c, &account_key, attempt)?;
            sessions::create(c, &tid, &agent.id, Some(&ip), ua.as_deref(), ttl)
        })
        .await?;
    let jwt = state.session_keys.sign(&session)?;
    let mut res = see_other(&safe_next(form.next.as_deref()));
    let c = cookie(&state.config, session_cookie_name(&state.config), jwt, ttl * 3600);
    res.add_cookie(&c).map_err(|e| AppError::Internal(anyhow::anyhow!("cookie: {e}")))?;
    res.add_removal_cookie(&cookie(&state.config, login_cookie_name(&state.config), String::new(), 0))
        .map_err(|e| AppError::Internal(anyhow::anyhow!("cookie: {e}")))?;
    Ok(res)
}

/// POST /logout: revokes the server-side session, so a copied cookie stops working too.
pub async fn logout(
    req: HttpRequest,
    f: CsrfForm<std::collections::HashMap<String, String>>,
) -> AppResult<HttpResponse> {
    let app = auth::state(&req)?;
    let tid = f.user.tenant_id();
    let sid = f.user.session.id.clone();
    app.db.write(move |c| sessions::revoke(c, &tid, &sid)).await?;
    let mut res = see_other("/login");
    res.add_removal_cookie(&cookie(&app.config, session_cookie_name(&app.config), String::new(), 0))
        .map_err(|e| AppError::Internal(anyhow::anyhow!("cookie: {e}")))?;
    Ok(res)
}

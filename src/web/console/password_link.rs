//! The page behind an invitation or password-reset link: the agent picks a password (the same
//! rules as on the profile page, argon2id), the link is used up, and the agent is signed in.

use actix_web::http::{header, StatusCode};
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use serde::Deserialize;

use super::signin::{login_token_ok, MIN_LOGIN_TOKEN_LEN};
use super::{html, see_other, Page};
use crate::accounts::{links, passwords, sessions};
use crate::app::AppState;
use crate::error::{AppError, AppResult};
use crate::i18n::Tr;
use crate::tenancy;
use crate::web::auth::{self, client_ip, cookie, login_cookie_name, session_cookie_name};

#[derive(Template)]
#[template(path = "console/password_link.html")]
struct LinkPage {
    page: Page,
    /// The form's action; `None` when the link does not work (any reason, never told apart).
    action: Option<String>,
    invite: bool,
    workspace: String,
    email: String,
    login_csrf: String,
    error: Option<String>,
}

/// What the link resolves to, when it works.
struct Found {
    tenant: tenancy::Tenant,
    agent: crate::accounts::agents::Agent,
    invite: bool,
}

async fn lookup(state: &AppState, slug: String, secret: String) -> AppResult<Option<Found>> {
    state
        .db
        .read(move |c| {
            let tenant = match tenancy::by_slug(c, &slug) {
                Ok(t) => t,
                Err(AppError::NotFound) => return Ok(None),
                Err(e) => return Err(e),
            };
            match links::find(c, &tenant.tenant_id(), &secret) {
                Ok((link, agent)) => Ok(Some(Found { tenant, agent, invite: link.purpose == "invite" })),
                Err(AppError::NotFound) => Ok(None),
                Err(e) => Err(e),
            }
        })
        .await
}

fn tr(req: &HttpRequest, state: &AppState, found: Option<&Found>) -> Tr {
    let accept = req.headers().get(header::ACCEPT_LANGUAGE).and_then(|v| v.to_str().ok());
    let locale = state.i18n.negotiate(
        found.and_then(|f| f.agent.locale.as_deref()),
        accept,
        found.map(|f| f.tenant.default_locale.as_str()),
    );
    actix_web::HttpMessage::extensions_mut(req).insert(crate::web::middleware::RequestLocale(locale.clone()));
    Tr::new(state.i18n.clone(), locale)
}

fn respond(state: &AppState, page: LinkPage, status: StatusCode) -> AppResult<HttpResponse> {
    let mut res = html(&page)?;
    *res.status_mut() = status;
    // The secret is in the address: never send it on to another site.
    res.headers_mut().insert(header::REFERRER_POLICY, header::HeaderValue::from_static("no-referrer"));
    let c = cookie(&state.config, login_cookie_name(&state.config), page.login_csrf, 3600);
    res.add_cookie(&c).map_err(|e| AppError::Internal(anyhow::anyhow!("cookie: {e}")))?;
    Ok(res)
}

fn page_for(req: &HttpRequest, found: Option<&Found>, t: Tr, login_csrf: String, error: Option<String>) -> LinkPage {
    LinkPage {
        page: Page::anonymous(t),
        action: found.map(|_| req.path().to_string()),
        invite: found.is_some_and(|f| f.invite),
        workspace: found.map(|f| f.tenant.name.clone()).unwrap_or_default(),
        email: found.map(|f| f.agent.email.clone()).unwrap_or_default(),
        login_csrf,
        error,
    }
}

/// GET /password/{workspace}/{secret}
pub async fn form(req: HttpRequest, path: web::Path<(String, String)>) -> AppResult<HttpResponse> {
    let state = auth::state(&req)?;
    let (slug, secret) = path.into_inner();
    let found = lookup(&state, slug, secret).await?;
    let t = tr(&req, &state, found.as_ref());
    let login_csrf = req
        .cookie(login_cookie_name(&state.config))
        .map(|c| c.value().to_string())
        .filter(|v| v.len() >= MIN_LOGIN_TOKEN_LEN)
        .unwrap_or_else(|| crate::accounts::tokens::random_secret(24));
    let status = if found.is_some() { StatusCode::OK } else { StatusCode::NOT_FOUND };
    let page = page_for(&req, found.as_ref(), t, login_csrf, None);
    respond(&state, page, status)
}

#[derive(Deserialize)]
pub struct LinkForm {
    new: String,
    confirm: String,
    #[serde(rename = "_csrf")]
    csrf: String,
}

/// POST /password/{workspace}/{secret}: set the password, use up the link, sign in.
pub async fn submit(
    req: HttpRequest,
    path: web::Path<(String, String)>,
    form: web::Form<LinkForm>,
) -> AppResult<HttpResponse> {
    let state = auth::state(&req)?;
    let form = form.into_inner();
    let cookie_token = req.cookie(login_cookie_name(&state.config)).map(|c| c.value().to_string());
    if !login_token_ok(cookie_token.as_deref(), &form.csrf) {
        return Err(AppError::Csrf);
    }
    let (slug, secret) = path.into_inner();
    let found = lookup(&state, slug, secret.clone()).await?;
    let t = tr(&req, &state, found.as_ref());
    let Some(f) = found else {
        let page = page_for(&req, None, t, form.csrf, None);
        return respond(&state, page, StatusCode::NOT_FOUND);
    };
    let checked = if form.new != form.confirm {
        Err(AppError::invalid("confirm", "error-password-mismatch", "the two new passwords differ"))
    } else {
        passwords::validate("new", &form.new)
    };
    if let Err(AppError::Invalid { key, .. }) = &checked {
        let error = Some(t.t(key));
        let page = page_for(&req, Some(&f), t, form.csrf, error);
        return respond(&state, page, StatusCode::UNPROCESSABLE_ENTITY);
    }
    checked?;
    let hash = state.hasher.hash(form.new).await?;
    let tid = f.tenant.tenant_id();
    let ip = client_ip(&req, state.config.trust_proxy);
    let ua = req.headers().get(header::USER_AGENT).and_then(|v| v.to_str().ok()).map(str::to_string);
    let ttl = state.config.session_hours;
    let session = state
        .db
        .write(move |c| {
            let agent = links::redeem(c, &tid, &secret, &hash)?;
            sessions::create(c, &tid, &agent.id, Some(&ip), ua.as_deref(), ttl)
        })
        .await;
    let session = match session {
        Ok(s) => s,
        // Used up by a concurrent submission, or expired in between.
        Err(AppError::NotFound) => {
            let page = page_for(&req, None, t, form.csrf, None);
            return respond(&state, page, StatusCode::NOT_FOUND);
        }
        Err(e) => return Err(e),
    };
    let jwt = state.session_keys.sign(&session)?;
    let mut res = see_other("/inbox");
    let c = cookie(&state.config, session_cookie_name(&state.config), jwt, ttl * 3600);
    res.add_cookie(&c).map_err(|e| AppError::Internal(anyhow::anyhow!("cookie: {e}")))?;
    res.add_removal_cookie(&cookie(&state.config, login_cookie_name(&state.config), String::new(), 0))
        .map_err(|e| AppError::Internal(anyhow::anyhow!("cookie: {e}")))?;
    Ok(res)
}

//! Who is asking: console sessions (cookie + CSRF), API tokens, client addresses.

use actix_web::cookie::{time, Cookie, SameSite};
use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::{web, FromRequest, HttpMessage, HttpRequest};
use futures_util::future::LocalBoxFuture;
use serde::de::DeserializeOwned;

use super::middleware::RequestLocale;
use crate::accounts::agents::Agent;
use crate::accounts::sessions::{self, SessionRow};
use crate::accounts::tokens::{self, ApiToken};
use crate::accounts::Role;
use crate::app::AppState;
use crate::config::Config;
use crate::error::{AppError, AppResult};
use crate::i18n::Tr;
use crate::tenancy::{Tenant, TenantId};

/// The application state from a request.
pub fn state(req: &HttpRequest) -> AppResult<AppState> {
    req.app_data::<web::Data<AppState>>()
        .map(|d| d.get_ref().clone())
        .ok_or_else(|| AppError::Internal(anyhow::anyhow!("application state missing")))
}

/// The session cookie's name: `__Host-` prefixed when served over HTTPS.
pub fn session_cookie_name(config: &Config) -> &'static str {
    if config.https() {
        "__Host-meridian_session"
    } else {
        "meridian_session"
    }
}

/// The pre-sign-in CSRF cookie's name.
pub fn login_cookie_name(config: &Config) -> &'static str {
    if config.https() {
        "__Host-meridian_login"
    } else {
        "meridian_login"
    }
}

/// A cookie with the house attributes: HttpOnly, SameSite=Lax, path /, Secure over HTTPS.
pub fn cookie(config: &Config, name: &'static str, value: String, max_age_secs: i64) -> Cookie<'static> {
    Cookie::build(name, value)
        .path("/")
        .http_only(true)
        .same_site(SameSite::Lax)
        .secure(config.https())
        .max_age(time::Duration::seconds(max_age_secs))
        .finish()
}

/// The client's address: the socket peer, or the first X-Forwarded-For hop behind a trusted proxy.
pub fn client_ip(req: &HttpRequest, trust_proxy: bool) -> String {
    if trust_proxy {
        if let Some(first) = req
            .headers()
            .get("x-forwarded-for")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(',').next())
            .map(str::trim)
            .filter(|v| v.parse::<std::net::IpAddr>().is_ok())
        {
            return first.to_string();
        }
    }
    req.peer_addr().map(|a| a.ip().to_string()).unwrap_or_else(|| "unknown".into())
}

fn accept_language(req: &HttpRequest) -> Option<String> {
    req.headers().get(header::ACCEPT_LANGUAGE).and_then(|v| v.to_str().ok()).map(str::to_string)
}

/// Constant-time comparison for secrets.
pub fn secrets_equal(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.bytes().zip(b.bytes()).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// A signed-in agent, from the session cookie.
#[derive(Clone)]
pub struct ConsoleUser {
    pub tenant: Tenant,
    pub agent: Agent,
    pub session: SessionRow,
    pub tr: Tr,
    /// For admins: the server turned off one of the tenant's webhooks (the layout says so).
    pub webhook_notice: bool,
}

impl ConsoleUser {
    /// The tenant every query of this request is scoped to.
    pub fn tenant_id(&self) -> TenantId {
        self.tenant.tenant_id()
    }

    /// 403 unless the agent is an admin or owner.
    pub fn require_admin(&self) -> AppResult<()> {
        if self.agent.role().is_admin() {
            Ok(())
        } else {
            Err(AppError::Forbidden)
        }
    }

    /// The agent's role.
    pub fn role(&self) -> Role {
        self.agent.role()
    }

    /// The zone dates are shown in: the agent's, else the tenant's.
    pub fn zone(&self) -> &str {
        self.agent.time_zone.as_deref().unwrap_or(&self.tenant.time_zone)
    }
}

async fn load_console_user(req: HttpRequest) -> AppResult<ConsoleUser> {
    if let Some(u) = req.extensions().get::<ConsoleUser>() {
        return Ok(u.clone());
    }
    let state = state(&req)?;
    let token = req
        .cookie(session_cookie_name(&state.config))
        .map(|c| c.value().to_string())
        .ok_or(AppError::Unauthenticated)?;
    let claims = state.session_keys.verify(&token).ok_or(AppError::Unauthenticated)?;
    let ((session, agent, tenant), webhook_notice) = state
        .db
        .read(move |c| {
            let found = sessions::load_active(c, &claims)?;
            // Read on the same connection, for admins only: one indexed EXISTS.
            let notice =
                found.1.role().is_admin() && crate::webhooks::disable::has_server_disabled(c, &found.2.tenant_id())?;
            Ok((found, notice))
        })
        .await?;
    if sessions::needs_touch(&session) {
        // Writes go through Db::write so SQLite sees one writer at a time.
        let (tid, sid) = (session.tenant_id.clone(), session.id.clone());
        state.db.write(move |c| sessions::touch(c, &tid, &sid)).await?;
    }
    let locale =
        state.i18n.negotiate(agent.locale.as_deref(), accept_language(&req).as_deref(), Some(&tenant.default_locale));
    req.extensions_mut().insert(RequestLocale(locale.clone()));
    let user = ConsoleUser { tenant, agent, session, tr: Tr::new(state.i18n.clone(), locale), webhook_notice };
    req.extensions_mut().insert(user.clone());
    Ok(user)
}

impl FromRequest for ConsoleUser {
    type Error = AppError;
    type Future = LocalBoxFuture<'static, Result<Self, AppError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        Box::pin(load_console_user(req.clone()))
    }
}

#[derive(serde::Deserialize)]
struct CsrfField {
    #[serde(rename = "_csrf")]
    csrf: Option<String>,
}

/// A state-changing console form: the signed-in agent plus the form, accepted only with the
/// session's CSRF token (form field `_csrf` or header `X-CSRF-Token`).
pub struct CsrfForm<T> {
    pub user: ConsoleUser,
    pub form: T,
}

impl<T: DeserializeOwned + 'static> FromRequest for CsrfForm<T> {
    type Error = AppError;
    type Future = LocalBoxFuture<'static, Result<Self, AppError>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let req = req.clone();
        let body = web::Bytes::from_request(&req, payload);
        Box::pin(async move {
            let user = load_console_user(req.clone()).await?;
            let bytes = body.await.map_err(|e| match e.as_response_error().status_code().as_u16() {
                413 => AppError::PayloadTooLarge,
                _ => AppError::BadRequest(format!("cannot read the form: {e}")),
            })?;
            let header_token = req.headers().get("x-csrf-token").and_then(|v| v.to_str().ok()).map(str::to_string);
            let field: CsrfField = serde_urlencoded::from_bytes(&bytes).unwrap_or(CsrfField { csrf: None });
            let presented = field.csrf.or(header_token).ok_or(AppError::Csrf)?;
            if !secrets_equal(&presented, &user.session.csrf_token) {
                return Err(AppError::Csrf);
            }
            let form: T =
                serde_urlencoded::from_bytes(&bytes).map_err(|e| AppError::BadRequest(format!("invalid form: {e}")))?;
            Ok(CsrfForm { user, form })
        })
    }
}

/// An API client authenticated by `Authorization: Bearer <token>`.
#[derive(Clone)]
pub struct ApiClient {
    pub tenant: Tenant,
    pub token: ApiToken,
}

impl ApiClient {
    /// The tenant every query of this request is scoped to.
    pub fn tenant_id(&self) -> TenantId {
        self.tenant.tenant_id()
    }
}

impl FromRequest for ApiClient {
    type Error = AppError;
    type Future = LocalBoxFuture<'static, Result<Self, AppError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move {
            let state = state(&req)?;
            let secret = req
                .headers()
                .get(header::AUTHORIZATION)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.strip_prefix("Bearer ").or_else(|| v.strip_prefix("bearer ")))
                .map(|v| v.trim().to_string())
                .ok_or(AppError::Unauthenticated)?;
            let (token, tenant) = state.db.read(move |c| tokens::authenticate(c, &secret)).await?;
            if tokens::needs_touch(&token) {
                let t = token.clone();
                state.db.write(move |c| tokens::touch(c, &t)).await?;
            }
            state.api_limits.check(&token.id)?;
            Ok(ApiClient { tenant, token })
        })
    }
}

/// A state-changing console form that may carry files (`multipart/form-data`) or not
/// (urlencoded); accepted only with the session's CSRF token, like [`CsrfForm`]. Files are in the
/// attachment store by the time the handler runs (recorded as pending until a message takes them).
pub struct CsrfUpload {
    pub user: ConsoleUser,
    pub fields: std::collections::HashMap<String, String>,
    pub files: Vec<crate::tickets::attachments::StoredBlob>,
}

/// Most files one console form may carry.
pub const MAX_FILES: usize = 10;
/// Most text fields one console form may carry.
pub const MAX_FIELDS: usize = 64;

/// Read a multipart console form within its limits: text fields together at most `max_text`
/// bytes and [`MAX_FIELDS`] in number; files together at most `max_files_total` bytes and
/// [`MAX_FILES`] in number, each streamed to the store as it arrives. The CSRF token (the
/// `X-CSRF-Token` header, or a `_csrf` field sent before the first file, as our forms do) is
/// checked before any file is read, so a forged form costs the server no more than its text.
/// `csrf` is the session's token, `tenant` whose store the files go to. Text fields land in
/// `fields` as they are read, so a caller that is refused (a file over the limit) still has
/// what was typed before it.
pub async fn read_multipart(
    req: &HttpRequest,
    payload: Payload,
    csrf: &str,
    tenant: &TenantId,
    state: &AppState,
    fields: &mut std::collections::HashMap<String, String>,
) -> AppResult<Vec<crate::tickets::attachments::StoredBlob>> {
    use futures_util::StreamExt;
    let bad = |e: actix_multipart::MultipartError| AppError::BadRequest(format!("invalid multipart body: {e}"));
    let header_token = req.headers().get("x-csrf-token").and_then(|v| v.to_str().ok()).map(str::to_string);
    let token_ok = |t: Option<&String>| t.is_some_and(|t| secrets_equal(t, csrf));
    let mut csrf_ok = token_ok(header_token.as_ref());
    let (max_text, max_files_total) = (state.config.max_body_bytes, state.config.max_attachment_bytes);
    let mut mp = actix_multipart::Multipart::new(req.headers(), payload);
    let mut files = Vec::new();
    let (mut text_bytes, mut file_bytes) = (0usize, 0usize);
    while let Some(field) = mp.next().await {
        let mut field = field.map_err(bad)?;
        let name = field.name().unwrap_or_default().to_string();
        match field.content_disposition().and_then(|cd| cd.get_filename()).map(str::to_string) {
            Some(filename) => {
                if !csrf_ok {
                    csrf_ok = token_ok(fields.get("_csrf"));
                    if !csrf_ok {
                        return Err(AppError::Csrf);
                    }
                }
                if filename.is_empty() {
                    // An untouched file input sends an empty part; anything in it is not a file.
                    while let Some(chunk) = field.next().await {
                        if !chunk.map_err(bad)?.is_empty() {
                            return Err(AppError::BadRequest("a file part without a file name".into()));
                        }
                    }
                    continue;
                }
                if files.len() >= MAX_FILES {
                    return Err(AppError::invalid("files", "error-attachment-count", "at most 10 files"));
                }
                let parts = field.by_ref();
                let blob = state
                    .blobs
                    .put_stream(tenant, &filename, parts, max_files_total.saturating_sub(file_bytes))
                    .await?;
                file_bytes += blob.size_bytes as usize;
                files.push(blob);
            }
            None => {
                if fields.len() >= MAX_FIELDS {
                    return Err(AppError::BadRequest(format!("at most {MAX_FIELDS} form fields")));
                }
                let mut buf = web::BytesMut::new();
                while let Some(chunk) = field.next().await {
                    let chunk = chunk.map_err(bad)?;
                    text_bytes += chunk.len();
                    if text_bytes > max_text {
                        return Err(AppError::PayloadTooLarge);
                    }
                    buf.extend_from_slice(&chunk);
                }
                let text = String::from_utf8(buf.to_vec())
                    .map_err(|_| AppError::BadRequest(format!("field {name} is not UTF-8")))?;
                crate::web::input::check_text(&name, &text)?;
                fields.insert(name, text);
            }
        }
    }
    if !csrf_ok && !token_ok(fields.get("_csrf")) {
        return Err(AppError::Csrf);
    }
    Ok(files)
}

impl FromRequest for CsrfUpload {
    type Error = AppError;
    type Future = LocalBoxFuture<'static, Result<Self, AppError>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let req = req.clone();
        let is_multipart = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.to_ascii_lowercase().starts_with("multipart/form-data"));
        let multipart_payload = if is_multipart { Some(payload.take()) } else { None };
        let body = (!is_multipart).then(|| web::Bytes::from_request(&req, payload));
        Box::pin(async move {
            let user = load_console_user(req.clone()).await?;
            let state = state(&req)?;
            let (fields, files) = match (multipart_payload, body) {
                (Some(p), _) => {
                    let mut fields = std::collections::HashMap::new();
                    let csrf = user.session.csrf_token.clone();
                    let files = read_multipart(&req, p, &csrf, &user.tenant_id(), &state, &mut fields).await?;
                    (fields, files)
                }
                (None, Some(body)) => {
                    let bytes = body.await.map_err(|e| match e.as_response_error().status_code().as_u16() {
                        413 => AppError::PayloadTooLarge,
                        _ => AppError::BadRequest(format!("cannot read the form: {e}")),
                    })?;
                    let f: std::collections::HashMap<String, String> = serde_urlencoded::from_bytes(&bytes)
                        .map_err(|e| AppError::BadRequest(format!("invalid form: {e}")))?;
                    let header_token = req.headers().get("x-csrf-token").and_then(|v| v.to_str().ok());
                    let presented = f.get("_csrf").map(String::as_str).or(header_token).ok_or(AppError::Csrf)?;
                    if !secrets_equal(presented, &user.session.csrf_token) {
                        return Err(AppError::Csrf);
                    }
                    (f, vec![])
                }
                (None, None) => return Err(AppError::BadRequest("no body".into())),
            };
            Ok(CsrfUpload { user, fields, files })
        })
    }
}

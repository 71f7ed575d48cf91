//! /api/v1/chat: the widget's settings (allowed origins, the identity secret, the pre-chat form,
//! colour and greeting per language).

use actix_web::{web, HttpRequest, HttpResponse};
use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::support::ApiJson;
use crate::chat::appearance::{Prechat, WidgetLook};
use crate::chat::settings::{self, ChatSettings};
use crate::error::AppResult;
use crate::web::auth::{self, ApiClient};

/// The widget's settings.
#[derive(Serialize, utoipa::ToSchema)]
pub(crate) struct ChatSettingsOut {
    /// Origins allowed to connect (`https://app.example`); empty means any origin.
    allowed_origins: Vec<String>,
    /// Whether an identity secret is set (identities verify only then).
    identity_secret_set: bool,
    /// Whether anonymous visitors fill in a pre-chat form (name, email) first.
    prechat: Prechat,
    /// Colour and greeting by language tag; a visitor gets their language's, else the
    /// workspace default language's.
    appearance: BTreeMap<String, WidgetLook>,
    /// The tag to put in the tenant's pages.
    snippet: String,
    /// The identity secret: only in the answer to its rotation.
    #[serde(skip_serializing_if = "Option::is_none")]
    identity_secret: Option<String>,
}

/// The embed tag for a tenant's pages.
pub fn snippet(base_url: &str, slug: &str, locale: &str) -> String {
    format!(
        "<script src=\"{}/widget.js\" data-tenant=\"{slug}\" data-locale=\"{locale}\" async></script>",
        base_url.trim_end_matches('/')
    )
}

fn out(app: &crate::app::AppState, client: &ApiClient, s: &ChatSettings, secret: Option<String>) -> ChatSettingsOut {
    ChatSettingsOut {
        allowed_origins: s.allowed_origins.clone(),
        identity_secret_set: s.identity_secret.is_some(),
        prechat: s.prechat,
        appearance: s.appearance.clone(),
        snippet: snippet(app.config.base_url.as_str(), &client.tenant.slug, &client.tenant.default_locale),
        identity_secret: secret,
    }
}

/// New settings: each field given replaces what was set; a missing one is kept.
#[derive(Deserialize, Clone, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct ChatSettingsIn {
    /// Replaces the list; `[]` allows any origin again.
    allowed_origins: Option<Vec<String>>,
    /// `off`, `optional` (asked, may be skipped) or `required` (no message before an email).
    prechat: Option<Prechat>,
    /// Replaces the map of language tag → `{color: "#rrggbb", greeting}`.
    appearance: Option<BTreeMap<String, WidgetLook>>,
}

#[utoipa::path(get, path = "/api/v1/chat/settings", tag = "chat", summary = "Get the widget's settings",
    responses((status = 200, description = "The settings", body = ChatSettingsOut)), security(("bearer" = [])))]
pub(crate) async fn get_settings(req: HttpRequest, client: ApiClient) -> AppResult<HttpResponse> {
    let app = auth::state(&req)?;
    let tid = client.tenant_id();
    let s = app.db.read(move |c| settings::get(c, &tid)).await?;
    Ok(HttpResponse::Ok().json(out(&app, &client, &s, None)))
}

#[utoipa::path(put, path = "/api/v1/chat/settings", tag = "chat", summary = "Set the allowed origins, the pre-chat form and the looks per language",
    request_body = ChatSettingsIn,
    responses((status = 200, description = "The settings", body = ChatSettingsOut), (status = 422, description = "Not an origin (a path, another scheme), not a language tag, not a #rrggbb colour, a greeting too long; `field` names it", body = crate::web::api::openapi::Problem)),
    security(("bearer" = [])))]
pub(crate) async fn put_settings(
    req: HttpRequest,
    client: ApiClient,
    body: ApiJson<ChatSettingsIn>,
) -> AppResult<HttpResponse> {
    let app = auth::state(&req)?;
    let (tid, b) = (client.tenant_id(), body.value.clone());
    let s = app
        .db
        .write(move |c| {
            if let Some(o) = &b.allowed_origins {
                settings::set_allowed_origins(c, &tid, o)?;
            }
            settings::set_widget(c, &tid, b.prechat, b.appearance.as_ref())
        })
        .await?;
    Ok(HttpResponse::Ok().json(out(&app, &client, &s, None)))
}

#[utoipa::path(post, path = "/api/v1/chat/identity-secret", tag = "chat", summary = "Make a new identity secret",
    description = "The answer holds the secret (`identity_secret`), shown this once; the previous one stops verifying at once. Sign `user_id:email` with HMAC-SHA256 and send the hex digest as the identity's `signature`.",
    responses((status = 200, description = "The settings with the new secret", body = ChatSettingsOut)), security(("bearer" = [])))]
pub(crate) async fn rotate_secret(req: HttpRequest, client: ApiClient) -> AppResult<HttpResponse> {
    let app = auth::state(&req)?;
    let tid = client.tenant_id();
    let (s, secret) = app
        .db
        .write(move |c| {
            let secret = settings::rotate_identity_secret(c, &tid)?;
            Ok((settings::get(c, &tid)?, secret))
        })
        .await?;
    Ok(HttpResponse::Ok().json(out(&app, &client, &s, Some(secret))))
}

/// Chat routes under /api/v1.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/chat/settings", web::get().to(get_settings))
        .route("/chat/settings", web::put().to(put_settings))
        .route("/chat/identity-secret", web::post().to(rotate_secret));
}

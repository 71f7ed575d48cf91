//! The chat widget over HTTP: the script (`/widget.js`), its strings per locale, the
//! WebSocket (`/widget/ws/{slug}`, in [`ws`]; the frames are in [`frames`]) and the doors beside
//! it for files, suggestions and deflections ([`http`]).

pub mod frames;
pub mod http;
pub mod ws;

use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};

use crate::error::{AppError, AppResult};

/// The widget script, embedded in the binary.
const WIDGET_JS: &str = include_str!("../../../static/widget.js");

/// Prefix of the Fluent keys the widget shows.
const KEY_PREFIX: &str = "widget-";

/// Mount the widget's routes.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/widget.js", web::get().to(script))
        .route("/widget/strings/{locale}.json", web::get().to(strings))
        .route("/widget/ws/{slug}", web::get().to(ws::connect))
        .route("/widget/{slug}/uploads", web::post().to(http::upload))
        .route("/widget/{slug}/attachments/{id}", web::get().to(http::download))
        .route("/widget/{slug}/suggestions", web::get().to(http::suggest))
        .route("/widget/{slug}/deflections", web::post().to(http::deflect))
        .route("/widget/{slug}/{rest:.*}", web::method(actix_web::http::Method::OPTIONS).to(http::preflight));
}

/// Per-process rate limits of the widget's HTTP doors.
pub struct Limits {
    /// Uploads per visitor.
    pub uploads: crate::accounts::ratelimit::RateLimiter,
    /// Suggestions per client address, deflections per visitor.
    pub suggestions: crate::accounts::ratelimit::RateLimiter,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            uploads: crate::accounts::ratelimit::RateLimiter::new(crate::chat::files::UPLOADS_PER_MINUTE),
            suggestions: crate::accounts::ratelimit::RateLimiter::new(crate::chat::suggestions::PER_MINUTE),
        }
    }
}

/// Store a visitor's message (from the socket or an upload) in one transaction: the pre-chat
/// form's demand checked, the offline notice written when it opens a conversation nobody can
/// answer now.
///
/// `opening` says the caller knows of no conversation yet. Openings all take the tenant's ticket
/// counter, so they are combined into batches on both databases ([`Batcher::everywhere`]); later
/// messages are combined only on SQLite, since on PostgreSQL they lock nothing in common and run
/// faster side by side than one after another in a batch. A wrong guess (another tab opened the
/// conversation) costs only that choice, never correctness.
///
/// [`Batcher::everywhere`]: crate::db::batch::Batcher::everywhere
///
/// A post of the same client id committing concurrently (another tab) fails this one with a
/// conflict; it is tried once more, and then finds the first.
#[allow(clippy::too_many_arguments)]
pub(crate) async fn post_message(
    app: &crate::app::AppState,
    tenant: &crate::tenancy::Tenant,
    settings: &crate::chat::settings::ChatSettings,
    opening: bool,
    visitor_id: &str,
    client_id: &str,
    body: &str,
    files: Vec<crate::tickets::attachments::StoredBlob>,
) -> AppResult<crate::chat::conversations::Posted> {
    let again = files.clone();
    match post_once(app, tenant, settings, opening, visitor_id, client_id, body, files).await {
        Err(AppError::Conflict(_)) => {
            post_once(app, tenant, settings, opening, visitor_id, client_id, body, again).await
        }
        answer => answer,
    }
}

#[allow(clippy::too_many_arguments)]
async fn post_once(
    app: &crate::app::AppState,
    tenant: &crate::tenancy::Tenant,
    settings: &crate::chat::settings::ChatSettings,
    opening: bool,
    visitor_id: &str,
    client_id: &str,
    body: &str,
    files: Vec<crate::tickets::attachments::StoredBlob>,
) -> AppResult<crate::chat::conversations::Posted> {
    use crate::chat::conversations;
    let (tid, intake) = (tenant.tenant_id(), app.intake.clone());
    let (visitor_id, client_id, body) = (visitor_id.to_string(), client_id.to_string(), body.to_string());
    let ctx = conversations::PostContext {
        prechat: settings.prechat,
        i18n: app.i18n.clone(),
        zone: tenant.time_zone.clone(),
    };
    let batcher = if opening { &app.chat_writes } else { &app.batcher };
    batcher
        .write(&tenant.tenant_id(), move |c| {
            conversations::post(c, &intake, &tid, &visitor_id, &client_id, &body, files, &ctx)
        })
        .await
}

/// GET /widget.js: embeddable from any page (a script needs no CORS).
async fn script() -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, "text/javascript; charset=utf-8"))
        .insert_header((header::CACHE_CONTROL, "public, max-age=300"))
        .body(WIDGET_JS)
}

/// Whether a locale is written right to left.
pub fn is_rtl(locale: &str) -> bool {
    matches!(crate::routing::engine::primary(locale).as_str(), "ar" | "he" | "fa" | "ur" | "yi" | "ps" | "sd" | "ug")
}

/// GET /widget/strings/{locale}.json: the widget's strings in the best shipped locale, and the
/// writing direction of the locale asked for. Read from other origins' pages, so CORS-open (it
/// holds nothing private).
async fn strings(req: HttpRequest, locale: web::Path<String>) -> AppResult<HttpResponse> {
    let app = crate::web::auth::state(&req)?;
    let asked = locale.into_inner();
    let chosen = app.i18n.negotiate(Some(&asked), None, None);
    let keys = crate::i18n::message_ids(crate::i18n::SOURCE_LOCALE).unwrap_or_default();
    let map: serde_json::Map<String, serde_json::Value> = keys
        .iter()
        .filter_map(|k| k.strip_prefix(KEY_PREFIX).map(|short| (k, short)))
        .map(|(k, short)| (short.to_string(), app.i18n.format(&chosen, k, None).into()))
        .collect();
    let body = serde_json::json!({
        "locale": chosen,
        "dir": if is_rtl(&asked) { "rtl" } else { "ltr" },
        "strings": map,
    });
    Ok(HttpResponse::Ok()
        .insert_header((header::ACCESS_CONTROL_ALLOW_ORIGIN, "*"))
        .insert_header((header::CACHE_CONTROL, "public, max-age=300"))
        .json(body))
}

//! The chat widget over HTTP: the script (`/widget.js`), its strings per locale, and the
//! WebSocket (`/widget/ws/{slug}`, in [`ws`]; the frames are in [`frames`]).

pub mod frames;
pub mod ws;

use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};

use crate::error::AppResult;

/// The widget script, embedded in the binary.
const WIDGET_JS: &str = include_str!("../../../static/widget.js");

/// Prefix of the Fluent keys the widget shows.
const KEY_PREFIX: &str = "widget-";

/// Mount the widget's routes.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/widget.js", web::get().to(script))
        .route("/widget/strings/{locale}.json", web::get().to(strings))
        .route("/widget/ws/{slug}", web::get().to(ws::connect));
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

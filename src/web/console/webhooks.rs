//! The webhooks admin page: the tenant's subscriptions (create, enable or disable, rotate the
//! secret, delete, send a test ping) and each one's delivery log. Owners and admins only.

use std::collections::HashMap;

use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;

use super::{html, see_other, Page};
use crate::error::AppResult;
use crate::web::auth::{self, ConsoleUser, CsrfForm};
use crate::webhooks::{self as wh, Attempt, Delivery, Subscription, SubscriptionInput};

/// Deliveries the log page shows.
const LOG_LIMIT: i64 = 100;

/// Webhook admin routes.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/admin/webhooks", web::get().to(list_page))
        .route("/admin/webhooks", web::post().to(create))
        .route("/admin/webhooks/{id}", web::get().to(log_page))
        .route("/admin/webhooks/{id}/enable", web::post().to(enable))
        .route("/admin/webhooks/{id}/disable", web::post().to(disable))
        .route("/admin/webhooks/{id}/rotate", web::post().to(rotate))
        .route("/admin/webhooks/{id}/test", web::post().to(test))
        .route("/admin/webhooks/{id}/delete", web::post().to(delete));
}

#[derive(Template)]
#[template(path = "console/admin_webhooks.html")]
struct ListPage {
    page: Page,
    webhooks: Vec<Subscription>,
    event_types: &'static [&'static str],
    zone: String,
    /// A secret just made (creation or rotation), shown this once, with its webhook's URL.
    secret: Option<(String, String)>,
}

#[derive(Template)]
#[template(path = "console/admin_webhook_log.html")]
struct LogPage {
    page: Page,
    webhook: Subscription,
    deliveries: Vec<(Delivery, Vec<Attempt>)>,
    zone: String,
}

async fn render_list(
    req: &HttpRequest,
    user: &ConsoleUser,
    secret: Option<(String, String)>,
) -> AppResult<HttpResponse> {
    user.require_admin()?;
    let app = auth::state(req)?;
    let tid = user.tenant_id();
    let webhooks = app.db.read(move |c| wh::list(c, &tid)).await?;
    html(&ListPage {
        webhooks,
        event_types: wh::EVENT_TYPES,
        zone: user.zone().to_string(),
        secret,
        page: Page::for_user(user, "admin-webhooks"),
    })
}

async fn list_page(req: HttpRequest, user: ConsoleUser) -> AppResult<HttpResponse> {
    render_list(&req, &user, None).await
}

async fn create(req: HttpRequest, f: CsrfForm<HashMap<String, String>>) -> AppResult<HttpResponse> {
    f.user.require_admin()?;
    let app = auth::state(&req)?;
    let (tid, allow_http) = (f.user.tenant_id(), app.config.webhook_allow_http);
    // One checkbox per event type, named `event:<type>`.
    let events =
        wh::EVENT_TYPES.iter().filter(|e| f.form.contains_key(&format!("event:{e}"))).map(|e| e.to_string()).collect();
    let input = SubscriptionInput {
        url: f.form.get("url").cloned(),
        description: f.form.get("description").cloned(),
        event_types: Some(events),
        enabled: Some(true),
    };
    let s = app.db.write(move |c| wh::create(c, &tid, &input, allow_http)).await?;
    render_list(&req, &f.user, Some((s.url, s.secret))).await
}

async fn set_enabled(
    req: HttpRequest,
    id: String,
    f: CsrfForm<HashMap<String, String>>,
    on: bool,
) -> AppResult<HttpResponse> {
    f.user.require_admin()?;
    let app = auth::state(&req)?;
    let (tid, allow_http) = (f.user.tenant_id(), app.config.webhook_allow_http);
    let input = SubscriptionInput { enabled: Some(on), ..Default::default() };
    app.db.write(move |c| wh::update(c, &tid, &id, &input, allow_http)).await?;
    Ok(see_other("/admin/webhooks"))
}

async fn enable(
    req: HttpRequest,
    path: web::Path<String>,
    f: CsrfForm<HashMap<String, String>>,
) -> AppResult<HttpResponse> {
    set_enabled(req, path.into_inner(), f, true).await
}

async fn disable(
    req: HttpRequest,
    path: web::Path<String>,
    f: CsrfForm<HashMap<String, String>>,
) -> AppResult<HttpResponse> {
    set_enabled(req, path.into_inner(), f, false).await
}

async fn rotate(
    req: HttpRequest,
    path: web::Path<String>,
    f: CsrfForm<HashMap<String, String>>,
) -> AppResult<HttpResponse> {
    f.user.require_admin()?;
    let app = auth::state(&req)?;
    let (tid, id) = (f.user.tenant_id(), path.into_inner());
    let s = app.db.write(move |c| wh::rotate_secret(c, &tid, &id, wh::DEFAULT_GRACE_SECS)).await?;
    render_list(&req, &f.user, Some((s.url, s.secret))).await
}

async fn test(
    req: HttpRequest,
    path: web::Path<String>,
    f: CsrfForm<HashMap<String, String>>,
) -> AppResult<HttpResponse> {
    f.user.require_admin()?;
    let app = auth::state(&req)?;
    let (tid, id) = (f.user.tenant_id(), path.into_inner());
    let back = format!("/admin/webhooks/{id}");
    app.db.write(move |c| wh::ping(c, &tid, &id)).await?;
    app.wake_jobs();
    Ok(see_other(&back))
}

async fn delete(
    req: HttpRequest,
    path: web::Path<String>,
    f: CsrfForm<HashMap<String, String>>,
) -> AppResult<HttpResponse> {
    f.user.require_admin()?;
    let app = auth::state(&req)?;
    let (tid, id) = (f.user.tenant_id(), path.into_inner());
    app.db.write(move |c| wh::delete(c, &tid, &id)).await?;
    Ok(see_other("/admin/webhooks"))
}

async fn log_page(req: HttpRequest, user: ConsoleUser, path: web::Path<String>) -> AppResult<HttpResponse> {
    user.require_admin()?;
    let app = auth::state(&req)?;
    let (tid, id) = (user.tenant_id(), path.into_inner());
    let (webhook, deliveries) = app
        .db
        .read(move |c| {
            let w = wh::get(c, &tid, &id)?;
            let d = wh::deliveries(c, &tid, &id, LOG_LIMIT)?;
            Ok((w, d))
        })
        .await?;
    html(&LogPage { webhook, deliveries, zone: user.zone().to_string(), page: Page::for_user(&user, "admin-webhooks") })
}

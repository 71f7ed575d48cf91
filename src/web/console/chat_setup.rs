//! The tenant's chat widget setup (admins only): the snippet to embed, the origins allowed to
//! connect (with a warning while there are none), the identity secret, and the widget's form:
//! the pre-chat form and the colour and greeting per language; and how often the widget's article
//! suggestions answered a visitor in the last 30 days (per article on the knowledge-base list).

use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use serde::Deserialize;

use super::{html, see_other, Page};
use std::collections::{BTreeMap, HashMap};

use crate::chat::appearance::{self, Prechat, WidgetLook};
use crate::chat::settings::{self, ChatSettings};
use crate::chat::suggestions;
use crate::error::{AppError, AppResult};
use crate::web::auth::{self, ConsoleUser, CsrfForm};

/// Chat setup routes.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/admin/chat", web::get().to(show))
        .route("/admin/chat", web::post().to(save))
        .route("/admin/chat/identity-secret", web::post().to(rotate))
        .route("/admin/chat/widget", web::post().to(save_widget));
}

#[derive(Template)]
#[template(path = "console/admin_chat.html")]
struct ChatPage {
    page: Page,
    snippet: String,
    origins: String,
    settings: ChatSettings,
    /// A secret made just now (shown this once).
    new_secret: Option<String>,
    saved: bool,
    /// A refused origin list, with the reason.
    error: Option<String>,
    /// The looks, one row per language and an empty row to add one.
    looks: Vec<(String, String, String)>,
    /// A refused widget form, with the reason.
    widget_error: Option<String>,
    /// Deflections of the last [`suggestions::RECENT_DAYS`] days.
    deflections: i64,
    days: i64,
}

impl ChatPage {
    fn prechat_is(&self, p: &str) -> bool {
        self.settings.prechat.as_str() == p
    }
}

#[derive(Deserialize)]
struct ShowQuery {
    saved: Option<String>,
}

/// The tenant's chat settings and its recent deflections, what every rendering of the page shows.
async fn load(app: &crate::app::AppState, user: &ConsoleUser) -> AppResult<(ChatSettings, i64)> {
    let tid = user.tenant_id();
    let since = crate::db::now() - chrono::Duration::days(suggestions::RECENT_DAYS);
    app.db.read(move |c| Ok((settings::get(c, &tid)?, suggestions::deflections_since(c, &tid, since)?))).await
}

fn page(app: &crate::app::AppState, user: &ConsoleUser, (settings, deflections): (ChatSettings, i64)) -> ChatPage {
    ChatPage {
        snippet: crate::web::api::chat::snippet(
            app.config.base_url.as_str(),
            &user.tenant.slug,
            &user.tenant.default_locale,
        ),
        origins: settings.allowed_origins.join("\n"),
        looks: settings
            .appearance
            .iter()
            .map(|(l, w)| (l.clone(), w.color.clone().unwrap_or_default(), w.greeting.clone().unwrap_or_default()))
            .chain(std::iter::once(Default::default()))
            .collect(),
        widget_error: None,
        deflections,
        days: suggestions::RECENT_DAYS,
        settings,
        new_secret: None,
        saved: false,
        error: None,
        page: Page::for_user(user, "admin-chat"),
    }
}

async fn show(req: HttpRequest, user: ConsoleUser, q: web::Query<ShowQuery>) -> AppResult<HttpResponse> {
    user.require_admin()?;
    let app = auth::state(&req)?;
    let s = load(&app, &user).await?;
    let mut p = page(&app, &user, s);
    p.saved = q.saved.is_some();
    html(&p)
}

#[derive(Deserialize)]
struct SaveForm {
    /// One origin a line.
    origins: String,
}

async fn save(req: HttpRequest, f: CsrfForm<SaveForm>) -> AppResult<HttpResponse> {
    f.user.require_admin()?;
    let app = auth::state(&req)?;
    let tid = f.user.tenant_id();
    let list: Vec<String> =
        f.form.origins.lines().map(str::trim).filter(|l| !l.is_empty()).map(str::to_string).collect();
    match app.db.write(move |c| settings::set_allowed_origins(c, &tid, &list)).await {
        Ok(_) => Ok(see_other("/admin/chat?saved=1")),
        Err(AppError::Invalid { key, detail, .. }) => {
            let s = load(&app, &f.user).await?;
            let mut p = page(&app, &f.user, s);
            p.origins = f.form.origins.clone();
            p.error = Some(format!("{} ({detail})", f.user.tr.t(key)));
            let body = p.render().map_err(|e| AppError::Internal(anyhow::anyhow!("template: {e}")))?;
            Ok(HttpResponse::UnprocessableEntity().content_type("text/html; charset=utf-8").body(body))
        }
        Err(e) => Err(e),
    }
}

async fn rotate(req: HttpRequest, f: CsrfForm<HashMap<String, String>>) -> AppResult<HttpResponse> {
    f.user.require_admin()?;
    let app = auth::state(&req)?;
    let tid = f.user.tenant_id();
    let secret = app.db.write(move |c| settings::rotate_identity_secret(c, &tid)).await?;
    let s = load(&app, &f.user).await?;
    let mut p = page(&app, &f.user, s);
    p.new_secret = Some(secret);
    html(&p)
}

/// Rows of the looks table (`lang_N`, `color_N`, `greeting_N`) and the pre-chat mode.
async fn save_widget(req: HttpRequest, f: CsrfForm<HashMap<String, String>>) -> AppResult<HttpResponse> {
    f.user.require_admin()?;
    let app = auth::state(&req)?;
    let tid = f.user.tenant_id();
    let field = |k: String| f.form.get(&k).map(|v| v.trim().to_string()).unwrap_or_default();
    let mut looks = BTreeMap::new();
    for i in 0..=appearance::MAX_LANGUAGES {
        let (lang, color, greeting) =
            (field(format!("lang_{i}")), field(format!("color_{i}")), field(format!("greeting_{i}")));
        if lang.is_empty() {
            continue;
        }
        looks.insert(lang, WidgetLook { color: Some(color), greeting: Some(greeting) });
    }
    let prechat = f.form.get("prechat").and_then(|p| Prechat::parse(p));
    if prechat.is_none() {
        return Err(AppError::invalid("prechat", "error-chat-prechat-mode", "off, optional or required"));
    }
    match app.db.write(move |c| settings::set_widget(c, &tid, prechat, Some(&looks))).await {
        Ok(_) => Ok(see_other("/admin/chat?saved=1")),
        Err(AppError::Invalid { key, detail, .. }) => {
            let s = load(&app, &f.user).await?;
            let mut p = page(&app, &f.user, s);
            p.widget_error = Some(format!("{} ({detail})", f.user.tr.t(key)));
            let body = p.render().map_err(|e| AppError::Internal(anyhow::anyhow!("template: {e}")))?;
            Ok(HttpResponse::UnprocessableEntity().content_type("text/html; charset=utf-8").body(body))
        }
        Err(e) => Err(e),
    }
}

//! The agent console: sign-in, inbox, profile; admin pages live in `admin`.

mod admin;
mod admin_teams;
mod api_examples;
mod api_reference;
mod chat_setup;
mod composer;
mod contacts;
mod email_setup;
mod failed_mail;
mod forms;
mod inbox;
mod kb_actions;
mod kb_diff;
mod kb_editor;
mod kb_files;
mod kb_list;
mod kb_structure;
mod kb_ticket;
mod password_link;
mod routing_page;
mod search_page;

mod live;
mod macros;
mod next_path;
mod organizations;
mod profile;
pub(crate) mod signin;
mod team_holidays;
mod ticket_fields;
mod ticket_merge;
mod ticket_page;
mod webhooks;

use actix_web::http::header;
use actix_web::middleware::from_fn;
use actix_web::{web, HttpResponse};
use askama::Template;

use super::auth::ConsoleUser;
use crate::app::AppState;
use crate::error::{AppError, AppResult};
use crate::i18n::Tr;

/// What every console page's layout needs.
pub struct Page {
    pub t: Tr,
    pub csrf: String,
    pub agent_name: String,
    /// The signed-in agent's id, so scripts can tell this agent from others of the same name.
    pub agent_id: String,
    /// The workspace (tenant) name shown in the header.
    pub workspace: String,
    pub is_admin: bool,
    /// Which navigation entry is current.
    pub nav: &'static str,
    pub signed_in: bool,
    pub version: &'static str,
    /// Show that outgoing mail is only written to the outbox folder (no relay configured).
    pub mail_banner: bool,
    /// Show an admin that the server turned off a webhook.
    pub webhook_banner: bool,
}

impl Page {
    /// The layout context for a signed-in agent.
    pub fn for_user(user: &ConsoleUser, nav: &'static str) -> Self {
        Page {
            t: user.tr.clone(),
            csrf: user.session.csrf_token.clone(),
            agent_name: user.agent.name.clone(),
            agent_id: user.agent.id.to_string(),
            workspace: user.tenant.name.clone(),
            is_admin: user.role().is_admin(),
            nav,
            signed_in: true,
            version: env!("CARGO_PKG_VERSION"),
            mail_banner: false,
            webhook_banner: user.webhook_notice,
        }
    }

    /// The same page, saying so when mail is not being delivered (pages where agents write
    /// to customers or set up mail).
    pub fn with_mail_banner(mut self, app: &AppState) -> Self {
        self.mail_banner = !app.mailer.delivers();
        self
    }

    /// The layout context for a visitor who is not signed in.
    pub fn anonymous(t: Tr) -> Self {
        Page {
            t,
            csrf: String::new(),
            agent_name: String::new(),
            agent_id: String::new(),
            workspace: String::new(),
            is_admin: false,
            nav: "",
            signed_in: false,
            version: env!("CARGO_PKG_VERSION"),
            mail_banner: false,
            webhook_banner: false,
        }
    }
}

/// Render a template as an HTML response that is never cached (it shows private data).
pub fn html<T: Template>(tpl: &T) -> AppResult<HttpResponse> {
    let body = tpl.render().map_err(|e| AppError::Internal(anyhow::anyhow!("template: {e}")))?;
    Ok(HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, "text/html; charset=utf-8"))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .body(body))
}

/// A page rendered with a status other than 200: a form shown again after a 422 or a 412.
pub fn html_status<T: Template>(tpl: &T, status: actix_web::http::StatusCode) -> AppResult<HttpResponse> {
    let mut res = html(tpl)?;
    *res.status_mut() = status;
    Ok(res)
}

/// Redirect after a successful form post.
pub fn see_other(location: &str) -> HttpResponse {
    HttpResponse::SeeOther().insert_header((header::LOCATION, location.to_string())).finish()
}

#[derive(Template)]
#[template(path = "console/error.html")]
struct ErrorPage {
    page: Page,
    status: u16,
    title: String,
    detail: String,
}

/// The translated error page the console shows for `err`: inside the agent's normal layout
/// (navigation included) when the request had signed in, bare otherwise.
pub fn render_error(state: &AppState, locale: &str, err: &AppError, user: Option<&ConsoleUser>) -> String {
    let t = match user {
        Some(u) => u.tr.clone(),
        None => Tr::new(state.i18n.clone(), locale.to_string()),
    };
    use actix_web::ResponseError;
    let status = err.status_code().as_u16();
    let title = t.t(&format!("error-{}", err.code()));
    let detail = match err {
        AppError::Invalid { key, .. } => t.t(key),
        AppError::TooManyRequests { retry_after_secs } => {
            t.tn("error-rate-limited-detail", "minutes", (*retry_after_secs as i64 + 59) / 60)
        }
        _ => t.t(&format!("error-{}-detail", err.code())),
    };
    let page = match user {
        Some(u) => Page::for_user(u, ""),
        None => Page::anonymous(t),
    };
    let page = ErrorPage { page, status, title, detail };
    page.render().unwrap_or_else(|_| format!("{status}"))
}

// On a tenant's help-center host the root is the help center; elsewhere it is the inbox.
async fn root(req: actix_web::HttpRequest) -> AppResult<HttpResponse> {
    let state = super::auth::state(&req)?;
    if let Some(slug) = super::help::slug_from_host(&req, &state.config.base_domain) {
        return super::help::home_for_slug(&state, &req, slug).await;
    }
    Ok(see_other("/inbox"))
}

/// Every console route, wrapped so errors render as pages.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::scope("")
            .wrap(from_fn(super::middleware::console_errors))
            .route("/", web::get().to(root))
            .route("/login", web::get().to(signin::form))
            .route("/login", web::post().to(signin::submit))
            .route("/logout", web::post().to(signin::logout))
            .route("/password/{workspace}/{secret}", web::get().to(password_link::form))
            .route("/password/{workspace}/{secret}", web::post().to(password_link::submit))
            .route("/inbox", web::get().to(inbox::show))
            .route("/inbox/views", web::post().to(inbox::save_view))
            .route("/inbox/views/{id}/rename", web::post().to(inbox::rename_view))
            .route("/inbox/views/{id}/delete", web::post().to(inbox::delete_view))
            .route("/inbox/bulk", web::post().to(inbox::bulk))
            .route("/inbox/bulk/{id}/undo", web::post().to(inbox::undo_bulk))
            .route("/events", web::get().to(live::events))
            .route("/tickets/new", web::get().to(ticket_page::new_form))
            .route("/tickets/new", web::post().to(ticket_page::create))
            .route("/tickets/{key}", web::get().to(ticket_page::show))
            .route("/tickets/{key}/timeline", web::get().to(ticket_page::timeline))
            .route("/tickets/{key}/messages", web::post().to(ticket_page::reply))
            .route("/tickets/{key}/typing", web::post().to(ticket_page::typing))
            .route("/tickets/{key}/update", web::post().to(ticket_page::update))
            .route("/tickets/{key}/merge", web::get().to(ticket_merge::preview))
            .route("/tickets/{key}/merge", web::post().to(ticket_page::merge))
            .route("/tickets/{key}/mail/{id}/retry", web::post().to(ticket_page::retry_mail))
            .route("/attachments/{id}", web::get().to(ticket_page::attachment))
            .route("/search", web::get().to(search_page::show))
            .route("/search/suggest", web::get().to(search_page::suggest))
            .route("/kb/articles/{id}/read", web::get().to(search_page::article))
            .route("/api-reference", web::get().to(api_reference::show))
            .route("/profile", web::get().to(profile::show))
            .route("/profile", web::post().to(profile::update))
            .route("/profile/languages", web::post().to(profile::languages))
            .route("/profile/presence", web::post().to(profile::presence))
            .route("/profile/password", web::post().to(profile::password))
            .configure(admin::routes)
            .configure(admin_teams::routes)
            .configure(composer::routes)
            .configure(macros::routes)
            .configure(kb_list::routes)
            .configure(kb_files::routes)
            .configure(contacts::routes)
            .configure(organizations::routes)
            .configure(team_holidays::routes)
            .configure(email_setup::routes)
            .configure(chat_setup::routes)
            .configure(webhooks::routes)
            .configure(routing_page::routes)
            .configure(failed_mail::routes)
            .default_service(web::to(crate::web::not_found)),
    );
}

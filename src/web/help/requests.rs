//! "Submit a request": a web-channel ticket opened through the intake in the page's locale.
//! A filled honeypot field gets the thank-you page and nothing is stored (a bot learns nothing);
//! each client address may send a few requests per window.

use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use serde::Deserialize;

use super::pages::{page, url_locale};
use super::Layout;
use crate::error::{AppError, AppResult};
use crate::tickets::commands::{Creation, NewTicket, Requester};
use crate::tickets::intake::Submitted;
use crate::tickets::{Channel, Priority};
use crate::types::Actor;
use crate::web::auth;

/// The form's fields, kept when it is shown again with an error.
#[derive(Deserialize, Default, Clone)]
pub struct RequestForm {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub email: String,
    #[serde(default)]
    pub subject: String,
    #[serde(default)]
    pub body: String,
    /// The honeypot: hidden from people, filled by bots.
    #[serde(default)]
    pub website: String,
    /// The page's form session (made by its script), whose suggestion clicks a sent request
    /// marks as not abandoned.
    #[serde(default)]
    pub form_session: String,
}

#[derive(Template)]
#[template(path = "help/request_new.html")]
struct FormPage {
    l: Layout,
    form: RequestForm,
    error: String,
    field: String,
    field_error: String,
}

#[derive(Template)]
#[template(path = "help/request_sent.html")]
struct SentPage {
    l: Layout,
    number: String,
}

async fn layout(req: &HttpRequest) -> AppResult<(crate::app::AppState, super::Site, Layout)> {
    let state = auth::state(req)?;
    let site = super::site(&state, req).await?;
    let locale = url_locale(req)?;
    let title = state.i18n.format(&locale, "help-request-title", None);
    // The form exists in every language; it is the same form.
    let locales = vec![locale.clone()];
    let l = Layout::new(&state, req, &site, &locale, &locales, |l| format!("/{l}/requests/new"), &title);
    Ok((state, site, l))
}

/// GET …/{locale}/requests/new
pub async fn form(req: HttpRequest) -> AppResult<HttpResponse> {
    let (_, _, l) = layout(&req).await?;
    page(&FormPage {
        l,
        form: RequestForm::default(),
        error: String::new(),
        field: String::new(),
        field_error: String::new(),
    })
}

/// POST …/{locale}/requests/new
pub async fn submit(req: HttpRequest, body: web::Form<RequestForm>) -> AppResult<HttpResponse> {
    let (state, site, l) = layout(&req).await?;
    let f = body.into_inner();
    if !f.website.trim().is_empty() {
        tracing::info!(tenant = %site.tenant.slug, "help-center request with the honeypot filled; dropped");
        return page(&SentPage { l, number: "0".into() });
    }
    let ip = auth::client_ip(&req, state.config.trust_proxy);
    if let Err(wait) = state.help_requests.check(&format!("{}|{ip}", site.tenant.id)) {
        let error = l.t.t("help-request-rate-limited");
        let mut res = page(&FormPage { l, form: f, error, field: String::new(), field_error: String::new() })?;
        *res.status_mut() = actix_web::http::StatusCode::TOO_MANY_REQUESTS;
        res.headers_mut().insert(actix_web::http::header::RETRY_AFTER, wait.into());
        return Ok(res);
    }
    let name = f.name.trim();
    let new = NewTicket {
        subject: f.subject.clone(),
        body_text: f.body.clone(),
        body_html: None,
        requester: Requester::Email { email: f.email.clone(), name: (!name.is_empty()).then(|| name.to_string()) },
        priority: Priority::Normal,
        tags: vec![],
        language: Some(l.locale.clone()),
        channel: Channel::Web,
        assignee_id: None,
        team_id: None,
    };
    match state.intake.submit(&site.tenant.tenant_id(), Creation::new(Actor::System, new), None).await {
        Ok(Submitted::Opened(t)) => {
            state.wake_jobs();
            let session = f.form_session.trim();
            if !session.is_empty() && session.len() <= 64 {
                state.kb_tally.submitted(&site.tenant.tenant_id(), session);
            }
            page(&SentPage { l, number: t.number.to_string() })
        }
        Ok(Submitted::Replayed { ticket, .. }) => {
            page(&SentPage { l, number: ticket["number"].as_i64().unwrap_or(0).to_string() })
        }
        Err(AppError::Invalid { field, key, .. }) => {
            // The intake names requester fields by their API paths.
            let field = match field.as_str() {
                f if f.contains("email") => "email",
                f if f.contains("subject") => "subject",
                f if f.contains("body") || f.contains("message") => "body",
                _ => "",
            }
            .to_string();
            let field_error = l.t.t(key);
            let error = l.t.t("help-request-errors");
            let mut res = page(&FormPage { l, form: f, error, field, field_error })?;
            *res.status_mut() = actix_web::http::StatusCode::UNPROCESSABLE_ENTITY;
            Ok(res)
        }
        Err(e) => Err(e),
    }
}

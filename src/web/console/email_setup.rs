//! The tenant's email setup (admins only): the forwarding address and inbound secret, the
//! outbound identity (From address, display name, signature, DKIM key), and a test message sent
//! to the forwarding address through the outgoing mail path.

use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use serde::Deserialize;

use super::{html, see_other, Page};
use crate::email::outbound::settings::{self, EmailSettings, SettingsForm};
use crate::email::outbound::{self, kind, NewOutbound, Outbound};
use crate::email::store;
use crate::error::AppResult;
use crate::web::auth::{self, ConsoleUser, CsrfForm};

/// Email setup routes.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/admin/email", web::get().to(show))
        .route("/admin/email", web::post().to(save))
        .route("/admin/email/test", web::post().to(send_test));
}

#[derive(Template)]
#[template(path = "console/admin_email.html")]
struct EmailPage {
    page: Page,
    forwarding: String,
    http_door: String,
    secret: String,
    settings: EmailSettings,
    default_from: String,
    dkim_record: Option<(String, String)>,
    last_test: Option<Outbound>,
    zone: String,
    saved: bool,
}

impl EmailPage {
    fn value(v: &Option<String>) -> &str {
        v.as_deref().unwrap_or("")
    }
}

#[derive(Deserialize)]
struct ShowQuery {
    saved: Option<String>,
}

async fn show(req: HttpRequest, user: ConsoleUser, q: web::Query<ShowQuery>) -> AppResult<HttpResponse> {
    user.require_admin()?;
    let app = auth::state(&req)?;
    let tid = user.tenant_id();
    // The secret is made on first view, like the first use of the HTTP door's setup.
    let (secret, settings, last_test) = app
        .db
        .write(move |c| Ok((store::inbound_secret(c, &tid)?, settings::get(c, &tid)?, outbound::last_test(c, &tid)?)))
        .await?;
    let domain = &app.config.inbound_domain;
    let base = app.config.base_url.as_str().trim_end_matches('/');
    html(&EmailPage {
        forwarding: format!("{}@{domain}", user.tenant.slug),
        http_door: format!("{base}/inbound/email/{}", user.tenant.slug),
        secret,
        default_from: format!("{}@{domain}", user.tenant.slug),
        dkim_record: settings.dkim_record(&user.tenant, domain),
        settings,
        last_test,
        zone: user.zone().to_string(),
        saved: q.saved.is_some(),
        page: Page::for_user(&user, "admin-email").with_mail_banner(&app),
    })
}

#[derive(Deserialize)]
struct SaveForm {
    support_address: String,
    display_name: String,
    signature: String,
    dkim_selector: String,
    dkim_private_key: String,
    remove_dkim: Option<String>,
}

async fn save(req: HttpRequest, f: CsrfForm<SaveForm>) -> AppResult<HttpResponse> {
    f.user.require_admin()?;
    let app = auth::state(&req)?;
    let tid = f.user.tenant_id();
    let form = SettingsForm {
        support_address: f.form.support_address,
        display_name: f.form.display_name,
        signature: f.form.signature,
        dkim_selector: f.form.dkim_selector,
        dkim_private_key: f.form.dkim_private_key,
        remove_dkim: f.form.remove_dkim.is_some(),
    };
    app.db.write(move |c| settings::save(c, &tid, &form)).await?;
    Ok(see_other("/admin/email?saved=1"))
}

async fn send_test(
    req: HttpRequest,
    f: CsrfForm<std::collections::HashMap<String, String>>,
) -> AppResult<HttpResponse> {
    f.user.require_admin()?;
    let app = auth::state(&req)?;
    let tid = f.user.tenant_id();
    let domain = app.config.inbound_domain.clone();
    let new = NewOutbound {
        kind: kind::TEST,
        ticket_id: None,
        message_row_id: None,
        to: format!("{}@{domain}", f.user.tenant.slug),
        cc: vec![],
        message_id: outbound::new_message_id(&domain),
        in_reply_to: None,
        references: vec![],
        locale: f.user.tr.locale().to_string(),
    };
    app.db.write(move |c| outbound::enqueue(c, &tid, &new)).await?;
    app.wake_jobs();
    Ok(see_other("/admin/email"))
}

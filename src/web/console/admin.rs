//! Admin pages: agents (with their invitations and password resets), API tokens, dead jobs; teams
//! are in `admin_teams`. Owners and admins only.

use std::collections::HashMap;

use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use serde::Deserialize;

use super::{html, see_other, Page};
use crate::accounts::agents::{self, Agent, NewAgent};
use crate::accounts::links::{self, Purpose};
use crate::accounts::tokens::{self, ApiToken};
use crate::accounts::Role;
use crate::email::outbound::links::send_agent_link;
use crate::error::{AppError, AppResult};
use crate::jobs::{self, JobRow};
use crate::web::auth::{self, ConsoleUser, CsrfForm};

/// Admin routes.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/admin/agents", web::get().to(agents_page))
        .route("/admin/agents", web::post().to(create_agent))
        .route("/admin/agents/{id}", web::post().to(update_agent))
        .route("/admin/tokens", web::get().to(tokens_page))
        .route("/admin/tokens", web::post().to(create_token))
        .route("/admin/tokens/{id}/revoke", web::post().to(revoke_token))
        .route("/admin/agents/{id}/invite", web::post().to(resend_invite))
        .route("/admin/agents/{id}/reset", web::post().to(reset_password))
        .route("/admin/jobs", web::get().to(jobs_page))
        .route("/admin/jobs/{id}/retry", web::post().to(retry_job));
}

#[derive(Template)]
#[template(path = "console/admin_agents.html")]
struct AgentsPage {
    page: Page,
    agents: Vec<Agent>,
    me: String,
    can_make_owner: bool,
    /// Agents invited who have not yet set a password.
    pending: Vec<String>,
    /// A link just sent, shown once: the notice, already translated, and the URL.
    sent: Option<(String, String)>,
}

impl AgentsPage {
    fn is_pending(&self, id: &str) -> bool {
        self.pending.iter().any(|p| p == id)
    }

    /// Whether this admin may send this agent a reset: only owners reset an owner, since whoever
    /// sees the link can take the account.
    fn may_reset(&self, a: &Agent) -> bool {
        a.id != self.me && a.active && (self.can_make_owner || a.role != "owner")
    }
}

async fn render_agents(
    req: &HttpRequest,
    user: &ConsoleUser,
    sent: Option<(String, String)>,
) -> AppResult<HttpResponse> {
    user.require_admin()?;
    let app = auth::state(req)?;
    let tid = user.tenant_id();
    let (list, pending) = app.db.read(move |c| Ok((agents::list(c, &tid)?, links::pending_invites(c, &tid)?))).await?;
    html(&AgentsPage {
        agents: list,
        me: user.agent.id.to_string(),
        can_make_owner: user.role() == Role::Owner,
        pending,
        sent,
        page: Page::for_user(user, "admin-agents"),
    })
}

async fn agents_page(req: HttpRequest, user: ConsoleUser) -> AppResult<HttpResponse> {
    render_agents(&req, &user, None).await
}

#[derive(Deserialize)]
struct NewAgentForm {
    email: String,
    name: String,
    role: String,
}

/// Issue a link and mail it in one transaction; the URL comes back to be shown once.
async fn send_link(
    app: &crate::app::AppState,
    user: &ConsoleUser,
    agent_id: String,
    purpose: Purpose,
) -> AppResult<String> {
    let tid = user.tenant_id();
    let by = user.agent.id.to_string();
    let (base, domain) = (app.config.base_url.to_string(), app.config.inbound_domain.clone());
    let url = app.db.write(move |c| send_agent_link(c, &tid, &agent_id, purpose, Some(&by), &base, &domain)).await?;
    app.wake_jobs();
    Ok(url)
}

/// POST /admin/agents: the new agent has no password until they accept the invitation, which is
/// mailed to them and shown to the admin once.
async fn create_agent(req: HttpRequest, f: CsrfForm<NewAgentForm>) -> AppResult<HttpResponse> {
    f.user.require_admin()?;
    let app = auth::state(&req)?;
    let role = Role::parse(&f.form.role)?;
    if role == Role::Owner && f.user.role() != Role::Owner {
        return Err(AppError::Forbidden);
    }
    let tid = f.user.tenant_id();
    let new = NewAgent { email: f.form.email, name: f.form.name, role, locale: None, time_zone: None };
    let by = f.user.agent.id.to_string();
    let (base, domain) = (app.config.base_url.to_string(), app.config.inbound_domain.clone());
    // One transaction: an agent never exists without the invitation that lets them in.
    let (agent, url) = app
        .db
        .write(move |c| {
            let agent = agents::create(c, &tid, &new, None)?;
            let url = send_agent_link(c, &tid, &agent.id, Purpose::Invite, Some(&by), &base, &domain)?;
            Ok((agent, url))
        })
        .await?;
    app.wake_jobs();
    let notice = f.user.tr.t1("agents-invited", "email", &agent.email);
    render_agents(&req, &f.user, Some((notice, url))).await
}

/// The agent a link is for, checked: this tenant's (404 otherwise), and an owner only by an owner.
async fn link_target(app: &crate::app::AppState, user: &ConsoleUser, id: String) -> AppResult<Agent> {
    let tid = user.tenant_id();
    let target = app.db.read(move |c| agents::get(c, &tid, &id.as_str().into())).await?;
    if target.role() == Role::Owner && user.role() != Role::Owner {
        return Err(AppError::Forbidden);
    }
    if !target.active {
        return Err(AppError::invalid("agent", "error-agent-inactive", "the agent is deactivated"));
    }
    Ok(target)
}

/// POST /admin/agents/{id}/invite: a new invitation for an agent who has not accepted; the
/// earlier one stops working.
async fn resend_invite(
    req: HttpRequest,
    path: web::Path<String>,
    f: CsrfForm<HashMap<String, String>>,
) -> AppResult<HttpResponse> {
    f.user.require_admin()?;
    let app = auth::state(&req)?;
    let target = link_target(&app, &f.user, path.into_inner()).await?;
    if target.password_hash.is_some() {
        return Err(AppError::invalid("agent", "error-invite-accepted", "the agent already accepted"));
    }
    let url = send_link(&app, &f.user, target.id.to_string(), Purpose::Invite).await?;
    let notice = f.user.tr.t1("agents-invite-resent", "email", &target.email);
    render_agents(&req, &f.user, Some((notice, url))).await
}

/// POST /admin/agents/{id}/reset: a one-time link to set a new password; the current password
/// keeps working until the link is used.
async fn reset_password(
    req: HttpRequest,
    path: web::Path<String>,
    f: CsrfForm<HashMap<String, String>>,
) -> AppResult<HttpResponse> {
    f.user.require_admin()?;
    let app = auth::state(&req)?;
    let target = link_target(&app, &f.user, path.into_inner()).await?;
    if target.id == f.user.agent.id {
        return Err(AppError::invalid("agent", "error-reset-self", "change your own password on your profile"));
    }
    let purpose = if target.password_hash.is_some() { Purpose::Reset } else { Purpose::Invite };
    let url = send_link(&app, &f.user, target.id.to_string(), purpose).await?;
    let notice = f.user.tr.t1("agents-reset-sent", "email", &target.email);
    render_agents(&req, &f.user, Some((notice, url))).await
}

#[derive(Deserialize)]
struct UpdateAgentForm {
    role: String,
    active: Option<String>,
}

async fn update_agent(
    req: HttpRequest,
    path: web::Path<String>,
    f: CsrfForm<UpdateAgentForm>,
) -> AppResult<HttpResponse> {
    f.user.require_admin()?;
    let app = auth::state(&req)?;
    let role = Role::parse(&f.form.role)?;
    let active = f.form.active.is_some();
    let tid = f.user.tenant_id();
    let id = path.into_inner();
    let actor_is_owner = f.user.role() == Role::Owner;
    app.db
        .write(move |c| {
            let target = agents::get(c, &tid, &id.as_str().into())?;
            // Only owners may create owners or change an owner.
            if !actor_is_owner && (role == Role::Owner || target.role() == Role::Owner) {
                return Err(AppError::Forbidden);
            }
            crate::accounts::set_role_and_active(c, &tid, &id, role, active)
        })
        .await?;
    Ok(see_other("/admin/agents"))
}

#[derive(Template)]
#[template(path = "console/admin_tokens.html")]
struct TokensPage {
    page: Page,
    tokens: Vec<ApiToken>,
    zone: String,
    created: Option<String>,
}

async fn render_tokens(req: &HttpRequest, user: &ConsoleUser, created: Option<String>) -> AppResult<HttpResponse> {
    user.require_admin()?;
    let app = auth::state(req)?;
    let tid = user.tenant_id();
    let list = app.db.read(move |c| tokens::list(c, &tid)).await?;
    html(&TokensPage {
        tokens: list,
        zone: user.zone().to_string(),
        created,
        page: Page::for_user(user, "admin-tokens"),
    })
}

async fn tokens_page(req: HttpRequest, user: ConsoleUser) -> AppResult<HttpResponse> {
    render_tokens(&req, &user, None).await
}

#[derive(Deserialize)]
struct NewTokenForm {
    name: String,
}

async fn create_token(req: HttpRequest, f: CsrfForm<NewTokenForm>) -> AppResult<HttpResponse> {
    f.user.require_admin()?;
    let app = auth::state(&req)?;
    let tid = f.user.tenant_id();
    let by = f.user.agent.id.clone();
    let name = f.form.name;
    let (_, secret) = app.db.write(move |c| tokens::create(c, &tid, &name, Some(&by))).await?;
    render_tokens(&req, &f.user, Some(secret)).await
}

async fn revoke_token(
    req: HttpRequest,
    path: web::Path<String>,
    f: CsrfForm<HashMap<String, String>>,
) -> AppResult<HttpResponse> {
    f.user.require_admin()?;
    let app = auth::state(&req)?;
    let tid = f.user.tenant_id();
    let id = path.into_inner();
    app.db.write(move |c| tokens::revoke(c, &tid, &id)).await?;
    Ok(see_other("/admin/tokens"))
}

#[derive(Template)]
#[template(path = "console/admin_jobs.html")]
struct JobsPage {
    page: Page,
    jobs: Vec<JobRow>,
    zone: String,
}

async fn jobs_page(req: HttpRequest, user: ConsoleUser) -> AppResult<HttpResponse> {
    user.require_admin()?;
    let app = auth::state(&req)?;
    let tid = user.tenant_id();
    let list = app.db.read(move |c| jobs::list_for_tenant(c, &tid, "dead", 200)).await?;
    html(&JobsPage { jobs: list, zone: user.zone().to_string(), page: Page::for_user(&user, "admin-jobs") })
}

async fn retry_job(
    req: HttpRequest,
    path: web::Path<String>,
    f: CsrfForm<HashMap<String, String>>,
) -> AppResult<HttpResponse> {
    f.user.require_admin()?;
    let app = auth::state(&req)?;
    let tid = f.user.tenant_id();
    let id = path.into_inner();
    app.db.write(move |c| jobs::retry_dead(c, Some(&tid), &id)).await?;
    app.wake_jobs();
    Ok(see_other("/admin/jobs"))
}

//! Admin pages: agents, API tokens, dead jobs. Owners and admins only.

use std::collections::HashMap;

use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use serde::Deserialize;

use super::forms::FormState;
use super::{html, see_other, Page};
use crate::accounts::agents::{self, Agent, NewAgent};
use crate::accounts::tokens::{self, ApiToken};
use crate::accounts::Role;
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
        .route("/admin/teams", web::get().to(teams_page))
        .route("/admin/teams", web::post().to(create_team))
        .route("/admin/teams/{id}/members", web::post().to(add_member))
        .route("/admin/teams/{id}/members/{agent}/remove", web::post().to(remove_member))
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
    created: Option<(String, String)>,
}

async fn render_agents(
    req: &HttpRequest,
    user: &ConsoleUser,
    created: Option<(String, String)>,
) -> AppResult<HttpResponse> {
    user.require_admin()?;
    let app = auth::state(req)?;
    let tid = user.tenant_id();
    let list = app.db.read(move |c| agents::list(c, &tid)).await?;
    html(&AgentsPage {
        agents: list,
        me: user.agent.id.to_string(),
        can_make_owner: user.role() == Role::Owner,
        created,
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

async fn create_agent(req: HttpRequest, f: CsrfForm<NewAgentForm>) -> AppResult<HttpResponse> {
    f.user.require_admin()?;
    let app = auth::state(&req)?;
    let role = Role::parse(&f.form.role)?;
    if role == Role::Owner && f.user.role() != Role::Owner {
        return Err(AppError::Forbidden);
    }
    // The new agent gets a one-time password to change on first sign-in; it is shown once.
    let password = tokens::random_secret(12);
    let hash = app.hasher.hash(password.clone()).await?;
    let tid = f.user.tenant_id();
    let new = NewAgent { email: f.form.email, name: f.form.name, role, locale: None, time_zone: None };
    let agent = app.db.write(move |c| agents::create(c, &tid, &new, Some(hash))).await?;
    render_agents(&req, &f.user, Some((agent.email, password))).await
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

/// A team with its members' names and holidays, for the teams page.
pub(super) struct TeamView {
    team: crate::tickets::teams::Team,
    members: Vec<(String, String)>,
    holidays: Vec<crate::routing::schedule::HolidayDoc>,
}

#[derive(Template)]
#[template(path = "console/admin_teams.html")]
pub(super) struct TeamsPage {
    page: Page,
    teams: Vec<TeamView>,
    agents: Vec<Agent>,
    /// A refused holiday form: the team it was for, what was typed and why.
    form: Option<(String, FormState)>,
}

impl TeamsPage {
    fn is_member(&self, t: &TeamView, agent_id: &str) -> bool {
        t.members.iter().any(|(id, _)| id == agent_id)
    }

    /// The refused holiday form, when it was `t`'s.
    fn form_of(&self, t: &TeamView) -> Option<&FormState> {
        self.form.as_ref().filter(|(id, _)| *id == t.team.id.as_str()).map(|(_, f)| f)
    }

    /// What was typed in `t`'s holiday form field `name` before it was refused.
    fn typed<'a>(&'a self, t: &TeamView, name: &str) -> &'a str {
        self.form_of(t).map_or("", |f| f.value(name, ""))
    }

    /// Why `t`'s holiday form field `name` was refused.
    fn error_at(&self, t: &TeamView, name: &str) -> Option<&str> {
        self.form_of(t).and_then(|f| f.error(name))
    }

    /// `aria-invalid` and `aria-describedby` for `t`'s field `name` while it is at fault.
    fn aria(&self, t: &TeamView, name: &str) -> String {
        match self.error_at(t, name) {
            Some(_) => format!(r#" aria-invalid="true" aria-describedby="{name}-error-{}""#, t.team.id),
            None => String::new(),
        }
    }
}

/// The teams page, with `form` when a holiday form was refused.
pub(super) async fn teams_view(
    req: &HttpRequest,
    user: &ConsoleUser,
    form: Option<(String, FormState)>,
) -> AppResult<TeamsPage> {
    user.require_admin()?;
    let app = auth::state(req)?;
    let tid = user.tenant_id();
    let (teams, agents) = app
        .db
        .read(move |c| {
            let agents = agents::list(c, &tid)?;
            let mut out = Vec::new();
            for team in crate::tickets::teams::list(c, &tid)? {
                let ids = crate::tickets::teams::members(c, &tid, &team.id)?;
                let members = agents
                    .iter()
                    .filter(|a| ids.iter().any(|id| a.id == *id))
                    .map(|a| (a.id.to_string(), a.name.clone()))
                    .collect();
                let holidays = crate::routing::store::team_schedule(c, &tid, team.id.as_str())?
                    .map(|s| s.holidays)
                    .unwrap_or_default();
                out.push(TeamView { team, members, holidays });
            }
            Ok((out, agents))
        })
        .await?;
    Ok(TeamsPage { teams, agents, form, page: Page::for_user(user, "admin-teams") })
}

async fn teams_page(req: HttpRequest, user: ConsoleUser) -> AppResult<HttpResponse> {
    html(&teams_view(&req, &user, None).await?)
}

#[derive(Deserialize)]
struct NewTeamForm {
    name: String,
}

async fn create_team(req: HttpRequest, f: CsrfForm<NewTeamForm>) -> AppResult<HttpResponse> {
    f.user.require_admin()?;
    let app = auth::state(&req)?;
    let (tid, name) = (f.user.tenant_id(), f.form.name);
    app.db.write(move |c| crate::tickets::teams::create(c, &tid, &name)).await?;
    Ok(see_other("/admin/teams"))
}

#[derive(Deserialize)]
struct MemberForm {
    agent_id: String,
}

async fn add_member(req: HttpRequest, path: web::Path<String>, f: CsrfForm<MemberForm>) -> AppResult<HttpResponse> {
    f.user.require_admin()?;
    let app = auth::state(&req)?;
    let (tid, team, agent) = (f.user.tenant_id(), path.into_inner(), f.form.agent_id);
    app.db
        .write(move |c| {
            crate::tickets::teams::get(c, &tid, &team.as_str().into())?;
            match crate::tickets::teams::add_member(c, &tid, &team, &agent) {
                Err(AppError::NotFound) => {
                    Err(AppError::invalid("agent_id", "error-assignee-invalid", "no such agent"))
                }
                other => other,
            }
        })
        .await?;
    Ok(see_other("/admin/teams"))
}

async fn remove_member(
    req: HttpRequest,
    path: web::Path<(String, String)>,
    f: CsrfForm<HashMap<String, String>>,
) -> AppResult<HttpResponse> {
    f.user.require_admin()?;
    let app = auth::state(&req)?;
    let tid = f.user.tenant_id();
    let (team, agent) = path.into_inner();
    app.db.write(move |c| crate::tickets::teams::remove_member(c, &tid, &team, &agent)).await?;
    Ok(see_other("/admin/teams"))
}

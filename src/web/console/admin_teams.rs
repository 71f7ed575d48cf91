//! The teams admin page: create, rename and delete teams, and manage their members.

use std::collections::HashMap;

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use serde::Deserialize;

use super::forms::FormState;
use super::{html_status, see_other, Page};
use crate::accounts::agents::{self, Agent};
use crate::error::{AppError, AppResult};
use crate::tickets::teams::{self, TeamUsage};
use crate::web::auth::{self, ConsoleUser, CsrfForm};

/// Teams routes.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/admin/teams", web::get().to(teams_page))
        .route("/admin/teams", web::post().to(create_team))
        .route("/admin/teams/{id}/rename", web::post().to(rename_team))
        .route("/admin/teams/{id}/delete", web::post().to(delete_team))
        .route("/admin/teams/{id}/members", web::post().to(add_member))
        .route("/admin/teams/{id}/members/{agent}/remove", web::post().to(remove_member));
}

/// A team with its members' names and holidays, for the teams page.
struct TeamView {
    team: teams::Team,
    members: Vec<(String, String)>,
    holidays: Vec<crate::routing::schedule::HolidayDoc>,
}

#[derive(Template)]
#[template(path = "console/admin_teams.html")]
struct TeamsPage {
    page: Page,
    teams: Vec<TeamView>,
    agents: Vec<Agent>,
    /// Why the last delete was refused, shown above the teams.
    refused: Option<Refusal>,
    /// A refused holiday form: the team it was for, what was typed and why.
    form: Option<(String, FormState)>,
}

/// A refused delete: the team's name and what still uses it, each line already translated.
pub(super) struct Refusal {
    title: String,
    uses: Vec<String>,
    how: String,
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

async fn teams_page(req: HttpRequest, user: ConsoleUser) -> AppResult<HttpResponse> {
    render(&req, &user, None, None, StatusCode::OK).await
}

/// The teams page with `status`, and a refused delete or holiday form when there was one.
pub(super) async fn render(
    req: &HttpRequest,
    user: &ConsoleUser,
    refused: Option<Refusal>,
    form: Option<(String, FormState)>,
    status: StatusCode,
) -> AppResult<HttpResponse> {
    user.require_admin()?;
    let app = auth::state(req)?;
    let tid = user.tenant_id();
    let (teams, agents) = app
        .db
        .read(move |c| {
            let agents = agents::list(c, &tid)?;
            let mut out = Vec::new();
            for team in teams::list(c, &tid)? {
                let ids = teams::members(c, &tid, &team.id)?;
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
    html_status(&TeamsPage { teams, agents, refused, form, page: Page::for_user(user, "admin-teams") }, status)
}

#[derive(Deserialize)]
struct NewTeamForm {
    name: String,
}

async fn create_team(req: HttpRequest, f: CsrfForm<NewTeamForm>) -> AppResult<HttpResponse> {
    f.user.require_admin()?;
    let app = auth::state(&req)?;
    let (tid, name) = (f.user.tenant_id(), f.form.name);
    app.db.write(move |c| teams::create(c, &tid, &name)).await?;
    Ok(see_other("/admin/teams"))
}

async fn rename_team(req: HttpRequest, path: web::Path<String>, f: CsrfForm<NewTeamForm>) -> AppResult<HttpResponse> {
    f.user.require_admin()?;
    let app = auth::state(&req)?;
    let (tid, id, name) = (f.user.tenant_id(), path.into_inner(), f.form.name);
    app.db.write(move |c| teams::rename(c, &tid, &id, &name)).await?;
    Ok(see_other("/admin/teams"))
}

/// POST /admin/teams/{id}/delete: refused with 409 and the page naming what still uses the team.
async fn delete_team(
    req: HttpRequest,
    path: web::Path<String>,
    f: CsrfForm<HashMap<String, String>>,
) -> AppResult<HttpResponse> {
    f.user.require_admin()?;
    let app = auth::state(&req)?;
    let (tid, id) = (f.user.tenant_id(), path.into_inner());
    let outcome = app
        .db
        .write(move |c| {
            let team = teams::get(c, &tid, &id.as_str().into())?;
            Ok((team.name, teams::delete(c, &tid, &id)?))
        })
        .await?;
    match outcome {
        (_, Ok(())) => Ok(see_other("/admin/teams")),
        (name, Err(used)) => {
            let refusal = refusal(&f.user.tr, &name, &used);
            render(&req, &f.user, Some(refusal), None, StatusCode::CONFLICT).await
        }
    }
}

fn refusal(t: &crate::i18n::Tr, name: &str, used: &TeamUsage) -> Refusal {
    let mut uses = Vec::new();
    if used.tickets > 0 {
        uses.push(t.tn("teams-used-by-tickets", "count", used.tickets));
    }
    if !used.rules.is_empty() {
        let list = used.rules.iter().map(|n| n.to_string()).collect::<Vec<_>>().join(", ");
        uses.push(t.tn1("teams-used-by-rules", "count", used.rules.len() as i64, "rules", list));
    }
    Refusal { title: t.t1("teams-delete-refused", "team", name), uses, how: t.t("teams-delete-how") }
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
            teams::get(c, &tid, &team.as_str().into())?;
            match teams::add_member(c, &tid, &team, &agent) {
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
    app.db.write(move |c| teams::remove_member(c, &tid, &team, &agent)).await?;
    Ok(see_other("/admin/teams"))
}

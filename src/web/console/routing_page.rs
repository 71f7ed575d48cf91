//! The routing admin page: each team's week as a grid of hours in the team's zone, the coming
//! week's coverage gaps per language (in the workspace's zone), and a simulator that asks the
//! engine where a ticket would go. Owners and admins only; read-only (schedules are edited
//! through `PUT /api/v1/teams/{id}/schedule`).

use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use chrono::{DateTime, NaiveDateTime, Utc};
use serde::Deserialize;

use super::{html, Page};
use crate::error::AppResult;
use crate::routing::engine::{self, Facts, Options, Outcome};
use crate::routing::{coverage, schedule, store};
use crate::types::Priority;
use crate::web::auth::{self, ConsoleUser};

/// Routing admin routes.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/admin/routing", web::get().to(show));
}

/// One team's grid.
struct TeamGrid {
    name: String,
    zone: String,
    /// Monday first: (weekday key, 24 hours on shift or not).
    days: Vec<(&'static str, Vec<bool>)>,
}

/// The simulator's answer.
struct Simulated {
    outcome: &'static str,
    reason: String,
}

#[derive(Template)]
#[template(path = "console/admin_routing.html")]
struct RoutingPage {
    page: Page,
    zone: String,
    teams: Vec<TeamGrid>,
    /// (language, gaps as local "from – to" labels).
    coverage: Vec<(String, Vec<String>)>,
    form: SimForm,
    result: Option<Simulated>,
    /// A Fluent key naming what is wrong with the form.
    error: Option<&'static str>,
    hours: Vec<u32>,
}

/// The simulator's fields, as the form sends them.
#[derive(Deserialize, Default, Clone)]
pub struct SimForm {
    #[serde(default)]
    language: String,
    /// `YYYY-MM-DDTHH:MM` in the workspace's zone (`datetime-local`); empty is now.
    #[serde(default)]
    at: String,
    #[serde(default)]
    priority: String,
}

const DAYS: [&str; 7] = ["day-mon", "day-tue", "day-wed", "day-thu", "day-fri", "day-sat", "day-sun"];

fn local_label(tr: &crate::i18n::Tr, t: DateTime<Utc>, zone: chrono_tz::Tz) -> String {
    use chrono::Datelike;
    let l = t.with_timezone(&zone);
    let day = DAYS[l.weekday().num_days_from_monday() as usize];
    format!("{} {}", tr.t(day), l.format("%H:%M"))
}

/// Check the simulator's fields: the language, the instant (in `zone`) and the priority.
fn parse_form(f: &SimForm, zone: chrono_tz::Tz, now: DateTime<Utc>) -> Result<Question, &'static str> {
    let language = match f.language.trim() {
        "" => None,
        l => Some(crate::tickets::commands::validate_language(l).map_err(|_| "routing-sim-bad-language")?),
    };
    let at = match f.at.trim() {
        "" => now,
        s => NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M")
            .map(|local| schedule::resolve(zone, local))
            .map_err(|_| "routing-sim-bad-at")?,
    };
    let priority = match f.priority.trim() {
        "" => Priority::Normal,
        p => Priority::parse(p).map_err(|_| "routing-sim-bad-priority")?,
    };
    Ok(Question { facts: Facts { language, priority: Some(priority), ..Facts::default() }, at })
}

/// What the simulator asks the engine.
struct Question {
    facts: Facts,
    at: DateTime<Utc>,
}

async fn show(req: HttpRequest, user: ConsoleUser, q: web::Query<SimForm>) -> AppResult<HttpResponse> {
    user.require_admin()?;
    let app = auth::state(&req)?;
    let tid = user.tenant_id();
    let zone: chrono_tz::Tz = user.tenant.time_zone.parse().unwrap_or(chrono_tz::UTC);
    let (state, languages) =
        app.db.read(move |c| Ok((store::load_state(c, &tid)?, store::languages_seen(c, &tid)?))).await?;
    let now = Utc::now();
    let tr = &user.tr;
    let teams = state
        .teams
        .iter()
        .filter_map(|t| {
            let s = t.schedule.as_ref()?;
            let grid = coverage::week_grid(s, coverage::monday_of(now, s.zone));
            Some(TeamGrid {
                name: t.name.clone(),
                zone: s.zone.name().to_string(),
                days: DAYS.iter().copied().zip(grid).collect(),
            })
        })
        .collect();
    let coverage = coverage::gaps(&state, &languages, now)
        .into_iter()
        .map(|(lang, gaps)| {
            let labels = gaps
                .iter()
                .map(|g| format!("{} – {}", local_label(tr, g.from, zone), local_label(tr, g.to, zone)))
                .collect();
            (lang, labels)
        })
        .collect();
    let form = q.into_inner();
    let asked = !(form.language.is_empty() && form.at.is_empty() && form.priority.is_empty());
    let (mut result, mut error) = (None, None);
    if asked {
        match parse_form(&form, zone, now) {
            Ok(f) => {
                let opts = Options { assume_online: f.at > now + chrono::Duration::minutes(1) };
                let d = engine::decide(&f.facts, &state, f.at, opts);
                let outcome = match d.outcome {
                    Outcome::Assigned => "routing-sim-assigned",
                    Outcome::Queued => "routing-sim-queued",
                    Outcome::NeedsTranslation => "routing-sim-needs-translation",
                };
                result = Some(Simulated { outcome, reason: tr.system(d.reason.key, &d.reason.args, d.reason.key) });
            }
            Err(key) => error = Some(key),
        }
    }
    let page = RoutingPage {
        page: Page::for_user(&user, "admin-routing"),
        zone: zone.name().to_string(),
        teams,
        coverage,
        form,
        result,
        error,
        hours: (0..24).collect(),
    };
    html(&page)
}

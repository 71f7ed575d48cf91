//! A team's holidays on the teams page: add a date, remove one, or import an iCalendar file (the
//! console's multipart form; the same merge as `POST /api/v1/teams/{id}/holidays/import`). A
//! refused date or file comes back on the teams page, the reason at the field.

use std::collections::HashMap;

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use chrono::Utc;
use serde::Deserialize;

use super::forms::FormState;
use super::see_other;
use crate::error::{AppError, AppResult};
use crate::routing::schedule::{HolidayDoc, ScheduleDoc};
use crate::routing::store;
use crate::tickets::teams;
use crate::web::auth::{self, ConsoleUser, CsrfForm, CsrfUpload};

/// Holiday routes of the teams page.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/admin/teams/{id}/holidays", web::post().to(add))
        .route("/admin/teams/{id}/holidays/import", web::post().to(import))
        .route("/admin/teams/{id}/holidays/{date}/remove", web::post().to(remove));
}

#[derive(Deserialize)]
struct HolidayForm {
    date: String,
    #[serde(default)]
    name: String,
}

/// Where the teams page shows a team.
fn back(team: &str) -> HttpResponse {
    see_other(&format!("/admin/teams#team-{team}"))
}

/// The teams page again, with `form` on `team`'s holiday forms (422).
async fn refused(req: &HttpRequest, user: &ConsoleUser, team: String, form: FormState) -> AppResult<HttpResponse> {
    super::admin_teams::render(req, user, None, Some((team, form)), StatusCode::UNPROCESSABLE_ENTITY).await
}

/// A team's schedule to change: the stored one, or the tenant's zone with no shifts.
fn schedule_of(
    conn: &mut crate::db::DbConnection,
    user_tid: &crate::tenancy::TenantId,
    team: &str,
    zone: &str,
) -> AppResult<ScheduleDoc> {
    // Another tenant's team is not found, whatever the form says.
    teams::get(conn, user_tid, &team.into())?;
    Ok(store::team_schedule(conn, user_tid, team)?.unwrap_or(ScheduleDoc {
        time_zone: zone.to_string(),
        shifts: vec![],
        holidays: vec![],
    }))
}

async fn add(req: HttpRequest, path: web::Path<String>, f: CsrfForm<HolidayForm>) -> AppResult<HttpResponse> {
    f.user.require_admin()?;
    let app = auth::state(&req)?;
    let (tid, team, zone) = (f.user.tenant_id(), path.into_inner(), f.user.tenant.time_zone.clone());
    let (date, name) = (f.form.date.trim().to_string(), f.form.name.trim().to_string());
    let t = team.clone();
    let (d, n) = (date.clone(), name.clone());
    let saved = app
        .db
        .write(move |c| {
            let mut doc = schedule_of(c, &tid, &t, &zone)?;
            let name = Some(n).filter(|n| !n.is_empty());
            match doc.holidays.iter_mut().find(|h| h.date == d) {
                Some(h) => h.name = name,
                None => doc.holidays.push(HolidayDoc { date: d, name }),
            }
            doc.holidays.sort_by(|a, b| a.date.cmp(&b.date));
            store::set_team_schedule(c, &tid, &t, &doc)
        })
        .await;
    match saved {
        Ok(_) => Ok(back(&team)),
        Err(e @ AppError::Invalid { .. }) => {
            let typed = HashMap::from([("date".to_string(), date), ("name".to_string(), name)]);
            // Every holiday field the schedule check names is this form's date.
            let e = match e {
                AppError::Invalid { key, detail, .. } => AppError::Invalid { field: "date".into(), key, detail },
                other => other,
            };
            refused(&req, &f.user, team, FormState::refused(typed, &e, &f.user.tr)).await
        }
        Err(e) => Err(e),
    }
}

async fn remove(
    req: HttpRequest,
    path: web::Path<(String, String)>,
    f: CsrfForm<HashMap<String, String>>,
) -> AppResult<HttpResponse> {
    f.user.require_admin()?;
    let app = auth::state(&req)?;
    let (tid, zone) = (f.user.tenant_id(), f.user.tenant.time_zone.clone());
    let (team, date) = path.into_inner();
    let t = team.clone();
    app.db
        .write(move |c| {
            let mut doc = schedule_of(c, &tid, &t, &zone)?;
            doc.holidays.retain(|h| h.date != date);
            store::set_team_schedule(c, &tid, &t, &doc)
        })
        .await?;
    Ok(back(&team))
}

async fn import(req: HttpRequest, path: web::Path<String>, f: CsrfUpload) -> AppResult<HttpResponse> {
    f.user.require_admin()?;
    let app = auth::state(&req)?;
    let (tid, team, zone) = (f.user.tenant_id(), path.into_inner(), f.user.tenant.time_zone.clone());
    let Some(file) = f.files.first() else {
        let e = AppError::invalid("ics", "error-ics-missing", "choose an .ics file");
        return refused(&req, &f.user, team, FormState::refused(HashMap::new(), &e, &f.user.tr)).await;
    };
    // The upload sits in the attachment store as a pending file, which housekeeping removes.
    let raw = app.blobs.get(&file.storage_key).await?;
    let t = team.clone();
    let saved = app.db.write(move |c| {
        teams::get(c, &tid, &t.as_str().into())?;
        store::import_team_holidays(c, &tid, &t, &raw, &zone, Utc::now())
    });
    match saved.await {
        Ok(_) => Ok(back(&team)),
        Err(AppError::Invalid { field, key, detail }) => {
            // The file's line and what is wrong there, after the translated sentence.
            let message = match field.strip_prefix("line ") {
                Some(line) => {
                    format!("{} {}", f.user.tr.t1("teams-holidays-ics-line", "line", line), detail_after_line(&detail))
                }
                None => f.user.tr.t(key),
            };
            let form = FormState::refused(HashMap::new(), &AppError::invalid("ics", key, ""), &f.user.tr)
                .with_message(message);
            refused(&req, &f.user, team, form).await
        }
        Err(e) => Err(e),
    }
}

/// `line 7: FREQ=DAILY is not supported` → `FREQ=DAILY is not supported`.
fn detail_after_line(detail: &str) -> &str {
    detail.split_once(": ").map_or(detail, |(_, d)| d)
}

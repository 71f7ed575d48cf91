//! The agent's own profile: name, locale, time zone, languages, password.

use std::collections::HashMap;

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use serde::Deserialize;

use super::forms::FormState;
use super::{html, html_status, see_other, Page};
use crate::accounts::agents::{self, AgentLanguage, Proficiency};
use crate::accounts::{passwords, sessions};
use crate::app::AppState;
use crate::error::{AppError, AppResult};
use crate::routing::engine::Presence;
use crate::web::auth::{self, cookie, session_cookie_name, ConsoleUser, CsrfForm};

#[derive(Template)]
#[template(path = "console/profile.html")]
struct ProfilePage {
    page: Page,
    name: String,
    email: String,
    locale: String,
    time_zone: String,
    locales: Vec<String>,
    zones: Vec<&'static str>,
    languages: Vec<AgentLanguage>,
    proficiencies: Vec<&'static str>,
    presence: &'static str,
    presences: Vec<&'static str>,
    saved: Option<String>,
    /// The details form as submitted, after a refusal.
    form: FormState,
}

impl ProfilePage {
    fn same(&self, a: impl AsRef<str>, b: impl AsRef<str>) -> bool {
        a.as_ref() == b.as_ref()
    }
}

#[derive(Deserialize)]
pub struct SavedQuery {
    saved: Option<String>,
}

/// GET /profile
pub async fn show(req: HttpRequest, user: ConsoleUser, q: web::Query<SavedQuery>) -> AppResult<HttpResponse> {
    let app = auth::state(&req)?;
    let saved = q.saved.as_deref().and_then(|s| match s {
        "profile" => Some(user.tr.t("profile-saved")),
        "languages" => Some(user.tr.t("profile-languages-saved")),
        "presence" => Some(user.tr.t("presence-saved")),
        "password" => Some(user.tr.t("profile-password-saved")),
        _ => None,
    });
    html(&page(&app, &user, saved, FormState::fresh()).await?)
}

/// The profile page; `details` holds what the agent submitted when the details form was refused.
async fn page(app: &AppState, user: &ConsoleUser, saved: Option<String>, details: FormState) -> AppResult<ProfilePage> {
    let tid = user.tenant_id();
    let aid = user.agent.id.clone();
    let (languages, presence) = app
        .db
        .read(move |c| Ok((agents::languages(c, &tid, &aid)?, crate::routing::store::presence(c, &tid, &aid)?)))
        .await?;
    let stored = |v: &Option<String>| v.clone().unwrap_or_default();
    Ok(ProfilePage {
        name: details.value("name", &user.agent.name).to_string(),
        email: user.agent.email.clone(),
        locale: details.value("locale", &stored(&user.agent.locale)).to_string(),
        time_zone: details.value("time_zone", &stored(&user.agent.time_zone)).to_string(),
        locales: crate::i18n::available(),
        zones: chrono_tz::TZ_VARIANTS.iter().map(|z| z.name()).collect(),
        languages,
        proficiencies: Proficiency::ALL.iter().map(|p| p.as_str()).collect(),
        presence: presence.as_str(),
        presences: Presence::ALL.iter().map(|p| p.as_str()).collect(),
        saved,
        form: details,
        page: Page::for_user(user, "profile"),
    })
}

#[derive(Deserialize)]
pub struct ProfileForm {
    name: String,
    locale: String,
    time_zone: String,
}

/// POST /profile; a refused name, language or time zone comes back as typed, with the reason.
pub async fn update(req: HttpRequest, f: CsrfForm<ProfileForm>) -> AppResult<HttpResponse> {
    let app = auth::state(&req)?;
    let tid = f.user.tenant_id();
    let aid = f.user.agent.id.clone();
    let form = f.form;
    let typed = HashMap::from([
        ("name".to_string(), form.name.clone()),
        ("locale".to_string(), form.locale.clone()),
        ("time_zone".to_string(), form.time_zone.clone()),
    ]);
    let saved = app
        .db
        .write(move |c| {
            let locale = Some(form.locale.trim()).filter(|l| !l.is_empty());
            let zone = Some(form.time_zone.trim()).filter(|z| !z.is_empty());
            agents::update_profile(c, &tid, &aid, &form.name, locale, zone)
        })
        .await;
    match saved {
        Ok(_) => Ok(see_other("/profile?saved=profile")),
        Err(e @ AppError::Invalid { .. }) => {
            let details = FormState::refused(typed, &e, &f.user.tr);
            html_status(&page(&app, &f.user, None, details).await?, StatusCode::UNPROCESSABLE_ENTITY)
        }
        Err(e) => Err(e),
    }
}

/// POST /profile/languages: fields `lang_N` and `prof_N`; an empty `lang_N` removes that row.
pub async fn languages(req: HttpRequest, f: CsrfForm<HashMap<String, String>>) -> AppResult<HttpResponse> {
    let app = auth::state(&req)?;
    let mut rows: Vec<(usize, String, Proficiency)> = Vec::new();
    for (k, v) in &f.form {
        let Some(i) = k.strip_prefix("lang_").and_then(|n| n.parse::<usize>().ok()) else { continue };
        let tag = v.trim();
        if tag.is_empty() {
            continue;
        }
        let prof = f.form.get(&format!("prof_{i}")).map(String::as_str).unwrap_or("working");
        rows.push((i, tag.to_string(), Proficiency::parse(prof)?));
    }
    if rows.len() > 50 {
        return Err(AppError::invalid("languages", "error-too-many-languages", "at most 50 languages"));
    }
    rows.sort_by_key(|r| r.0);
    let langs: Vec<(String, Proficiency)> = rows.into_iter().map(|(_, t, p)| (t, p)).collect();
    let tid = f.user.tenant_id();
    let aid = f.user.agent.id.clone();
    app.db.write(move |c| agents::set_languages(c, &tid, &aid, &langs)).await?;
    Ok(see_other("/profile?saved=languages"))
}

#[derive(Deserialize)]
pub struct PasswordForm {
    current: String,
    new: String,
    confirm: String,
}

/// POST /profile/password: every session of the agent is revoked; this browser gets a new one.
pub async fn password(req: HttpRequest, f: CsrfForm<PasswordForm>) -> AppResult<HttpResponse> {
    let app = auth::state(&req)?;
    let form = f.form;
    let user = f.user;
    if form.new != form.confirm {
        return Err(AppError::invalid("confirm", "error-password-mismatch", "the two new passwords differ"));
    }
    passwords::validate("new", &form.new)?;
    if !app.hasher.verify(user.agent.password_hash.clone(), form.current).await? {
        return Err(AppError::invalid("current", "error-password-current", "the current password is wrong"));
    }
    let hash = app.hasher.hash(form.new).await?;
    let tid = user.tenant_id();
    let aid = user.agent.id.clone();
    let ip = auth::client_ip(&req, app.config.trust_proxy);
    let ttl = app.config.session_hours;
    let session = app
        .db
        .write(move |c| {
            agents::set_password_hash(c, &tid, &aid, &hash)?;
            sessions::revoke_all_for_agent(c, &tid, &aid)?;
            sessions::create(c, &tid, &aid, Some(&ip), None, ttl)
        })
        .await?;
    let jwt = app.session_keys.sign(&session)?;
    let mut res = see_other("/profile?saved=password");
    res.add_cookie(&cookie(&app.config, session_cookie_name(&app.config), jwt, ttl * 3600))
        .map_err(|e| AppError::Internal(anyhow::anyhow!("cookie: {e}")))?;
    Ok(res)
}

/// POST /profile/presence: field `presence` (online, away, offline); routing only picks online agents.
pub async fn presence(req: HttpRequest, f: CsrfForm<HashMap<String, String>>) -> AppResult<HttpResponse> {
    let app = auth::state(&req)?;
    let value = f.form.get("presence").map(String::as_str).unwrap_or("");
    let p = Presence::parse(value).ok_or_else(|| {
        AppError::invalid("presence", "error-presence-invalid", "presence is online, away or offline")
    })?;
    let (tid, aid) = (f.user.tenant_id(), f.user.agent.id.to_string());
    app.db.write(move |c| crate::routing::store::set_presence(c, &tid, &aid, p)).await?;
    Ok(see_other("/profile?saved=presence"))
}

//! The intake's router: for each new ticket that names no assignee or team, its language
//! (declared, else detected from subject and first message), then the engine's decision on the
//! tenant's state read in the same transaction, recorded with its reason.

use chrono::{DateTime, Utc};
use diesel::prelude::*;

use super::engine::{self, Decision, Facts, Options, State};
use super::{language, store};
use crate::db::schema::{agents, teams};
use crate::db::DbConnection;
use crate::error::AppResult;
use crate::tenancy::TenantId;
use crate::tickets::create::{Creation, NewTicket};
use crate::tickets::intake::{Router, Routing};
use crate::tickets::Ticket;

/// How much of a first message language detection reads.
const DETECT_CHARS: usize = 2000;

/// Routes by language, skills and shifts (see `engine`).
pub struct ShiftRouter;

/// A ticket's language and where it came from.
#[derive(Debug, Clone, PartialEq, serde::Serialize, utoipa::ToSchema)]
pub struct Language {
    pub code: Option<String>,
    /// 1 when declared; the detector's confidence otherwise.
    pub confidence: Option<f64>,
    /// `explicit` or `detected`; `null` when neither gave one.
    pub source: Option<&'static str>,
}

/// Below this detection confidence the router asks what the desk knows of the requester.
const SURE: f64 = 0.8;

/// The language of a new ticket: the one it names, else the one its text is in.
pub fn language_of(new: &NewTicket) -> Language {
    language_with(new, &language::Priors::default())
}

/// [`language_of`], with what the desk knows deciding where the text is unsure.
pub fn language_with(new: &NewTicket, priors: &language::Priors) -> Language {
    if let Some(code) = &new.language {
        return Language { code: Some(code.clone()), confidence: Some(1.0), source: Some("explicit") };
    }
    // The opening of a long message says as much about its language as the whole, at a bounded cost.
    let opening: String = new.body_text.chars().take(DETECT_CHARS).collect();
    let text = format!("{}\n{opening}", new.subject);
    match language::detect_with(&text, priors) {
        Some((code, c)) => Language { code: Some(code), confidence: Some(c), source: Some("detected") },
        None => Language { code: None, confidence: None, source: None },
    }
}

/// The primary languages the tenant's agents speak, sorted: the tenant prior of detection.
pub fn tenant_languages(state: &State) -> Vec<String> {
    let mut out: Vec<String> = state
        .agents
        .iter()
        .filter(|a| a.active)
        .flat_map(|a| a.languages.iter().map(|(l, _)| engine::primary(l)))
        .collect();
    out.sort();
    out.dedup();
    out
}

/// A new ticket's language with the priors the router has: the tenant's languages, and — only
/// when the text leaves the detector unsure, since it costs two reads — the requester's locale
/// and the language of their latest earlier ticket.
fn language_for(conn: &mut DbConnection, tenant: &TenantId, new: &NewTicket, langs: &[String]) -> AppResult<Language> {
    let priors = language::Priors { tenant: langs, ..Default::default() };
    let first = language_with(new, &priors);
    if first.source == Some("explicit") || first.confidence.is_some_and(|c| c >= SURE) {
        return Ok(first);
    }
    let (locale, earlier) = requester_languages(conn, tenant, new)?;
    if locale.is_none() && earlier.is_none() {
        return Ok(first);
    }
    let priors = language::Priors { tenant: langs, locale: locale.as_deref(), earlier: earlier.as_deref() };
    Ok(language_with(new, &priors))
}

/// The requester contact's locale and their latest ticket's language, when they are known.
fn requester_languages(
    conn: &mut DbConnection,
    tenant: &TenantId,
    new: &NewTicket,
) -> AppResult<(Option<String>, Option<String>)> {
    use crate::db::schema::{contacts, tickets};
    use crate::tickets::create::Requester;
    let q = contacts::table.filter(contacts::tenant_id.eq(tenant.as_str())).select((contacts::id, contacts::locale));
    let found: Option<(String, Option<String>)> = match &new.requester {
        Requester::Contact(id) => q.filter(contacts::id.eq(id.as_str())).first(conn).optional()?,
        // Through `by_email`, which follows a merged contact to the one it lives on in.
        Requester::Email { email, .. } => {
            crate::accounts::contacts::by_email(conn, tenant, email)?.map(|c| (c.id.to_string(), c.locale))
        }
    };
    let Some((id, locale)) = found else { return Ok((None, None)) };
    let earlier: Option<Option<String>> = tickets::table
        .filter(tickets::tenant_id.eq(tenant.as_str()))
        .filter(tickets::requester_id.eq(&id))
        .filter(tickets::language.is_not_null())
        .order(tickets::created_at.desc())
        .select(tickets::language)
        .first(conn)
        .optional()?;
    Ok((locale, earlier.flatten()))
}

/// The engine's facts about a new ticket in language `lang`.
pub fn facts(new: &NewTicket, lang: Option<String>) -> Facts {
    // Tags as they will be stored, so rules match what agents see; invalid ones fail creation later.
    let tags = crate::tickets::normalize_tags(&new.tags).unwrap_or_default();
    let requester_domain = match &new.requester {
        crate::tickets::create::Requester::Email { email, .. } => engine::email_domain(email),
        crate::tickets::create::Requester::Contact(_) => None,
    };
    Facts {
        language: lang,
        priority: Some(new.priority),
        channel: Some(new.channel),
        tags,
        requester_domain,
        vip: false,
    }
}

/// Whether the tenant has set up routing at all (a schedule on a team or an agent): until then
/// tickets are left for people to pick up and their audit trail is not filled with "nobody".
///
/// Asked for every creation batch, so it is one round trip: both checks in one statement.
pub fn configured(conn: &mut DbConnection, tenant: &TenantId) -> AppResult<bool> {
    use diesel::dsl::exists;
    let team = teams::table.filter(teams::tenant_id.eq(tenant.as_str())).filter(teams::schedule.is_not_null());
    let agent = agents::table.filter(agents::tenant_id.eq(tenant.as_str())).filter(agents::schedule.is_not_null());
    Ok(diesel::select(exists(team).or(exists(agent))).get_result(conn)?)
}

/// A decision as the intake applies it.
pub fn to_routing(d: &Decision, language: Option<String>) -> Routing {
    Routing {
        assignee_id: d.agent_id.clone().map(Into::into),
        team_id: d.team_id.clone().map(Into::into),
        language,
        reason: Some((d.reason.key.to_string(), d.reason.args.clone())),
        priority: d.priority,
    }
}

/// The requester's stored email domain and VIP flag, for rules that ask (a contact named by id,
/// or an address that is already a contact).
fn requester_facts(conn: &mut DbConnection, tenant: &TenantId, new: &NewTicket, f: &mut Facts) -> AppResult<()> {
    use crate::db::schema::contacts;
    use crate::tickets::create::Requester;
    let q = contacts::table.filter(contacts::tenant_id.eq(tenant.as_str())).select((contacts::email, contacts::vip));
    let found: Option<(Option<String>, bool)> = match &new.requester {
        Requester::Contact(id) => q.filter(contacts::id.eq(id.as_str())).first(conn).optional()?,
        Requester::Email { email, .. } => {
            crate::accounts::contacts::by_email(conn, tenant, email)?.map(|c| (c.email, c.vip))
        }
    };
    if let Some((email, vip)) = found {
        f.vip = vip;
        if f.requester_domain.is_none() {
            f.requester_domain = email.as_deref().and_then(engine::email_domain);
        }
    }
    Ok(())
}

/// Decide one ticket against `state` at `at`, counting the decision into the state.
fn decide_into(
    conn: &mut DbConnection,
    tenant: &TenantId,
    state: &mut State,
    new: &NewTicket,
    langs: &[String],
    at: DateTime<Utc>,
) -> AppResult<Routing> {
    let lang = language_for(conn, tenant, new, langs)?;
    let mut f = facts(new, lang.code.clone());
    // Only rules on the requester need the contact: no extra statement for tenants without them.
    if state.rules.iter().any(|r| r.vip.is_some() || r.requester_domain.is_some()) {
        requester_facts(conn, tenant, new, &mut f)?;
    }
    let d = engine::decide(&f, state, at, Options::default());
    state.apply(&d, at.naive_utc());
    let detected = (lang.source == Some("detected")).then_some(lang.code).flatten();
    Ok(to_routing(&d, detected))
}

impl Router for ShiftRouter {
    fn route(&self, conn: &mut DbConnection, tenant: &TenantId, creation: &Creation) -> AppResult<Routing> {
        Ok(self.route_batch(conn, tenant, &[creation])?.pop().unwrap_or_default())
    }

    fn route_batch(&self, conn: &mut DbConnection, tenant: &TenantId, batch: &[&Creation]) -> AppResult<Vec<Routing>> {
        // Imports keep the assignment they had elsewhere (none): routing is for what arrives now.
        let detect_only = |conn: &mut DbConnection, c: &Creation, langs: &[String]| -> AppResult<Routing> {
            // An import's requester history is being written by the import itself: not read per ticket.
            let lang = if c.history.is_some() {
                language_with(&c.new, &language::Priors { tenant: langs, ..Default::default() })
            } else {
                language_for(conn, tenant, &c.new, langs)?
            };
            Ok(Routing {
                language: (lang.source == Some("detected")).then_some(lang.code).flatten(),
                ..Routing::default()
            })
        };
        if !configured(conn, tenant)? {
            return batch.iter().map(|c| detect_only(conn, c, &[])).collect();
        }
        let mut state = store::load_state(conn, tenant)?;
        let langs = tenant_languages(&state);
        let at = Utc::now();
        batch
            .iter()
            .map(|c| {
                if c.history.is_some() {
                    detect_only(conn, c, &langs)
                } else {
                    decide_into(conn, tenant, &mut state, &c.new, &langs, at)
                }
            })
            .collect()
    }

    fn opened(&self, conn: &mut DbConnection, tenant: &TenantId, ticket: &Ticket, routing: &Routing) -> AppResult<()> {
        match &routing.assignee_id {
            Some(a) => store::mark_routed(conn, tenant, a.as_str(), ticket.created_at)?,
            // Decided, and nobody could take it: it waits for capacity (see `queue`).
            None if routing.reason.is_some() => super::queue::mark_queued(conn, tenant, &ticket.id, ticket.created_at)?,
            None => {}
        }
        Ok(())
    }
}

//! The inbox: built-in and saved views with counts, filters, sorting, keyset pages, bulk actions.

use std::collections::HashMap;

use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use serde::Deserialize;

use super::forms::FormState;
use super::{html, see_other, Page};
use crate::app::AppState;
use crate::error::{AppError, AppResult};
use crate::tickets::commands::TicketChanges;
use crate::tickets::queries::{self, AssigneeFilter, Conversation, Filter, InboxRow, SavedView, Sort, View};
use crate::tickets::teams::Team;
use crate::tickets::view_counts::CachedCounts;
use crate::tickets::{Actor, Channel, Priority, Status};
use crate::web::auth::{self, ConsoleUser, CsrfForm};

/// Inbox query string: a view or saved view plus optional filters.
#[derive(Deserialize, Default, Clone)]
pub struct InboxQuery {
    view: Option<String>,
    saved: Option<String>,
    status: Option<String>,
    priority: Option<String>,
    team: Option<String>,
    assignee: Option<String>,
    channel: Option<String>,
    language: Option<String>,
    tag: Option<String>,
    q: Option<String>,
    sort: Option<String>,
    cursor: Option<String>,
    /// The cursors of the pages before this one, oldest first, `.`-separated (`-` is the first
    /// page): keyset pages have no way back, so the way back travels in the link.
    prev: Option<String>,
    partial: Option<String>,
    /// A bulk action just applied, which the notice offers to undo.
    bulk: Option<String>,
    /// How many tickets an undo restored, and how many it left because they changed since.
    undone: Option<usize>,
    skipped: Option<usize>,
}

/// At most this many pages back are remembered; beyond, "previous" goes as far as it can.
const PREV_DEPTH: usize = 20;

fn nonempty(s: &Option<String>) -> Option<&str> {
    s.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

impl InboxQuery {
    fn filter(&self, me: &str) -> AppResult<Filter> {
        let has_custom = [
            &self.status,
            &self.priority,
            &self.team,
            &self.assignee,
            &self.channel,
            &self.language,
            &self.tag,
            &self.q,
        ]
        .iter()
        .any(|f| nonempty(f).is_some());
        let view = match nonempty(&self.view) {
            Some(v) => Some(View::parse(v).ok_or(AppError::NotFound)?),
            None if has_custom => None,
            None => Some(View::MyOpen),
        };
        Ok(Filter {
            view,
            status: nonempty(&self.status).map(Status::parse).transpose()?.into_iter().collect(),
            priority: nonempty(&self.priority).map(Priority::parse).transpose()?,
            assignee: nonempty(&self.assignee).map(|a| match a {
                "none" => AssigneeFilter::Nobody,
                "me" => AssigneeFilter::Agent(me.to_string()),
                id => AssigneeFilter::Agent(id.to_string()),
            }),
            team_id: nonempty(&self.team).map(str::to_string),
            channel: nonempty(&self.channel).map(Channel::parse).transpose()?,
            language: nonempty(&self.language).map(str::to_string),
            tag: nonempty(&self.tag).map(str::to_string),
            q: nonempty(&self.q).map(str::to_string),
            bodies: false,
        })
    }

    /// The query string without the cursor, for links that keep the current filter.
    fn base_query(&self) -> String {
        let pairs = [
            ("view", &self.view),
            ("saved", &self.saved),
            ("status", &self.status),
            ("priority", &self.priority),
            ("team", &self.team),
            ("assignee", &self.assignee),
            ("channel", &self.channel),
            ("language", &self.language),
            ("tag", &self.tag),
            ("q", &self.q),
            ("sort", &self.sort),
        ];
        let mut ser = url::form_urlencoded::Serializer::new(String::new());
        for (k, v) in pairs {
            if let Some(v) = nonempty(v) {
                ser.append_pair(k, v);
            }
        }
        ser.finish()
    }
}

/// The message of an empty inbox page: what is empty, and a link to where work waits.
pub struct EmptyState {
    pub title: String,
    pub body: String,
    pub link: Option<(String, String)>,
}

/// Say what is empty: "My open" with unassigned work waiting points there; another built-in view
/// points to all open tickets; a filter says nothing matches; only a desk without tickets says so.
fn empty_state(tr: &crate::i18n::Tr, view: Option<View>, counts: &[i64]) -> EmptyState {
    let count = |v: View| View::ALL.iter().position(|x| *x == v).and_then(|i| counts.get(i)).copied().unwrap_or(0);
    let any = View::ALL.iter().any(|v| count(*v) > 0);
    let (title, body) = match view {
        _ if !any => ("inbox-empty-title", "inbox-empty-body"),
        Some(View::MyOpen) => ("inbox-empty-mine-title", "inbox-empty-mine-body"),
        Some(_) => ("inbox-empty-view-title", "inbox-empty-view-body"),
        None => ("inbox-empty-filter-title", "inbox-empty-filter-body"),
    };
    let link = match view {
        Some(View::MyOpen) if count(View::Unassigned) > 0 => Some((
            "/inbox?view=unassigned".to_string(),
            tr.t1("inbox-empty-go-unassigned", "count", count_label(count(View::Unassigned), queries::COUNT_CAP)),
        )),
        Some(v) if v != View::AllOpen && count(View::AllOpen) > 0 => Some((
            "/inbox?view=all_open".to_string(),
            tr.t1("inbox-empty-go-all-open", "count", count_label(count(View::AllOpen), queries::COUNT_CAP)),
        )),
        _ => None,
    };
    EmptyState { title: tr.t(title), body: tr.t(body), link }
}

/// A view in the sidebar with its count.
pub struct ViewLink {
    pub key: String,
    pub label: String,
    pub count: String,
    pub href: String,
    pub current: bool,
}

#[derive(Template)]
#[template(path = "console/inbox.html")]
struct InboxPage {
    page: Page,
    views: Vec<ViewLink>,
    rows: Vec<InboxRow>,
    next_href: Option<String>,
    prev_href: Option<String>,
    q: InboxQuery,
    sort: &'static str,
    teams: Vec<Team>,
    statuses: Vec<&'static str>,
    priorities: Vec<&'static str>,
    channels: Vec<&'static str>,
    zone: String,
    custom: bool,
    /// The saved view on screen, which the agent can rename or delete: (id, name).
    current_saved: Option<(String, String)>,
    /// Whether that view cannot be shown (its rows are not listed; the page says why).
    broken: bool,
    /// What to say when the page has no rows: title, text, and where the work is instead.
    empty: Option<EmptyState>,
    /// Ticket ids ticked when a bulk apply was refused.
    selected: Vec<String>,
    /// The bulk bar's choices and error after a refused apply.
    bulk: FormState,
    /// Each row's last-message preview and waiting time, by ticket id.
    conv: HashMap<String, Conversation>,
    /// The workspace's active agents (id, name), for the assignee filter and bulk assignment.
    agents: Vec<(String, String)>,
    bulk_notice: Option<BulkNotice>,
}

/// After a bulk action: how many tickets it changed and the id to undo it by.
pub struct BulkNotice {
    pub id: String,
    pub count: usize,
}

#[derive(Template)]
#[template(path = "console/_inbox_views.html")]
struct InboxViews {
    views: Vec<ViewLink>,
}

#[derive(Template)]
#[template(path = "console/_inbox_rows.html")]
struct InboxRows {
    page: Page,
    rows: Vec<InboxRow>,
    zone: String,
    selected: Vec<String>,
    conv: HashMap<String, Conversation>,
}

impl InboxRows {
    fn ticked(&self, id: impl AsRef<str>) -> bool {
        self.selected.iter().any(|s| s == id.as_ref())
    }

    fn conversation(&self, id: impl AsRef<str>) -> Option<&Conversation> {
        self.conv.get(id.as_ref())
    }
}

impl InboxPage {
    fn ticked(&self, id: impl AsRef<str>) -> bool {
        self.selected.iter().any(|s| s == id.as_ref())
    }

    fn conversation(&self, id: impl AsRef<str>) -> Option<&Conversation> {
        self.conv.get(id.as_ref())
    }

    /// Whether a bulk option is chosen: only after a refused apply.
    fn bulk_chose(&self, name: &str, value: impl AsRef<str>) -> bool {
        self.bulk.chose(name, value).unwrap_or(false)
    }

    fn n(&self, v: &usize) -> i64 {
        i64::try_from(*v).unwrap_or(i64::MAX)
    }

    fn selected(&self, a: &Option<String>, b: impl AsRef<str>) -> bool {
        a.as_deref() == Some(b.as_ref())
    }

    /// The current filter's query string with another sort order.
    fn with_sort(&self, sort: impl AsRef<str>) -> String {
        let mut q = self.q.clone();
        q.sort = Some(sort.as_ref().to_string());
        q.base_query()
    }
}

/// A count as the sidebar shows it: "1000+" (or "100+" for a text filter) once it reaches the
/// cap it was counted to.
fn count_label(n: i64, cap: i64) -> String {
    if n >= cap {
        format!("{cap}+")
    } else {
        n.to_string()
    }
}

/// GET /inbox
pub async fn show(req: HttpRequest, user: ConsoleUser, q: web::Query<InboxQuery>) -> AppResult<HttpResponse> {
    let app = auth::state(&req)?;
    render(&app, &user, q.into_inner(), Bulk::default()).await
}

/// The bulk bar as submitted, after a refused apply: the rows stay ticked, the choices stay made.
#[derive(Default)]
struct Bulk {
    form: FormState,
    selected: Vec<String>,
}

async fn render(app: &AppState, user: &ConsoleUser, mut q: InboxQuery, bulk: Bulk) -> AppResult<HttpResponse> {
    let me = user.agent.id.clone();
    let tid = user.tenant_id();
    let saved_id = nonempty(&q.saved).map(str::to_string);
    // A saved view that cannot be shown (its filter no longer parses, or the database refuses
    // it) is an error on that view alone: the page still renders, with its controls to rename
    // or delete it, and never falls back to every ticket.
    let mut view_broken = false;
    let filter = match &saved_id {
        Some(id) => {
            let (tid, me, id) = (tid.clone(), me.clone(), id.clone());
            match app.db.read(move |c| queries::saved_view(c, &tid, &me, &id)).await?.filter() {
                Ok(f) => f,
                Err(_) => {
                    view_broken = true;
                    Filter::default()
                }
            }
        }
        None => q.filter(&me)?,
    };
    let sort = nonempty(&q.sort).map(Sort::parse).transpose()?.unwrap_or(Sort::Updated);
    let cursor = q.cursor.clone();
    // `partial=views` is the sidebar alone (live counts); any other value is the rows alone.
    let views_only = q.partial.as_deref() == Some("views");
    let partial = q.partial.is_some() && !views_only;
    let (f2, me2, tid2) = (filter.clone(), me.clone(), tid.clone());
    // Read the generation before counting, so a change during the count invalidates the entry.
    let generation = app.live.generation(tid.as_str());
    let cached = if partial { None } else { app.view_counts.get(tid.as_str(), &me, generation) };
    let need_counts = !partial && cached.is_none();
    let is_saved = saved_id.is_some();
    let bulk_id = nonempty(&q.bulk).map(str::to_string);
    let me3 = me.to_string();
    let (rows, next, fresh, teams, broken, conv, agents, bulk_count) = app
        .db
        .read(move |c| {
            let listed = if view_broken {
                Ok((vec![], None))
            } else {
                queries::list(c, &tid2, &me2, &f2, sort, cursor.as_deref(), 50)
            };
            let (rows, next, broken) = match listed {
                Ok((rows, next)) => (rows, next, view_broken),
                Err(e) if is_saved => {
                    tracing::warn!(error = %e, "a saved view cannot be listed");
                    (vec![], None, true)
                }
                Err(e) => return Err(e),
            };
            let ids: Vec<String> = rows.iter().map(|r| r.ticket.id.to_string()).collect();
            let conv = queries::conversations(c, &tid2, &ids)?;
            if partial {
                return Ok((rows, next, None, vec![], broken, conv, vec![], None));
            }
            let fresh = if need_counts {
                let mut views = Vec::new();
                for v in View::ALL {
                    views.push(queries::count(c, &tid2, &me2, &Filter { view: Some(v), ..Filter::default() })?);
                }
                // A broken view is marked in the sidebar rather than breaking every page.
                let saved: Vec<(SavedView, Option<i64>)> = queries::saved_views(c, &tid2, &me2)?
                    .into_iter()
                    .map(|s| {
                        // A view that cannot be counted (a filter that no longer parses or that
                        // the database refuses) shows "?"; the others and the page still work.
                        let n = s.filter().and_then(|f| queries::count(c, &tid2, &me2, &f)).map_err(|e| {
                            tracing::warn!(view = %s.id, error = %e, "a saved view cannot be counted");
                        });
                        let n = n.ok();
                        Ok((s, n))
                    })
                    .collect::<AppResult<_>>()?;
                Some(CachedCounts { generation, at: std::time::Instant::now(), views, saved })
            } else {
                None
            };
            let teams = crate::tickets::teams::list(c, &tid2)?;
            let agents = crate::accounts::agents::list(c, &tid2)?
                .into_iter()
                .filter(|a| a.active)
                .map(|a| (a.id.to_string(), a.name))
                .collect();
            let bulk_count = match &bulk_id {
                Some(id) => crate::tickets::bulk_undo::pending(c, &tid2, &me3, id)?,
                None => None,
            };
            Ok((rows, next, fresh, teams, broken, conv, agents, bulk_count))
        })
        .await?;
    if let Some(f) = &fresh {
        app.view_counts.put(tid.as_str(), &me, f.clone());
    }
    let (counts, saved) = match fresh.or(cached) {
        Some(c) => (c.views, c.saved),
        None => (vec![], vec![]),
    };
    let zone = user.zone().to_string();
    if partial {
        return html(&InboxRows { page: Page::for_user(user, "inbox"), rows, zone, selected: vec![], conv });
    }
    let custom = filter.view.is_none() && saved_id.is_none();
    let current_view = if saved_id.is_none() { filter.view } else { None };
    let shown_view = if custom || saved_id.is_some() { None } else { current_view.or(Some(View::MyOpen)) };
    let empty = (rows.is_empty() && !broken).then(|| empty_state(&user.tr, shown_view, &counts));
    let mut views: Vec<ViewLink> = View::ALL
        .iter()
        .zip(counts)
        .map(|(v, n)| ViewLink {
            key: v.as_str().into(),
            label: user.tr.tp("view-", v.as_str()),
            count: count_label(n, queries::COUNT_CAP),
            href: format!("/inbox?view={}", v.as_str()),
            current: current_view == Some(*v),
        })
        .collect();
    let current_saved = saved
        .iter()
        .find(|(s, _)| saved_id.as_deref() == Some(s.id.as_str()))
        .map(|(s, _)| (s.id.clone(), s.name.clone()));
    views.extend(
        saved
            .into_iter()
            .map(|(s, n)| (s.filter().map(|f| queries::count_cap(&f)).unwrap_or(queries::COUNT_CAP), s, n))
            .map(|(cap, s, n)| ViewLink {
                current: saved_id.as_deref() == Some(s.id.as_str()),
                href: format!("/inbox?saved={}", s.id),
                key: s.id,
                label: s.name,
                count: n.map(|n| count_label(n, cap)).unwrap_or_else(|| user.tr.t("inbox-count-unavailable")),
            }),
    );
    if views_only {
        return html(&InboxViews { views });
    }
    let bulk_notice = bulk_count.zip(q.bulk.clone()).map(|(count, id)| BulkNotice { id, count });
    if q.view.is_none() && !custom && saved_id.is_none() {
        q.view = Some(View::MyOpen.as_str().into());
    }
    let back: Vec<&str> =
        q.prev.as_deref().unwrap_or("").split('.').filter(|c| !c.is_empty()).filter(|c| c.len() < 512).collect();
    let here = nonempty(&q.cursor).unwrap_or("-");
    let next_href = next.map(|c| {
        let mut trail: Vec<&str> = back.iter().copied().chain([here]).collect();
        let skip = trail.len().saturating_sub(PREV_DEPTH);
        trail.drain(..skip);
        format!("/inbox?{}&cursor={c}&prev={}", q.base_query(), trail.join("."))
    });
    let prev_href = back.split_last().map(|(last, rest)| {
        let mut href = format!("/inbox?{}", q.base_query());
        if *last != "-" {
            href.push_str(&format!("&cursor={last}"));
        }
        if !rest.is_empty() {
            href.push_str(&format!("&prev={}", rest.join(".")));
        }
        href
    });
    let bulk_refused = bulk.form.other_error([]).is_some();
    html(&InboxPage {
        page: Page::for_user(user, "inbox").with_mail_banner(app),
        views,
        rows,
        next_href,
        prev_href,
        sort: sort.as_str(),
        q,
        teams,
        statuses: Status::ALL.iter().map(|s| s.as_str()).collect(),
        priorities: Priority::ALL.iter().map(|s| s.as_str()).collect(),
        channels: Channel::ALL.iter().map(|s| s.as_str()).collect(),
        zone,
        custom,
        current_saved,
        broken,
        empty,
        selected: bulk.selected,
        bulk: bulk.form,
        conv,
        agents,
        bulk_notice,
    })
    .map(|mut r| {
        if bulk_refused {
            *r.status_mut() = actix_web::http::StatusCode::UNPROCESSABLE_ENTITY;
        }
        if broken {
            *r.status_mut() = actix_web::http::StatusCode::UNPROCESSABLE_ENTITY;
        }
        r
    })
}

/// POST /inbox/views: save the submitted filter under a name.
pub async fn save_view(req: HttpRequest, f: CsrfForm<HashMap<String, String>>) -> AppResult<HttpResponse> {
    let app = auth::state(&req)?;
    let get = |k: &str| f.form.get(k).cloned().filter(|v| !v.trim().is_empty());
    let q = InboxQuery {
        status: get("status"),
        priority: get("priority"),
        team: get("team"),
        assignee: get("assignee"),
        channel: get("channel"),
        language: get("language"),
        tag: get("tag"),
        q: get("q"),
        ..InboxQuery::default()
    };
    let me = f.user.agent.id.clone();
    let filter = q.filter(&me)?;
    let name = f.form.get("name").cloned().unwrap_or_default();
    let tid = f.user.tenant_id();
    let saved = app.db.write(move |c| queries::save_view(c, &tid, &me, &name, &filter)).await?;
    // A new view needs its count on the page we send the agent to.
    app.live.bump(f.user.tenant.id.as_str());
    Ok(see_other(&format!("/inbox?saved={}", saved.id)))
}

/// POST /inbox/views/{id}/rename: the agent renames one of their saved views.
pub async fn rename_view(
    req: HttpRequest,
    path: web::Path<String>,
    f: CsrfForm<HashMap<String, String>>,
) -> AppResult<HttpResponse> {
    let app = auth::state(&req)?;
    let (tid, me, id) = (f.user.tenant_id(), f.user.agent.id.to_string(), path.into_inner());
    let name = f.form.get("name").cloned().unwrap_or_default();
    let v = app.db.write(move |c| queries::rename_view(c, &tid, &me, &id, &name)).await?;
    app.live.bump(f.user.tenant.id.as_str());
    Ok(see_other(&format!("/inbox?saved={}", v.id)))
}

/// POST /inbox/views/{id}/delete: the agent deletes one of their saved views.
pub async fn delete_view(
    req: HttpRequest,
    path: web::Path<String>,
    f: CsrfForm<HashMap<String, String>>,
) -> AppResult<HttpResponse> {
    let app = auth::state(&req)?;
    let (tid, me, id) = (f.user.tenant_id(), f.user.agent.id.to_string(), path.into_inner());
    app.db.write(move |c| queries::delete_view(c, &tid, &me, &id)).await?;
    app.live.bump(f.user.tenant.id.as_str());
    Ok(see_other("/inbox"))
}

/// POST /inbox/bulk: checkboxes `t_<id>` select tickets; the other fields are the changes.
pub async fn bulk(req: HttpRequest, f: CsrfForm<HashMap<String, String>>) -> AppResult<HttpResponse> {
    let app = auth::state(&req)?;
    let ids: Vec<String> = f.form.keys().filter_map(|k| k.strip_prefix("t_")).map(str::to_string).collect();
    let get = |k: &str| f.form.get(k).map(|v| v.trim().to_string()).filter(|v| !v.is_empty());
    let me = f.user.agent.id.clone();
    let parsed = || -> AppResult<(Option<Status>, Option<Priority>)> {
        Ok((
            get("status").map(|s| Status::parse(&s)).transpose()?,
            get("priority").map(|s| Priority::parse(&s)).transpose()?,
        ))
    };
    let back = f.form.get("back").filter(|b| b.starts_with("/inbox")).cloned().unwrap_or_else(|| "/inbox".into());
    let (status, priority) = match parsed() {
        Ok(p) => p,
        Err(e) => return refused_bulk(&app, &f.user, &f.form, &back, ids, e).await,
    };
    let changes = TicketChanges {
        status,
        priority,
        assignee_id: get("assignee").map(|a| match a.as_str() {
            "none" => None,
            "me" => Some(me.clone()),
            other => Some(other.into()),
        }),
        team_id: get("team").map(|t| if t == "none" { None } else { Some(t.into()) }),
        add_tags: get("add_tag").into_iter().collect(),
        ..TicketChanges::default()
    };
    if changes.is_empty() {
        let e = AppError::invalid("changes", "error-bulk-nothing", "choose a change to apply");
        return refused_bulk(&app, &f.user, &f.form, &back, ids, e).await;
    }
    let tid = f.user.tenant_id();
    let actor = Actor::Agent(me.clone());
    let chosen = ids.clone();
    let applied = app
        .db
        .write(move |c| {
            let chosen: Vec<_> = chosen.iter().map(|i| i.as_str().into()).collect();
            crate::tickets::bulk_undo::apply(c, &tid, &actor, me.as_str(), &chosen, &changes)
        })
        .await;
    let undo_id = match applied {
        Ok((_, undo_id)) => undo_id,
        Err(e @ AppError::Invalid { .. }) => return refused_bulk(&app, &f.user, &f.form, &back, ids, e).await,
        Err(e) => return Err(e),
    };
    app.tickets_changed(&f.user.tenant_id());
    Ok(see_other(&with_param(&back, "bulk", &undo_id)))
}

/// Where a bulk form returns to: its `back` field when that is an inbox address.
fn back_to(form: &HashMap<String, String>) -> String {
    form.get("back").filter(|b| b.starts_with("/inbox")).cloned().unwrap_or_else(|| "/inbox".into())
}

fn with_param(url: &str, key: &str, value: &str) -> String {
    let sep = if url.contains('?') { '&' } else { '?' };
    let value: String = url::form_urlencoded::byte_serialize(value.as_bytes()).collect();
    format!("{url}{sep}{key}={value}")
}

/// POST /inbox/bulk/{id}/undo: put back what this agent's bulk action changed.
pub async fn undo_bulk(
    req: HttpRequest,
    path: web::Path<String>,
    f: CsrfForm<HashMap<String, String>>,
) -> AppResult<HttpResponse> {
    let app = auth::state(&req)?;
    let (tid, me, id) = (f.user.tenant_id(), f.user.agent.id.clone(), path.into_inner());
    let actor = Actor::Agent(me.clone());
    let done = app.db.write(move |c| crate::tickets::bulk_undo::undo(c, &tid, &actor, me.as_str(), &id)).await?;
    app.tickets_changed(&f.user.tenant_id());
    let back = with_param(&back_to(&f.form), "undone", &done.restored.to_string());
    Ok(see_other(&with_param(&back, "skipped", &done.skipped.to_string())))
}

/// The inbox the bulk bar was on, shown again with the rows still ticked and the reason by the bar.
async fn refused_bulk(
    app: &AppState,
    user: &ConsoleUser,
    form: &HashMap<String, String>,
    back: &str,
    selected: Vec<String>,
    e: AppError,
) -> AppResult<HttpResponse> {
    let query = back.split_once('?').map(|(_, q)| q).unwrap_or("");
    let q: InboxQuery = serde_urlencoded::from_str(query).unwrap_or_default();
    let values = ["status", "priority", "assignee", "team", "add_tag"]
        .into_iter()
        .filter_map(|k| form.get(k).map(|v| (k.to_string(), v.clone())))
        .collect();
    let bulk = Bulk { form: FormState::refused(values, &e, &user.tr), selected };
    render(app, user, q, bulk).await
}

//! /api/v1/organizations: contacts grouped by their email's domain (free mail left out).

use actix_web::{web, HttpRequest, HttpResponse};
use serde::Deserialize;
use serde_json::json;

use super::directory::{page_limit, Page};
use crate::accounts::organizations;
use crate::error::AppResult;
use crate::web::auth::{self, ApiClient};

#[utoipa::path(get, path = "/api/v1/organizations", tag = "contacts", summary = "List organisations",
    description = "Email domains shared by this tenant's contacts, in domain order, with how many contacts and open tickets each has. Free-mail domains (gmail.com, outlook.com, qq.com, …) are not organisations. The cursor is the last domain listed.",
    params(Page),
    responses((status = 200, description = "`{\"data\": [organization], \"next_cursor\"}`", body = Object)), security(("bearer" = [])))]
pub(crate) async fn list(req: HttpRequest, client: ApiClient, q: web::Query<Page>) -> AppResult<HttpResponse> {
    let app = auth::state(&req)?;
    let limit = page_limit(q.limit)?;
    let (tid, after) = (client.tenant_id(), q.cursor.clone());
    let mut rows = app.db.read(move |c| organizations::list(c, &tid, after.as_deref(), limit + 1)).await?;
    let next = if rows.len() as i64 > limit {
        rows.truncate(limit as usize);
        rows.last().map(|o| o.domain.clone())
    } else {
        None
    };
    Ok(HttpResponse::Ok().json(json!({"data": rows, "next_cursor": next})))
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct OrgPage {
    /// Contacts and tickets per page: 1 to 200 (50 unless given).
    limit: Option<i64>,
    /// `contacts_next_cursor` of the previous answer.
    contacts_cursor: Option<String>,
    /// `tickets_next_cursor` of the previous answer.
    tickets_cursor: Option<String>,
}

#[utoipa::path(get, path = "/api/v1/organizations/{domain}", tag = "contacts", summary = "Get an organisation with its contacts and tickets",
    description = "The organisation's counts, a page of its contacts (id order) and a page of their tickets (newest first).",
    params(("domain" = String, Path, description = "The email domain, as listed"), OrgPage),
    responses((status = 200, description = "The organization with `contacts`, `contacts_next_cursor`, `tickets` and `tickets_next_cursor`", body = crate::accounts::organizations::Organization)),
    security(("bearer" = [])))]
pub(crate) async fn get(
    req: HttpRequest,
    client: ApiClient,
    path: web::Path<String>,
    q: web::Query<OrgPage>,
) -> AppResult<HttpResponse> {
    let app = auth::state(&req)?;
    let limit = page_limit(q.limit)?;
    let (tid, domain) = (client.tenant_id(), path.into_inner());
    let (cc, tc) = (q.contacts_cursor.clone(), q.tickets_cursor.clone());
    let (org, mut people, tickets) = app
        .db
        .read(move |c| {
            let org = organizations::get(c, &tid, &domain)?;
            let people = organizations::contacts_of(c, &tid, &org.domain, cc.as_deref(), limit + 1)?;
            let tickets = crate::tickets::requesters::of_domain(c, &tid, &org.domain, tc.as_deref(), limit)?;
            Ok((org, people, tickets))
        })
        .await?;
    let contacts_next = if people.len() as i64 > limit {
        people.truncate(limit as usize);
        people.last().map(|c| c.id.clone())
    } else {
        None
    };
    let mut v = serde_json::to_value(&org)?;
    v["contacts"] = json!(people);
    v["contacts_next_cursor"] = json!(contacts_next);
    v["tickets"] = json!(tickets.tickets.iter().map(super::tickets::ticket_json).collect::<Vec<_>>());
    v["tickets_next_cursor"] = json!(tickets.next);
    Ok(HttpResponse::Ok().json(v))
}

/// Organisation routes under /api/v1.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/organizations", web::get().to(list)).route("/organizations/{domain}", web::get().to(get));
}

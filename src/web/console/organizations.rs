//! Organisations in the console: the list (domain, contacts, open tickets) and an organisation's
//! page with its contacts and their tickets.

use std::collections::HashMap;

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;

use super::contacts::{enc, ticket_pager};
use super::{html_status, Page};
use crate::accounts::contacts::Contact;
use crate::accounts::organizations::{self, Organization};
use crate::error::AppResult;
use crate::tickets::requesters;
use crate::tickets::Ticket;
use crate::web::auth::{self, ConsoleUser};

/// Rows per page.
const PER_PAGE: i64 = 25;

/// Organisation routes.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/organizations", web::get().to(list)).route("/organizations/{domain}", web::get().to(show));
}

#[derive(Template)]
#[template(path = "console/organizations.html")]
struct ListPage {
    page: Page,
    orgs: Vec<Organization>,
    first_href: Option<String>,
    next_href: Option<String>,
}

/// GET /organizations?after=: organisations in domain order.
async fn list(
    req: HttpRequest,
    user: ConsoleUser,
    query: web::Query<HashMap<String, String>>,
) -> AppResult<HttpResponse> {
    let app = auth::state(&req)?;
    let (tid, after) = (user.tenant_id(), query.get("after").cloned());
    let a = after.clone();
    let mut orgs = app.db.read(move |c| organizations::list(c, &tid, a.as_deref(), PER_PAGE + 1)).await?;
    let next_href = if orgs.len() as i64 > PER_PAGE {
        orgs.truncate(PER_PAGE as usize);
        orgs.last().map(|o| format!("/organizations?after={}", enc(&o.domain)))
    } else {
        None
    };
    let first_href = after.map(|_| "/organizations".to_string());
    html_status(&ListPage { page: Page::for_user(&user, "contacts"), orgs, first_href, next_href }, StatusCode::OK)
}

#[derive(Template)]
#[template(path = "console/organization.html")]
struct OrgPage {
    page: Page,
    org: Organization,
    contacts: Vec<Contact>,
    contacts_more: bool,
    tickets: Vec<Ticket>,
    first_href: Option<String>,
    next_href: Option<String>,
    zone: String,
}

/// GET /organizations/{domain}: its contacts (the first page) and their tickets (`?cursor=`).
async fn show(
    req: HttpRequest,
    user: ConsoleUser,
    path: web::Path<String>,
    query: web::Query<HashMap<String, String>>,
) -> AppResult<HttpResponse> {
    let app = auth::state(&req)?;
    let (tid, domain) = (user.tenant_id(), path.into_inner());
    let cursor = query.get("cursor").cloned();
    let c2 = cursor.clone();
    let (org, mut people, tickets) = app
        .db
        .read(move |c| {
            let org = organizations::get(c, &tid, &domain)?;
            let people = organizations::contacts_of(c, &tid, &org.domain, None, 101)?;
            let tickets = requesters::of_domain(c, &tid, &org.domain, c2.as_deref(), PER_PAGE)?;
            Ok((org, people, tickets))
        })
        .await?;
    let contacts_more = people.len() > 100;
    people.truncate(100);
    let (first_href, next_href) =
        ticket_pager(&format!("/organizations/{}?", enc(&org.domain)), cursor.as_deref(), &tickets);
    html_status(
        &OrgPage {
            page: Page::for_user(&user, "contacts"),
            org,
            contacts: people,
            contacts_more,
            tickets: tickets.tickets,
            first_href,
            next_href,
            zone: user.zone().to_string(),
        },
        StatusCode::OK,
    )
}

//! The help center's customer portal over HTTP: sign-in by a link read from the mail the server
//! really sent (to an SMTP sink on loopback), the customer's tickets, one ticket's public
//! conversation, a reply with a file, the rating of a solved ticket; and what is refused: used,
//! expired and other tenants' links, other contacts' and other tenants' tickets, forms without
//! their CSRF token, oversized files, empty replies.

use reqwest::Method;
use serde_json::{json, Value};

use super::{call, tenant_with_token};
use crate::email::sink::Sink;
use crate::harness::{field_value, Backend, TestApp};
use meridian::tenancy::Tenant;
use meridian::tickets::commands::{NewTicket, Requester};
use meridian::tickets::{Channel, Priority};

/// Largest attachment of the portal tests' server, so an oversized file stays small.
const MAX_FILE: usize = 100_000;

/// A server relaying its mail to a fresh sink.
pub async fn start(backend: Backend) -> Option<(TestApp, Sink)> {
    let sink = Sink::start(&[]).await;
    let url = sink.url();
    let app = TestApp::start_with(
        backend,
        |env| {
            env.insert("MERIDIAN_SMTP_URL".into(), url);
            env.insert("MERIDIAN_MAX_ATTACHMENT_BYTES".into(), MAX_FILE.to_string());
        },
        meridian::jobs::Registry::new(),
    )
    .await?;
    Some((app, sink))
}

/// A ticket of `email` in `tenant`, opened by mail.
pub fn ticket_of(app: &TestApp, tenant: &Tenant, email: &str, subject: &str) -> meridian::tickets::Ticket {
    app.open_ticket(
        tenant,
        NewTicket {
            subject: subject.into(),
            body_text: format!("{subject}: the first message"),
            body_html: None,
            requester: Requester::Email { email: email.into(), name: Some("Ana Lima".into()) },
            priority: Priority::Normal,
            tags: vec![],
            language: None,
            channel: Channel::Email,
            assignee_id: None,
            team_id: None,
        },
    )
}

async fn text(res: reqwest::Response) -> (u16, String) {
    let s = res.status().as_u16();
    (s, res.text().await.unwrap())
}

/// Ask for a sign-in link on `slug`'s portal as `email`: the answer's status and page.
pub async fn ask_link(app: &TestApp, c: &reqwest::Client, slug: &str, email: &str) -> (u16, String) {
    let (s, html) = text(c.get(app.url(&format!("/h/{slug}/en/portal/sign-in"))).send().await.unwrap()).await;
    assert_eq!(s, 200, "{html}");
    let csrf = field_value(&html, "_csrf").expect("the sign-in form's token");
    let form = [("email", email), ("_csrf", csrf.as_str())];
    text(c.post(app.url(&format!("/h/{slug}/en/portal/sign-in"))).form(&form).send().await.unwrap()).await
}

/// The sign-in mails the sink accepted for `to` (other mail, such as acknowledgements, aside).
pub fn sign_in_mails(sink: &Sink, to: &str) -> Vec<crate::email::sink::Received> {
    sink.accepted().into_iter().filter(|m| m.rcpts == [to] && m.subject().contains("sign-in link")).collect()
}

/// The sign-in link in the `n`th sign-in mail (1-based) to `to`.
pub async fn link_in_mail(sink: &Sink, n: usize, to: &str) -> String {
    let mut mails = sign_in_mails(sink, to);
    for _ in 0..300 {
        if mails.len() >= n {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        mails = sign_in_mails(sink, to);
    }
    let body = mails.get(n - 1).unwrap_or_else(|| panic!("no sign-in mail #{n} to {to}")).text();
    let start = body.find("http").expect("a link in the mail");
    let link = body[start..].split_whitespace().next().unwrap().to_string();
    assert!(link.contains("/portal/verify?token="), "{link}");
    link
}

/// Open a link's page and press its button: the status of the POST and where it leads.
pub async fn follow(app: &TestApp, c: &reqwest::Client, link: &str) -> (u16, String) {
    let path = &link[link.find("/h/").expect("a help-center link")..];
    let (s, html) = text(c.get(app.url(path)).send().await.unwrap()).await;
    if s != 200 {
        return (s, html);
    }
    let (csrf, token) = (field_value(&html, "_csrf").unwrap(), field_value(&html, "token").unwrap());
    let action = path.split('?').next().unwrap();
    let r = c.post(app.url(action)).form(&[("_csrf", csrf), ("token", token)]).send().await.unwrap();
    let loc = r.headers().get("location").map(|v| v.to_str().unwrap().to_string()).unwrap_or_default();
    (r.status().as_u16(), loc)
}

/// Signed in on `slug`'s portal as `email`, the `n`th mail the sink gets.
pub async fn signed_in(app: &TestApp, sink: &Sink, slug: &str, email: &str, n: usize) -> reqwest::Client {
    let c = app.client();
    let (s, html) = ask_link(app, &c, slug, email).await;
    assert_eq!(s, 200, "{html}");
    let link = link_in_mail(sink, n, email).await;
    assert_eq!(follow(app, &c, &link).await, (303, format!("/h/{slug}/en/portal")));
    c
}

/// The CSRF token of a portal page's forms.
async fn page_csrf(app: &TestApp, c: &reqwest::Client, path: &str) -> (String, String) {
    let (s, html) = text(c.get(app.url(path)).send().await.unwrap()).await;
    assert_eq!(s, 200, "{path}: {html}");
    (field_value(&html, "_csrf").expect("a form token"), html)
}

async fn full_flow(app: TestApp, sink: Sink) {
    let (acme, tok) = tenant_with_token(&app, "acme", "en");
    let older = ticket_of(&app, &acme, "ana@example.com", "Printer on fire");
    let t = ticket_of(&app, &acme, "ana@example.com", "Invoice is wrong");
    let (_, agent) = call(&app, &tok, Method::GET, "/api/v1/agents", None).await;
    let agent_id = agent["data"][0]["id"].as_str().unwrap().to_string();
    let (s, _) = call(
        &app,
        &tok,
        Method::POST,
        &format!("/api/v1/tickets/{}/messages", t.id),
        Some(json!({"body": "We fixed the invoice.", "author_agent_id": agent_id})),
    )
    .await;
    assert_eq!(s, 201);
    let (s, _) = call(
        &app,
        &tok,
        Method::POST,
        &format!("/api/v1/tickets/{}/messages", t.id),
        Some(json!({"kind": "note", "body": "SECRET internal note", "author_agent_id": agent_id})),
    )
    .await;
    assert_eq!(s, 201);
    let (s, _) =
        call(&app, &tok, Method::PATCH, &format!("/api/v1/tickets/{}", t.id), Some(json!({"status": "solved"}))).await;
    assert_eq!(s, 200);

    // The header of every help-center page links to the portal.
    let (_, home) = text(app.client().get(app.url("/h/acme/en")).send().await.unwrap()).await;
    assert!(home.contains("href=\"/h/acme/en/portal\""), "{home}");
    // Not signed in: the portal sends to its sign-in page.
    let r = app.client().get(app.url("/h/acme/en/portal")).send().await.unwrap();
    assert_eq!((r.status().as_u16(), r.headers()["location"].to_str().unwrap()), (303, "/h/acme/en/portal/sign-in"));

    let c = signed_in(&app, &sink, "acme", "ana@example.com", 1).await;
    let mail = &sign_in_mails(&sink, "ana@example.com")[0];
    assert!(mail.subject().contains("acme Support"), "{}", mail.subject());

    // The list: both tickets, newest first, with their status.
    let (s, list) = text(c.get(app.url("/h/acme/en/portal")).send().await.unwrap()).await;
    assert_eq!(s, 200, "{list}");
    let (a, b) = (list.find("Invoice is wrong").unwrap(), list.find("Printer on fire").unwrap());
    assert!(a < b, "newest first");
    assert!(list.contains("status-solved"), "{list}");
    assert!(list.contains(&format!("/h/acme/en/portal/tickets/{}", older.number)));

    // One ticket: the public conversation with the agent's name; never the note.
    let path = format!("/h/acme/en/portal/tickets/{}", t.number);
    let (csrf, html) = page_csrf(&app, &c, &path).await;
    assert!(html.contains("We fixed the invoice.") && html.contains("acme Owner"), "{html}");
    assert!(!html.contains("SECRET"), "an internal note in the portal: {html}");
    // By id too.
    assert_eq!(c.get(app.url(&format!("/h/acme/en/portal/tickets/{}", t.id))).send().await.unwrap().status(), 200);

    // A reply with a file: the ticket reopens, and the API shows the contact's message and file.
    let form = reqwest::multipart::Form::new()
        .text("_csrf", csrf.clone())
        .text("body", "Thanks, but the total is still off.")
        .part("files", reqwest::multipart::Part::bytes(b"total: 42".to_vec()).file_name("invoice.txt"));
    let r = c.post(app.url(&format!("{path}/reply"))).multipart(form).send().await.unwrap();
    assert_eq!((r.status().as_u16(), r.headers()["location"].to_str().unwrap()), (303, path.as_str()));
    let ticket = app.api_json(&tok, &format!("/api/v1/tickets/{}", t.id)).await;
    assert_eq!(ticket["status"], "open", "{ticket}");
    let msgs = app.api_json(&tok, &format!("/api/v1/tickets/{}/messages", t.id)).await;
    let last = msgs["data"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(last["author_type"], "contact", "{last}");
    assert_eq!(last["author_id"], ticket["requester_id"]);
    assert_eq!(last["channel"], "web");
    assert_eq!(last["body_text"], "Thanks, but the total is still off.");
    assert_eq!(last["attachments"][0]["filename"], "invoice.txt", "{last}");
    // The file downloads from the portal, as a download.
    let (_, html) = page_csrf(&app, &c, &path).await;
    let file_id = last["attachments"][0]["id"].as_str().unwrap();
    let file_url = format!("/h/acme/en/portal/attachments/{file_id}");
    assert!(html.contains(&file_url), "{html}");
    let r = c.get(app.url(&file_url)).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert!(r.headers()["content-disposition"].to_str().unwrap().starts_with("attachment"));
    assert_eq!(r.bytes().await.unwrap().as_ref(), b"total: 42");
    // Its reply wrote the ticket's events like any customer message.
    let events: Vec<String> = app
        .state
        .db
        .write_blocking(|conn| {
            use diesel::prelude::*;
            use meridian::db::schema::domain_events as e;
            Ok(e::table.filter(e::tenant_id.eq(acme.id.as_str())).select(e::kind).load(conn)?)
        })
        .unwrap();
    assert!(events.iter().any(|k| k == "message.created"), "{events:?}");

    // Sign out: the same cookie no longer works.
    let (csrf, _) = page_csrf(&app, &c, "/h/acme/en/portal").await;
    let r = c.post(app.url("/h/acme/en/portal/sign-out")).form(&[("_csrf", csrf)]).send().await.unwrap();
    assert_eq!(r.status(), 303);
    assert_eq!(c.get(app.url("/h/acme/en/portal")).send().await.unwrap().status(), 303);
}

mod full_flow {
    #[actix_web::test]
    async fn sqlite() {
        let (app, sink) = super::start(crate::harness::Backend::Sqlite).await.expect("sqlite");
        super::full_flow(app, sink).await;
    }
    #[actix_web::test]
    async fn postgres() {
        let Some((app, sink)) = super::start(crate::harness::Backend::Postgres).await else { return };
        super::full_flow(app, sink).await;
    }
}

/// Generate `sqlite` and `postgres` tests of an `async fn(TestApp, Sink)`.
macro_rules! both_portal {
    ($name:ident) => {
        mod $name {
            #[actix_web::test]
            async fn sqlite() {
                let (app, sink) = super::start(crate::harness::Backend::Sqlite).await.expect("sqlite");
                super::$name(app, sink).await;
            }
            #[actix_web::test]
            async fn postgres() {
                let Some((app, sink)) = super::start(crate::harness::Backend::Postgres).await else { return };
                super::$name(app, sink).await;
            }
        }
    };
}

async fn links_are_single_use_short_lived_and_per_tenant(app: TestApp, sink: Sink) {
    let (acme, _) = tenant_with_token(&app, "acme", "en");
    let (beta, _) = tenant_with_token(&app, "beta", "en");
    ticket_of(&app, &acme, "ana@example.com", "In acme");
    ticket_of(&app, &beta, "carl@example.com", "In beta");

    // An unknown address gets the same page, and no mail.
    let c = app.client();
    let (s, unknown) = ask_link(&app, &c, "acme", "nobody@example.com").await;
    let (s2, known) = ask_link(&app, &c, "acme", "ana@example.com").await;
    assert_eq!((s, s2), (200, 200));
    assert_eq!(unknown, known, "the answer tells nothing about the address");
    let link = link_in_mail(&sink, 1, "ana@example.com").await;
    assert!(sign_in_mails(&sink, "nobody@example.com").is_empty(), "no mail to the unknown address");
    // A contact of another tenant is unknown here.
    ask_link(&app, &c, "acme", "carl@example.com").await;
    // Mail is enqueued in the transaction that answers the form: only Ana's was.
    let tid = acme.tenant_id();
    let queued = app.state.db.write_blocking(|conn| meridian::email::outbound::list(conn, &tid)).unwrap();
    let to: Vec<&str> = queued.iter().filter(|m| m.kind == "portal_link").map(|m| m.to_address.as_str()).collect();
    assert_eq!(to, vec!["ana@example.com"]);

    // Looking at the link does not use it up (mail scanners fetch links).
    let path = &link[link.find("/h/").unwrap()..];
    assert_eq!(c.get(app.url(path)).send().await.unwrap().status(), 200);
    // Another tenant's portal does not know it.
    let other = path.replacen("/h/acme/", "/h/beta/", 1);
    let (s, html) = text(c.get(app.url(&other)).send().await.unwrap()).await;
    assert_eq!(s, 404);
    assert!(html.contains("/h/beta/en/portal/sign-in"), "a way to ask again: {html}");
    let token = path.split("token=").nth(1).unwrap();
    let (csrf, _) = page_csrf(&app, &c, "/h/beta/en/portal/sign-in").await;
    let r =
        c.post(app.url("/h/beta/en/portal/verify")).form(&[("_csrf", csrf.as_str()), ("token", token)]).send().await;
    assert_eq!(r.unwrap().status(), 404, "tenant A's token on tenant B");
    // It works once, on its own tenant.
    assert_eq!(follow(&app, &c, &link).await, (303, "/h/acme/en/portal".to_string()));
    let again = app.client();
    assert_eq!(follow(&app, &again, &link).await.0, 404, "a used link");

    // An expired link is refused.
    let c2 = app.client();
    ask_link(&app, &c2, "acme", "ana@example.com").await;
    let link2 = link_in_mail(&sink, 2, "ana@example.com").await;
    app.state
        .db
        .write_blocking(|conn| {
            use diesel::prelude::*;
            use meridian::accounts::portal::schema::portal_links as pl;
            let past = meridian::db::now() - chrono::Duration::minutes(31);
            Ok(diesel::update(pl::table.filter(pl::used_at.is_null())).set(pl::expires_at.eq(past)).execute(conn)?)
        })
        .unwrap();
    assert_eq!(follow(&app, &c2, &link2).await.0, 404, "an expired link");

    // The sign-in form refuses a post without its token, a bad address, and NUL.
    let r = app.client().post(app.url("/h/acme/en/portal/sign-in")).form(&[("email", "ana@example.com")]).send().await;
    assert_eq!(r.unwrap().status(), 403);
    let (csrf, _) = page_csrf(&app, &c2, "/h/acme/en/portal/sign-in").await;
    let bad = [("email", "not-an-address"), ("_csrf", csrf.as_str())];
    let (s, html) = text(c2.post(app.url("/h/acme/en/portal/sign-in")).form(&bad).send().await.unwrap()).await;
    assert_eq!(s, 422);
    assert!(html.contains("aria-invalid=\"true\"") && html.contains("value=\"not-an-address\""), "{html}");
    let nul = [("email", "ana\0@example.com"), ("_csrf", csrf.as_str())];
    assert_eq!(c2.post(app.url("/h/acme/en/portal/sign-in")).form(&nul).send().await.unwrap().status(), 422);

    // Asking too often for one address is refused, for a while.
    let mut last = 0;
    for _ in 0..6 {
        last = ask_link(&app, &c2, "acme", "dora@example.com").await.0;
    }
    assert_eq!(last, 429, "the address's limit");
}
both_portal!(links_are_single_use_short_lived_and_per_tenant);

async fn other_tickets_and_tenants_are_not_found(app: TestApp, sink: Sink) {
    let (acme, tok) = tenant_with_token(&app, "acme", "en");
    let (beta, _) = tenant_with_token(&app, "beta", "en");
    let mine = ticket_of(&app, &acme, "ana@example.com", "Mine");
    let bobs = ticket_of(&app, &acme, "bob@example.com", "Bob's");
    let theirs = ticket_of(&app, &beta, "ana@example.com", "Beta's");
    // A file on Bob's ticket and an agent's note with a file on Ana's.
    let file = json!([{"filename": "x.txt", "content_base64": "eA=="}]);
    let (s, b) = call(
        &app,
        &tok,
        Method::POST,
        &format!("/api/v1/tickets/{}/messages", bobs.id),
        Some(json!({"body": "bob's file", "attachments": file})),
    )
    .await;
    assert_eq!(s, 201, "{b}");
    let bob_file = b["attachments"][0]["id"].as_str().map(str::to_string);
    let (s, n) = call(
        &app,
        &tok,
        Method::POST,
        &format!("/api/v1/tickets/{}/messages", mine.id),
        Some(json!({"kind": "note", "body": "internal file", "attachments": file})),
    )
    .await;
    assert_eq!(s, 201, "{n}");
    let msgs = app.api_json(&tok, &format!("/api/v1/tickets/{}/messages", bobs.id)).await;
    let bob_file = bob_file.unwrap_or_else(|| msgs["data"][1]["attachments"][0]["id"].as_str().unwrap().to_string());
    let msgs = app.api_json(&tok, &format!("/api/v1/tickets/{}/messages", mine.id)).await;
    let note_file = msgs["data"][1]["attachments"][0]["id"].as_str().unwrap().to_string();

    let c = signed_in(&app, &sink, "acme", "ana@example.com", 1).await;
    let get = |p: String| {
        let c = c.clone();
        let u = app.url(&p);
        async move { c.get(u).send().await.unwrap().status().as_u16() }
    };
    assert_eq!(get(format!("/h/acme/en/portal/tickets/{}", mine.number)).await, 200);
    assert_eq!(get(format!("/h/acme/en/portal/tickets/{}", bobs.number)).await, 404, "another contact's");
    assert_eq!(get(format!("/h/acme/en/portal/tickets/{}", bobs.id)).await, 404, "another contact's, by id");
    assert_eq!(get(format!("/h/acme/en/portal/tickets/{}", theirs.id)).await, 404, "another tenant's id");
    assert_eq!(get(format!("/h/acme/en/portal/attachments/{bob_file}")).await, 404, "another contact's file");
    assert_eq!(get(format!("/h/acme/en/portal/attachments/{note_file}")).await, 404, "a note's file");
    let (_, html) =
        text(c.get(app.url(&format!("/h/acme/en/portal/tickets/{}", mine.number))).send().await.unwrap()).await;
    assert!(!html.contains("internal file"), "{html}");
    // Replying to another contact's ticket is refused the same way.
    let (csrf, _) = page_csrf(&app, &c, "/h/acme/en/portal").await;
    let r = c
        .post(app.url(&format!("/h/acme/en/portal/tickets/{}/reply", bobs.number)))
        .form(&[("_csrf", csrf.as_str()), ("body", "hijack")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    // Acme's session cookie on beta's portal signs nobody in.
    assert_eq!(get("/h/beta/en/portal".into()).await, 303);
    assert_eq!(get(format!("/h/beta/en/portal/tickets/{}", theirs.number)).await, 303);
    // The same portal answers on the tenant's own host, and beta's host does not take acme's cookie.
    let host = c.get(app.url("/en/portal")).header("host", "acme.desk.test").send().await.unwrap();
    assert_eq!(host.status(), 200);
    let host = c.get(app.url("/en/portal")).header("host", "beta.desk.test").send().await.unwrap();
    assert_eq!(host.status(), 303);
}
both_portal!(other_tickets_and_tenants_are_not_found);

async fn bad_replies_keep_what_was_typed(app: TestApp, sink: Sink) {
    let (acme, tok) = tenant_with_token(&app, "acme", "en");
    let t = ticket_of(&app, &acme, "ana@example.com", "Files");
    let c = signed_in(&app, &sink, "acme", "ana@example.com", 1).await;
    let path = format!("/h/acme/en/portal/tickets/{}", t.number);
    let (csrf, _) = page_csrf(&app, &c, &path).await;
    let reply = format!("{path}/reply");

    // Without the token: 403, whichever way the form comes.
    let form = reqwest::multipart::Form::new().text("body", "no token");
    assert_eq!(c.post(app.url(&reply)).multipart(form).send().await.unwrap().status(), 403);
    assert_eq!(c.post(app.url(&reply)).form(&[("body", "no token")]).send().await.unwrap().status(), 403);
    let r = c.post(app.url(&format!("{path}/rating"))).form(&[("rating", "good")]).send().await.unwrap();
    assert_eq!(r.status(), 403);
    assert_eq!(c.post(app.url("/h/acme/en/portal/sign-out")).form(&[("x", "y")]).send().await.unwrap().status(), 403);

    // A file over the limit: the limit named, the typed text kept, nothing added.
    let form = reqwest::multipart::Form::new()
        .text("_csrf", csrf.clone())
        .text("body", "Here is the scan <b>really</b>")
        .part("files", reqwest::multipart::Part::bytes(vec![b'x'; MAX_FILE + 5000]).file_name("scan.txt"));
    let (s, html) = text(c.post(app.url(&reply)).multipart(form).send().await.unwrap()).await;
    assert_eq!(s, 413);
    assert!(html.contains("over the limit of 98 KB"), "{html}");
    assert!(html.contains("Here is the scan &#60;b&#62;really&#60;/b&#62;</textarea>"), "the reply is kept: {html}");
    assert!(html.contains("id=\"files-error\""), "{html}");

    // An empty reply: 422 naming the field.
    let form = reqwest::multipart::Form::new().text("_csrf", csrf.clone()).text("body", "   ");
    let (s, html) = text(c.post(app.url(&reply)).multipart(form).send().await.unwrap()).await;
    assert_eq!(s, 422);
    assert!(html.contains("id=\"body-error\"") && html.contains("Write a message first."), "{html}");
    // NUL in the reply: 422 too.
    let form = reqwest::multipart::Form::new().text("_csrf", csrf.clone()).text("body", "a\0b");
    assert_eq!(c.post(app.url(&reply)).multipart(form).send().await.unwrap().status(), 422);
    let msgs = app.api_json(&tok, &format!("/api/v1/tickets/{}/messages", t.id)).await;
    assert_eq!(msgs["data"].as_array().unwrap().len(), 1, "nothing was added: {msgs}");
    // A ticket not solved cannot be rated.
    let r = c.post(app.url(&format!("{path}/rating"))).form(&[("_csrf", csrf.as_str()), ("rating", "good")]).send();
    assert_eq!(r.await.unwrap().status(), 422);
}
both_portal!(bad_replies_keep_what_was_typed);

async fn ratings_from_the_portal_show_in_the_api(app: TestApp, sink: Sink) {
    let (acme, tok) = tenant_with_token(&app, "acme", "en");
    let t = ticket_of(&app, &acme, "ana@example.com", "Rate me");
    let (s, _) =
        call(&app, &tok, Method::PATCH, &format!("/api/v1/tickets/{}", t.id), Some(json!({"status": "solved"}))).await;
    assert_eq!(s, 200);
    let c = signed_in(&app, &sink, "acme", "ana@example.com", 1).await;
    let path = format!("/h/acme/en/portal/tickets/{}", t.number);
    let (csrf, html) = page_csrf(&app, &c, &path).await;
    assert!(html.contains("Was this resolved well?"), "{html}");

    let rate = |rating: &'static str, comment: &'static str| {
        let (c, u, csrf) = (c.clone(), app.url(&format!("{path}/rating")), csrf.clone());
        async move {
            c.post(u).form(&[("_csrf", csrf.as_str()), ("rating", rating), ("comment", comment)]).send().await.unwrap()
        }
    };
    assert_eq!(rate("good", "Quick and kind").await.status(), 303);
    let ticket: Value = app.api_json(&tok, &format!("/api/v1/tickets/{}", t.id)).await;
    assert_eq!((ticket["csat_score"].clone(), ticket["csat_comment"].clone()), (json!(5), json!("Quick and kind")));
    let (_, html) = page_csrf(&app, &c, &path).await;
    assert!(html.contains("data-testid=\"portal-rated\""), "{html}");
    // Bad, within the window, replaces it.
    assert_eq!(rate("bad", "").await.status(), 303);
    let ticket: Value = app.api_json(&tok, &format!("/api/v1/tickets/{}", t.id)).await;
    assert_eq!((ticket["csat_score"].clone(), ticket["csat_comment"].clone()), (json!(1), Value::Null));
    // Neither good nor bad: 422.
    assert_eq!(rate("great", "").await.status(), 422);
}
both_portal!(ratings_from_the_portal_show_in_the_api);

async fn merged_contacts_see_the_survivors_tickets(app: TestApp, sink: Sink) {
    let (acme, tok) = tenant_with_token(&app, "acme", "en");
    let old = ticket_of(&app, &acme, "ana.old@example.com", "From the old address");
    let new = ticket_of(&app, &acme, "ana@example.com", "From the new address");
    let (s, b) = call(
        &app,
        &tok,
        Method::POST,
        &format!("/api/v1/contacts/{}/merge", new.requester_id),
        Some(json!({"from_id": old.requester_id})),
    )
    .await;
    assert_eq!(s, 200, "{b}");
    // The old address signs in as the survivor, who sees both tickets.
    let c = signed_in(&app, &sink, "acme", "ana.old@example.com", 1).await;
    let (_, list) = text(c.get(app.url("/h/acme/en/portal")).send().await.unwrap()).await;
    assert!(list.contains("From the old address") && list.contains("From the new address"), "{list}");
}
both_portal!(merged_contacts_see_the_survivors_tickets);

async fn the_list_pages_through_older_tickets(app: TestApp, sink: Sink) {
    let (acme, _) = tenant_with_token(&app, "acme", "en");
    for i in 1..=22 {
        ticket_of(&app, &acme, "ana@example.com", &format!("Question number {i:02}"));
    }
    let c = signed_in(&app, &sink, "acme", "ana@example.com", 1).await;
    let (_, first) = text(c.get(app.url("/h/acme/en/portal")).send().await.unwrap()).await;
    assert_eq!(first.matches("<tr data-number=").count(), 20, "{first}");
    assert!(first.contains("Question number 22") && !first.contains("Question number 02"), "newest first");
    let start = first.find("/h/acme/en/portal?cursor=").expect("a link to older tickets");
    let next = &first[start..start + first[start..].find('"').unwrap()];
    let (s, older) = text(c.get(app.url(next)).send().await.unwrap()).await;
    assert_eq!(s, 200);
    assert_eq!(older.matches("<tr data-number=").count(), 2, "{older}");
    assert!(older.contains("Question number 01") && !older.contains("?cursor="), "{older}");
    // A cursor this server did not issue is refused, naming it.
    assert_eq!(c.get(app.url("/h/acme/en/portal?cursor=nope")).send().await.unwrap().status(), 422);
}
both_portal!(the_list_pages_through_older_tickets);

async fn a_reply_to_a_closed_ticket_opens_a_follow_up(app: TestApp, sink: Sink) {
    let (acme, tok) = tenant_with_token(&app, "acme", "en");
    let t = ticket_of(&app, &acme, "ana@example.com", "Long done");
    for status in ["solved", "closed"] {
        let (s, b) =
            call(&app, &tok, Method::PATCH, &format!("/api/v1/tickets/{}", t.id), Some(json!({"status": status})))
                .await;
        assert_eq!(s, 200, "{b}");
    }
    let c = signed_in(&app, &sink, "acme", "ana@example.com", 1).await;
    let path = format!("/h/acme/en/portal/tickets/{}", t.number);
    let (csrf, _) = page_csrf(&app, &c, &path).await;
    let r = c.post(app.url(&format!("{path}/reply"))).form(&[("_csrf", csrf.as_str()), ("body", "It broke again")]);
    let r = r.send().await.unwrap();
    assert_eq!(r.status(), 303);
    let to = r.headers()["location"].to_str().unwrap().to_string();
    assert_ne!(to, path, "the conversation goes on in a new ticket");
    let (s, html) = text(c.get(app.url(&to)).send().await.unwrap()).await;
    assert_eq!(s, 200);
    assert!(html.contains("It broke again"), "{html}");
    let number: i64 = to.rsplit('/').next().unwrap().parse().unwrap();
    let list = app.api_json(&tok, "/api/v1/tickets?view=all_open").await;
    let follow_up = list["data"].as_array().unwrap().iter().find(|x| x["number"] == number).expect("listed").clone();
    assert_eq!(follow_up["previous_ticket_id"], json!(t.id.to_string()), "{follow_up}");
}
both_portal!(a_reply_to_a_closed_ticket_opens_a_follow_up);

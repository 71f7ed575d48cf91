//! The search over everything (header box, `/search`, `/api/v1/search`): message bodies (replies
//! and internal notes, any script), knowledge-base articles (public and internal), tenant
//! isolation whatever the query, and hostile input.

use reqwest::Method;
use serde_json::{json, Value};

use crate::harness::TestApp;
use crate::kb::{article, call, settle, tenant_with_token, tr};
use meridian::tickets::queries::{self, Filter, Sort};

/// A ticket with an opening message; its (id, number).
async fn ticket(app: &TestApp, tok: &str, subject: &str, body: &str) -> (String, i64) {
    let (s, v) = call(
        app,
        tok,
        Method::POST,
        "/api/v1/tickets",
        Some(json!({"subject": subject, "message": {"body": body},
                    "requester": {"email": "cust@example.com", "name": "Cus Tomer"}})),
    )
    .await;
    assert_eq!(s, 201, "{v}");
    (v["id"].as_str().unwrap().to_string(), v["number"].as_i64().unwrap())
}

async fn message(app: &TestApp, tok: &str, id: &str, kind: &str, body: &str) {
    let (s, v) = call(
        app,
        tok,
        Method::POST,
        &format!("/api/v1/tickets/{id}/messages"),
        Some(json!({"body": body, "kind": kind})),
    )
    .await;
    assert_eq!(s, 201, "{v}");
}

fn url(app: &TestApp, path: &str, q: &str) -> reqwest::Url {
    reqwest::Url::parse_with_params(&app.url(path), &[("q", q)]).unwrap()
}

/// `GET /api/v1/search?q=…`: (status, body).
async fn api(app: &TestApp, tok: &str, q: &str) -> (u16, Value) {
    let res = reqwest::Client::new().get(url(app, "/api/v1/search", q)).bearer_auth(tok).send().await.unwrap();
    let status = res.status().as_u16();
    (status, res.json().await.unwrap_or(Value::Null))
}

/// The ids of the hits of one kind.
fn ids(body: &Value, kind: &str) -> Vec<String> {
    body["data"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|h| h["kind"] == kind)
        .map(|h| h["id"].as_str().unwrap().to_string())
        .collect()
}

async fn bodies_notes_and_articles_are_found_in_their_tenant_only(app: TestApp) {
    let (acme, tok) = tenant_with_token(&app, "acme", "en");
    let (_other, other_tok) = tenant_with_token(&app, "other", "en");
    let (printer, printer_no) = ticket(&app, &tok, "Printer trouble", "Hello, it prints nothing.").await;
    let (refund, _) = ticket(&app, &tok, "订单问题", "你好").await;
    let (plain, _) = ticket(&app, &tok, "Unrelated", "Nothing to see").await;
    let (theirs, _) = ticket(&app, &other_tok, "Printer trouble", "zanzibarquux kumquatsecret 退款申请").await;

    // A word only in a reply body finds the ticket, at once (no index lag), with the reply
    // quoted around it; the inbox's own text filter still looks at subjects and requesters only.
    message(&app, &tok, &printer, "reply", "Try the ZanzibarQuux driver from the vendor page.").await;
    let (s, v) = api(&app, &tok, "zanzibarquux").await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(ids(&v, "ticket"), [printer.as_str()]);
    let hit = &v["data"][0];
    assert_eq!(hit["title"], "Printer trouble");
    assert_eq!(hit["url"], format!("/tickets/{printer_no}"));
    assert!(hit["snippet"].as_str().unwrap().contains("the <mark>ZanzibarQuux</mark> driver"), "{hit}");
    let listed = reqwest::Client::new().get(url(&app, "/api/v1/tickets", "zanzibarquux")).bearer_auth(&tok);
    let listed: Value = listed.send().await.unwrap().json().await.unwrap();
    assert_eq!(listed["data"].as_array().unwrap().len(), 0, "the inbox filter does not read bodies");

    // An internal note is found (agents and the tenant's tokens see notes), marked as a note.
    message(&app, &tok, &plain, "note", "Escalated: kumquatsecret account flag").await;
    assert_eq!(ids(&api(&app, &tok, "KUMQUATSECRET").await.1, "ticket"), [plain.as_str()]);

    // CJK in a body, inside a longer run without spaces.
    message(&app, &tok, &refund, "reply", "我的退款申请还没有处理，请尽快回复。").await;
    assert_eq!(ids(&api(&app, &tok, "退款申请").await.1, "ticket"), [refund.as_str()]);
    let (_, v) = api(&app, &tok, "退款申请").await;
    assert!(v["data"][0]["snippet"].as_str().unwrap().contains("我的<mark>退款申请</mark>还没有"), "{v}");

    // Subjects and requesters still match, bodies or not.
    let mut by_subject = ids(&api(&app, &tok, "printer").await.1, "ticket");
    by_subject.sort();
    assert_eq!(by_subject, [printer.as_str()]);

    // Articles, public and internal, next to tickets.
    let public =
        article(&app, &tok, "public", vec![tr("en", "Printer setup", "Install the zanzibarquux driver.", "published")])
            .await;
    let internal = article(
        &app,
        &tok,
        "internal",
        vec![tr("en", "Escalation runbook", "When a kumquatsecret flag is set, call the lead.", "published")],
    )
    .await;
    let foreign = article(
        &app,
        &other_tok,
        "internal",
        vec![tr("en", "Their runbook", "zanzibarquux kumquatsecret printer", "published")],
    )
    .await;
    settle(&app).await;
    let (_, v) = api(&app, &tok, "zanzibarquux").await;
    assert_eq!(ids(&v, "article"), [public.as_str()]);
    let art = v["data"].as_array().unwrap().iter().find(|h| h["kind"] == "article").unwrap().clone();
    assert_eq!(art["title"], "Printer setup");
    assert_eq!(art["url"], format!("/kb/articles/{public}/read?locale=en"));
    assert!(art["snippet"].as_str().unwrap().contains("<mark>"), "{art}");
    assert_eq!(ids(&api(&app, &tok, "kumquatsecret").await.1, "article"), [internal.as_str()]);

    // Whatever the query, nothing of the other tenant, and the other tenant sees only its own.
    let mine = [printer.clone(), refund.clone(), plain.clone(), public.clone(), internal.clone()];
    for q in ["zanzibarquux", "kumquatsecret", "退款申请", "printer", "runbook", "%", "_", "e", "Their", "r"] {
        let (s, v) = api(&app, &tok, q).await;
        assert_eq!(s, 200, "{q}: {v}");
        for h in v["data"].as_array().unwrap() {
            let id = h["id"].as_str().unwrap();
            assert!(mine.contains(&id.to_string()), "{q}: {id} is not acme's");
            assert!(id != theirs && id != foreign, "{q}");
        }
        let (_, v) = api(&app, &other_tok, q).await;
        for h in v["data"].as_array().unwrap() {
            let id = h["id"].as_str().unwrap().to_string();
            assert!(!mine.contains(&id), "{q}: acme's {id} leaked to the other tenant");
        }
    }
    assert_eq!(ids(&api(&app, &other_tok, "zanzibarquux").await.1, "ticket"), [theirs.as_str()]);
    assert_eq!(ids(&api(&app, &other_tok, "zanzibarquux").await.1, "article"), [foreign.as_str()]);

    // The row-by-row shape (too many candidates for the index to drive the query) lists the same
    // tickets as the index-driven one.
    let f = Filter { q: Some("kumquatsecret".into()), bodies: true, ..Filter::default() };
    let tid = acme.tenant_id();
    let mut shapes: Vec<Vec<String>> = Vec::new();
    for cap in [0, 2000] {
        let (f, tid) = (f.clone(), tid.clone());
        let (rows, _) = app
            .state
            .db
            .read(move |c| queries::list_with_cap(c, &tid, "", &f, Sort::Updated, None, 50, cap))
            .await
            .unwrap();
        shapes.push(rows.into_iter().map(|r| r.ticket.id.to_string()).collect());
    }
    assert_eq!(shapes[0], [plain.as_str()]);
    assert_eq!(shapes[0], shapes[1]);
}
both!(bodies_notes_and_articles_are_found_in_their_tenant_only);

async fn hostile_queries_are_text_or_a_clear_error(app: TestApp) {
    let (_t, tok) = tenant_with_token(&app, "acme", "en");
    let (id, _) = ticket(&app, &tok, "Markup", "x").await;
    message(&app, &tok, &id, "reply", "<script>alert('x')</script> hostilemarker wordxzyword 50%off").await;

    // Markup in a body or in the query is text, escaped in the snippet.
    let (s, v) = api(&app, &tok, "hostilemarker").await;
    assert_eq!(s, 200);
    let snippet = v["data"][0]["snippet"].as_str().unwrap();
    assert!(snippet.contains("&lt;script&gt;") && !snippet.contains("<script"), "{snippet}");
    let (s, v) = api(&app, &tok, "<script>alert('x')</script>").await;
    assert_eq!(s, 200);
    assert_eq!(ids(&v, "ticket"), [id.as_str()]);
    assert!(!v.to_string().contains("<script"), "{v}");

    // LIKE wildcards and index syntax are literal.
    assert_eq!(ids(&api(&app, &tok, "50%o").await.1, "ticket"), [id.as_str()]);
    assert_eq!(ids(&api(&app, &tok, "x_y").await.1, "ticket"), Vec::<String>::new());
    assert_eq!(ids(&api(&app, &tok, "r%d").await.1, "ticket"), Vec::<String>::new());
    assert_eq!(ids(&api(&app, &tok, "\"hostile\" OR *").await.1, "ticket"), Vec::<String>::new());

    // Empty, too long and NUL: 422 naming `q`.
    for q in ["", "   ", &"a".repeat(201), "host\0ile"] {
        let (s, v) = api(&app, &tok, q).await;
        assert_eq!(s, 422, "{q:?}: {v}");
        assert_eq!(v["field"], "q", "{v}");
    }
    assert_eq!(api(&app, &tok, &"a".repeat(200)).await.0, 200, "200 characters are allowed");
    let (s, v) = call(&app, &tok, Method::GET, "/api/v1/search?q=abc&limit=0", None).await;
    assert_eq!((s, v["field"].as_str()), (422, Some("limit")));
}
both!(hostile_queries_are_text_or_a_clear_error);

/// A tenant with a signed-in owner and an API token: (client, token).
async fn agent_and_token(app: &TestApp, slug: &str) -> (reqwest::Client, String) {
    let (t, email, pw) = app.seed_tenant(slug);
    let tok = app
        .state
        .db
        .write_blocking(|c| meridian::accounts::tokens::create(c, &t.tenant_id(), "search", None))
        .unwrap()
        .1;
    (app.signed_in(slug, &email, &pw).await.0, tok)
}

async fn the_console_page_and_suggestions_stay_in_the_agents_tenant(app: TestApp) {
    let (ca, a_tok) = agent_and_token(&app, "acme").await;
    let (cb, _) = agent_and_token(&app, "bravo").await;
    let (id, _) = ticket(&app, &a_tok, "Broken hinge", "Hello").await;
    message(&app, &a_tok, &id, "note", "The hinge cracked on delivery.").await;

    // The results page (no script needed) shows the ticket with the matching note marked.
    let res = ca.get(url(&app, "/search", "hinge cracked")).send().await.unwrap();
    assert_eq!(res.status(), 200);
    let page = res.text().await.unwrap();
    assert!(page.contains("Broken hinge") && page.contains("The <mark>hinge cracked</mark> on"), "{page}");
    // The suggestions fragment: listbox options, the last one opening every result.
    let frag = ca.get(url(&app, "/search/suggest", "hinge")).send().await.unwrap().text().await.unwrap();
    assert!(frag.contains("role=\"option\"") && frag.contains("Broken hinge"), "{frag}");
    assert!(frag.contains("/search?q=hinge") && !frag.contains("<html"), "{frag}");

    // The other tenant's agent finds nothing of it, on the page or in the fragment.
    let page = cb.get(url(&app, "/search", "hinge")).send().await.unwrap().text().await.unwrap();
    assert!(!page.contains("Broken hinge"), "another tenant's ticket on the results page");
    let frag = cb.get(url(&app, "/search/suggest", "hinge")).send().await.unwrap().text().await.unwrap();
    assert!(!frag.contains("Broken hinge") && !frag.contains("/tickets/"), "{frag}");
    // Signed out: no suggestions.
    let res = reqwest::Client::new().get(url(&app, "/search/suggest", "hinge")).send().await.unwrap();
    assert!(!res.text().await.unwrap().contains("Broken hinge"));

    // Hostile input on the page: escaped, or a clear error with the page still usable.
    let res = ca.get(url(&app, "/search", "<script>alert(1)</script>")).send().await.unwrap();
    assert_eq!(res.status(), 200);
    assert!(!res.text().await.unwrap().contains("<script>alert(1)"));
    let res = ca.get(url(&app, "/search", &"z".repeat(300))).send().await.unwrap();
    assert_eq!(res.status(), 422);
    let page = res.text().await.unwrap();
    assert!(page.contains("data-testid=\"search-error\"") && page.contains("200"), "{page}");
    let res = ca.get(url(&app, "/search/suggest", &"z".repeat(300))).send().await.unwrap();
    assert_eq!(res.status(), 422);
    let res = ca.get(app.url("/search?q=a%00b")).send().await.unwrap();
    assert_eq!(res.status(), 422);
}
both!(the_console_page_and_suggestions_stay_in_the_agents_tenant);

async fn the_article_page_shows_internal_articles_to_the_tenants_agents_only(app: TestApp) {
    let (ca, tok) = agent_and_token(&app, "acme").await;
    let (cb, _) = agent_and_token(&app, "bravo").await;
    let id = article(&app, &tok, "internal", vec![tr("en", "Runbook", "Call **the lead**.", "published")]).await;
    let res = ca.get(app.url(&format!("/kb/articles/{id}/read?locale=en"))).send().await.unwrap();
    assert_eq!(res.status(), 200);
    let page = res.text().await.unwrap();
    assert!(page.contains("Runbook") && page.contains("<strong>the lead</strong>"), "{page}");
    // The other tenant's agent: 404, never the text; so is an unknown id.
    let res = cb.get(app.url(&format!("/kb/articles/{id}/read"))).send().await.unwrap();
    assert_eq!(res.status(), 404);
    assert!(!res.text().await.unwrap().contains("the lead"));
    assert_eq!(ca.get(app.url("/kb/articles/no-such-article/read")).send().await.unwrap().status(), 404);
}
both!(the_article_page_shows_internal_articles_to_the_tenants_agents_only);

/// The migration indexes the messages written before it: run its down and up again over a desk
/// that has messages, and they are still found (on SQLite the index is a table of its own, so
/// without the backfill they would not be).
async fn the_migration_backfills_existing_messages(app: TestApp) {
    use diesel::connection::SimpleConnection;
    let (_t, tok) = tenant_with_token(&app, "acme", "en");
    let (id, _) = ticket(&app, &tok, "Old ticket", "Hello").await;
    message(&app, &tok, &id, "reply", "An old reply about the wombatgear.").await;
    message(&app, &tok, &id, "note", "An old note: platypusflag.").await;
    let (down, up) = match app.backend {
        crate::harness::Backend::Sqlite => (
            include_str!("../../migrations/sqlite/2026-12-01-000150_message_search/down.sql"),
            include_str!("../../migrations/sqlite/2026-12-01-000150_message_search/up.sql"),
        ),
        crate::harness::Backend::Postgres => (
            include_str!("../../migrations/postgres/2026-12-01-000150_message_search/down.sql"),
            include_str!("../../migrations/postgres/2026-12-01-000150_message_search/up.sql"),
        ),
    };
    app.state.db.write_blocking(move |c| Ok(c.batch_execute(down)?)).unwrap();
    app.state.db.write_blocking(move |c| Ok(c.batch_execute(up)?)).unwrap();
    assert_eq!(ids(&api(&app, &tok, "wombatgear").await.1, "ticket"), [id.as_str()]);
    assert_eq!(ids(&api(&app, &tok, "platypusflag").await.1, "ticket"), [id.as_str()]);
    // And what is written after it, through the triggers.
    message(&app, &tok, &id, "reply", "A new reply: echidnabolt.").await;
    assert_eq!(ids(&api(&app, &tok, "echidnabolt").await.1, "ticket"), [id.as_str()]);
}
both!(the_migration_backfills_existing_messages);

/// The results page pages through tickets with keyset links, forward and back, without scripts.
async fn the_results_page_is_paginated(app: TestApp) {
    let (c, tok) = agent_and_token(&app, "acme").await;
    let mut made = Vec::new();
    for i in 0..23 {
        let (id, n) = ticket(&app, &tok, &format!("Case {i}"), "Hello").await;
        message(&app, &tok, &id, "reply", &format!("Reference gizmoquark-{i}")).await;
        made.push(n);
    }
    let numbers = |page: &str| -> Vec<i64> {
        page.split("<li data-ticket=")
            .skip(1)
            .filter_map(|li| {
                let at = li.find("href=\"/tickets/")? + "href=\"/tickets/".len();
                li[at..].split('"').next()?.parse().ok()
            })
            .collect()
    };
    let href = |page: &str, rel: &str| -> Option<String> {
        let at = page.find(&format!("rel=\"{rel}\""))?;
        let start = page[..at].rfind("href=\"")? + 6;
        Some(page[start..].split('"').next()?.replace("&#38;", "&").replace("&amp;", "&"))
    };
    let first = c.get(url(&app, "/search", "gizmoquark")).send().await.unwrap().text().await.unwrap();
    let one = numbers(&first);
    assert_eq!(one.len(), 20, "{first}");
    assert!(href(&first, "prev").is_none());
    let next = href(&first, "next").expect("a next page");
    let second = c.get(app.url(&next)).send().await.unwrap().text().await.unwrap();
    let two = numbers(&second);
    assert_eq!(two.len(), 3);
    assert!(href(&second, "next").is_none());
    let mut all: Vec<i64> = one.iter().chain(&two).copied().collect();
    all.sort();
    made.sort();
    assert_eq!(all, made, "every ticket once, across the pages");
    let back = href(&second, "prev").expect("a previous page");
    let again = c.get(app.url(&back)).send().await.unwrap().text().await.unwrap();
    assert_eq!(numbers(&again), one);
}
both!(the_results_page_is_paginated);

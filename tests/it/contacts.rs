//! Contacts and organisations: a contact's page with every ticket of theirs, the edit form,
//! merging two contacts (tickets move, later mail from the merged address files to the survivor),
//! organisations by email domain without free mail, bad input and tenant isolation.

use serde_json::{json, Value};

use crate::email::{mail, post_raw, settled};
use crate::harness::{field_value, TestApp};
use meridian::accounts::tokens;
use meridian::tenancy::Tenant;
use meridian::tickets::commands::{NewTicket, Requester};
use meridian::tickets::{Channel, Priority};

fn token(app: &TestApp, tenant: &Tenant) -> String {
    app.state.db.write_blocking(|c| tokens::create(c, &tenant.tenant_id(), "test", None)).unwrap().1
}

async fn send(app: &TestApp, tok: &str, method: &str, path: &str, body: Option<Value>) -> (u16, Value) {
    let m = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
    let mut r = reqwest::Client::new().request(m, app.url(path)).bearer_auth(tok);
    if let Some(b) = body {
        r = r.json(&b);
    }
    let res = r.send().await.unwrap();
    let status = res.status().as_u16();
    let text = res.text().await.unwrap();
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

async fn contact(app: &TestApp, tok: &str, email: &str, name: &str) -> String {
    let (s, c) = send(app, tok, "POST", "/api/v1/contacts", Some(json!({"email": email, "name": name}))).await;
    assert_eq!(s, 201, "{c}");
    c["id"].as_str().unwrap().to_string()
}

async fn api_ticket(app: &TestApp, tok: &str, requester: Value, subject: &str) -> Value {
    let body = json!({"subject": subject, "message": {"body": "Hello, something is wrong."}, "requester": requester});
    let (s, t) = send(app, tok, "POST", "/api/v1/tickets", Some(body)).await;
    assert_eq!(s, 201, "{t}");
    t
}

fn chat_ticket(app: &TestApp, tenant: &Tenant, contact_id: &str, subject: &str) -> i64 {
    app.open_ticket(
        tenant,
        NewTicket {
            subject: subject.into(),
            body_text: "Hi from the widget".into(),
            body_html: None,
            requester: Requester::Contact(contact_id.into()),
            priority: Priority::Normal,
            tags: vec![],
            language: None,
            channel: Channel::Chat,
            assignee_id: None,
            team_id: None,
        },
    )
    .number
}

/// Mail from `from` through the HTTP door, filed.
async fn inbound(app: &TestApp, tenant: &Tenant, from: &str, subject: &str) {
    let tid = tenant.tenant_id();
    let secret = app.state.db.write_blocking(|c| meridian::email::store::inbound_secret(c, &tid)).unwrap();
    let id = meridian::db::new_id();
    let raw = mail(from, "acme@mail.desk.test", subject, &format!("Message-ID: <{id}@sender.example>\r\n"), "Help!");
    assert_eq!(post_raw(app, &tenant.slug, &secret, raw.as_bytes()).await.status(), 202);
    assert!(settled(app, tenant).await.iter().all(|r| r.state == "filed"));
}

/// The ticket with this number, through the API.
async fn by_number(app: &TestApp, tok: &str, number: i64) -> Value {
    let all = app.api_json(tok, "/api/v1/tickets?sort=age&limit=200").await;
    all["data"].as_array().unwrap().iter().find(|t| t["number"] == number).cloned().expect("ticket listed")
}

fn numbers(tickets: &Value) -> Vec<i64> {
    tickets["data"].as_array().unwrap().iter().map(|t| t["number"].as_i64().unwrap()).collect()
}

async fn contact_page_lists_every_channel(app: TestApp) {
    let (acme, email, pw) = app.seed_tenant("acme");
    let tok = token(&app, &acme);
    let maria = contact(&app, &tok, "maria@customer.example", "Maria Silva").await;
    let other = contact(&app, &tok, "otto@customer.example", "Otto").await;
    inbound(&app, &acme, "maria@customer.example", "Printer on fire").await;
    let chat = chat_ticket(&app, &acme, &maria, "Chat about the invoice");
    let api = api_ticket(&app, &tok, json!({"id": maria}), "Via the API").await["number"].as_i64().unwrap();
    api_ticket(&app, &tok, json!({"id": other}), "Not Maria's").await;

    let all = app.api_json(&tok, &format!("/api/v1/contacts/{maria}/tickets")).await;
    assert_eq!(numbers(&all), vec![api, chat, 1], "newest first, every channel, only hers");
    let channels: Vec<&str> = all["data"].as_array().unwrap().iter().map(|t| t["channel"].as_str().unwrap()).collect();
    assert_eq!(channels, ["api", "chat", "email"]);
    // Pages of one follow on from each other.
    let p1 = app.api_json(&tok, &format!("/api/v1/contacts/{maria}/tickets?limit=2")).await;
    assert_eq!(numbers(&p1), vec![api, chat]);
    let cursor = p1["next_cursor"].as_str().unwrap();
    let p2 = app.api_json(&tok, &format!("/api/v1/contacts/{maria}/tickets?limit=2&cursor={cursor}")).await;
    assert_eq!((numbers(&p2), &p2["next_cursor"]), (vec![1], &Value::Null));
    let (s, p) = send(&app, &tok, "GET", &format!("/api/v1/contacts/{maria}/tickets?cursor=nope"), None).await;
    assert_eq!((s, p["field"].as_str()), (422, Some("cursor")), "{p}");
    let (s, _) = send(&app, &tok, "GET", &format!("/api/v1/contacts/{maria}/tickets?limit=0"), None).await;
    assert_eq!(s, 422);
    let (s, _) = send(&app, &tok, "GET", "/api/v1/contacts/nosuch/tickets", None).await;
    assert_eq!(s, 404);

    let (c, _) = app.signed_in("acme", &email, &pw).await;
    let page = c.get(app.url(&format!("/contacts/{maria}"))).send().await.unwrap().text().await.unwrap();
    for n in [api, chat, 1] {
        assert!(page.contains(&format!("href=\"/tickets/{n}\"")), "#{n} listed: {page}");
    }
    assert!(page.contains("data-channel=\"email\"") && page.contains("data-channel=\"chat\""));
    assert!(!page.contains("Not Maria"), "another contact's ticket is not listed");
    let (a, b) = (page.find(&format!("/tickets/{api}\"")).unwrap(), page.find("/tickets/1\"").unwrap());
    assert!(a < b, "newest first on the page too");
    assert!(page.contains("href=\"/organizations/customer.example\""));
    // Reachable from the ticket page's requester, and from the searchable list.
    let ticket = c.get(app.url(&format!("/tickets/{chat}"))).send().await.unwrap().text().await.unwrap();
    assert!(ticket.contains(&format!("href=\"/contacts/{maria}\"")));
    let list = c.get(app.url("/contacts?q=MARIA")).send().await.unwrap().text().await.unwrap();
    assert!(list.contains(&format!("/contacts/{maria}")) && !list.contains(&format!("/contacts/{other}")));
    let list = c.get(app.url("/contacts?q=otto%40")).send().await.unwrap().text().await.unwrap();
    assert!(list.contains(&format!("/contacts/{other}")) && !list.contains(&format!("/contacts/{maria}")));
    let list = c.get(app.url("/contacts")).send().await.unwrap().text().await.unwrap();
    assert!(list.contains("href=\"/contacts\" aria-current=\"page\""), "in the navigation");
    assert!(list.contains("href=\"/organizations\""), "organisations are a step away");
    assert_eq!(c.get(app.url("/contacts?page=0")).send().await.unwrap().status(), 422);
}
both!(contact_page_lists_every_channel);

async fn edit_refuses_a_bad_value_and_keeps_the_form(app: TestApp) {
    let (acme, email, pw) = app.seed_tenant("acme");
    let tok = token(&app, &acme);
    let id = contact(&app, &tok, "maria@customer.example", "Maria Silva").await;
    let (c, csrf) = app.signed_in("acme", &email, &pw).await;
    let url = app.url(&format!("/contacts/{id}"));
    let no_csrf = c.post(&url).form(&[("name", "X")]).send().await.unwrap();
    assert_eq!(no_csrf.status(), 403);
    let res = c
        .post(&url)
        .form(&[
            ("_csrf", csrf.as_str()),
            ("name", "Maria S."),
            ("locale", "not a tag!"),
            ("vip", "on"),
            ("notes", "Calls on Fridays"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 422);
    let page = res.text().await.unwrap();
    assert!(page.contains("data-testid=\"locale-error\""), "{page}");
    assert!(page.contains("aria-invalid=\"true\" aria-describedby=\"locale-error\""));
    assert_eq!(field_value(&page, "name").as_deref(), Some("Maria S."), "typed values stay");
    assert_eq!(field_value(&page, "locale").as_deref(), Some("not a tag!"));
    assert!(page.contains("Calls on Fridays</textarea>") && page.contains("name=\"vip\" checked"));
    let stored = app.api_json(&tok, &format!("/api/v1/contacts/{id}")).await;
    assert_eq!((stored["name"].as_str(), stored["vip"].as_bool()), (Some("Maria Silva"), Some(false)), "nothing saved");
    // A blank name is refused at its field; hostile notes are escaped.
    let res = c.post(&url).form(&[("_csrf", csrf.as_str()), ("name", "  "), ("notes", "")]).send().await.unwrap();
    assert_eq!(res.status(), 422);
    assert!(res.text().await.unwrap().contains("data-testid=\"name-error\""));
    let res =
        c.post(&url).form(&[("_csrf", csrf.as_str()), ("name", "Maria"), ("notes", "a\u{1}b")]).send().await.unwrap();
    assert_eq!(res.status(), 422);
    assert!(res.text().await.unwrap().contains("data-testid=\"notes-error\""));
    let res = c
        .post(&url)
        .form(&[
            ("_csrf", csrf.as_str()),
            ("name", "Maria Souza"),
            ("locale", "pt-BR"),
            ("vip", "on"),
            ("notes", "<script>x</script>"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    let page = c.get(app.url(&format!("/contacts/{id}?saved=1"))).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("data-testid=\"contact-vip\""), "{page}");
    assert!(page.contains("&lt;script&gt;x&lt;") || page.contains("&#60;script&#62;x&#60;"), "{page}");
    assert!(!page.contains("<script>x"));
    let stored = app.api_json(&tok, &format!("/api/v1/contacts/{id}")).await;
    assert_eq!(
        (&stored["name"], &stored["locale"], &stored["vip"], &stored["notes"]),
        (&json!("Maria Souza"), &json!("pt-BR"), &json!(true), &json!("<script>x</script>"))
    );
    // The API edits notes too, with the same check.
    let (s, p) =
        send(&app, &tok, "PATCH", &format!("/api/v1/contacts/{id}"), Some(json!({"notes": "x".repeat(10_001)}))).await;
    assert_eq!((s, p["field"].as_str()), (422, Some("notes")), "{p}");
}
both!(edit_refuses_a_bad_value_and_keeps_the_form);

async fn merge_moves_tickets_and_later_mail(app: TestApp) {
    let (acme, email, pw) = app.seed_tenant("acme");
    let tok = token(&app, &acme);
    let keep = contact(&app, &tok, "maria@customer.example", "Maria Silva").await;
    inbound(&app, &acme, "maria@customer.example", "First").await;
    inbound(&app, &acme, "m.silva@gmail.com", "From her own address").await;
    let chat = chat_ticket(&app, &acme, &keep, "A chat");
    let gone = by_number(&app, &tok, 2).await["requester_id"].as_str().unwrap().to_string();
    assert_ne!(gone, keep);
    let moved_before = by_number(&app, &tok, 2).await;

    let (s, m) =
        send(&app, &tok, "POST", &format!("/api/v1/contacts/{keep}/merge"), Some(json!({"from_id": gone}))).await;
    assert_eq!(s, 200, "{m}");
    assert_eq!(
        (m["contact"]["id"].as_str(), m["from_id"].as_str(), m["tickets_moved"].as_i64()),
        (Some(keep.as_str()), Some(gone.as_str()), Some(1))
    );
    let tickets = app.api_json(&tok, &format!("/api/v1/contacts/{keep}/tickets")).await;
    assert_eq!(numbers(&tickets), vec![chat, 2, 1]);
    let moved = by_number(&app, &tok, 2).await;
    assert_eq!(moved["requester_id"], keep);
    assert_eq!(
        moved["version"].as_i64().unwrap(),
        moved_before["version"].as_i64().unwrap() + 1,
        "a change to the ticket"
    );
    let tomb = app.api_json(&tok, &format!("/api/v1/contacts/{gone}")).await;
    assert_eq!(
        (tomb["merged_into_id"].as_str(), tomb["email"].as_str()),
        (Some(keep.as_str()), Some("m.silva@gmail.com"))
    );
    let loser_tickets = app.api_json(&tok, &format!("/api/v1/contacts/{gone}/tickets")).await;
    assert!(numbers(&loser_tickets).is_empty());
    let listed = app.api_json(&tok, "/api/v1/contacts").await;
    assert!(listed["data"].as_array().unwrap().iter().all(|c| c["id"] != gone), "tombstones are not listed");

    // Later mail from the merged address, and a ticket opened for it by the API, land on the survivor.
    inbound(&app, &acme, "m.silva@gmail.com", "Again, after the merge").await;
    let api = api_ticket(&app, &tok, json!({"email": "M.Silva@gmail.com"}), "By API").await;
    assert_eq!(api["requester_id"], keep);
    let by_id = api_ticket(&app, &tok, json!({"id": gone}), "By the old id").await;
    assert_eq!(by_id["requester_id"], keep);
    let tickets = app.api_json(&tok, &format!("/api/v1/contacts/{keep}/tickets")).await;
    assert_eq!(tickets["data"].as_array().unwrap().len(), 6, "{tickets}");
    assert_eq!(tickets["data"][2]["subject"], "Again, after the merge");

    // In the console: the old address on the survivor's page, the audit on the moved ticket, the
    // tombstone's page leads to the survivor.
    let (c, _) = app.signed_in("acme", &email, &pw).await;
    let page = c.get(app.url(&format!("/contacts/{keep}"))).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("data-testid=\"contact-aliases\"") && page.contains("m.silva@gmail.com"));
    let ticket = c.get(app.url("/tickets/2")).send().await.unwrap().text().await.unwrap();
    assert!(ticket.contains("m.silva@gmail.com"), "the history names the former requester");
    let r = c.get(app.url(&format!("/contacts/{gone}"))).send().await.unwrap();
    assert_eq!(r.status(), 303);
    assert_eq!(r.headers()["location"], format!("/contacts/{keep}").as_str());

    // Merging the tombstone again is refused; so is merging into it.
    let (s, p) =
        send(&app, &tok, "POST", &format!("/api/v1/contacts/{keep}/merge"), Some(json!({"from_id": gone}))).await;
    assert_eq!((s, p["field"].as_str()), (422, Some("from_id")), "{p}");
    let (s, _) =
        send(&app, &tok, "POST", &format!("/api/v1/contacts/{gone}/merge"), Some(json!({"from_id": keep}))).await;
    assert_eq!(s, 422);
    // The event for webhooks and other consumers.
    let tid = acme.tenant_id();
    let kinds: Vec<String> = app
        .state
        .db
        .read(move |c| {
            use diesel::prelude::*;
            use meridian::db::schema::domain_events as e;
            Ok(e::table.filter(e::tenant_id.eq(tid.as_str())).select(e::kind).load::<String>(c)?)
        })
        .await
        .unwrap();
    assert_eq!(kinds.iter().filter(|k| *k == "contact.merged").count(), 1, "{kinds:?}");
}
both!(merge_moves_tickets_and_later_mail);

async fn merge_in_the_console(app: TestApp) {
    let (acme, email, pw) = app.seed_tenant("acme");
    let tok = token(&app, &acme);
    let keep = contact(&app, &tok, "ana@shop.example", "Ana Lima").await;
    let gone = contact(&app, &tok, "ana.lima@gmail.com", "Ana L.").await;
    api_ticket(&app, &tok, json!({"id": gone}), "Old one").await;
    let (c, csrf) = app.signed_in("acme", &email, &pw).await;
    let found = c.get(app.url(&format!("/contacts/{keep}/merge?q=ana"))).send().await.unwrap().text().await.unwrap();
    assert!(
        found.contains(&format!("?with={gone}")) && !found.contains(&format!("?with={keep}\"")),
        "itself not offered"
    );
    let preview = c.get(app.url(&format!("/contacts/{keep}/merge?with={gone}"))).send().await.unwrap();
    assert_eq!(preview.status(), 200);
    let preview = preview.text().await.unwrap();
    assert!(preview.contains("data-testid=\"contact-merge-preview\"") && preview.contains("ana.lima@gmail.com"));
    assert_eq!(field_value(&preview, "from_id").as_deref(), Some(gone.as_str()));
    let itself = c.get(app.url(&format!("/contacts/{keep}/merge?with={keep}"))).send().await.unwrap();
    assert_eq!(itself.status(), 422);
    assert!(itself.text().await.unwrap().contains("data-testid=\"merge-error\""));
    let unknown = c.get(app.url(&format!("/contacts/{keep}/merge?with=nosuch"))).send().await.unwrap();
    assert_eq!(unknown.status(), 422);
    let res = c
        .post(app.url(&format!("/contacts/{keep}/merge")))
        .form(&[("_csrf", csrf.as_str()), ("from_id", gone.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    assert_eq!(res.headers()["location"], format!("/contacts/{keep}?merged=1").as_str());
    let page = c.get(app.url(&format!("/contacts/{keep}?merged=1"))).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("data-testid=\"contact-notice\"") && page.contains("Old one"));
    let again = c
        .post(app.url(&format!("/contacts/{keep}/merge")))
        .form(&[("_csrf", csrf.as_str()), ("from_id", gone.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), 422);
}
both!(merge_in_the_console);

async fn bad_merge_input_gets_precise_errors(app: TestApp) {
    let (acme, _, _) = app.seed_tenant("acme");
    let tok = token(&app, &acme);
    let a = contact(&app, &tok, "a@firm.example", "A").await;
    let path = format!("/api/v1/contacts/{a}/merge");
    let (s, p) = send(&app, &tok, "POST", &path, Some(json!({"from_id": a}))).await;
    assert_eq!((s, p["field"].as_str()), (422, Some("from_id")), "{p}");
    assert!(p["detail"].as_str().unwrap().contains("itself"), "{p}");
    let (s, p) = send(&app, &tok, "POST", &path, Some(json!({"from_id": "nosuch"}))).await;
    assert_eq!((s, p["field"].as_str()), (422, Some("from_id")), "{p}");
    assert!(p["detail"].as_str().unwrap().contains("no contact"), "{p}");
    let (s, _) = send(&app, &tok, "POST", "/api/v1/contacts/nosuch/merge", Some(json!({"from_id": a}))).await;
    assert_eq!(s, 404);
    let (s, p) = send(&app, &tok, "POST", &path, Some(json!({"from_id": a, "also": 1}))).await;
    assert!(s == 400 || s == 422, "{s} {p}");
    let (s, p) = send(&app, &tok, "POST", &path, Some(json!({}))).await;
    assert!((s == 400 || s == 422) && p["detail"].as_str().unwrap().contains("from_id"), "{s} {p}");
    let broken = reqwest::Client::new()
        .post(app.url(&path))
        .bearer_auth(&tok)
        .header("content-type", "application/json")
        .body("{\"from_id\": ")
        .send()
        .await
        .unwrap();
    assert_eq!(broken.status(), 400);
    assert_eq!(broken.headers()["content-type"], "application/problem+json");
    let (s, _) = send(&app, &tok, "GET", "/api/v1/organizations?limit=500", None).await;
    assert_eq!(s, 422);
}
both!(bad_merge_input_gets_precise_errors);

async fn organisations_leave_out_free_mail(app: TestApp) {
    let (acme, email, pw) = app.seed_tenant("acme");
    let tok = token(&app, &acme);
    let ana = contact(&app, &tok, "ana@globex.example", "Ana").await;
    contact(&app, &tok, "bo@Globex.example", "Bo").await;
    contact(&app, &tok, "cy@initech.example", "Cy").await;
    for free in ["dee@gmail.com", "eve@qq.com", "fay@163.com", "gus@outlook.com"] {
        let id = contact(&app, &tok, free, "Free").await;
        api_ticket(&app, &tok, json!({"id": id}), "Free mail").await;
    }
    let open = api_ticket(&app, &tok, json!({"id": ana}), "Open one").await;
    let solved = api_ticket(&app, &tok, json!({"id": ana}), "Solved one").await;
    let (s, _) = send(
        &app,
        &tok,
        "PATCH",
        &format!("/api/v1/tickets/{}", solved["id"].as_str().unwrap()),
        Some(json!({"status": "solved"})),
    )
    .await;
    assert_eq!(s, 200);

    let list = app.api_json(&tok, "/api/v1/organizations").await;
    assert_eq!(
        list["data"],
        json!([{"domain": "globex.example", "contact_count": 2, "open_ticket_count": 1},
               {"domain": "initech.example", "contact_count": 1, "open_ticket_count": 0}])
    );
    let p1 = app.api_json(&tok, "/api/v1/organizations?limit=1").await;
    assert_eq!(p1["next_cursor"], "globex.example");
    let p2 = app.api_json(&tok, "/api/v1/organizations?limit=1&cursor=globex.example").await;
    assert_eq!((p2["data"][0]["domain"].as_str(), &p2["next_cursor"]), (Some("initech.example"), &Value::Null));
    let org = app.api_json(&tok, "/api/v1/organizations/GLOBEX.example").await;
    assert_eq!((org["domain"].as_str(), org["contact_count"].as_i64()), (Some("globex.example"), Some(2)));
    assert_eq!(org["contacts"].as_array().unwrap().len(), 2);
    let subjects: Vec<&str> =
        org["tickets"].as_array().unwrap().iter().map(|t| t["subject"].as_str().unwrap()).collect();
    assert_eq!(subjects, ["Solved one", "Open one"]);
    assert_eq!(open["requester_id"], ana);
    for free in ["gmail.com", "qq.com", "163.com", "outlook.com", "nosuch.example"] {
        let (s, _) = send(&app, &tok, "GET", &format!("/api/v1/organizations/{free}"), None).await;
        assert_eq!(s, 404, "{free}");
    }
    let c = app.api_json(&tok, &format!("/api/v1/contacts/{ana}")).await;
    assert_eq!(c["organization"], "globex.example");

    let (client, _) = app.signed_in("acme", &email, &pw).await;
    let page = client.get(app.url("/organizations")).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("data-domain=\"globex.example\"") && page.contains("data-domain=\"initech.example\""));
    assert!(!page.contains("gmail.com\"") && !page.contains("data-domain=\"qq.com\""), "{page}");
    let page = client.get(app.url("/organizations/globex.example")).send().await.unwrap().text().await.unwrap();
    assert!(page.contains(&format!("/contacts/{ana}")) && page.contains("Open one") && !page.contains("Free mail"));
    assert_eq!(client.get(app.url("/organizations/gmail.com")).send().await.unwrap().status(), 404);
}
both!(organisations_leave_out_free_mail);

async fn other_tenants_contacts_and_domains_are_not_found(app: TestApp) {
    let (acme, email, pw) = app.seed_tenant("acme");
    let (beta, _, _) = app.seed_tenant("beta");
    let (tok, btok) = (token(&app, &acme), token(&app, &beta));
    let mine = contact(&app, &tok, "me@acme-customer.example", "Mine").await;
    let theirs = contact(&app, &btok, "secret@beta-customer.example", "Theirs").await;
    api_ticket(&app, &btok, json!({"id": theirs}), "Beta's secret ticket").await;
    for (method, path, body) in [
        ("GET", format!("/api/v1/contacts/{theirs}/tickets"), None),
        ("POST", format!("/api/v1/contacts/{theirs}/merge"), Some(json!({"from_id": mine}))),
        ("GET", "/api/v1/organizations/beta-customer.example".to_string(), None),
    ] {
        let (s, p) = send(&app, &tok, method, &path, body).await;
        assert_eq!(s, 404, "{method} {path}: {p}");
        assert!(!p.to_string().contains("secret"), "{p}");
    }
    let (s, p) =
        send(&app, &tok, "POST", &format!("/api/v1/contacts/{mine}/merge"), Some(json!({"from_id": theirs}))).await;
    assert_eq!((s, p["field"].as_str()), (422, Some("from_id")), "another tenant's contact is unknown: {p}");
    let list = app.api_json(&tok, "/api/v1/organizations").await;
    assert_eq!(list["data"].as_array().unwrap().len(), 1, "{list}");
    let still = app.api_json(&btok, &format!("/api/v1/contacts/{theirs}/tickets")).await;
    assert_eq!(numbers(&still).len(), 1, "beta's contact untouched");

    let (c, csrf) = app.signed_in("acme", &email, &pw).await;
    for path in [
        format!("/contacts/{theirs}"),
        format!("/contacts/{theirs}/merge"),
        format!("/contacts/{theirs}/merge?with={mine}"),
        "/organizations/beta-customer.example".to_string(),
    ] {
        let r = c.get(app.url(&path)).send().await.unwrap();
        assert_eq!(r.status(), 404, "{path}");
        assert!(!r.text().await.unwrap().contains("Beta's secret"), "{path}");
    }
    for path in [format!("/contacts/{theirs}"), format!("/contacts/{theirs}/merge")] {
        let r = c
            .post(app.url(&path))
            .form(&[("_csrf", csrf.as_str()), ("name", "Hijack"), ("from_id", mine.as_str())])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 404, "POST {path}");
    }
    let r = c
        .post(app.url(&format!("/contacts/{mine}/merge")))
        .form(&[("_csrf", csrf.as_str()), ("from_id", theirs.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    let list = c.get(app.url("/contacts?q=secret")).send().await.unwrap().text().await.unwrap();
    assert!(!list.contains(&theirs));
    let b = app.api_json(&btok, &format!("/api/v1/contacts/{theirs}")).await;
    assert_eq!((b["name"].as_str(), &b["merged_into_id"]), (Some("Theirs"), &Value::Null));
}
both!(other_tenants_contacts_and_domains_are_not_found);

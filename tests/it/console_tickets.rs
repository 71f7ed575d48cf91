//! The console's inbox and ticket page: views, forms, bulk actions, live updates, isolation.

use std::time::Duration;

use futures_util::StreamExt;
use meridian::accounts::Role;
use meridian::tenancy::Tenant;
use meridian::tickets::commands::{self, NewTicket, Requester};
use meridian::tickets::{teams, Channel, Priority, Ticket};

use crate::harness::{wait_for_frame, TestApp};

fn ticket(
    app: &TestApp,
    tenant: &Tenant,
    subject: &str,
    priority: Priority,
    language: Option<&str>,
    team: Option<&str>,
) -> Ticket {
    let new = NewTicket {
        subject: subject.into(),
        body_text: format!("Body of {subject}"),
        body_html: None,
        requester: Requester::Email { email: "maria@example.com".into(), name: Some("Maria Silva".into()) },
        priority,
        tags: vec![],
        language: language.map(str::to_string),
        channel: Channel::Email,
        assignee_id: None,
        team_id: team.map(Into::into),
    };
    app.open_ticket(tenant, new)
}

async fn text(client: &reqwest::Client, url: String) -> String {
    client.get(url).send().await.unwrap().text().await.unwrap()
}

async fn views_filters_sorting_and_pages(app: TestApp) {
    let (t, email, pw) = app.seed_tenant("acme");
    let team = app.state.db.write_blocking(|c| teams::create(c, &t.tenant_id(), "Lusophone")).unwrap();
    ticket(&app, &t, "Low thing", Priority::Low, Some("en"), None);
    ticket(&app, &t, "Urgent outage", Priority::Urgent, Some("pt-BR"), Some(&team.id));
    ticket(&app, &t, "Portuguese normal", Priority::Normal, Some("pt-BR"), Some(&team.id));
    let (c, _) = app.signed_in("acme", &email, &pw).await;
    let all = text(&c, app.url("/inbox?view=all_open&sort=priority")).await;
    let pos = |s: &str| all.find(s).unwrap_or_else(|| panic!("{s} missing"));
    assert!(
        pos("Urgent outage") < pos("Portuguese normal") && pos("Portuguese normal") < pos("Low thing"),
        "priority order"
    );
    assert!(all.contains(r#"data-view="all_open">All open <span class="count">3</span>"#), "{all}");
    assert!(all.contains(r#"data-view="unassigned">Unassigned <span class="count">3</span>"#));
    let filtered = text(&c, app.url(&format!("/inbox?team={}&language=pt-BR", team.id))).await;
    assert!(
        filtered.contains("Urgent outage") && filtered.contains("Portuguese normal") && !filtered.contains("Low thing")
    );
    let search = text(&c, app.url("/inbox?q=OUTAGE")).await;
    assert!(search.contains("Urgent outage") && !search.contains("Low thing"));
    let mine = text(&c, app.url("/inbox")).await;
    assert!(mine.contains("Nothing is assigned to you"), "my open view is empty at first, and says so");
    for i in 0..52 {
        ticket(&app, &t, &format!("Bulk {i:02}"), Priority::Normal, None, None);
    }
    let page1 = text(&c, app.url("/inbox?view=all_open&sort=age")).await;
    let next = page1
        .split("rel=\"next\"")
        .next()
        .unwrap()
        .rsplit("href=\"")
        .next()
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .replace("&amp;", "&")
        .replace("&#38;", "&");
    assert!(next.contains("cursor="), "{next}");
    let page2 = text(&c, app.url(&next)).await;
    assert_eq!(page2.matches("data-ticket=").count(), 5);
    assert!(page2.contains("Bulk 51") && !page2.contains("Low thing"));
    // The second page links back to the first.
    let prev = page2.split("rel=\"prev\"").next().unwrap().rsplit("href=\"").next().unwrap().split('"').next().unwrap();
    let prev = prev.replace("&amp;", "&").replace("&#38;", "&");
    assert!(!prev.contains("cursor="), "the first page has no cursor: {prev}");
    let back = text(&c, app.url(&prev)).await;
    assert_eq!(back.matches("data-ticket=").count(), 50);
    assert!(back.contains("Low thing") && !back.contains("rel=\"prev\""), "back on the first page");
}
both!(views_filters_sorting_and_pages);

async fn ticket_page_reply_note_update_merge_and_new(app: TestApp) {
    let (t, email, pw) = app.seed_tenant("acme");
    let tk = ticket(&app, &t, "Cannot log in", Priority::High, Some("en"), None);
    let (c, csrf) = app.signed_in("acme", &email, &pw).await;
    let page = text(&c, app.url(&format!("/tickets/{}", tk.number))).await;
    assert!(page.contains("Cannot log in") && page.contains("Body of Cannot log in") && page.contains("Maria Silva"));
    let r = c
        .post(app.url(&format!("/tickets/{}/messages", tk.number)))
        .form(&[
            ("_csrf", csrf.as_str()),
            ("kind", "reply"),
            ("body", "Try resetting <b>your</b> password."),
            ("status", "pending"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    c.post(app.url(&format!("/tickets/{}/messages", tk.number)))
        .form(&[("_csrf", csrf.as_str()), ("kind", "note"), ("body", "Customer is on the legacy plan")])
        .send()
        .await
        .unwrap();
    let page = text(&c, app.url(&format!("/tickets/{}", tk.number))).await;
    assert!(
        page.contains("Try resetting &lt;b&gt;your&lt;/b&gt; password.")
            || page.contains("Try resetting &#60;b&#62;your"),
        "agent text is escaped"
    );
    assert!(page.contains("msg msg-note") && page.contains("Customer is on the legacy plan"));
    assert!(page.contains("status-pending"));
    // Side panel: assign to me, tags, priority.
    let me_id = app
        .state
        .db
        .write_blocking(|c| meridian::accounts::agents::by_email(c, &t.tenant_id(), &email))
        .unwrap()
        .unwrap()
        .id;
    let r = c
        .post(app.url(&format!("/tickets/{}/update", tk.number)))
        .form(&[
            ("_csrf", csrf.as_str()),
            ("assignee", me_id.as_str()),
            ("priority", "urgent"),
            ("tags", "login, vip"),
            ("status", "open"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    let mine = text(&c, app.url("/inbox?view=my_open")).await;
    assert!(mine.contains("Cannot log in"));
    let page = text(&c, app.url(&format!("/tickets/{}", tk.number))).await;
    assert!(page.contains("value=\"login vip\""), "tags saved");
    assert!(page.contains("priority") && page.contains("urgent"), "history shows the change");
    // New ticket through the console, then merge the first into it.
    let r = c
        .post(app.url("/tickets/new"))
        .form(&[
            ("_csrf", csrf.as_str()),
            ("email", "joe@example.com"),
            ("name", "Joe"),
            ("subject", "Phone call"),
            ("body", "Called about login"),
            ("priority", "normal"),
            ("language", ""),
            ("tags", ""),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    let loc = r.headers()["location"].to_str().unwrap().to_string();
    let new_number = loc.trim_start_matches("/tickets/").to_string();
    let r = c
        .post(app.url(&format!("/tickets/{}/merge", tk.number)))
        .form(&[("_csrf", csrf.as_str()), ("target", format!("#{new_number}").as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    let merged = text(&c, app.url(&loc)).await;
    assert!(merged.contains("Try resetting") && merged.contains("was merged into"), "messages moved");
    let old = text(&c, app.url(&format!("/tickets/{}", tk.number))).await;
    assert!(old.contains("Merged into") && old.contains("status-closed"));
    // A stale version in the side panel is refused.
    let r = c
        .post(app.url(&format!("/tickets/{new_number}/update")))
        .form(&[("_csrf", csrf.as_str()), ("priority", "low"), ("version", "1")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 412);
    assert!(r.text().await.unwrap().contains("Someone else saved this ticket first."));
}
both!(ticket_page_reply_note_update_merge_and_new);

async fn bulk_actions_apply_to_selected_rows(app: TestApp) {
    let (t, email, pw) = app.seed_tenant("acme");
    let a = ticket(&app, &t, "One", Priority::Normal, None, None);
    let b = ticket(&app, &t, "Two", Priority::Normal, None, None);
    let other = ticket(&app, &t, "Three", Priority::Normal, None, None);
    let (c, csrf) = app.signed_in("acme", &email, &pw).await;
    let (ka, kb) = (format!("t_{}", a.id), format!("t_{}", b.id));
    let r = c
        .post(app.url("/inbox/bulk"))
        .form(&[
            ("_csrf", csrf.as_str()),
            (ka.as_str(), "on"),
            (kb.as_str(), "on"),
            ("status", "pending"),
            ("assignee", "me"),
            ("add_tag", "billing"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    let get = |id: &str| app.state.db.write_blocking(|c| commands::get(c, &t.tenant_id(), &id.into())).unwrap();
    for id in [&a.id, &b.id] {
        let t = get(id);
        assert_eq!(t.status, "pending");
        assert_eq!(t.tags, "billing");
        assert!(t.assignee_id.is_some());
    }
    assert_eq!(get(&other.id).status, "new");
    let r = c.post(app.url("/inbox/bulk")).form(&[("_csrf", csrf.as_str()), (ka.as_str(), "on")]).send().await.unwrap();
    assert_eq!(r.status(), 422, "nothing to change");
}
both!(bulk_actions_apply_to_selected_rows);

async fn other_tenants_tickets_are_404_in_the_console(app: TestApp) {
    let (_a, email, pw) = app.seed_tenant("alpha");
    let (b, b_email, b_pw) = app.seed_tenant("bravo");
    let bt = ticket(&app, &b, "Bravo secret", Priority::High, None, None);
    let (c, csrf) = app.signed_in("alpha", &email, &pw).await;
    for path in
        [format!("/tickets/{}", bt.id), format!("/tickets/{}/timeline", bt.id), format!("/tickets/{}", bt.number)]
    {
        let r = c.get(app.url(&path)).send().await.unwrap();
        assert_eq!(r.status(), 404, "{path}");
        assert!(!r.text().await.unwrap().contains("Bravo secret"));
    }
    for (path, form) in [
        (format!("/tickets/{}/messages", bt.id), vec![("kind", "reply"), ("body", "hi")]),
        (format!("/tickets/{}/update", bt.id), vec![("status", "solved")]),
        (format!("/tickets/{}/merge", bt.id), vec![("target", "1")]),
        ("/inbox/bulk".to_string(), vec![("status", "solved")]),
    ] {
        let key = format!("t_{}", bt.id);
        let mut form: Vec<(&str, &str)> = form;
        form.push(("_csrf", csrf.as_str()));
        form.push((key.as_str(), "on"));
        let r = c.post(app.url(&path)).form(&form).send().await.unwrap();
        assert_eq!(r.status(), 404, "POST {path}");
    }
    assert_eq!(app.state.db.write_blocking(|c| commands::get(c, &b.tenant_id(), &bt.id)).unwrap().status, "new");
    // B's saved view is not A's.
    let (cb, csrf_b) = app.signed_in("bravo", &b_email, &b_pw).await;
    let r = cb
        .post(app.url("/inbox/views"))
        .form(&[("_csrf", csrf_b.as_str()), ("name", "Bravo view"), ("priority", "high")])
        .send()
        .await
        .unwrap();
    let loc = r.headers()["location"].to_str().unwrap().to_string();
    assert_eq!(cb.get(app.url(&loc)).send().await.unwrap().status(), 200);
    assert_eq!(c.get(app.url(&loc)).send().await.unwrap().status(), 404);
    let inbox = text(&c, app.url("/inbox?view=all_open")).await;
    assert!(!inbox.contains("Bravo secret") && !inbox.contains("Bravo view"));
}
both!(other_tenants_tickets_are_404_in_the_console);

async fn second_agent_sees_reply_and_presence_live(app: TestApp) {
    let (t, email, pw) = app.seed_tenant("acme");
    let (_, e2, p2) = app.add_agent(&t, "Bruno", Role::Agent);
    let (other_tenant, _, _) = app.seed_tenant("other");
    let tk = ticket(&app, &t, "Live one", Priority::Normal, None, None);
    let (a, csrf_a) = app.signed_in("acme", &email, &pw).await;
    let (b, _) = app.signed_in("acme", &e2, &p2).await;
    let inbox_stream = b.get(app.url("/events")).send().await.unwrap();
    assert_eq!(inbox_stream.headers()["content-type"], "text/event-stream");
    let mut inbox_stream = inbox_stream.bytes_stream();
    assert!(wait_for_frame(&mut inbox_stream, 5, |f| f.contains("connected")).await.is_some());
    // Agent A opens the ticket page's stream; B's ticket stream then reports A as a viewer.
    let mut a_ticket = a.get(app.url(&format!("/events?ticket={}", tk.id))).send().await.unwrap().bytes_stream();
    assert!(wait_for_frame(&mut a_ticket, 5, |f| f.contains("connected")).await.is_some());
    let mut b_ticket = b.get(app.url(&format!("/events?ticket={}", tk.id))).send().await.unwrap().bytes_stream();
    let presence = wait_for_frame(&mut b_ticket, 5, |f| {
        f.starts_with("event: presence") && f.contains("acme Owner") && f.contains("Bruno")
    })
    .await;
    assert!(presence.is_some(), "B sees that A is viewing");
    // Another tenant's change never reaches acme's streams.
    ticket(&app, &other_tenant, "Not yours", Priority::Normal, None, None);
    app.state.wake_jobs();
    // A replies; B's inbox stream and ticket stream both get the event.
    let r = a
        .post(app.url(&format!("/tickets/{}/messages", tk.number)))
        .form(&[("_csrf", csrf_a.as_str()), ("kind", "reply"), ("body", "On it!")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    let frame =
        wait_for_frame(&mut inbox_stream, 10, |f| f.starts_with("event: ticket") && f.contains("message_added"))
            .await
            .expect("B's inbox hears the reply");
    assert!(frame.contains(tk.id.as_str()) && !frame.contains("Not yours"));
    assert!(wait_for_frame(&mut b_ticket, 10, |f| f.starts_with("event: ticket") && f.contains(tk.id.as_str()))
        .await
        .is_some());
    let timeline = text(&b, app.url(&format!("/tickets/{}/timeline", tk.id))).await;
    assert!(timeline.contains("On it!"));
    // When A leaves, B is told A is gone.
    drop(a_ticket);
    let gone =
        wait_for_frame(&mut b_ticket, 20, |f| f.starts_with("event: presence") && !f.contains("acme Owner")).await;
    assert!(gone.is_some(), "presence updates when a viewer leaves");
}
both!(second_agent_sees_reply_and_presence_live);

async fn hostile_html_never_runs_in_the_console(app: TestApp) {
    let (t, email, pw) = app.seed_tenant("acme");
    let new = NewTicket {
        subject: "<img src=x onerror=alert(1)>".into(),
        body_text: "<script>alert('text')</script>".into(),
        body_html: Some("<p>Hello<script>alert(2)</script><img src=x onerror=alert(3)><iframe src=//evil></iframe><a href=\"javascript:alert(4)\">link</a></p>".into()),
        requester: Requester::Email { email: "evil@example.com".into(), name: Some("<svg onload=alert(5)>".into()) },
        priority: Priority::Normal,
        tags: vec![],
        language: None,
        channel: Channel::Email,
        assignee_id: None,
        team_id: None,
    };
    let tk = app.open_ticket(&t, new);
    let (c, _) = app.signed_in("acme", &email, &pw).await;
    for path in [format!("/tickets/{}", tk.number), "/inbox?view=all_open".to_string()] {
        let page = text(&c, app.url(&path)).await;
        for bad in ["<script>alert", "<iframe", "href=\"javascript:", "<svg", "<img src=x"] {
            assert!(!page.contains(bad), "{path} contains {bad}");
        }
        // Escaped text (and a quoted attribute value, such as a tooltip) may mention onerror; a real
        // tag must never carry an event handler among its attribute names.
        for tag in page.split('<').skip(1).map(|rest| rest.split('>').next().unwrap_or("")) {
            let names: String = tag.split('"').step_by(2).collect();
            assert!(
                !names.contains("onerror") && !names.contains("onload") && !names.contains("onclick"),
                "{path}: <{tag}>"
            );
        }
        assert!(page.contains("Hello") || path.contains("inbox"));
    }
}
both!(hostile_html_never_runs_in_the_console);

/// Two server processes on one PostgreSQL database: a reply posted through one reaches a browser
/// streaming from the other (LISTEN/NOTIFY), in real time.
#[actix_web::test]
async fn live_events_cross_processes_on_postgres() {
    let Some(app) = TestApp::start(crate::harness::Backend::Postgres).await else { return };
    let (t, email, pw) = app.seed_tenant("acme");
    let (_, e2, p2) = app.add_agent(&t, "Bruno", Role::Agent);
    let tk = ticket(&app, &t, "Across processes", Priority::Normal, None, None);
    let (peer, peer_base) = app.peer().await;
    let (a, csrf_a) = app.signed_in("acme", &email, &pw).await;
    // Bruno's browser talks only to the second process.
    let (b, _) = app.signed_in_at(&peer_base, "acme", &e2, &p2).await;
    let mut stream = b.get(format!("{peer_base}/events")).send().await.unwrap().bytes_stream();
    assert!(wait_for_frame(&mut stream, 5, |f| f.contains("connected")).await.is_some());
    let r = a
        .post(app.url(&format!("/tickets/{}/messages", tk.number)))
        .form(&[("_csrf", csrf_a.as_str()), ("kind", "reply"), ("body", "Hello from process one")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    let frame = wait_for_frame(&mut stream, 10, |f| f.starts_with("event: ticket") && f.contains(tk.id.as_str())).await;
    assert!(frame.is_some(), "the other process's browser hears the reply");
    // Shutdown ends open streams cleanly (end of body), rather than cutting them off when the
    // grace period runs out.
    peer.stop().await;
    while let Some(chunk) = stream.next().await {
        assert!(chunk.is_ok(), "the stream was cut off instead of ended: {chunk:?}");
    }
}

/// Two agents on two processes open the same ticket: each sees the other, and sees them leave.
#[actix_web::test]
async fn presence_crosses_processes_on_postgres() {
    let Some(app) = TestApp::start(crate::harness::Backend::Postgres).await else { return };
    let (t, email, pw) = app.seed_tenant("acme");
    let (_, e2, p2) = app.add_agent(&t, "Bruno", Role::Agent);
    let tk = ticket(&app, &t, "Watched twice", Priority::Normal, None, None);
    let (peer, peer_base) = app.peer().await;
    let (a, _) = app.signed_in("acme", &email, &pw).await;
    let (b, _) = app.signed_in_at(&peer_base, "acme", &e2, &p2).await;
    let mut a_ticket = a.get(app.url(&format!("/events?ticket={}", tk.id))).send().await.unwrap().bytes_stream();
    assert!(wait_for_frame(&mut a_ticket, 5, |f| f.contains("connected")).await.is_some());
    let b_ticket = b.get(format!("{peer_base}/events?ticket={}", tk.id)).send().await.unwrap();
    let mut b_ticket = b_ticket.bytes_stream();
    let both = |f: &str| f.starts_with("event: presence") && f.contains("acme Owner") && f.contains("Bruno");
    assert!(
        wait_for_frame(&mut b_ticket, 10, both).await.is_some(),
        "Bruno sees the owner, who is on the other process"
    );
    assert!(wait_for_frame(&mut a_ticket, 10, both).await.is_some(), "the owner sees Bruno");
    drop(b_ticket);
    let alone = |f: &str| f.starts_with("event: presence") && f.contains("acme Owner") && !f.contains("Bruno");
    assert!(wait_for_frame(&mut a_ticket, 20, alone).await.is_some(), "Bruno's leaving reaches the other process");
    peer.stop().await;
}

async fn view_counts_stay_fresh_after_changes(app: TestApp) {
    let (t, email, pw) = app.seed_tenant("acme");
    let a = ticket(&app, &t, "Count one", Priority::Normal, None, None);
    let b = ticket(&app, &t, "Count two", Priority::Normal, None, None);
    let (c, csrf) = app.signed_in("acme", &email, &pw).await;
    let count_of = |html: &str, view: &str| {
        let marker = format!("data-view=\"{view}\">");
        let s = html.find(&marker).unwrap();
        let rest = &html[s..];
        let n = rest.find("class=\"count\">").unwrap() + 14;
        rest[n..n + rest[n..].find('<').unwrap()].to_string()
    };
    let html = text(&c, app.url("/inbox")).await;
    assert_eq!((count_of(&html, "my_open"), count_of(&html, "unassigned")), ("0".into(), "2".into()));
    // My own change shows at once on the page I am sent back to.
    let key = format!("t_{}", a.id);
    c.post(app.url("/inbox/bulk"))
        .form(&[("_csrf", csrf.as_str()), (key.as_str(), "on"), ("assignee", "me")])
        .send()
        .await
        .unwrap();
    let html = text(&c, app.url("/inbox")).await;
    assert_eq!((count_of(&html, "my_open"), count_of(&html, "unassigned")), ("1".into(), "1".into()));
    // Someone else's change (through the API) shows once its live event arrives.
    let tok =
        app.state.db.write_blocking(|c| meridian::accounts::tokens::create(c, &t.tenant_id(), "t", None)).unwrap().1;
    reqwest::Client::new()
        .patch(app.url(&format!("/api/v1/tickets/{}", b.id)))
        .bearer_auth(&tok)
        .json(&serde_json::json!({"status": "pending"}))
        .send()
        .await
        .unwrap();
    let mut fresh = false;
    for _ in 0..100 {
        let html = text(&c, app.url("/inbox")).await;
        if count_of(&html, "unassigned") == "0" && count_of(&html, "pending") == "1" {
            fresh = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(fresh, "counts caught up with another writer's change");
}
both!(view_counts_stay_fresh_after_changes);

async fn a_corrupt_saved_view_errors_alone(app: TestApp) {
    let (t, email, pw) = app.seed_tenant("acme");
    ticket(&app, &t, "Urgent outage", Priority::Urgent, None, None);
    ticket(&app, &t, "Low thing", Priority::Low, None, None);
    let (c, csrf) = app.signed_in("acme", &email, &pw).await;
    let mut saved = vec![];
    for (name, priority) in [("Broken view", "urgent"), ("Quiet view", "low")] {
        let r = c
            .post(app.url("/inbox/views"))
            .form(&[("_csrf", csrf.as_str()), ("name", name), ("priority", priority)])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 303);
        saved.push(r.headers()["location"].to_str().unwrap().to_string());
    }
    let broken_id = saved[0].trim_start_matches("/inbox?saved=").to_string();
    app.state
        .db
        .write_blocking(move |conn| {
            use diesel::prelude::*;
            use meridian::db::schema::saved_views;
            diesel::update(saved_views::table.filter(saved_views::id.eq(&broken_id)))
                .set(saved_views::filters.eq("{\"priority\": [unterminated"))
                .execute(conn)?;
            Ok(())
        })
        .unwrap();
    app.state.live.bump(t.id.as_str());
    // The broken view says so, and shows no tickets under its name.
    let r = c.get(app.url(&saved[0])).send().await.unwrap();
    assert_eq!(r.status(), 422);
    let page = r.text().await.unwrap();
    assert!(page.contains("This saved view can no longer be read."), "{page}");
    assert!(!page.contains("Urgent outage") && !page.contains("Low thing"), "{page}");
    // The other views, and the sidebar listing both, still work.
    let quiet = text(&c, app.url(&saved[1])).await;
    assert!(quiet.contains("Low thing") && !quiet.contains("Urgent outage"), "{quiet}");
    assert!(quiet.contains("Broken view <span class=\"count\">?</span>"), "{quiet}");
    assert!(quiet.contains("Quiet view <span class=\"count\">1</span>"), "{quiet}");
    let all = text(&c, app.url("/inbox?view=all_open")).await;
    assert!(all.contains("Urgent outage") && all.contains("Low thing"));
}
both!(a_corrupt_saved_view_errors_alone);

/// The viewers in a presence frame, as (id, name).
fn frame_viewers(frame: &str) -> Vec<(String, String)> {
    let data = frame.lines().find_map(|l| l.strip_prefix("data: ")).expect("data line");
    let v: serde_json::Value = serde_json::from_str(data).unwrap();
    v["viewers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| (x["id"].as_str().unwrap().to_string(), x["name"].as_str().unwrap().to_string()))
        .collect()
}

async fn agents_with_the_same_name_see_each_other(app: TestApp) {
    let (t, _, _) = app.seed_tenant("acme");
    let (id_a, e_a, p_a) = app.add_agent(&t, "Ana", Role::Agent);
    let (id_b, e_b, p_b) = app.add_agent(&t, "Anabel", Role::Agent);
    app.state
        .db
        .write_blocking(|c| meridian::accounts::agents::update_profile(c, &t.tenant_id(), &id_b, "Ana", None, None))
        .unwrap();
    let tk = ticket(&app, &t, "Watched by two Anas", Priority::Normal, None, None);
    let (a, _) = app.signed_in("acme", &e_a, &p_a).await;
    let (b, _) = app.signed_in("acme", &e_b, &p_b).await;
    let mut a_ticket = a.get(app.url(&format!("/events?ticket={}", tk.id))).send().await.unwrap().bytes_stream();
    assert!(wait_for_frame(&mut a_ticket, 5, |f| f.contains("connected")).await.is_some());
    let mut b_ticket = b.get(app.url(&format!("/events?ticket={}", tk.id))).send().await.unwrap().bytes_stream();
    let expected = vec![(id_a.clone(), "Ana".to_string()), (id_b.clone(), "Ana".to_string())];
    let mut expected_sorted = expected.clone();
    expected_sorted.sort();
    let two = |f: &str| {
        f.starts_with("event: presence") && {
            let mut v = frame_viewers(f);
            v.sort();
            v == expected_sorted
        }
    };
    assert!(wait_for_frame(&mut b_ticket, 5, two).await.is_some(), "the second Ana sees the first");
    assert!(wait_for_frame(&mut a_ticket, 5, two).await.is_some(), "the first Ana sees the second");
    // The ticket page carries the viewer's own id, which the script leaves out of "also viewing".
    let page = text(&a, app.url(&format!("/tickets/{}", tk.number))).await;
    assert!(page.contains(&format!("data-agent=\"{id_a}\"")), "{page}");
    drop(b_ticket);
    let alone = |f: &str| f.starts_with("event: presence") && frame_viewers(f) == vec![(id_a.clone(), "Ana".into())];
    assert!(wait_for_frame(&mut a_ticket, 20, alone).await.is_some(), "the second Ana's leaving is seen");
}
both!(agents_with_the_same_name_see_each_other);

async fn merge_notes_show_in_the_viewers_language(app: TestApp) {
    let (t, email, pw) = app.seed_tenant_with("acme", "zh-CN", Role::Owner);
    let source = ticket(&app, &t, "First", Priority::Normal, None, None);
    let target = ticket(&app, &t, "Second", Priority::Normal, None, None);
    let (c, csrf) = app.signed_in("acme", &email, &pw).await;
    let r = c
        .post(app.url(&format!("/tickets/{}/merge", source.number)))
        .form(&[("_csrf", csrf.as_str()), ("target", format!("#{}", target.number).as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    let chinese = format!("#{} 已合并到 #{}", source.number, target.number);
    let english = format!("#{} was merged into #{}", source.number, target.number);
    for path in [format!("/tickets/{}", target.number), format!("/tickets/{}/timeline", target.id)] {
        let page = text(&c, app.url(&path)).await;
        assert!(page.contains(&chinese), "{path}: {page}");
        assert!(!page.contains(&english), "{path}: {page}");
    }
    // API clients still read the English text.
    let tok =
        app.state.db.write_blocking(|c| meridian::accounts::tokens::create(c, &t.tenant_id(), "test", None)).unwrap().1;
    let msgs = app.api_json(&tok, &format!("/api/v1/tickets/{}/messages", target.id)).await;
    assert!(msgs.to_string().contains(&english), "{msgs}");
    assert!(!msgs.to_string().contains("system_key"), "{msgs}");
}
both!(merge_notes_show_in_the_viewers_language);

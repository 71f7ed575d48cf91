//! Refused console forms come back filled in, inside the normal layout, with the reason next to the
//! field (422); a save that lost a race shows theirs against yours and can be sent again (412).

use meridian::accounts::Role;
use meridian::tenancy::Tenant;
use meridian::tickets::commands::{NewTicket, Requester};
use meridian::tickets::{Channel, Priority, Ticket};

use crate::harness::TestApp;

fn ticket(app: &TestApp, tenant: &Tenant, subject: &str) -> Ticket {
    app.open_ticket(
        tenant,
        NewTicket {
            subject: subject.into(),
            body_text: format!("Body of {subject}"),
            body_html: None,
            requester: Requester::Email { email: "maria@example.com".into(), name: Some("Maria Silva".into()) },
            priority: Priority::Normal,
            tags: vec![],
            language: None,
            channel: Channel::Email,
            assignee_id: None,
            team_id: None,
        },
    )
}

/// The response's status and body.
async fn post(c: &reqwest::Client, url: String, form: &[(&str, &str)]) -> (u16, String) {
    let r = c.post(url).form(form).send().await.unwrap();
    (r.status().as_u16(), r.text().await.unwrap())
}

fn has_nav(html: &str) -> bool {
    html.contains(r#"<nav id="primary-nav""#)
        && html.contains(r#"href="/inbox""#)
        && html.contains(r#"action="/logout""#)
}

async fn refused_forms_keep_what_was_typed(app: TestApp) {
    let (_t, email, pw) = app.seed_tenant("acme");
    let (c, csrf) = app.signed_in("acme", &email, &pw).await;

    // New ticket: a bad address is named next to the email field; the rest stays typed.
    let (status, page) = post(
        &c,
        app.url("/tickets/new"),
        &[
            ("_csrf", &csrf),
            ("email", "not-an-address"),
            ("name", "Joe Caller"),
            ("subject", "Phoned about the invoice"),
            ("body", "He wants a copy of March's invoice."),
            ("priority", "high"),
            ("language", ""),
            ("tags", "billing"),
        ],
    )
    .await;
    assert_eq!(status, 422, "{page}");
    assert!(has_nav(&page), "the refused form is inside the console layout: {page}");
    assert!(
        page.contains(r#"<span class="field-error" id="email-error">Enter a valid email address.</span>"#),
        "{page}"
    );
    assert!(page.contains(r#"aria-invalid="true" aria-describedby="email-error""#), "{page}");
    for kept in [
        r#"value="not-an-address""#,
        r#"value="Joe Caller""#,
        r#"value="Phoned about the invoice""#,
        "He wants a copy of March&#39;s invoice.",
        r#"value="high" selected"#,
        r#"value="billing""#,
    ] {
        assert!(page.contains(kept), "{kept} lost: {page}");
    }
    // A bad language tag and an unknown priority are named at their own fields.
    let (status, page) = post(
        &c,
        app.url("/tickets/new"),
        &[
            ("_csrf", &csrf),
            ("email", "joe@example.com"),
            ("subject", "S"),
            ("body", "B"),
            ("priority", "normal"),
            ("language", "x y z"),
        ],
    )
    .await;
    assert_eq!(status, 422);
    assert!(page.contains(r#"id="language-error""#) && page.contains(r#"value="x y z""#), "{page}");
    let (status, page) = post(
        &c,
        app.url("/tickets/new"),
        &[("_csrf", &csrf), ("email", "joe@example.com"), ("subject", "S"), ("body", "B"), ("priority", "whenever")],
    )
    .await;
    assert_eq!(status, 422);
    assert!(page.contains(r#"id="priority-error""#) && page.contains("Choose a priority from the list."), "{page}");

    // Profile: an unknown time zone is named next to the field, with what was typed.
    let (status, page) = post(
        &c,
        app.url("/profile"),
        &[("_csrf", &csrf), ("name", "Renamed Owner"), ("locale", ""), ("time_zone", "Mars/Olympus_Mons")],
    )
    .await;
    assert_eq!(status, 422);
    assert!(has_nav(&page));
    assert!(page.contains(r#"id="time_zone-error""#) && page.contains("Choose a time zone from the list"), "{page}");
    assert!(page.contains(r#"value="Mars/Olympus_Mons""#) && page.contains(r#"value="Renamed Owner""#), "{page}");
    // Nothing was saved.
    let profile = c.get(app.url("/profile")).send().await.unwrap().text().await.unwrap();
    assert!(!profile.contains("Renamed Owner") && !profile.contains("Olympus"), "the refused profile was saved");

    // The server is still up and answers the fixed form.
    let (status, _) = post(
        &c,
        app.url("/profile"),
        &[("_csrf", &csrf), ("name", "Renamed Owner"), ("locale", ""), ("time_zone", "Asia/Shanghai")],
    )
    .await;
    assert_eq!(status, 303);
}
both!(refused_forms_keep_what_was_typed);

async fn ticket_properties_refused_and_raced(app: TestApp) {
    let (t, email, pw) = app.seed_tenant("acme");
    let (_bob_id, bob_email, bob_pw) = app.add_agent(&t, "Bob", Role::Agent);
    let tk = ticket(&app, &t, "Cannot log in");
    let (c, csrf) = app.signed_in("acme", &email, &pw).await;
    let (bob, bob_csrf) = app.signed_in("acme", &bob_email, &bob_pw).await;
    let update = app.url(&format!("/tickets/{}/update", tk.number));
    let version = tk.version.to_string();

    // 422: a bad language; the priority and tags the agent chose stay chosen.
    let (status, page) = post(
        &c,
        update.clone(),
        &[("_csrf", &csrf), ("version", &version), ("priority", "urgent"), ("language", "???"), ("tags", "vip login")],
    )
    .await;
    assert_eq!(status, 422, "{page}");
    assert!(has_nav(&page) && page.contains("Cannot log in"), "the ticket page itself comes back");
    assert!(page.contains(r#"id="language-error""#) && page.contains(r#"value="???""#), "{page}");
    assert!(page.contains(r#"value="urgent" selected"#) && page.contains(r#"value="vip login""#), "{page}");

    // 412: Bob saves first; the agent's stale save shows theirs against yours.
    let (status, _) =
        post(&bob, update.clone(), &[("_csrf", &bob_csrf), ("version", &version), ("priority", "high")]).await;
    assert_eq!(status, 303);
    let (status, page) = post(
        &c,
        update.clone(),
        &[("_csrf", &csrf), ("version", &version), ("priority", "low"), ("status", "pending")],
    )
    .await;
    assert_eq!(status, 412, "{page}");
    assert!(
        page.contains(r#"data-testid="conflict""#) && page.contains("Someone else saved this ticket first."),
        "{page}"
    );
    let row =
        page.split("<th scope=\"row\">Priority</th>").nth(1).expect("a priority row").split("</tr>").next().unwrap();
    assert!(row.contains("<bdi>High</bdi>") && row.contains("<bdi>Low</bdi>"), "theirs High, yours Low: {row}");
    assert!(row.find("High") < row.find("Low"), "theirs first: {row}");
    assert!(page.contains(r#"value="low" selected"#), "the form keeps the agent's values");
    // The form now carries the current version: sending it again applies the agent's values.
    let fresh = crate::harness::field_value(&page, "version").expect("version field");
    assert_ne!(fresh, version);
    let (status, _) =
        post(&c, update.clone(), &[("_csrf", &csrf), ("version", &fresh), ("priority", "low"), ("status", "pending")])
            .await;
    assert_eq!(status, 303);
    let page = c.get(app.url(&format!("/tickets/{}", tk.number))).send().await.unwrap().text().await.unwrap();
    assert!(page.contains(r#"value="low" selected"#) && page.contains("status-pending"), "mine applied over theirs");
    // History names the fields and values in words, not column names.
    assert!(page.contains("changed Priority: High → Low"), "{page}");

    // Another tenant's ticket is a 404 even with bad input (nothing about it leaks).
    let (_o, o_email, o_pw) = app.seed_tenant("other");
    let (oc, o_csrf) = app.signed_in("other", &o_email, &o_pw).await;
    let (status, _) = post(&oc, update.clone(), &[("_csrf", &o_csrf), ("language", "???")]).await;
    assert_eq!(status, 404);
    let (status, _) = post(&oc, update, &[("_csrf", &o_csrf), ("version", "1"), ("priority", "low")]).await;
    assert_eq!(status, 404);
}
both!(ticket_properties_refused_and_raced);

async fn bulk_apply_refused_keeps_the_selection(app: TestApp) {
    let (t, email, pw) = app.seed_tenant("acme");
    let a = ticket(&app, &t, "First waiting");
    let b = ticket(&app, &t, "Second waiting");
    let (c, csrf) = app.signed_in("acme", &email, &pw).await;
    let ta = format!("t_{}", a.id);
    let (status, page) =
        post(&c, app.url("/inbox/bulk"), &[("_csrf", &csrf), ("back", "/inbox?view=unassigned"), (&ta, "on")]).await;
    assert_eq!(status, 422, "{page}");
    assert!(has_nav(&page), "the inbox comes back, not a bare page");
    assert!(page.contains("Choose a change to apply to the selected tickets."), "{page}");
    assert!(page.contains(&format!(r#"name="t_{}" checked"#, a.id)), "the ticked row stays ticked");
    assert!(!page.contains(&format!(r#"name="t_{}" checked"#, b.id)), "only that row");
    assert!(
        page.contains(r#"data-view="unassigned" aria-current"#)
            || page.contains("aria-current=\"page\" data-view=\"unassigned\""),
        "the same view"
    );
    // A change with no ticket ticked is refused too, and keeps the change chosen.
    let (status, page) =
        post(&c, app.url("/inbox/bulk"), &[("_csrf", &csrf), ("back", "/inbox"), ("priority", "urgent")]).await;
    assert_eq!(status, 422);
    assert!(
        page.contains("Select between 1 and 500 tickets.") && page.contains(r#"value="urgent" selected"#),
        "{page}"
    );
    // A hostile back link is not followed and the page still renders.
    let (status, page) =
        post(&c, app.url("/inbox/bulk"), &[("_csrf", &csrf), ("back", "https://evil.example/inbox"), (&ta, "on")])
            .await;
    assert_eq!(status, 422);
    assert!(has_nav(&page));
}
both!(bulk_apply_refused_keeps_the_selection);

async fn error_pages_keep_the_navigation(app: TestApp) {
    let (_t, email, pw) = app.seed_tenant("acme");
    let (c, _) = app.signed_in("acme", &email, &pw).await;
    let r = c.get(app.url("/tickets/999999")).send().await.unwrap();
    assert_eq!(r.status(), 404);
    let page = r.text().await.unwrap();
    assert!(has_nav(&page), "a signed-in agent keeps the navigation on an error page: {page}");
    assert!(page.contains(r#"<p class="error-code muted">Error 404</p>"#), "{page}");
    // Signed out, the page stays bare (no agent to show).
    let r = app.client().get(app.url("/no-such-page")).send().await.unwrap();
    assert_eq!(r.status(), 404);
    assert!(!has_nav(&r.text().await.unwrap()));
}
both!(error_pages_keep_the_navigation);

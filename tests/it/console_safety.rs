//! The ticket page's safety nets over HTTP: the merge preview (both tickets, a warning when their
//! requesters differ, refusals that name the field) and the confirmation after a reply.

use meridian::tenancy::Tenant;
use meridian::tickets::commands::{NewTicket, Requester};
use meridian::tickets::{Channel, Priority, Ticket};

use crate::harness::TestApp;

/// A ticket from `email` (named `name`).
pub fn ticket_from(app: &TestApp, tenant: &Tenant, subject: &str, email: &str, name: &str) -> Ticket {
    let new = NewTicket {
        subject: subject.into(),
        body_text: format!("Body of {subject}"),
        body_html: None,
        requester: Requester::Email { email: email.into(), name: Some(name.into()) },
        priority: Priority::Normal,
        tags: vec![],
        language: Some("en".into()),
        channel: Channel::Email,
        assignee_id: None,
        team_id: None,
    };
    app.open_ticket(tenant, new)
}

async fn merge_preview_shows_both_tickets_and_warns(app: TestApp) {
    let (t, email, pw) = app.seed_tenant("acme");
    let maria = ticket_from(&app, &t, "Invoice missing", "maria@example.com", "Maria Silva");
    let maria2 = ticket_from(&app, &t, "Invoice still missing", "maria@example.com", "Maria Silva");
    let joe = ticket_from(&app, &t, "Cannot sign in", "joe@example.net", "Joe Bloggs");
    let (c, csrf) = app.signed_in("acme", &email, &pw).await;
    let get = |path: String| {
        let c = c.clone();
        let url = app.url(&path);
        async move {
            let r = c.get(url).send().await.unwrap();
            (r.status().as_u16(), r.text().await.unwrap())
        }
    };

    // Different requesters: both tickets are shown, with who asked, and a warning.
    let (status, page) = get(format!("/tickets/{}/merge?target=%23{}", maria.number, joe.number)).await;
    assert_eq!(status, 200, "{page}");
    for needle in ["Invoice missing", "Cannot sign in", "maria@example.com", "joe@example.net", "Joe Bloggs"] {
        assert!(page.contains(needle), "the preview lacks {needle}: {page}");
    }
    assert!(page.contains("data-testid=\"merge-requesters-differ\""), "no warning for different requesters");
    assert!(page.contains(&format!("name=\"target\" value=\"{}\"", joe.number)), "the confirm form names the target");
    // Looking is not merging.
    let (_, still) = get(format!("/tickets/{}", maria.number)).await;
    assert!(!still.contains("Merged into"), "the preview merged the ticket");

    // Same requester: no warning.
    let (status, page) = get(format!("/tickets/{}/merge?target={}", maria.number, maria2.number)).await;
    assert_eq!(status, 200);
    assert!(!page.contains("merge-requesters-differ"), "a warning for the same requester");

    // Refusals name the target field's problem and the server stays up.
    let cases = [
        (format!("/tickets/{}/merge", maria.number), "There is no open ticket with that number."),
        (format!("/tickets/{}/merge?target=", maria.number), "There is no open ticket with that number."),
        (format!("/tickets/{}/merge?target=banana", maria.number), "There is no open ticket with that number."),
        (format!("/tickets/{}/merge?target=99999", maria.number), "There is no open ticket with that number."),
        (format!("/tickets/{}/merge?target={}", maria.number, maria.number), "cannot be merged into itself"),
    ];
    for (path, message) in cases {
        let (status, page) = get(path.clone()).await;
        assert_eq!(status, 422, "{path}: {page}");
        assert!(page.contains(message), "{path} does not say {message:?}: {page}");
    }

    // The confirm form merges; a merged ticket cannot be previewed again.
    let r = c
        .post(app.url(&format!("/tickets/{}/merge", maria2.number)))
        .form(&[("_csrf", csrf.as_str()), ("target", maria.number.to_string().as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    let (status, page) = get(format!("/tickets/{}/merge?target={}", maria2.number, joe.number)).await;
    assert_eq!(status, 422);
    assert!(page.contains("Closed or merged tickets cannot be merged."), "{page}");
    let (status, _) = get("/inbox".into()).await;
    assert_eq!(status, 200, "the server is still up");
}
both!(merge_preview_shows_both_tickets_and_warns);

async fn merge_preview_stays_in_its_tenant(app: TestApp) {
    let (a, email, pw) = app.seed_tenant("alpha");
    let (b, _, _) = app.seed_tenant("bravo");
    let mine = ticket_from(&app, &a, "Alpha ticket", "al@example.com", "Al");
    let theirs = ticket_from(&app, &b, "Bravo secret", "bo@example.com", "Bo Secret");
    let (c, _) = app.signed_in("alpha", &email, &pw).await;
    // Another tenant's ticket as the source is not found.
    let r = c.get(app.url(&format!("/tickets/{}/merge?target={}", theirs.id, mine.number))).send().await.unwrap();
    assert_eq!(r.status(), 404);
    assert!(!r.text().await.unwrap().contains("Bravo secret"));
    // And as the target it is no ticket at all (by id; by number it would be alpha's own).
    let r = c.get(app.url(&format!("/tickets/{}/merge?target={}", mine.number, theirs.id))).send().await.unwrap();
    assert_eq!(r.status(), 422);
    let page = r.text().await.unwrap();
    assert!(!page.contains("Bravo secret") && !page.contains("bo@example.com"), "{page}");
}
both!(merge_preview_stays_in_its_tenant);

async fn a_reply_lands_on_the_new_message_with_a_confirmation(app: TestApp) {
    let (t, email, pw) = app.seed_tenant("acme");
    let tk = ticket_from(&app, &t, "Where is my parcel", "maria@example.com", "Maria Silva");
    let (c, csrf) = app.signed_in("acme", &email, &pw).await;
    for (kind, said) in [("reply", "Your reply was sent."), ("note", "Your internal note was added.")] {
        let r = c
            .post(app.url(&format!("/tickets/{}/messages", tk.number)))
            .form(&[("_csrf", csrf.as_str()), ("kind", kind), ("body", "It left the depot this morning.")])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 303);
        let location = r.headers()["location"].to_str().unwrap().to_string();
        let prefix = format!("/tickets/{}?sent={kind}#m-", tk.number);
        assert!(location.starts_with(&prefix), "{kind} redirects to {location}");
        let message_id = location.rsplit("#m-").next().unwrap().to_string();
        let page = c.get(app.url(&location)).send().await.unwrap().text().await.unwrap();
        assert!(page.contains(&format!("id=\"m-{message_id}\"")), "the anchor names no message on the page");
        assert!(page.contains("data-testid=\"sent-notice\"") && page.contains(said), "no confirmation: {page}");
    }
    // The confirmation is ours alone: other values show nothing and are never echoed.
    for bad in ["%3Cscript%3E", "solved", ""] {
        let r = c.get(app.url(&format!("/tickets/{}?sent={bad}", tk.number))).send().await.unwrap();
        assert_eq!(r.status(), 200);
        let page = r.text().await.unwrap();
        assert!(!page.contains("sent-notice") && !page.contains("<script>"), "sent={bad}");
    }
}
both!(a_reply_lands_on_the_new_message_with_a_confirmation);

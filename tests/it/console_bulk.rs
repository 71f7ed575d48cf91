//! Bulk work in the inbox over HTTP: every agent offered for assignment and filtering, the notice
//! after a bulk apply and its undo (once, by its agent, sparing tickets changed since), and the
//! sidebar fragment the page refreshes its counts from.

use meridian::accounts::Role;
use meridian::tickets::commands::{self, TicketChanges};
use meridian::tickets::{Actor, Priority};

use crate::console_safety::ticket_from;
use crate::harness::TestApp;

async fn bulk_assign_to_anyone_then_undo(app: TestApp) {
    let (t, email, pw) = app.seed_tenant("acme");
    let (bruno_id, bruno_email, bruno_pw) = app.add_agent(&t, "Bruno", Role::Agent);
    let a = ticket_from(&app, &t, "Refund please", "maria@example.com", "Maria Silva");
    let b = ticket_from(&app, &t, "Refund again", "joe@example.net", "Joe Bloggs");
    let c3 = ticket_from(&app, &t, "Untouched", "ann@example.org", "Ann");
    let (c, csrf) = app.signed_in("acme", &email, &pw).await;
    let get = |path: String| {
        let c = c.clone();
        let url = app.url(&path);
        async move {
            let r = c.get(url).send().await.unwrap();
            (
                r.status().as_u16(),
                r.headers().get("location").map(|l| l.to_str().unwrap().to_string()),
                r.text().await.unwrap(),
            )
        }
    };
    let (_, _, inbox) = get("/inbox?view=all_open".into()).await;
    let option = format!("<option value=\"{bruno_id}\">Bruno</option>");
    assert_eq!(inbox.matches(&option).count(), 2, "Bruno is offered in the filter and the bulk bar: {inbox}");
    assert!(inbox.contains("id=\"select-all\"") && inbox.contains("data-searchable"));

    // Assign two tickets to Bruno and set them pending.
    let (ka, kb) = (format!("t_{}", a.id), format!("t_{}", b.id));
    let r = c
        .post(app.url("/inbox/bulk"))
        .form(&[
            ("_csrf", csrf.as_str()),
            (ka.as_str(), "on"),
            (kb.as_str(), "on"),
            ("assignee", bruno_id.as_str()),
            ("status", "pending"),
            ("back", "/inbox?view=all_open"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    let location = r.headers()["location"].to_str().unwrap().to_string();
    assert!(location.starts_with("/inbox?view=all_open&bulk="), "{location}");
    let bulk_id = location.rsplit("bulk=").next().unwrap().to_string();
    let (_, _, page) = get(location.clone()).await;
    assert!(page.contains("data-testid=\"bulk-notice\"") && page.contains("Changed 2 tickets."), "{page}");
    assert!(page.contains(&format!("action=\"/inbox/bulk/{bulk_id}/undo\"")));
    let ticket = |id: &meridian::types::TicketId| {
        let id = id.clone();
        app.state.db.write_blocking(|c| commands::get(c, &t.tenant_id(), &id)).unwrap()
    };
    assert_eq!(ticket(&a.id).assignee_id.as_deref(), Some(bruno_id.as_str()));
    assert_eq!(ticket(&b.id).status, "pending");
    // The assignee filter finds Bruno's tickets.
    let (_, _, mine) = get(format!("/inbox?assignee={bruno_id}")).await;
    assert!(mine.contains("Refund please") && mine.contains("Refund again") && !mine.contains("Untouched"));

    // Someone changes b meanwhile; the undo restores a and leaves b.
    let bruno = Actor::Agent(bruno_id.as_str().into());
    let ch = TicketChanges { priority: Some(Priority::High), ..TicketChanges::default() };
    app.state.db.write_blocking(|c| commands::update_ticket(c, &t.tenant_id(), &bruno, &b.id, &ch, None)).unwrap();

    // Another agent of the workspace cannot undo it, nor see its notice.
    let (cb, csrf_b) = app.signed_in("acme", &bruno_email, &bruno_pw).await;
    let undo_url = app.url(&format!("/inbox/bulk/{bulk_id}/undo"));
    let r = cb.post(&undo_url).form(&[("_csrf", csrf_b.as_str())]).send().await.unwrap();
    assert_eq!(r.status(), 404);
    let page = cb.get(app.url(&location)).send().await.unwrap().text().await.unwrap();
    assert!(!page.contains("bulk-notice"), "Bruno sees the owner's undo");

    let r = c.post(&undo_url).form(&[("_csrf", csrf.as_str()), ("back", "/inbox?view=all_open")]).send().await.unwrap();
    assert_eq!(r.status(), 303);
    let back = r.headers()["location"].to_str().unwrap().to_string();
    assert_eq!(back, "/inbox?view=all_open&undone=1&skipped=1");
    let (_, _, page) = get(back).await;
    assert!(page.contains("Undone: 1 ticket is back as it was.") && page.contains("1 ticket changed since"), "{page}");
    let restored = ticket(&a.id);
    assert_eq!((restored.assignee_id, restored.status.as_str()), (None, "new"));
    let left = ticket(&b.id);
    assert_eq!((left.assignee_id.as_deref(), left.status.as_str()), (Some(bruno_id.as_str()), "pending"));
    assert_eq!(ticket(&c3.id).status, "new");
    // Once only.
    let r = c.post(&undo_url).form(&[("_csrf", csrf.as_str())]).send().await.unwrap();
    assert_eq!(r.status(), 404);
    let (_, _, page) = get(format!("/inbox?bulk={bulk_id}")).await;
    assert!(!page.contains("bulk-notice"), "an undone action is still offered");
}
both!(bulk_assign_to_anyone_then_undo);

async fn bulk_refusals_and_other_tenants(app: TestApp) {
    let (t, email, pw) = app.seed_tenant("alpha");
    let (b, b_email, b_pw) = app.seed_tenant("bravo");
    let (bravo_agent, _, _) = app.add_agent(&b, "Bravoagent", Role::Agent);
    let a = ticket_from(&app, &t, "Alpha one", "al@example.com", "Al");
    let (c, csrf) = app.signed_in("alpha", &email, &pw).await;
    let key = format!("t_{}", a.id);
    // Another tenant's agent is no assignee here, and is not offered.
    let r = c
        .post(app.url("/inbox/bulk"))
        .form(&[("_csrf", csrf.as_str()), (key.as_str(), "on"), ("assignee", bravo_agent.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("Choose an active agent of this workspace."));
    let inbox = c.get(app.url("/inbox?view=all_open")).send().await.unwrap().text().await.unwrap();
    assert!(!inbox.contains("Bravoagent"));
    // An unknown or foreign undo id is not found; the server stays up.
    for id in ["nope", "../../etc", "%00"] {
        let r =
            c.post(app.url(&format!("/inbox/bulk/{id}/undo"))).form(&[("_csrf", csrf.as_str())]).send().await.unwrap();
        assert_eq!(r.status(), 404, "{id}");
    }
    let r = c
        .post(app.url("/inbox/bulk"))
        .form(&[("_csrf", csrf.as_str()), (key.as_str(), "on"), ("priority", "high")])
        .send()
        .await
        .unwrap();
    let id = r.headers()["location"].to_str().unwrap().rsplit("bulk=").next().unwrap().to_string();
    let (cb, csrf_b) = app.signed_in("bravo", &b_email, &b_pw).await;
    let r =
        cb.post(app.url(&format!("/inbox/bulk/{id}/undo"))).form(&[("_csrf", csrf_b.as_str())]).send().await.unwrap();
    assert_eq!(r.status(), 404, "bravo undoes alpha's bulk action");
    let page = cb.get(app.url(&format!("/inbox?bulk={id}"))).send().await.unwrap().text().await.unwrap();
    assert!(!page.contains("bulk-notice"));
    // Bad query values never break the page.
    for q in ["bulk=%3Cscript%3E", "undone=abc", "undone=-1", "skipped=x&undone=2"] {
        let r = c.get(app.url(&format!("/inbox?{q}"))).send().await.unwrap();
        assert!(r.status() == 200 || r.status() == 400, "{q}: {}", r.status());
        assert!(!r.text().await.unwrap().contains("<script>"), "{q}");
    }
    // The sidebar fragment carries the counts, alone.
    let views = c.get(app.url("/inbox?view=all_open&partial=views")).send().await.unwrap().text().await.unwrap();
    assert!(views.contains(r#"data-view="all_open">All open <span class="count">1</span>"#), "{views}");
    assert!(!views.contains("<html") && !views.contains("Alpha one"));
}
both!(bulk_refusals_and_other_tenants);

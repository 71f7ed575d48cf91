//! Saved views belong to their agent: they can be renamed and deleted, a broken one fails alone
//! (and can still be deleted), and nobody else can touch them.

use meridian::accounts::Role;
use meridian::tickets::commands::{NewTicket, Requester};
use meridian::tickets::{Channel, Priority};

use crate::harness::TestApp;

fn ticket(app: &TestApp, tenant: &meridian::tenancy::Tenant, subject: &str, priority: Priority) {
    app.open_ticket(
        tenant,
        NewTicket {
            subject: subject.into(),
            body_text: "Body".into(),
            body_html: None,
            requester: Requester::Email { email: "maria@example.com".into(), name: None },
            priority,
            tags: vec![],
            language: None,
            channel: Channel::Email,
            assignee_id: None,
            team_id: None,
        },
    );
}

async fn save(c: &reqwest::Client, app: &TestApp, csrf: &str, name: &str, priority: &str) -> String {
    let r = c
        .post(app.url("/inbox/views"))
        .form(&[("_csrf", csrf), ("name", name), ("priority", priority)])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    r.headers()["location"].to_str().unwrap().trim_start_matches("/inbox?saved=").to_string()
}

async fn saved_views_can_be_renamed_and_deleted_by_their_agent_only(app: TestApp) {
    let (t, email, pw) = app.seed_tenant("acme");
    let (_, other_email, other_pw) = app.add_agent(&t, "Bruno", Role::Agent);
    let (_, b_email, b_pw) = app.seed_tenant("beta");
    ticket(&app, &t, "Urgent outage", Priority::Urgent);
    let (c, csrf) = app.signed_in("acme", &email, &pw).await;
    let id = save(&c, &app, &csrf, "Fires", "urgent").await;
    let page = c.get(app.url(&format!("/inbox?saved={id}"))).send().await.unwrap().text().await.unwrap();
    assert!(page.contains(&format!("action=\"/inbox/views/{id}/rename\"")), "the open view offers rename");

    // Another agent of the tenant, and an agent of another tenant, get 404 for it.
    for (ws, e, p) in [("acme", &other_email, &other_pw), ("beta", &b_email, &b_pw)] {
        let (o, o_csrf) = app.signed_in(ws, e, p).await;
        let r = o
            .post(app.url(&format!("/inbox/views/{id}/rename")))
            .form(&[("_csrf", o_csrf.as_str()), ("name", "Mine now")])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 404, "{ws} cannot rename it");
        let r = o
            .post(app.url(&format!("/inbox/views/{id}/delete")))
            .form(&[("_csrf", o_csrf.as_str())])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 404, "{ws} cannot delete it");
        assert_eq!(o.get(app.url(&format!("/inbox?saved={id}"))).send().await.unwrap().status(), 404);
    }

    // Renaming: a blank name is refused; a good one shows in the sidebar.
    let r = c
        .post(app.url(&format!("/inbox/views/{id}/rename")))
        .form(&[("_csrf", csrf.as_str()), ("name", "  ")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    let r = c
        .post(app.url(&format!("/inbox/views/{id}/rename")))
        .form(&[("_csrf", csrf.as_str()), ("name", "Outages")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    let page = c.get(app.url("/inbox")).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("Outages <span class=\"count\">1</span>") && !page.contains("Fires"), "{page}");

    // Without the CSRF token nothing changes.
    let r = c.post(app.url(&format!("/inbox/views/{id}/delete"))).form(&[("_csrf", "wrong")]).send().await.unwrap();
    assert_eq!(r.status(), 403);

    // A view whose stored filter broke shows the error with its controls, and can be deleted.
    let broken = id.clone();
    app.state
        .db
        .write_blocking(move |conn| {
            use diesel::prelude::*;
            use meridian::db::schema::saved_views;
            diesel::update(saved_views::table.filter(saved_views::id.eq(&broken)))
                .set(saved_views::filters.eq("[not json"))
                .execute(conn)?;
            Ok(())
        })
        .unwrap();
    app.state.live.bump(t.id.as_str());
    let r = c.get(app.url(&format!("/inbox?saved={id}"))).send().await.unwrap();
    assert_eq!(r.status(), 422);
    let page = r.text().await.unwrap();
    assert!(page.contains("This saved view can no longer be read.") && !page.contains("Urgent outage"), "{page}");
    assert!(page.contains(&format!("action=\"/inbox/views/{id}/delete\"")), "a broken view can still be deleted");
    let r =
        c.post(app.url(&format!("/inbox/views/{id}/delete"))).form(&[("_csrf", csrf.as_str())]).send().await.unwrap();
    assert_eq!(r.status(), 303);
    let page = c.get(app.url("/inbox")).send().await.unwrap().text().await.unwrap();
    assert!(!page.contains("Outages"), "deleted views leave the sidebar");
    assert_eq!(c.get(app.url(&format!("/inbox?saved={id}"))).send().await.unwrap().status(), 404);
}
both!(saved_views_can_be_renamed_and_deleted_by_their_agent_only);

/// A saved view the database cannot evaluate (on PostgreSQL, text with a NUL byte, stored before
/// the boundary refused it) never breaks the agent's inbox: the sidebar marks it, the view itself
/// says it cannot be shown.
async fn a_view_the_database_refuses_fails_alone(app: TestApp) {
    let (t, email, pw) = app.seed_tenant("acme");
    ticket(&app, &t, "Printer on fire", Priority::High);
    let (c, csrf) = app.signed_in("acme", &email, &pw).await;
    let id = save(&c, &app, &csrf, "Odd search", "high").await;
    let target = id.clone();
    app.state
        .db
        .write_blocking(move |conn| {
            use diesel::prelude::*;
            use meridian::db::schema::saved_views;
            let stored: String =
                saved_views::table.filter(saved_views::id.eq(&target)).select(saved_views::filters).first(conn)?;
            let mut filter: serde_json::Value = serde_json::from_str(&stored)?;
            filter["q"] = serde_json::Value::String("fire\u{0}".into());
            diesel::update(saved_views::table.filter(saved_views::id.eq(&target)))
                .set(saved_views::filters.eq(filter.to_string()))
                .execute(conn)?;
            Ok(())
        })
        .unwrap();
    app.state.live.bump(t.id.as_str());
    let inbox = c.get(app.url("/inbox?view=all_open")).send().await.unwrap();
    assert_eq!(inbox.status(), 200, "the inbox still opens");
    let page = inbox.text().await.unwrap();
    assert!(page.contains("Printer on fire"), "{page}");
    let view = c.get(app.url(&format!("/inbox?saved={id}"))).send().await.unwrap();
    let status = view.status().as_u16();
    if app.backend == crate::harness::Backend::Postgres {
        assert!(page.contains("Odd search <span class=\"count\">?</span>"), "{page}");
        assert_eq!(status, 422, "the view says it cannot be shown");
    } else {
        // SQLite stores and compares NUL like any character: the view simply matches nothing.
        assert_eq!(status, 200);
    }
}
both!(a_view_the_database_refuses_fails_alone);

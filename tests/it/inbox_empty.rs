//! An empty inbox page says what is empty and where the work is.

use meridian::tickets::commands::{NewTicket, Requester};
use meridian::tickets::{Channel, Priority};

use crate::harness::TestApp;

async fn an_empty_view_points_to_the_waiting_work(app: TestApp) {
    let (t, email, pw) = app.seed_tenant("acme");
    let (c, _) = app.signed_in("acme", &email, &pw).await;
    let fresh = c.get(app.url("/inbox")).send().await.unwrap().text().await.unwrap();
    assert!(fresh.contains("No tickets yet"), "a desk without tickets says so");
    for i in 0..3 {
        app.open_ticket(
            &t,
            NewTicket {
                subject: format!("Waiting {i}"),
                body_text: "Hello".into(),
                body_html: None,
                requester: Requester::Email { email: "maria@example.com".into(), name: None },
                priority: Priority::Normal,
                tags: vec![],
                language: None,
                channel: Channel::Email,
                assignee_id: None,
                team_id: None,
            },
        );
    }
    let mine = c.get(app.url("/inbox")).send().await.unwrap().text().await.unwrap();
    assert!(mine.contains("Nothing is assigned to you") && !mine.contains("No tickets yet"), "{mine}");
    assert!(mine.contains("<a href=\"/inbox?view=unassigned\">3 unassigned tickets are waiting</a>"), "{mine}");
    let pending = c.get(app.url("/inbox?view=pending")).send().await.unwrap().text().await.unwrap();
    assert!(pending.contains("No tickets in this view") && pending.contains("See all 3 open tickets"), "{pending}");
    let filtered = c.get(app.url("/inbox?tag=nothing-has-this")).send().await.unwrap().text().await.unwrap();
    assert!(filtered.contains("No tickets match"), "{filtered}");
}
both!(an_empty_view_points_to_the_waiting_work);

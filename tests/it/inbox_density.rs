//! Inbox rows carry the newest public message's opening and, while the requester waits for an
//! answer, since when; both per tenant, on both databases.

use meridian::tickets::commands::{self, NewMessage, NewTicket, Requester};
use meridian::tickets::{Actor, Channel, MessageKind, Priority};

use crate::harness::TestApp;

fn new_ticket(subject: &str, body: &str) -> NewTicket {
    NewTicket {
        subject: subject.into(),
        body_text: body.into(),
        body_html: None,
        requester: Requester::Email { email: "maria@example.com".into(), name: Some("Maria".into()) },
        priority: Priority::Normal,
        tags: vec![],
        language: None,
        channel: Channel::Email,
        assignee_id: None,
        team_id: None,
    }
}

/// The `<tr>` of the ticket with this subject.
fn row<'a>(page: &'a str, subject: &str) -> &'a str {
    let at = page.find(subject).unwrap_or_else(|| panic!("{subject} not listed: {page}"));
    let start = page[..at].rfind("<tr ").unwrap();
    let end = at + page[at..].find("</tr>").unwrap();
    &page[start..end]
}

async fn rows_show_the_last_message_and_the_wait(app: TestApp) {
    let (t, email, pw) = app.seed_tenant("acme");
    let tk = app.open_ticket(&t, new_ticket("Refund missing", "The refund   has not\narrived yet."));
    let (c, _) = app.signed_in("acme", &email, &pw).await;
    let url = app.url("/inbox?view=all_open");
    let inbox = |c: reqwest::Client| {
        let url = url.clone();
        async move { c.get(url).send().await.unwrap().text().await.unwrap() }
    };
    let page = inbox(c.clone()).await;
    let r = row(&page, "Refund missing");
    assert!(r.contains(r#"<bdi class="preview muted" dir="auto">The refund has not arrived yet.</bdi>"#), "{r}");
    assert!(
        r.contains(r#"<td class="waiting" data-label="Waiting since"><time datetime="#),
        "the requester waits: {r}"
    );

    // An agent's note does not answer the requester; a reply does.
    let tid = t.tenant_id();
    let me =
        app.state.db.write_blocking(|c| meridian::accounts::agents::by_email(c, &tid, &email)).unwrap().unwrap().id;
    let add = |actor: Actor, kind: MessageKind, text: &str| {
        let msg =
            NewMessage { kind, channel: Channel::Web, body_text: text.into(), body_html: None, attachments: vec![] };
        let (tid, id) = (t.tenant_id(), tk.id.clone());
        app.state.db.write_blocking(move |c| commands::add_message(c, &tid, &actor, &id, &msg)).unwrap();
        app.state.tickets_changed(&t.tenant_id());
    };
    add(Actor::Agent(me.clone()), MessageKind::Note, "internal: check the bank");
    let page = inbox(c.clone()).await;
    let r = row(&page, "Refund missing");
    assert!(
        !r.contains("internal: check") && r.contains("<time datetime="),
        "a note is neither preview nor answer: {r}"
    );
    add(Actor::Agent(me), MessageKind::Reply, "We sent it again today.");
    let page = inbox(c.clone()).await;
    let r = row(&page, "Refund missing");
    assert!(r.contains(">We sent it again today.</bdi>"), "{r}");
    assert!(r.contains(r#"data-label="Waiting since"><span class="muted">—</span>"#), "answered: {r}");
    add(Actor::Contact(tk.requester_id.clone()), MessageKind::Reply, "Still nothing <b>here</b>");
    let page = inbox(c.clone()).await;
    let r = row(&page, "Refund missing");
    assert!(
        r.contains(">Still nothing &#60;b&#62;here&#60;/b&#62;</bdi>") || r.contains(">Still nothing &lt;b&gt;here"),
        "{r}"
    );
    assert!(r.contains(r#"data-label="Waiting since"><time datetime="#), "waiting again: {r}");
    // The live-refresh fragment carries the same cells.
    let part = c.get(app.url("/inbox?view=all_open&partial=1")).send().await.unwrap().text().await.unwrap();
    assert!(part.contains("Still nothing") && part.contains(r#"class="waiting""#));

    // Another tenant's agent sees none of it.
    let (_o, o_email, o_pw) = app.seed_tenant("other");
    let (oc, _) = app.signed_in("other", &o_email, &o_pw).await;
    let theirs = oc.get(app.url("/inbox?view=all_open")).send().await.unwrap().text().await.unwrap();
    assert!(!theirs.contains("Still nothing") && !theirs.contains("Refund missing"));
}
both!(rows_show_the_last_message_and_the_wait);

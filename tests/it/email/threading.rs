//! Filing: threading by reply, plus address and subject token, strangers, dedupe, automatic mail,
//! HTML and attachments, one message for several tenants.

use super::*;
use crate::harness::TestApp;
use meridian::email::{store, threads};

async fn conversation_threads(app: TestApp) {
    let (acme, _, _) = app.seed_tenant("acme");
    let tok = token_for(&app, &acme);
    let to = format!("acme@{DOMAIN}");
    let carol = "Carol <carol@customer.example>";
    let first = mail(
        carol,
        &to,
        "Printer on fire",
        "Message-ID: <m1@customer.example>\r\nCc: dave@customer.example\r\n",
        "It is on fire.",
    );
    accepted(&smtp(&app, "carol@customer.example", &[&to], &first).await);
    settled(&app, &acme).await;
    let list = tickets(&app, &tok).await;
    assert_eq!(list.len(), 1, "{list:?}");
    let t1 = list[0].clone();
    assert_eq!((t1["channel"].as_str(), t1["subject"].as_str()), (Some("email"), Some("Printer on fire")));
    assert_eq!(t1["requester"]["email"], "carol@customer.example");
    let id1 = t1["id"].as_str().unwrap().to_string();

    // The answer with In-Reply-To joins the ticket.
    let reply = mail(
        carol,
        &to,
        "Re: Printer on fire",
        "Message-ID: <m2@customer.example>\r\nIn-Reply-To: <m1@customer.example>\r\n",
        "Still burning.",
    );
    accepted(&smtp(&app, "carol@customer.example", &[&to], &reply).await);
    // Only the plus address.
    let t = acme.tenant_id();
    let i = id1.clone();
    let reply_token = app.state.db.write_blocking(|c| threads::reply_token_for(c, &t, &i)).unwrap();
    let plus = format!("acme+{reply_token}@{DOMAIN}");
    let by_token =
        mail(carol, &plus, "Another thing", "Message-ID: <m3@customer.example>\r\n", "Via the reply address.");
    accepted(&smtp(&app, "carol@customer.example", &[&plus], &by_token).await);
    // Only the [#N] in the subject; from the copied participant.
    let number = t1["number"].as_i64().unwrap();
    let by_subject = mail(
        "dave@customer.example",
        &to,
        &format!("Re: [#{number}] Printer"),
        "Message-ID: <m4@customer.example>\r\n",
        "Dave here.",
    );
    accepted(&smtp(&app, "dave@customer.example", &[&to], &by_subject).await);
    settled(&app, &acme).await;
    let list = tickets(&app, &tok).await;
    assert_eq!(list.len(), 1, "all four joined one ticket: {list:?}");
    let bodies: Vec<String> =
        messages(&app, &tok, &id1).await.iter().map(|m| m["body_text"].as_str().unwrap_or("").to_string()).collect();
    for expected in ["It is on fire.", "Still burning.", "Via the reply address.", "Dave here."] {
        assert!(bodies.iter().any(|b| b.contains(expected)), "{expected:?} missing from {bodies:?}");
    }

    // A threaded reply from a stranger opens a new ticket, linked to the one it answered.
    let stranger = mail(
        "Mallory <mallory@evil.example>",
        &plus,
        &format!("Re: [#{number}] Printer"),
        "Message-ID: <x1@evil.example>\r\nIn-Reply-To: <m1@customer.example>\r\n",
        "Let me in.",
    );
    accepted(&smtp(&app, "mallory@evil.example", &[&plus], &stranger).await);
    settled(&app, &acme).await;
    let list = tickets(&app, &tok).await;
    assert_eq!(list.len(), 2, "{list:?}");
    let t2 = list.iter().find(|t| t["id"] != t1["id"]).unwrap();
    assert_eq!(t2["requester"]["email"], "mallory@evil.example");
    assert_eq!(t2["previous_ticket_id"], id1);
    assert_eq!(messages(&app, &tok, &id1).await.len(), 4, "nothing of the stranger's on the first ticket");

    // An agent of the tenant answering by mail joins too.
    let agent = mail(
        "acme Owner <owner@acme.example>",
        &to,
        "Re: Printer on fire",
        "Message-ID: <a1@acme.example>\r\nReferences: <m1@customer.example> <m2@customer.example>\r\n",
        "We are on it.",
    );
    accepted(&smtp(&app, "owner@acme.example", &[&to], &agent).await);
    settled(&app, &acme).await;
    let msgs = messages(&app, &tok, &id1).await;
    assert_eq!(msgs.len(), 5);
    assert_eq!(msgs[4]["author_type"], "agent");
}
both_mail!(conversation_threads);

async fn dedupe_and_automatic_mail(app: TestApp) {
    let (acme, _, _) = app.seed_tenant("acme");
    let tok = token_for(&app, &acme);
    let to = format!("acme@{DOMAIN}");
    // No Message-ID, delivered twice (the second through a relay that added a header).
    let plain = mail("erin@customer.example", &to, "No id", "Date: Tue, 1 Dec 2026 10:00:00 +0000\r\n", "Same words.");
    accepted(&smtp(&app, "erin@customer.example", &[&to], &plain).await);
    let relayed = format!("Received: by relay.example\r\n{plain}");
    accepted(&smtp(&app, "erin@customer.example", &[&to], &relayed).await);
    // With a Message-ID, twice.
    let with_id = mail("erin@customer.example", &to, "With id", "Message-ID: <dup@customer.example>\r\n", "Once.");
    accepted(&smtp(&app, "erin@customer.example", &[&to], &with_id).await);
    accepted(&smtp(&app, "erin@customer.example", &[&to], &with_id).await);
    let rows = settled(&app, &acme).await;
    assert_eq!(rows.len(), 4, "every delivery is stored");
    let states: Vec<&str> = rows.iter().map(|r| r.state.as_str()).collect();
    assert_eq!(states, ["filed", "duplicate", "filed", "duplicate"]);
    assert_eq!(tickets(&app, &tok).await.len(), 2);

    // An auto-reply is stored, filed, flagged and tagged.
    let ooo = mail(
        "frank@customer.example",
        &to,
        "Out of office",
        "Message-ID: <ooo@customer.example>\r\nAuto-Submitted: auto-replied\r\n",
        "I am away.",
    );
    accepted(&smtp(&app, "frank@customer.example", &[&to], &ooo).await);
    let rows = settled(&app, &acme).await;
    let row = rows.iter().find(|r| r.message_id_header.as_deref() == Some("ooo@customer.example")).unwrap();
    assert!(row.auto_reply && row.state == "filed");
    let t = tickets(&app, &tok).await.into_iter().find(|t| t["subject"] == "Out of office").unwrap();
    assert_eq!(t["tags"], serde_json::json!(["auto-reply"]));
    // An auto-reply to a pending ticket joins it without reopening it.
    let pending = tickets(&app, &tok).await.into_iter().find(|t| t["subject"] == "With id").unwrap();
    let pid = pending["id"].as_str().unwrap().to_string();
    let r = reqwest::Client::new()
        .patch(app.url(&format!("/api/v1/tickets/{pid}")))
        .bearer_auth(&tok)
        .json(&serde_json::json!({"status": "pending"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let away = mail(
        "erin@customer.example",
        &to,
        "Re: With id",
        "Message-ID: <ooo2@customer.example>\r\nIn-Reply-To: <dup@customer.example>\r\nX-Autoreply: yes\r\n",
        "Away until Monday.",
    );
    accepted(&smtp(&app, "erin@customer.example", &[&to], &away).await);
    settled(&app, &acme).await;
    let after = app.api_json(&tok, &format!("/api/v1/tickets/{pid}")).await;
    assert_eq!(after["status"], "pending", "an auto-reply does not reopen: {after}");
    assert_eq!(after["tags"], serde_json::json!(["auto-reply"]));
    assert_eq!(messages(&app, &tok, &pid).await.len(), 2);
    // A bounce (empty envelope sender) too.
    let bounce = mail(
        "MAILER-DAEMON@relay.example",
        &to,
        "Undelivered Mail",
        "Message-ID: <b1@relay.example>\r\n",
        "It bounced.",
    );
    accepted(&smtp(&app, "", &[&to], &bounce).await);
    let rows = settled(&app, &acme).await;
    assert!(rows.iter().find(|r| r.message_id_header.as_deref() == Some("b1@relay.example")).unwrap().auto_reply);
}
both_mail!(dedupe_and_automatic_mail);

async fn html_and_attachments(app: TestApp) {
    let (acme, _, _) = app.seed_tenant("acme");
    let tok = token_for(&app, &acme);
    let to = format!("acme@{DOMAIN}");
    let raw = format!(
        "From: Ivy <ivy@customer.example>\r\nTo: {to}\r\nSubject: Screenshot\r\nMessage-ID: <html1@customer.example>\r\n\
         MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"outer\"\r\n\r\n\
         --outer\r\nContent-Type: multipart/alternative; boundary=\"inner\"\r\n\r\n\
         --inner\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nSee the picture.\r\n\
         --inner\r\nContent-Type: text/html; charset=utf-8\r\n\r\n<p onclick=\"steal()\">See the <b>picture</b>.</p><script>steal()</script>\r\n\
         --inner--\r\n\
         --outer\r\nContent-Type: text/plain; name=\"notes.txt\"\r\nContent-Disposition: attachment; filename=\"notes.txt\"\r\n\
         Content-Transfer-Encoding: base64\r\n\r\naGVsbG8gZnJvbSBhbiBhdHRhY2htZW50\r\n\
         --outer--\r\n"
    );
    accepted(&smtp(&app, "ivy@customer.example", &[&to], &raw).await);
    settled(&app, &acme).await;
    let t = tickets(&app, &tok).await.pop().unwrap();
    let msgs = messages(&app, &tok, t["id"].as_str().unwrap()).await;
    let m = &msgs[0];
    assert_eq!(m["body_text"].as_str().unwrap().trim(), "See the picture.");
    let html = m["body_html"].as_str().unwrap();
    assert!(html.contains("<b>picture</b>") && !html.contains("script") && !html.contains("onclick"), "{html}");
    let files = m["attachments"].as_array().unwrap();
    assert_eq!(files.len(), 1, "{m}");
    assert_eq!(files[0]["filename"], "notes.txt");
    let id = files[0]["id"].as_str().unwrap();
    let r = reqwest::Client::new()
        .get(app.url(&format!("/api/v1/attachments/{id}")))
        .bearer_auth(&tok)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.bytes().await.unwrap().as_ref(), b"hello from an attachment");
}
both_mail!(html_and_attachments);

async fn one_message_for_two_tenants(app: TestApp) {
    let (acme, _, _) = app.seed_tenant("acme");
    let (beta, _, _) = app.seed_tenant("beta");
    let (to_a, to_b) = (format!("acme@{DOMAIN}"), format!("beta@{DOMAIN}"));
    let raw = mail(
        "jo@customer.example",
        &format!("{to_a}, {to_b}"),
        "For both",
        "Message-ID: <both@customer.example>\r\n",
        "Hello both.",
    );
    accepted(&smtp(&app, "jo@customer.example", &[&to_a, &to_b, &format!("acme+abc@{DOMAIN}")], &raw).await);
    let (a, b) = (settled(&app, &acme).await, settled(&app, &beta).await);
    assert_eq!((a.len(), b.len()), (1, 1), "one row per recipient tenant");
    assert_eq!(a[0].sha256, b[0].sha256);
    assert_eq!((a[0].state.as_str(), b[0].state.as_str()), ("filed", "filed"));
    for (tenant, row) in [(&acme, &a[0]), (&beta, &b[0])] {
        let (t, id) = (tenant.tenant_id(), row.id.clone());
        assert_eq!(app.state.db.read(move |c| store::raw(c, &t, &id)).await.unwrap(), raw.as_bytes());
        assert_eq!(tickets(&app, &token_for(&app, tenant)).await.len(), 1);
    }
}
both_mail!(one_message_for_two_tenants);

async fn a_sender_opening_ticket_after_ticket_is_throttled(app: TestApp) {
    let (acme, _, _) = app.seed_tenant("acme");
    let tok = token_for(&app, &acme);
    let to = format!("acme@{DOMAIN}");
    // Seven unrelated messages in a row from one sender (the default throttle: 5 in 10 minutes),
    // over one real SMTP connection; the filing job takes them in order.
    let mut files = Vec::new();
    for n in 1..=7 {
        let raw = mail(
            "Bot <bot@customer.example>",
            &to,
            &format!("Alert {n}"),
            &format!("Message-ID: <alert{n}@customer.example>\r\n"),
            &format!("Alert number {n}."),
        );
        let file = app.dir.path().join(format!("alert{n}.eml"));
        std::fs::write(&file, raw).unwrap();
        files.push(file.display().to_string());
    }
    let report = smtp_files(&app, "bot@customer.example", &[&to], files).await;
    for r in report["results"].as_array().unwrap() {
        accepted(r);
    }
    let other =
        mail("Eve <eve@customer.example>", &to, "My own question", "Message-ID: <eve1@customer.example>\r\n", "Hi.");
    accepted(&smtp(&app, "eve@customer.example", &[&to], &other).await);
    let rows = settled(&app, &acme).await;
    assert!(rows.iter().all(|r| r.state == "filed"), "{rows:?}");

    let list = tickets(&app, &tok).await;
    let bots: Vec<&serde_json::Value> =
        list.iter().filter(|t| t["requester"]["email"] == "bot@customer.example").collect();
    assert_eq!(bots.len(), 5, "five tickets, then the throttle: {list:?}");
    // Which five opened tickets depends on the order the filing job takes them; the other two
    // joined the latest of them, which is flagged.
    let flagged = |t: &serde_json::Value| t["tags"].as_array().unwrap().iter().any(|x| x == "mail-throttled");
    let throttled: Vec<&&serde_json::Value> = bots.iter().filter(|t| flagged(t)).collect();
    assert_eq!(throttled.len(), 1, "one ticket is flagged: {bots:?}");
    let mut all = Vec::new();
    for t in &bots {
        let bodies: Vec<String> = messages(&app, &tok, t["id"].as_str().unwrap())
            .await
            .iter()
            .map(|m| m["body_text"].as_str().unwrap_or("").to_string())
            .collect();
        assert_eq!(bodies.len(), if flagged(t) { 3 } else { 1 }, "{t}: {bodies:?}");
        all.extend(bodies);
    }
    for n in 1..=7 {
        let found = all.iter().filter(|b| b.contains(&format!("Alert number {n}."))).count();
        assert_eq!(found, 1, "alert {n} filed once: {all:?}");
    }
    // Someone else writing at the same time is not affected.
    let eve = list.iter().find(|t| t["requester"]["email"] == "eve@customer.example").expect("eve's ticket");
    assert_eq!(eve["subject"], "My own question");
}
both_mail!(a_sender_opening_ticket_after_ticket_is_throttled);

async fn a_reply_whose_subject_changed_threads_by_in_reply_to(app: TestApp) {
    let (acme, _, _) = app.seed_tenant("acme");
    let tok = token_for(&app, &acme);
    let to = format!("acme@{DOMAIN}");
    let first = mail(
        "Fay <fay@customer.example>",
        &to,
        "Invoice 4411 is wrong",
        "Message-ID: <f1@customer.example>\r\n",
        "The total is off.",
    );
    accepted(&smtp(&app, "fay@customer.example", &[&to], &first).await);
    settled(&app, &acme).await;
    // No "Re:", no [#N], no plus address: nothing in the subject matches, only In-Reply-To.
    let reply = mail(
        "Fay <fay@customer.example>",
        &to,
        "Actually, also my address changed",
        "Message-ID: <f2@customer.example>\r\nIn-Reply-To: <f1@customer.example>\r\n",
        "New address: 1 Main St.",
    );
    accepted(&smtp(&app, "fay@customer.example", &[&to], &reply).await);
    // And one whose References alone name the thread, its subject in another language.
    let again = mail(
        "Fay <fay@customer.example>",
        &to,
        "发票问题",
        "Message-ID: <f3@customer.example>\r\nReferences: <f1@customer.example> <f2@customer.example>\r\n",
        "还有一个问题。",
    );
    accepted(&smtp(&app, "fay@customer.example", &[&to], &again).await);
    settled(&app, &acme).await;
    let list = tickets(&app, &tok).await;
    assert_eq!(list.len(), 1, "both replies joined the first ticket: {list:?}");
    assert_eq!(list[0]["subject"], "Invoice 4411 is wrong", "the ticket keeps its subject");
    let bodies: Vec<String> = messages(&app, &tok, list[0]["id"].as_str().unwrap())
        .await
        .iter()
        .map(|m| m["body_text"].as_str().unwrap_or("").to_string())
        .collect();
    assert_eq!(bodies.len(), 3, "{bodies:?}");
    assert!(bodies[1].contains("1 Main St.") && bodies[2].contains("还有一个问题"), "{bodies:?}");
}
both_mail!(a_reply_whose_subject_changed_threads_by_in_reply_to);

/// A sender's burst, each message answering the one before, delivered back to back on one
/// connection: filing runs several jobs at once, but one sender's mail is filed in arrival order,
/// so every reply finds the message it answers and the thread stays one ticket, in order.
async fn a_burst_from_one_sender_is_filed_in_order(app: TestApp) {
    let (acme, _, _) = app.seed_tenant("acme");
    let tok = token_for(&app, &acme);
    let to = format!("acme@{DOMAIN}");
    let files: Vec<String> = (0..10)
        .map(|n| {
            let threading = match n {
                0 => String::new(),
                _ => format!("In-Reply-To: <burst{}@customer.example>\r\n", n - 1),
            };
            let raw = mail(
                "Gus <gus@customer.example>",
                &to,
                &format!("Part {n} of my question"),
                &format!("Message-ID: <burst{n}@customer.example>\r\n{threading}"),
                &format!("Burst body {n}."),
            );
            let file = app.dir.path().join(format!("burst-{n}.eml"));
            std::fs::write(&file, raw).unwrap();
            file.display().to_string()
        })
        .collect();
    let report = smtp_files(&app, "gus@customer.example", &[&to], files).await;
    for r in report["results"].as_array().unwrap() {
        accepted(r);
    }
    settled(&app, &acme).await;
    let list = tickets(&app, &tok).await;
    assert_eq!(list.len(), 1, "the burst is one thread: {list:?}");
    let bodies: Vec<String> = messages(&app, &tok, list[0]["id"].as_str().unwrap())
        .await
        .iter()
        .map(|m| m["body_text"].as_str().unwrap_or("").to_string())
        .collect();
    let expected: Vec<String> = (0..10).map(|n| format!("Burst body {n}.")).collect();
    assert_eq!(bodies.iter().map(|b| b.trim().to_string()).collect::<Vec<_>>(), expected);
}
both_mail!(a_burst_from_one_sender_is_filed_in_order);

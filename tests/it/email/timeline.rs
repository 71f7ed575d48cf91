//! What mail looks like once filed, over real SMTP: the timeline's stripped text with the whole
//! original a click away, the mail fields of the message API and its raw source (tenant-scoped),
//! forwarded customer mail, and the ticket language a new mail sets.

use super::*;
use crate::harness::TestApp;
use meridian::accounts::Role;

/// A reply in the shape Gmail sends: the answer, a signature, the quoted original.
const REPLY_BODY: &str = "Thanks, turning it off and on fixed it.\r\n\r\n-- \r\nCarol Jones\r\nACME Corp\r\n\r\nOn Mon, Mar 2, 2026 at 10:00 AM, Desk <acme@mail.desk.test> wrote:\r\n> Have you tried turning it off and on again?\r\n> The desk\r\n";

async fn replies_show_only_the_answer(app: TestApp) {
    let (acme, _, _) = app.seed_tenant("acme");
    let tok = token_for(&app, &acme);
    let to = format!("acme@{DOMAIN}");
    let carol = "Carol <carol@customer.example>";
    let first = mail(carol, &to, "Printer", "Message-ID: <p1@customer.example>\r\n", "It does not print.");
    accepted(&smtp(&app, "carol@customer.example", &[&to], &first).await);
    let reply = mail(
        carol,
        &to,
        "Re: Printer",
        "Message-ID: <p2@customer.example>\r\nIn-Reply-To: <p1@customer.example>\r\nCc: Dave <dave@customer.example>\r\n",
        REPLY_BODY,
    );
    accepted(&smtp(&app, "carol@customer.example", &[&to], &reply).await);
    settled(&app, &acme).await;
    let away = mail(
        carol,
        &to,
        "Out of office",
        "Message-ID: <p3@customer.example>\r\nIn-Reply-To: <p1@customer.example>\r\nAuto-Submitted: auto-replied\r\n",
        "I am away until Monday.",
    );
    accepted(&smtp(&app, "carol@customer.example", &[&to], &away).await);
    settled(&app, &acme).await;
    let list = tickets(&app, &tok).await;
    assert_eq!(list.len(), 1, "{list:?}");
    let id = list[0]["id"].as_str().unwrap().to_string();
    let msgs = messages(&app, &tok, &id).await;
    assert_eq!(msgs.len(), 3, "{msgs:?}");
    assert_eq!(
        (msgs[2]["auto_reply"].as_bool(), msgs[2]["message_id"].as_str()),
        (Some(true), Some("p3@customer.example"))
    );
    assert_eq!(msgs[0]["auto_reply"], false);
    let m = &msgs[1];
    assert_eq!(m["body_text"], "Thanks, turning it off and on fixed it.");
    let full = m["body_text_full"].as_str().unwrap();
    assert!(full.contains("Carol Jones") && full.contains("> Have you tried"), "{full}");
    assert_eq!(m["message_id"], "p2@customer.example");
    assert_eq!(m["from"]["email"], "carol@customer.example");
    assert_eq!(m["from"]["name"], "Carol");
    assert_eq!(m["to"][0]["email"], to.as_str());
    assert_eq!(m["cc"][0]["email"], "dave@customer.example");
    assert_eq!(m["auto_reply"], false);

    // The raw source downloads whole, byte for byte what the sender sent.
    let raw_url = m["raw_url"].as_str().unwrap().to_string();
    let got = app.client().get(app.url(&raw_url)).bearer_auth(&tok).send().await.unwrap();
    assert_eq!(got.status(), 200);
    assert_eq!(got.headers()["content-type"], "message/rfc822");
    let bytes = got.bytes().await.unwrap();
    let text = String::from_utf8_lossy(&bytes);
    assert!(text.contains("Message-ID: <p2@customer.example>") && text.contains("> The desk"), "{text}");

    // A message that did not come by mail has the fields, empty.
    let r = app
        .client()
        .post(app.url(&format!("/api/v1/tickets/{id}/messages")))
        .bearer_auth(&tok)
        .json(&serde_json::json!({"body": "On it.", "kind": "note"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let msgs = messages(&app, &tok, &id).await;
    let note = msgs.last().unwrap();
    assert_eq!((note["raw_url"].is_null(), note["body_text_full"].is_null()), (true, true), "{note}");
    assert_eq!((note["to"].as_array().unwrap().len(), note["auto_reply"].as_bool()), (0, Some(false)));

    // The console shows the answer, with the whole mail behind a disclosure (no script).
    let (_, email, password) = app.add_agent(&acme, "Ann", Role::Agent);
    let (client, _) = app.signed_in("acme", &email, &password).await;
    let number = list[0]["number"].as_i64().unwrap();
    let page = client.get(app.url(&format!("/tickets/{number}"))).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("Thanks, turning it off and on fixed it."), "{page}");
    let details = page.find("<details class=\"full-message\">").expect("a full-message disclosure");
    let after = &page[details..];
    assert!(
        after.contains("Show full message") && after.contains("Have you tried") && after.contains("Carol Jones"),
        "{after}"
    );
}
both_mail!(replies_show_only_the_answer);

async fn raw_links_are_tenant_scoped(app: TestApp) {
    let (acme, _, _) = app.seed_tenant("acme");
    let (globex, _, _) = app.seed_tenant("globex");
    let (tok_a, tok_b) = (token_for(&app, &acme), token_for(&app, &globex));
    let to = format!("acme@{DOMAIN}");
    let raw = mail("carol@customer.example", &to, "Secret", "Message-ID: <s1@customer.example>\r\n", "Secret.");
    accepted(&smtp(&app, "carol@customer.example", &[&to], &raw).await);
    settled(&app, &acme).await;
    let id = tickets(&app, &tok_a).await[0]["id"].as_str().unwrap().to_string();
    let raw_url = messages(&app, &tok_a, &id).await[0]["raw_url"].as_str().unwrap().to_string();
    let get = |tok: String, path: String| {
        let c = app.client();
        let url = app.url(&path);
        async move { c.get(url).bearer_auth(tok).send().await.unwrap().status() }
    };
    assert_eq!(get(tok_a.clone(), raw_url.clone()).await, 200);
    assert_eq!(get(tok_b.clone(), raw_url.clone()).await, 404, "another tenant's token finds nothing");
    assert_eq!(get(tok_b.clone(), format!("/api/v1/tickets/{id}/messages")).await, 404);
    let failed_alias = raw_url.replace("/mail/", "/mail/failed/");
    assert_eq!(get(tok_b, failed_alias).await, 404);
    assert_eq!(app.client().get(app.url(&raw_url)).send().await.unwrap().status(), 401);
}
both_mail!(raw_links_are_tenant_scoped);

async fn forwarded_mail_belongs_to_the_customer(app: TestApp) {
    let (acme, _, _) = app.seed_tenant("acme");
    let tok = token_for(&app, &acme);
    let (_, agent_email, _) = app.add_agent(&acme, "Ann", Role::Agent);
    let to = format!("acme@{DOMAIN}");
    // Gmail's forward, by an agent.
    let body = format!(
        "Customer wrote to me directly, can we help?\r\n\r\n---------- Forwarded message ---------\r\nFrom: Zoe Customer <zoe@customer.example>\r\nDate: Mon, 2 Mar 2026 at 09:12\r\nSubject: Invoice is wrong\r\nTo: <{agent_email}>\r\n\r\nMy invoice shows the wrong amount.\r\n"
    );
    let fwd =
        mail(&format!("Ann <{agent_email}>"), &to, "Fwd: Invoice is wrong", "Message-ID: <f1@acme.example>\r\n", &body);
    accepted(&smtp(&app, &agent_email, &[&to], &fwd).await);
    // Outlook's forward, as a message/rfc822 attachment, by the same agent.
    let inner = "From: Yuri <yuri@customer.example>\r\nTo: support@acme.example\r\nSubject: Cannot log in\r\nMessage-ID: <y1@customer.example>\r\n\r\nThe login page says no.\r\n";
    let attached = format!(
        "From: {agent_email}\r\nTo: {to}\r\nSubject: FW: Cannot log in\r\nMessage-ID: <f2@acme.example>\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"b1\"\r\n\r\n--b1\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nSee attached.\r\n--b1\r\nContent-Type: message/rfc822\r\nContent-Disposition: attachment; filename=\"original.eml\"\r\n\r\n{inner}\r\n--b1--\r\n"
    );
    accepted(&smtp(&app, &agent_email, &[&to], &attached).await);
    // A customer forwarding someone else's mail stays the requester.
    let body = "Look at this.\r\n\r\n---------- Forwarded message ---------\r\nFrom: Spam <spam@elsewhere.example>\r\nDate: Mon, 2 Mar 2026\r\nSubject: Win\r\nTo: <vic@customer.example>\r\n\r\nYou won.\r\n";
    let by_customer =
        mail("Vic <vic@customer.example>", &to, "Fwd: Win", "Message-ID: <f3@customer.example>\r\n", body);
    accepted(&smtp(&app, "vic@customer.example", &[&to], &by_customer).await);
    // The tenant's own support mailbox (its From address on replies) forwarding a customer's mail.
    let t = acme.tenant_id();
    let form = meridian::email::outbound::settings::SettingsForm {
        support_address: "help@acme.example".into(),
        ..Default::default()
    };
    app.state.db.write(move |c| meridian::email::outbound::settings::save(c, &t, &form)).await.unwrap();
    let body = "---------- Forwarded message ---------\r\nFrom: Uma <uma@customer.example>\r\nDate: Mon, 2 Mar 2026\r\nSubject: Refund please\r\nTo: <help@acme.example>\r\n\r\nI was charged twice.\r\n";
    let by_support =
        mail("ACME Help <help@acme.example>", &to, "Fwd: Refund please", "Message-ID: <f4@acme.example>\r\n", body);
    accepted(&smtp(&app, "help@acme.example", &[&to], &by_support).await);
    settled(&app, &acme).await;
    let list = tickets(&app, &tok).await;
    assert_eq!(list.len(), 4, "{list:?}");
    let by_subject =
        |s: &str| list.iter().find(|t| t["subject"] == s).unwrap_or_else(|| panic!("{s}: {list:?}")).clone();
    let invoice = by_subject("Invoice is wrong");
    assert_eq!(invoice["requester"]["email"], "zoe@customer.example");
    assert_eq!(invoice["requester"]["name"], "Zoe Customer");
    let body =
        messages(&app, &tok, invoice["id"].as_str().unwrap()).await[0]["body_text"].as_str().unwrap().to_string();
    assert!(body.contains("My invoice shows the wrong amount."), "the forwarded text is visible: {body}");
    assert_eq!(by_subject("Cannot log in")["requester"]["email"], "yuri@customer.example");
    assert_eq!(by_subject("Fwd: Win")["requester"]["email"], "vic@customer.example");
    assert_eq!(by_subject("Refund please")["requester"]["email"], "uma@customer.example");
}
both_mail!(forwarded_mail_belongs_to_the_customer);

async fn new_mail_sets_the_ticket_language(app: TestApp) {
    let (acme, _, _) = app.seed_tenant("acme");
    let tok = token_for(&app, &acme);
    let to = format!("acme@{DOMAIN}");
    let declared = mail(
        "hans@customer.example",
        &to,
        "Rechnung",
        "Message-ID: <l1@customer.example>\r\nContent-Language: de-DE\r\n",
        "Hello, short.",
    );
    accepted(&smtp(&app, "hans@customer.example", &[&to], &declared).await);
    let french = mail(
        "marie@customer.example",
        &to,
        "Commande",
        "Message-ID: <l2@customer.example>\r\n",
        "Bonjour, ma commande n'est toujours pas arrivée et je voudrais savoir quand elle sera livrée.\r\n\r\nLe lun. 2 mars 2026 à 10:00, Desk <acme@mail.desk.test> a écrit :\r\n> Thank you for your order, it will ship today and arrive soon.\r\n",
    );
    accepted(&smtp(&app, "marie@customer.example", &[&to], &french).await);
    let chinese = mail(
        "li@customer.example",
        &to,
        "订单",
        "Message-ID: <l3@customer.example>\r\n",
        "您好，我的订单还没有到，请问什么时候可以发货？谢谢。",
    );
    accepted(&smtp(&app, "li@customer.example", &[&to], &chinese).await);
    let terse = mail("bo@customer.example", &to, "?", "Message-ID: <l4@customer.example>\r\n", "ok");
    accepted(&smtp(&app, "bo@customer.example", &[&to], &terse).await);
    settled(&app, &acme).await;
    let list = tickets(&app, &tok).await;
    let lang = |email: &str| {
        list.iter().find(|t| t["requester"]["email"] == email).unwrap_or_else(|| panic!("{email}"))["language"].clone()
    };
    assert_eq!(lang("hans@customer.example"), "de-DE", "Content-Language wins over the text");
    assert_eq!(lang("marie@customer.example"), "fr", "the answer's own language, not the quoted English");
    assert_eq!(lang("li@customer.example"), "zh");
    assert!(lang("bo@customer.example").is_null(), "too little text to tell");

    // A reply in another language leaves an existing ticket's language alone.
    let reply = mail(
        "marie@customer.example",
        &to,
        "Re: Commande",
        "Message-ID: <l5@customer.example>\r\nIn-Reply-To: <l2@customer.example>\r\nContent-Language: en\r\n",
        "Sorry, writing in English now because my colleague will read this.",
    );
    accepted(&smtp(&app, "marie@customer.example", &[&to], &reply).await);
    settled(&app, &acme).await;
    let list = tickets(&app, &tok).await;
    let marie = list.iter().find(|t| t["requester"]["email"] == "marie@customer.example").unwrap();
    assert_eq!((marie["language"].as_str(), marie["message_count"].as_i64()), (Some("fr"), Some(2)));
}
both_mail!(new_mail_sets_the_ticket_language);

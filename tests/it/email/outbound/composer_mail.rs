//! A reply written in the console's Markdown composer, as the customer's mail client gets it
//! over real SMTP: text and sanitised HTML as alternatives, the pasted image inline in the HTML
//! (and named in the text), and the people the agent copied in Cc.

use mail_parser::MimeHeaders;

use super::super::sink::Sink;
use super::super::*;
use super::*;
use crate::harness::TestApp;

async fn markdown_reply_with_cc(app: TestApp, sink: Sink) {
    let (acme, email, pw) = app.seed_tenant("acme");
    let tok = token_for(&app, &acme);
    carol_writes(&app, &acme).await;
    let (_, number) = first_ticket(&app, &tok).await;
    sink.wait_accepted(1).await;
    let (c, csrf) = app.signed_in("acme", &email, &pw).await;

    // The Cc field starts with who Carol's mail copied.
    let page = c.get(app.url(&format!("/tickets/{number}"))).send().await.unwrap().text().await.unwrap();
    assert!(page.contains(r#"name="cc" id="cc" value="dave@customer.example""#), "{page}");

    let form = reqwest::multipart::Form::new()
        .text("_csrf", csrf.clone())
        .part("file", reqwest::multipart::Part::bytes(crate::composer::PNG.to_vec()).file_name("arrow.png"));
    let r = c.post(app.url(&format!("/tickets/{number}/images"))).multipart(form).send().await.unwrap();
    assert_eq!(r.status(), 201);
    let v: serde_json::Value = r.json().await.unwrap();
    let (id, md) = (v["id"].as_str().unwrap().to_string(), v["markdown"].as_str().unwrap().to_string());
    let body = format!("The printer is **fixed**.\n\n{md}\n\n<script>alert(1)</script>\n\n[bad](javascript:alert(2))");
    let form = reqwest::multipart::Form::new()
        .text("_csrf", csrf.clone())
        .text("kind", "reply")
        .text("cc", "dave@customer.example, Lee@Partner.example")
        .text("body", body);
    let r = c.post(app.url(&format!("/tickets/{number}/messages"))).multipart(form).send().await.unwrap();
    assert_eq!(r.status(), 303);

    let got = sink.wait_accepted(2).await;
    let reply = &got[1];
    let mut rcpts = reply.rcpts.clone();
    rcpts.sort();
    assert_eq!(rcpts, vec!["carol@customer.example", "dave@customer.example", "lee@partner.example"]);
    let cc = reply.header("Cc").unwrap();
    assert!(cc.contains("dave@customer.example") && cc.contains("lee@partner.example"), "{cc}");
    let raw = String::from_utf8_lossy(&reply.data).to_string();
    assert!(raw.contains("multipart/alternative") && raw.contains("multipart/related"), "{raw}");
    // The text part is what the agent typed; the HTML part is the sanitised rendering.
    assert!(reply.text().contains("The printer is **fixed**."), "{}", reply.text());
    // The image's console address means nothing in a mail client: the text part names the image.
    assert!(reply.text().contains("[image: arrow.png]"), "{}", reply.text());
    assert!(!reply.text().contains("/attachments/"), "{}", reply.text());
    let parsed = reply.parsed();
    let html = parsed.body_html(0).unwrap().to_string();
    assert!(html.contains("<strong>fixed</strong>"), "{html}");
    for bad in ["<script", "href=\"javascript"] {
        assert!(!html.contains(bad), "{bad} in {html}");
    }
    let cid = format!("{id}@{DOMAIN}");
    assert!(html.contains(&format!(r#"src="cid:{cid}""#)), "{html}");
    assert!(!html.contains("/attachments/"), "no console address reaches the customer: {html}");
    let image = (0..parsed.attachment_count() as u32)
        .filter_map(|i| parsed.attachment(i))
        .find(|p| p.content_id() == Some(cid.as_str()))
        .expect("the image travels inline");
    assert_eq!(image.contents(), crate::composer::PNG);

    // The timeline shows who was copied.
    let page = c.get(app.url(&format!("/tickets/{number}"))).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("Cc: dave@customer.example, lee@partner.example"), "{page}");
}
both_sink!(markdown_reply_with_cc, []);

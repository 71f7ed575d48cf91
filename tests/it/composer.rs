//! The ticket composer: Markdown stored as sanitised HTML beside the text typed, the preview,
//! images pasted into a draft, and Cc on email tickets (validated, kept on a refusal).

use meridian::tenancy::Tenant;
use meridian::tickets::commands::{NewTicket, Requester};
use meridian::tickets::{Channel, Priority, Ticket};

use crate::harness::TestApp;

/// A 1×1 PNG.
pub const PNG: &[u8] = &[
    0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48, 0x44, 0x52, 0x00, 0x00, 0x00,
    0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x06, 0x00, 0x00, 0x00, 0x1f, 0x15, 0xc4, 0x89, 0x00, 0x00, 0x00, 0x0d, 0x49,
    0x44, 0x41, 0x54, 0x78, 0x9c, 0x63, 0xf8, 0xcf, 0xc0, 0xf0, 0x1f, 0x00, 0x05, 0x00, 0x01, 0xff, 0x89, 0x99, 0x3d,
    0x1d, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45, 0x4e, 0x44, 0xae, 0x42, 0x60, 0x82,
];

fn ticket(app: &TestApp, tenant: &Tenant, channel: Channel) -> Ticket {
    app.open_ticket(
        tenant,
        NewTicket {
            subject: "Printer".into(),
            body_text: "It jams.".into(),
            body_html: None,
            requester: Requester::Email { email: "maria@example.com".into(), name: Some("Maria".into()) },
            priority: Priority::Normal,
            tags: vec![],
            language: None,
            channel,
            assignee_id: None,
            team_id: None,
        },
    )
}

async fn send(c: &reqwest::Client, url: String, fields: &[(&str, &str)]) -> (u16, String) {
    let mut form = reqwest::multipart::Form::new();
    for (k, v) in fields {
        form = form.text(k.to_string(), v.to_string());
    }
    let r = c.post(url).multipart(form).send().await.unwrap();
    (r.status().as_u16(), r.text().await.unwrap())
}

async fn preview(c: &reqwest::Client, url: String, form: &[(&str, &str)]) -> (u16, String) {
    let r = c.post(url).form(form).send().await.unwrap();
    (r.status().as_u16(), r.text().await.unwrap())
}

/// The stored messages of a ticket: (text, html, cc), oldest first.
fn stored(app: &TestApp, tenant: &Tenant, t: &Ticket) -> Vec<(String, Option<String>, Option<String>)> {
    use diesel::prelude::*;
    use meridian::db::schema::messages;
    let (tid, id) = (tenant.tenant_id(), t.id.to_string());
    app.state
        .db
        .write_blocking(move |c| {
            Ok(messages::table
                .filter(messages::tenant_id.eq(tid.as_str()))
                .filter(messages::ticket_id.eq(id))
                .order((messages::created_at, messages::id))
                .select((messages::body_text, messages::body_html, messages::cc))
                .load(c)?)
        })
        .unwrap()
}

async fn markdown_is_stored_sanitised(app: TestApp) {
    let (t, email, pw) = app.seed_tenant("acme");
    let tk = ticket(&app, &t, Channel::Web);
    let (c, csrf) = app.signed_in("acme", &email, &pw).await;
    let hostile = "Hello **Maria**\n\n- one\n- two\n\n[x](javascript:alert(2)) <img src=x onerror=alert(3)> \
                   <a href=\"https://ok.test\" onclick=\"steal()\">ok</a> [fine](https://ok.test)\n\n<script>alert(1)</script>\n\n\
                   <iframe src=\"https://evil.test\"></iframe>\n\n<div style=\"position:fixed\">raw</div>";
    let url = app.url(&format!("/tickets/{}/messages", tk.number));
    let (status, _) = send(&c, url, &[("_csrf", &csrf), ("kind", "reply"), ("body", hostile)]).await;
    assert_eq!(status, 303);
    let rows = stored(&app, &t, &tk);
    let (text, html, cc) = rows.last().unwrap();
    assert_eq!(text, hostile, "the text is kept as typed, for search and the widget");
    let html = html.as_deref().expect("the reply has HTML");
    assert!(html.contains("<strong>Maria</strong>") && html.contains("<li>one</li>"), "{html}");
    // Text is escaped, so every `<` opens a real tag: none of them may be hostile.
    let tags: Vec<&str> = html.split('<').skip(1).map(|t| t.split('>').next().unwrap_or(t)).collect();
    for tag in &tags {
        let bad = ["script", "iframe", "img", "div", "on", "style", "javascript"];
        let words: Vec<&str> = tag.split([' ', '=', '/', '"']).collect();
        assert!(
            !words.iter().any(|w| bad.iter().any(|b| w.starts_with(b) && (*b != "on" || w.len() > 2))),
            "<{tag}> survived: {html}"
        );
    }
    assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"), "raw HTML shows as typed text: {html}");
    assert!(html.contains(r#"<a href="https://ok.test" rel="noopener noreferrer nofollow">fine</a>"#), "{html}");
    assert!(cc.is_none(), "not an email ticket: nobody chose a Cc");
    // The timeline shows the HTML, sanitised.
    let page = c.get(app.url(&format!("/tickets/{}", tk.number))).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("<strong>Maria</strong>"), "{page}");
    assert!(!page.contains("<script>alert(1)") && !page.contains("<img src=\"x\""), "{page}");
    assert!(!page.contains(r#"id="cc""#), "no Cc field on a web ticket");
}
crate::both!(markdown_is_stored_sanitised);

async fn preview_endpoint(app: TestApp) {
    let (t, email, pw) = app.seed_tenant("acme");
    let tk = ticket(&app, &t, Channel::Web);
    let (other, _, _) = app.seed_tenant("globex");
    let theirs = ticket(&app, &other, Channel::Web);
    let (c, csrf) = app.signed_in("acme", &email, &pw).await;
    let url = app.url(&format!("/tickets/{}/preview", tk.number));

    let (status, html) =
        preview(&c, url.clone(), &[("_csrf", &csrf), ("body", "# Hi\n\n*there* <script>x()</script>")]).await;
    assert_eq!(status, 200);
    assert!(html.contains("<h1>Hi</h1>") && html.contains("<em>there</em>"), "{html}");
    assert!(!html.contains("<script"), "{html}");
    // The same renderer as the stored message.
    assert_eq!(html, meridian::tickets::composer::render("# Hi\n\n*there* <script>x()</script>"));
    let (status, html) = preview(&c, url.clone(), &[("_csrf", &csrf), ("body", "  ")]).await;
    assert_eq!((status, html.as_str()), (200, ""), "an empty draft previews as nothing");

    // No token, or a wrong one: refused.
    assert_eq!(preview(&c, url.clone(), &[("body", "x")]).await.0, 403);
    assert_eq!(preview(&c, url.clone(), &[("_csrf", "forged"), ("body", "x")]).await.0, 403);
    // Signed out: not for the public.
    let anon = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let r = anon.post(url.clone()).form(&[("_csrf", csrf.as_str()), ("body", "x")]).send().await;
    let status = r.unwrap().status().as_u16();
    assert!(matches!(status, 303 | 401 | 403), "{status}");
    // Another tenant's ticket (by number and by id) is not found.
    for key in [theirs.id.to_string(), "999".into()] {
        let u = app.url(&format!("/tickets/{key}/preview"));
        assert_eq!(preview(&c, u, &[("_csrf", &csrf), ("body", "x")]).await.0, 404, "{key}");
    }
    // Too long for a message: refused as the send would be; over the body limit: 413.
    let long = "y".repeat(meridian::tickets::commands::MAX_BODY_CHARS + 1);
    assert_eq!(preview(&c, url.clone(), &[("_csrf", &csrf), ("body", &long)]).await.0, 422);
    let huge = "y".repeat(2 << 20);
    assert_eq!(preview(&c, url.clone(), &[("_csrf", &csrf), ("body", &huge)]).await.0, 413);
    // NUL is refused at the door, with its reason.
    let (status, page) = preview(&c, url.clone(), &[("_csrf", &csrf), ("body", "a\0b")]).await;
    assert_eq!(status, 422, "{page}");
    assert!(page.contains("NUL"), "{page}");
}
crate::both!(preview_endpoint);

async fn pasted_images(app: TestApp) {
    let (t, email, pw) = app.seed_tenant("acme");
    let tk = ticket(&app, &t, Channel::Web);
    let (other, oemail, opw) = app.seed_tenant("globex");
    let theirs = ticket(&app, &other, Channel::Web);
    let (c, csrf) = app.signed_in("acme", &email, &pw).await;
    let upload = |c: reqwest::Client, url: String, csrf: String, bytes: Vec<u8>, name: &'static str| async move {
        let form = reqwest::multipart::Form::new()
            .text("_csrf", csrf)
            .part("file", reqwest::multipart::Part::bytes(bytes).file_name(name));
        let r = c.post(url).multipart(form).send().await.unwrap();
        (r.status().as_u16(), r.text().await.unwrap())
    };
    let url = app.url(&format!("/tickets/{}/images", tk.number));

    // Not an image, or an SVG (script can live in one): 422; nothing forged gets in.
    let (s, _) = upload(c.clone(), url.clone(), csrf.clone(), b"just text".to_vec(), "notes.txt").await;
    assert_eq!(s, 422);
    let svg = b"<svg xmlns=\"http://www.w3.org/2000/svg\" onload=\"alert(1)\"/>".to_vec();
    assert_eq!(upload(c.clone(), url.clone(), csrf.clone(), svg, "x.svg").await.0, 422);
    assert_eq!(upload(c.clone(), url.clone(), "forged".into(), PNG.to_vec(), "a.png").await.0, 403);
    // Another tenant's ticket: not found, before the file is read.
    let theirs_url = app.url(&format!("/tickets/{}/images", theirs.id));
    assert_eq!(upload(c.clone(), theirs_url, csrf.clone(), PNG.to_vec(), "a.png").await.0, 404);

    let (s, json) = upload(c.clone(), url.clone(), csrf.clone(), PNG.to_vec(), "shot.png").await;
    assert_eq!(s, 201, "{json}");
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    let (img, md) = (v["url"].as_str().unwrap().to_string(), v["markdown"].as_str().unwrap().to_string());
    assert_eq!(md, format!("![shot.png]({img})"));
    // The draft's image shows for this tenant's agents (the preview), as an image, not to others.
    let r = c.get(app.url(&img)).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-type"], "image/png");
    assert_eq!(r.headers()["x-content-type-options"], "nosniff");
    let (oc, _) = app.signed_in("globex", &oemail, &opw).await;
    assert_eq!(oc.get(app.url(&img)).send().await.unwrap().status(), 404);
    let (_, html) =
        preview(&c, app.url(&format!("/tickets/{}/preview", tk.number)), &[("_csrf", &csrf), ("body", &md)]).await;
    assert!(html.contains(&format!(r#"<img src="{img}" alt="shot.png">"#)), "{html}");

    // Sent: the message takes the image as its attachment, and the timeline shows it inline.
    let body = format!("See the arrow:\n\n{md}");
    let (s, _) = send(
        &c,
        app.url(&format!("/tickets/{}/messages", tk.number)),
        &[("_csrf", &csrf), ("kind", "note"), ("body", &body)],
    )
    .await;
    assert_eq!(s, 303);
    let page = c.get(app.url(&format!("/tickets/{}", tk.number))).send().await.unwrap().text().await.unwrap();
    assert!(page.contains(&format!(r#"<img src="{img}" alt="shot.png">"#)), "{page}");
    assert!(page.contains("<bdi>shot.png</bdi>"), "listed with the message's files: {page}");
    let pending = {
        use diesel::prelude::*;
        use meridian::db::schema::pending_uploads;
        app.state.db.write_blocking(|c| Ok(pending_uploads::table.count().get_result::<i64>(c)?)).unwrap()
    };
    assert_eq!(pending, 2, "only the two refused files wait for the sweep");
    let r = c.get(app.url(&img)).send().await.unwrap();
    assert_eq!((r.status().as_u16(), r.bytes().await.unwrap().to_vec()), (200, PNG.to_vec()));
}
crate::both!(pasted_images);

/// An image pasted into a draft outlives the hour a request's files get: the draft waits in the
/// browser across reloads and days, and is sent with its image; only an abandoned one is swept.
async fn draft_images_outlive_the_request_sweep(app: TestApp) {
    use diesel::prelude::*;
    use meridian::db::schema::pending_uploads;
    use meridian::tickets::attachments::{sweep_orphans, DRAFT_IMAGE_DAYS};
    let (t, email, pw) = app.seed_tenant("acme");
    let tk = ticket(&app, &t, Channel::Web);
    let (c, csrf) = app.signed_in("acme", &email, &pw).await;
    let upload = |name: &'static str| {
        let form = reqwest::multipart::Form::new()
            .text("_csrf", csrf.clone())
            .part("file", reqwest::multipart::Part::bytes(PNG.to_vec()).file_name(name));
        c.post(app.url(&format!("/tickets/{}/images", tk.number))).multipart(form).send()
    };
    let image = |r: reqwest::Response| async move {
        assert_eq!(r.status(), 201);
        let v: serde_json::Value = r.json().await.unwrap();
        (v["id"].as_str().unwrap().to_string(), v["markdown"].as_str().unwrap().to_string())
    };
    let (kept, kept_md) = image(upload("kept.png").await.unwrap()).await;
    let (abandoned, _) = image(upload("abandoned.png").await.unwrap()).await;
    // Time passes: `days` from now, as the sweep sees it, by moving each row's due time back.
    let age = |id: String, by: chrono::Duration| {
        app.state
            .db
            .write_blocking(move |c| {
                let due: chrono::NaiveDateTime = pending_uploads::table
                    .filter(pending_uploads::id.eq(&id))
                    .select(pending_uploads::sweep_after)
                    .first(c)?;
                diesel::update(pending_uploads::table.filter(pending_uploads::id.eq(&id)))
                    .set(pending_uploads::sweep_after.eq(due - by))
                    .execute(c)?;
                Ok(())
            })
            .unwrap()
    };
    for id in [&kept, &abandoned] {
        age(id.clone(), chrono::Duration::hours(3));
    }
    assert_eq!(sweep_orphans(&app.state.blobs, 500).await.unwrap(), 0, "a draft's images outlive three hours");
    let r = c.get(app.url(&format!("/attachments/{kept}/inline"))).send().await.unwrap();
    assert_eq!(r.status(), 200, "the draft's preview still shows it");
    let body = format!("After lunch:\n\n{kept_md}");
    let (s, _) = send(
        &c,
        app.url(&format!("/tickets/{}/messages", tk.number)),
        &[("_csrf", &csrf), ("kind", "note"), ("body", &body)],
    )
    .await;
    assert_eq!(s, 303);
    let page = c.get(app.url(&format!("/tickets/{}", tk.number))).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("<bdi>kept.png</bdi>"), "sent hours later, the message took its image: {page}");
    // The abandoned draft's image goes once the draft's time is up, not before.
    age(abandoned.clone(), chrono::Duration::days(DRAFT_IMAGE_DAYS - 1));
    assert_eq!(sweep_orphans(&app.state.blobs, 500).await.unwrap(), 0);
    age(abandoned.clone(), chrono::Duration::days(1));
    assert_eq!(sweep_orphans(&app.state.blobs, 500).await.unwrap(), 1);
    let r = c.get(app.url(&format!("/attachments/{abandoned}/inline"))).send().await.unwrap();
    assert_eq!(r.status(), 404);
    let left: i64 = app.state.db.write_blocking(|c| Ok(pending_uploads::table.count().get_result(c)?)).unwrap();
    assert_eq!(left, 0);
}
crate::both!(draft_images_outlive_the_request_sweep);

async fn cc_on_email_tickets(app: TestApp) {
    let (t, email, pw) = app.seed_tenant("acme");
    let tk = ticket(&app, &t, Channel::Email);
    let (c, csrf) = app.signed_in("acme", &email, &pw).await;
    let page = c.get(app.url(&format!("/tickets/{}", tk.number))).send().await.unwrap().text().await.unwrap();
    assert!(page.contains(r#"name="cc" id="cc" value="""#), "an email ticket has a Cc field: {page}");
    let url = app.url(&format!("/tickets/{}/messages", tk.number));

    // A bad address: 422 at the field, with the draft and what was typed kept; nothing stored.
    let typed = "boss@customer.example, not an address";
    let (s, page) =
        send(&c, url.clone(), &[("_csrf", &csrf), ("kind", "reply"), ("cc", typed), ("body", "Draft **kept**")]).await;
    assert_eq!(s, 422, "{page}");
    assert!(page.contains(r#"<span class="field-error" id="cc-error" role="alert">“not” is not an email address. Separate addresses with commas.</span>"#), "{page}");
    assert!(page.contains(&format!(r#"value="{typed}""#)), "{page}");
    assert!(page.contains("Draft **kept**</textarea>"), "{page}");
    assert!(page.contains(r#"aria-invalid="true""#), "{page}");
    assert_eq!(stored(&app, &t, &tk).len(), 1, "the refused reply was not stored");
    // The address named in the message is the agent's text, escaped like the rest.
    let (s, page) =
        send(&c, url.clone(), &[("_csrf", &csrf), ("kind", "reply"), ("cc", "a@b.example;<img/src=x>"), ("body", "x")])
            .await;
    assert_eq!(s, 422, "{page}");
    assert!(page.contains("“&#60;img/src=x&#62;” is not an email address"), "{page}");
    assert!(!page.contains("<img/src=x>"), "{page}");
    let many: Vec<String> = (0..21).map(|i| format!("p{i}@x.example")).collect();
    let (s, page) =
        send(&c, url.clone(), &[("_csrf", &csrf), ("kind", "reply"), ("cc", &many.join(",")), ("body", "x")]).await;
    assert_eq!(s, 422);
    assert!(page.contains("At most 20 addresses"), "{page}");

    // Good addresses: recorded on the reply (lowercased, once each) and shown on the timeline.
    let (s, _) = send(
        &c,
        url.clone(),
        &[
            ("_csrf", &csrf),
            ("kind", "reply"),
            ("cc", "Boss@Customer.example; boss@customer.example lee@customer.example"),
            ("body", "Done."),
        ],
    )
    .await;
    assert_eq!(s, 303);
    let rows = stored(&app, &t, &tk);
    assert_eq!(rows.last().unwrap().2.as_deref(), Some("boss@customer.example lee@customer.example"));
    let page = c.get(app.url(&format!("/tickets/{}", tk.number))).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("Cc: boss@customer.example, lee@customer.example"), "{page}");
    // A note is never copied, whatever the field says.
    let (s, _) =
        send(&c, url.clone(), &[("_csrf", &csrf), ("kind", "note"), ("cc", "x@customer.example"), ("body", "inside")])
            .await;
    assert_eq!(s, 303);
    assert_eq!(stored(&app, &t, &tk).last().unwrap().2, None);
}
crate::both!(cc_on_email_tickets);

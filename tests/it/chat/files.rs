//! Files in a chat: a visitor uploads over HTTP with their token, the agent's ticket has the file
//! and the visitor's sockets get the message with it (live and in history); the agent's files
//! reach the widget too; downloads are the visitor's own conversation's only; refusals (size,
//! programs, other tenants and visitors, counts, rates) store nothing and leave the server up.

use base64::Engine;
use serde_json::{json, Value};

use super::{agent_posts, api_token, healthy, owner_id, Widget};
use crate::harness::{wait_for_frame, Backend, TestApp};

const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0\x1f\x15\xc4\x89\0\0\0\rIDATx\x9cc\xf8\x0f\0\0\x01\x01\0\x05\x18\xd8N\0\0\0\0IEND\xaeB`\x82";
/// The start of a Windows program (a DOS header), whatever its name says.
const EXE: &[u8] = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00\xb8\x00\x00\x00\x00\x00\x00\x00@\x00";

/// Upload `bytes` as `name` with the visitor's token; (status, body or null).
pub async fn upload(
    app: &TestApp,
    slug: &str,
    token: Option<&str>,
    client_id: &str,
    name: &str,
    bytes: Vec<u8>,
) -> (u16, Value) {
    let url = format!(
        "/widget/{slug}/uploads?client_id={client_id}&name={}",
        url::form_urlencoded::byte_serialize(name.as_bytes()).collect::<String>()
    );
    let mut r = reqwest::Client::new().post(app.url(&url)).body(bytes);
    if let Some(t) = token {
        r = r.bearer_auth(t);
    }
    let res = r.send().await.unwrap();
    let status = res.status().as_u16();
    (status, res.json().await.unwrap_or(Value::Null))
}

async fn download(app: &TestApp, url: &str, token: &str) -> reqwest::Response {
    reqwest::Client::new().get(app.url(url)).bearer_auth(token).send().await.unwrap()
}

fn count(app: &TestApp, table: &str) -> i64 {
    use diesel::prelude::*;
    use meridian::db::schema::{attachments, pending_uploads};
    let table = table.to_string();
    app.state
        .db
        .write_blocking(move |c| {
            Ok(match table.as_str() {
                "attachments" => attachments::table.count().get_result(c)?,
                _ => pending_uploads::table.count().get_result(c)?,
            })
        })
        .unwrap()
}

fn stored_files(app: &TestApp) -> usize {
    fn walk(dir: &std::path::Path) -> usize {
        std::fs::read_dir(dir)
            .map(|d| d.flatten().map(|e| if e.path().is_dir() { walk(&e.path()) } else { 1 }).sum())
            .unwrap_or(0)
    }
    walk(&app.dir.path().join("attachments"))
}

async fn a_visitor_sends_a_file_and_the_agent_sees_it(app: TestApp) {
    let (acme, email, pw) = app.seed_tenant("acme");
    let tok = api_token(&app, &acme);
    let agent = owner_id(&app, &tok).await;
    let (mut w, welcome) = Widget::hello(&app, "acme", json!({"name": "Rita", "locale": "en"})).await;
    let token = welcome["visitor_token"].as_str().unwrap().to_string();
    let ticket = w.say("c-1", "The screen shows an error").await["conversation_id"].as_str().unwrap().to_string();
    w.recv_type("message").await;

    // The agent has the ticket page open: its live stream hears the file's message.
    let (c, _) = app.signed_in("acme", &email, &pw).await;
    let mut live = c.get(app.url(&format!("/events?ticket={ticket}"))).send().await.unwrap().bytes_stream();
    assert!(wait_for_frame(&mut live, 5, |f| f.contains("connected")).await.is_some());

    let (s, up) = upload(&app, "acme", Some(&token), "f-1", "screen shot é.png", PNG.to_vec()).await;
    assert_eq!(s, 201, "{up}");
    assert_eq!(up["conversation_id"], ticket.as_str());
    assert!(
        wait_for_frame(&mut live, 10, |f| f.starts_with("event: ticket") && f.contains(ticket.as_str()))
            .await
            .is_some(),
        "the ticket page hears it live"
    );
    let timeline = c.get(app.url(&format!("/tickets/{ticket}/timeline"))).send().await.unwrap().text().await.unwrap();
    assert!(timeline.contains("screen shot é.png"), "the refetched timeline shows the file");
    let file = &up["attachments"][0];
    assert_eq!((file["name"].as_str(), file["content_type"].as_str()), (Some("screen shot é.png"), Some("image/png")));
    assert_eq!(file["size"], PNG.len());
    let url = file["url"].as_str().unwrap().to_string();
    assert_eq!(url, format!("/widget/acme/attachments/{}", file["id"].as_str().unwrap()));

    // The visitor's socket gets the message with its file, live.
    let f = w.recv_type("message").await;
    assert_eq!((f["id"].as_str(), f["author"].as_str()), (up["message_id"].as_str(), Some("visitor")));
    assert_eq!(f["body"], "screen shot é.png");
    assert_eq!(f["attachments"], up["attachments"], "{f}");

    // The agent's ticket has it: through the API and on the ticket page.
    let msgs = app.api_json(&tok, &format!("/api/v1/tickets/{ticket}/messages")).await;
    let last = msgs["data"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(last["attachments"][0]["filename"], "screen shot é.png", "{last}");
    assert_eq!(last["attachments"][0]["id"], file["id"]);
    let number = app.api_json(&tok, &format!("/api/v1/tickets/{ticket}")).await["number"].clone();
    let page = c.get(app.url(&format!("/tickets/{number}"))).send().await.unwrap().text().await.unwrap();
    assert!(page.contains(&format!("href=\"/attachments/{}\"", file["id"].as_str().unwrap())), "on the ticket page");

    // The visitor downloads their own file: a download, never rendered.
    let d = download(&app, &url, &token).await;
    assert_eq!(d.status(), 200);
    assert_eq!(d.headers()["content-type"], "application/octet-stream");
    assert!(d.headers()["content-disposition"].to_str().unwrap().starts_with("attachment;"));
    assert_eq!(d.bytes().await.unwrap().as_ref(), PNG);

    // The same client id again (a retry after a lost answer): the same message, one file.
    let (s, again) = upload(&app, "acme", Some(&token), "f-1", "screen shot é.png", PNG.to_vec()).await;
    assert_eq!((s, again["message_id"].as_str()), (200, up["message_id"].as_str()), "{again}");
    assert_eq!(again["replayed"], true);
    let msgs = app.api_json(&tok, &format!("/api/v1/tickets/{ticket}/messages")).await;
    let files: usize =
        msgs["data"].as_array().unwrap().iter().map(|m| m["attachments"].as_array().unwrap().len()).sum();
    assert_eq!(files, 1);

    // The agent answers with a file, and attaches one to an internal note.
    let b64 = base64::engine::general_purpose::STANDARD.encode(b"%PDF-1.4\n% the label\n");
    let r = reqwest::Client::new()
        .post(app.url(&format!("/api/v1/tickets/{ticket}/messages")))
        .bearer_auth(&tok)
        .json(&json!({"body": "Here is the label", "kind": "reply", "author_agent_id": agent,
            "attachments": [{"filename": "label.pdf", "content_base64": b64}]}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let r = reqwest::Client::new()
        .post(app.url(&format!("/api/v1/tickets/{ticket}/messages")))
        .bearer_auth(&tok)
        .json(&json!({"body": "INTERNAL scan", "kind": "note", "author_agent_id": agent,
            "attachments": [{"filename": "secret.txt", "content_base64": b64}]}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let reply = w.recv_type("message").await;
    assert_eq!((reply["author"].as_str(), reply["body"].as_str()), (Some("agent"), Some("Here is the label")));
    assert_eq!(reply["attachments"][0]["name"], "label.pdf", "{reply}");
    let agent_file = reply["attachments"][0]["url"].as_str().unwrap().to_string();
    assert_eq!(download(&app, &agent_file, &token).await.status(), 200);
    // The note's file is not the visitor's to download.
    let msgs = app.api_json(&tok, &format!("/api/v1/tickets/{ticket}/messages")).await;
    let note = msgs["data"].as_array().unwrap().iter().find(|m| m["kind"] == "note").unwrap().clone();
    let note_file = note["attachments"][0]["id"].as_str().expect("the note's file").to_string();
    let r = download(&app, &format!("/widget/acme/attachments/{note_file}"), &token).await;
    assert_eq!(r.status(), 404);
    agent_posts(&app, &tok, &ticket, &agent, "reply", "Anything else?").await;
    assert_eq!(w.recv_type("message").await["body"], "Anything else?", "the note was never sent");

    // A reload: the history shows both files.
    w.vanish();
    let (mut w, _) = Widget::hello(&app, "acme", json!({"visitor_token": token})).await;
    let mut with_files = vec![];
    // Four public messages: the first text, the file, the agent's file, the last reply.
    for _ in 0..4 {
        let f = w.recv_type("message").await;
        if let Some(a) = f["attachments"].as_array().filter(|a| !a.is_empty()) {
            with_files.push(a[0]["name"].as_str().unwrap().to_string());
        }
    }
    assert_eq!(with_files, ["screen shot é.png", "label.pdf"]);
}
both!(a_visitor_sends_a_file_and_the_agent_sees_it);

async fn a_first_message_may_be_a_file(app: TestApp) {
    let (acme, _, _) = app.seed_tenant("acme");
    let tok = api_token(&app, &acme);
    let (w, welcome) = Widget::hello(&app, "acme", json!({"locale": "en"})).await;
    let token = welcome["visitor_token"].as_str().unwrap().to_string();
    // A name with a right-to-left override (it would show as "invoicegnp.pdf"): cleaned.
    let (s, up) = upload(&app, "acme", Some(&token), "f-1", "invoice\u{202E}fdp.png", PNG.to_vec()).await;
    assert_eq!(s, 201, "{up}");
    assert_eq!(up["attachments"][0]["name"], "invoicefdp.png");
    let ticket = up["conversation_id"].as_str().unwrap().to_string();
    let t = app.api_json(&tok, &format!("/api/v1/tickets/{ticket}")).await;
    assert_eq!((t["channel"].as_str(), t["subject"].as_str()), (Some("chat"), Some("invoicefdp.png")));
    w.vanish();
    let (mut w, welcome) = Widget::hello(&app, "acme", json!({"visitor_token": token})).await;
    assert_eq!(welcome["conversation_id"], ticket.as_str());
    let f = w.recv_type("message").await;
    assert_eq!(f["attachments"][0]["name"], "invoicefdp.png", "{f}");
}
both!(a_first_message_may_be_a_file);

async fn refused_uploads_store_nothing(backend: Backend) {
    let Some(app) = TestApp::start_with(
        backend,
        |e| {
            e.insert("MERIDIAN_MAX_ATTACHMENT_BYTES".into(), "100000".into());
        },
        meridian::jobs::Registry::new(),
    )
    .await
    else {
        return;
    };
    let (acme, _, _) = app.seed_tenant("acme");
    let (_globex, _, _) = app.seed_tenant("globex");
    let (mut w, welcome) = Widget::hello(&app, "acme", json!({})).await;
    let token = welcome["visitor_token"].as_str().unwrap().to_string();
    w.say("c-1", "hello").await;
    let (_, gwelcome) = Widget::hello(&app, "globex", json!({})).await;
    let gtoken = gwelcome["visitor_token"].as_str().unwrap().to_string();
    let (files, pending) = (stored_files(&app), count(&app, "pending"));

    // Oversize, declared: refused before a byte is stored.
    let (s, b) = upload(&app, "acme", Some(&token), "big", "big.png", vec![7u8; 100_001]).await;
    assert_eq!(s, 413, "{b}");
    assert_eq!(b["type"], "urn:meridian:problem:payload-too-large");
    assert_eq!((stored_files(&app), count(&app, "pending")), (files, pending), "nothing stored");
    // Oversize, streamed without a length: refused once past the limit; nothing attached.
    let chunks: Vec<Result<Vec<u8>, std::io::Error>> = (0..30).map(|_| Ok(vec![0u8; 8192])).collect();
    let r = reqwest::Client::new()
        .post(app.url("/widget/acme/uploads?client_id=big2&name=big.txt"))
        .bearer_auth(&token)
        .body(reqwest::Body::wrap_stream(futures_util::stream::iter(chunks)))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 413);
    // A program renamed .png, and a script by its name: 415, nothing stored.
    let (s, b) = upload(&app, "acme", Some(&token), "exe", "cute-cat.png", EXE.to_vec()).await;
    assert_eq!(s, 415, "{b}");
    let (s, _) = upload(&app, "acme", Some(&token), "bat", "fix.bat", b"del /q *".to_vec()).await;
    assert_eq!(s, 415);
    assert_eq!(count(&app, "pending"), pending + 1, "only the streamed one was begun");
    assert_eq!(count(&app, "attachments"), 0);

    // No token; another tenant's token on this tenant; this tenant's token at another tenant.
    assert_eq!(upload(&app, "acme", None, "x", "a.png", PNG.to_vec()).await.0, 401);
    assert_eq!(upload(&app, "acme", Some(&gtoken), "x", "a.png", PNG.to_vec()).await.0, 404);
    assert_eq!(upload(&app, "globex", Some(&token), "x", "a.png", PNG.to_vec()).await.0, 404);
    assert_eq!(upload(&app, "nope", Some(&token), "x", "a.png", PNG.to_vec()).await.0, 404);
    // A bad client id and an empty file: 422, the reason named.
    assert_eq!(upload(&app, "acme", Some(&token), "", "a.png", PNG.to_vec()).await.0, 422);
    let (s, b) = upload(&app, "acme", Some(&token), "empty", "a.png", vec![]).await;
    assert_eq!((s, b["field"].as_str()), (422, Some("attachments")), "{b}");
    assert_eq!(count(&app, "attachments"), 0);

    // A real file, then: another visitor of the same tenant and the other tenant's visitor
    // cannot download it; its owner can.
    let (s, up) = upload(&app, "acme", Some(&token), "ok", "a.png", PNG.to_vec()).await;
    assert_eq!(s, 201, "{up}");
    let url = up["attachments"][0]["url"].as_str().unwrap().to_string();
    let (_, other) = Widget::hello(&app, "acme", json!({})).await;
    let other = other["visitor_token"].as_str().unwrap().to_string();
    assert_eq!(download(&app, &url, &other).await.status(), 404);
    assert_eq!(download(&app, &url, &gtoken).await.status(), 404);
    let id = up["attachments"][0]["id"].as_str().unwrap();
    assert_eq!(download(&app, &format!("/widget/globex/attachments/{id}"), &gtoken).await.status(), 404);
    assert_eq!(reqwest::get(app.url(&url)).await.unwrap().status(), 401);
    assert_eq!(download(&app, &url, &token).await.status(), 200);

    // The conversation's count: filled up to its limit, the next file is refused.
    let ticket = up["conversation_id"].as_str().unwrap().to_string();
    let message = up["message_id"].as_str().unwrap().to_string();
    let tid = acme.tenant_id();
    for i in 1..meridian::chat::files::MAX_FILES_PER_CONVERSATION {
        let blob = app.state.blobs.put(&tid, &format!("f{i}.png"), PNG.to_vec().into()).await.unwrap();
        let (t, m, tid) = (ticket.clone(), message.clone(), tid.clone());
        app.state.db.write(move |c| meridian::tickets::attachments::attach(c, &tid, &t, &m, &[blob])).await.unwrap();
    }
    let (s, b) = upload(&app, "acme", Some(&token), "one-more", "a.png", PNG.to_vec()).await;
    assert_eq!((s, b["field"].as_str()), (422, Some("file")), "{b}");
    healthy(&app).await;
    // The socket is still up too.
    w.say("c-2", "still here").await;
}

#[actix_web::test]
async fn refused_uploads_store_nothing_sqlite() {
    refused_uploads_store_nothing(Backend::Sqlite).await;
}

#[actix_web::test]
async fn refused_uploads_store_nothing_postgres() {
    refused_uploads_store_nothing(Backend::Postgres).await;
}

async fn uploads_are_rate_limited_per_visitor(app: TestApp) {
    app.seed_tenant("acme");
    let (_, welcome) = Widget::hello(&app, "acme", json!({})).await;
    let token = welcome["visitor_token"].as_str().unwrap().to_string();
    let mut statuses = vec![];
    for i in 0..=meridian::chat::files::UPLOADS_PER_MINUTE {
        statuses.push(upload(&app, "acme", Some(&token), &format!("r{i}"), "a.png", PNG.to_vec()).await.0);
    }
    assert_eq!(statuses.iter().filter(|s| **s == 201).count(), meridian::chat::files::UPLOADS_PER_MINUTE as usize);
    assert_eq!(statuses.last(), Some(&429));
    // Another visitor is not held back by the first one's uploads.
    let (_, welcome) = Widget::hello(&app, "acme", json!({})).await;
    let other = welcome["visitor_token"].as_str().unwrap().to_string();
    assert_eq!(upload(&app, "acme", Some(&other), "o", "a.png", PNG.to_vec()).await.0, 201);
}
both!(uploads_are_rate_limited_per_visitor);

async fn the_widget_doors_answer_cors_for_allowed_origins(app: TestApp) {
    let (acme, _, _) = app.seed_tenant("acme");
    let tid = acme.tenant_id();
    app.state
        .db
        .write(move |c| meridian::chat::settings::set_allowed_origins(c, &tid, &["https://app.acme.example".into()]))
        .await
        .unwrap();
    let pre = |origin: &'static str| {
        reqwest::Client::new()
            .request(reqwest::Method::OPTIONS, app.url("/widget/acme/uploads"))
            .header("origin", origin)
            .header("access-control-request-method", "POST")
            .header("access-control-request-headers", "authorization")
            .send()
    };
    let ok = pre("https://app.acme.example").await.unwrap();
    assert_eq!(ok.status(), 204);
    assert_eq!(ok.headers()["access-control-allow-origin"], "https://app.acme.example");
    assert!(ok.headers()["access-control-allow-headers"].to_str().unwrap().contains("authorization"));
    assert_eq!(pre("https://evil.example").await.unwrap().status(), 403);
    // An error is readable by the allowed page too.
    let r = reqwest::Client::new()
        .post(app.url("/widget/acme/uploads?client_id=x&name=a.png"))
        .header("origin", "https://app.acme.example")
        .body(PNG.to_vec())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    assert_eq!(r.headers()["access-control-allow-origin"], "https://app.acme.example");
}
both!(the_widget_doors_answer_cors_for_allowed_origins);

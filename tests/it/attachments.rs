//! Attachments: upload through the console and the API, download as attachment, limits, names.

use base64::Engine;
use serde_json::{json, Value};

use crate::harness::{Backend, TestApp};
use meridian::accounts::tokens;
use meridian::jobs::Registry;

const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0\x1f\x15\xc4\x89\0\0\0\rIDATx\x9cc\xf8\x0f\0\0\x01\x01\0\x05\x18\xd8N\0\0\0\0IEND\xaeB`\x82";

/// A ticket's messages, through the API.
async fn messages(app: &TestApp, tok: &str, ticket_id: &str) -> Value {
    let url = app.url(&format!("/api/v1/tickets/{ticket_id}/messages"));
    reqwest::Client::new().get(url).bearer_auth(tok).send().await.unwrap().json().await.unwrap()
}

async fn api_ticket(app: &TestApp, tok: &str) -> Value {
    reqwest::Client::new()
        .post(app.url("/api/v1/tickets"))
        .bearer_auth(tok)
        .json(
            &json!({"subject": "Files", "message": {"body": "see attached"}, "requester": {"email": "a@example.com"}}),
        )
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

async fn console_upload_and_download(app: TestApp) {
    let (t, email, pw) = app.seed_tenant("acme");
    let tok = app.state.db.write_blocking(|c| tokens::create(c, &t.tenant_id(), "t", None)).unwrap().1;
    let ticket = api_ticket(&app, &tok).await;
    let (c, csrf) = app.signed_in("acme", &email, &pw).await;
    // A hostile name: path traversal, markup and quotes. (A raw newline cannot even be sent:
    // the multipart body would be malformed, which the next test covers.)
    let hostile = "../../etc/<img src=x onerror=alert(1)>\"evil\".html";
    let form = reqwest::multipart::Form::new()
        .text("_csrf", csrf.clone())
        .text("kind", "reply")
        .text("body", "Here is the screenshot")
        .part("files", reqwest::multipart::Part::bytes(PNG.to_vec()).file_name("screen shot é.png"))
        .part("files", reqwest::multipart::Part::bytes(b"<script>alert(1)</script>".to_vec()).file_name(hostile));
    let r = c.post(app.url("/tickets/1/messages")).multipart(form).send().await.unwrap();
    let status = r.status();
    assert_eq!(status, 303, "{}", r.text().await.unwrap());
    let page = c.get(app.url("/tickets/1")).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("screen shot é.png"));
    assert!(!page.contains("<img src=x") && !page.contains("../"), "names are reduced and escaped");
    let ids: Vec<String> =
        page.match_indices("href=\"/attachments/").map(|(i, _)| page[i + 19..i + 55].to_string()).collect();
    assert_eq!(ids.len(), 2, "{page}");
    let png = c.get(app.url(&format!("/attachments/{}", ids[0]))).send().await.unwrap();
    assert_eq!(png.status(), 200);
    assert_eq!(png.headers()["content-type"], "application/octet-stream");
    let cd = png.headers()["content-disposition"].to_str().unwrap().to_string();
    assert!(
        cd.starts_with("attachment; filename=\"screen shot _.png\"; filename*=UTF-8''screen%20shot%20%C3%A9.png"),
        "{cd}"
    );
    assert!(png.headers()["content-security-policy"].to_str().unwrap().contains("sandbox"));
    assert_eq!(png.bytes().await.unwrap().as_ref(), PNG);
    let html = c.get(app.url(&format!("/attachments/{}", ids[1]))).send().await.unwrap();
    let cd = html.headers()["content-disposition"].to_str().unwrap().to_string();
    assert!(
        cd.starts_with("attachment;") && !cd.contains('\n') && !cd.contains("../") && !cd.contains("\"evil\""),
        "{cd}"
    );
    // Metadata: the sniffed type is recorded and shown through the API.
    let msgs: Value = reqwest::Client::new()
        .get(app.url(&format!("/api/v1/tickets/{}/messages", ticket["id"].as_str().unwrap())))
        .bearer_auth(&tok)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let files = &msgs["data"][1]["attachments"];
    assert_eq!(files[0]["content_type"], "image/png");
    // Sniffed from the bytes (it is markup); it is still only ever served as a download.
    assert_eq!(files[1]["content_type"], "text/html");
    // Another tenant cannot fetch them, in the console or the API.
    let (b, be, bp) = app.seed_tenant("bravo");
    let (cb, _) = app.signed_in("bravo", &be, &bp).await;
    assert_eq!(cb.get(app.url(&format!("/attachments/{}", ids[0]))).send().await.unwrap().status(), 404);
    let btok = app.state.db.write_blocking(|c| tokens::create(c, &b.tenant_id(), "t", None)).unwrap().1;
    let r = reqwest::Client::new()
        .get(app.url(&format!("/api/v1/attachments/{}", ids[0])))
        .bearer_auth(&btok)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    let r = reqwest::Client::new()
        .get(app.url(&format!("/api/v1/attachments/{}", ids[0])))
        .bearer_auth(&tok)
        .send()
        .await
        .unwrap();
    assert_eq!(r.bytes().await.unwrap().as_ref(), PNG);
}
both!(console_upload_and_download);

#[actix_web::test]
async fn size_limits_and_bad_files_are_refused_and_nothing_is_half_saved() {
    let app = TestApp::start_with(
        Backend::Sqlite,
        |e| {
            e.insert("MERIDIAN_MAX_ATTACHMENT_BYTES".into(), "1000".into());
        },
        Registry::new(),
    )
    .await
    .unwrap();
    let (t, email, pw) = app.seed_tenant("acme");
    let tok = app.state.db.write_blocking(|c| tokens::create(c, &t.tenant_id(), "t", None)).unwrap().1;
    let ticket = api_ticket(&app, &tok).await;
    let id = ticket["id"].as_str().unwrap();
    let (c, csrf) = app.signed_in("acme", &email, &pw).await;
    let form = reqwest::multipart::Form::new()
        .text("_csrf", csrf.clone())
        .text("kind", "reply")
        .text("body", "too big")
        .part("files", reqwest::multipart::Part::bytes(vec![7u8; 5000]).file_name("big.bin"));
    assert_eq!(c.post(app.url("/tickets/1/messages")).multipart(form).send().await.unwrap().status(), 413);
    let form = reqwest::multipart::Form::new()
        .text("kind", "reply")
        .text("body", "no csrf")
        .part("files", reqwest::multipart::Part::bytes(PNG.to_vec()).file_name("a.png"));
    assert_eq!(c.post(app.url("/tickets/1/messages")).multipart(form).send().await.unwrap().status(), 403);
    // A malformed multipart body is a clear 400 and saves nothing.
    let r = c
        .post(app.url("/tickets/1/messages"))
        .header("content-type", "multipart/form-data; boundary=XYZ")
        .body(format!("--XYZ\r\nContent-Disposition: form-data; name=\"_csrf\"\r\n\r\n{csrf}\r\n--XYZ\r\nContent-Disposition: form-data; name=\"files\"; filename=\"a\r\nb.txt\"\r\n\r\nxx"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    let api = reqwest::Client::new();
    let post =
        |body: Value| api.post(app.url(&format!("/api/v1/tickets/{id}/messages"))).bearer_auth(&tok).json(&body).send();
    let big = base64::engine::general_purpose::STANDARD.encode(vec![1u8; 5000]);
    assert_eq!(
        post(json!({"body": "x", "attachments": [{"filename": "a.bin", "content_base64": big}]}))
            .await
            .unwrap()
            .status(),
        413
    );
    let r = post(json!({"body": "x", "attachments": [{"filename": "a.bin", "content_base64": "%%%not base64"}]}))
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    assert_eq!(r.json::<Value>().await.unwrap()["field"], "attachments[0].content_base64");
    let empty = post(json!({"body": "x", "attachments": [{"filename": "a.bin", "content_base64": ""}]})).await.unwrap();
    assert_eq!(empty.status(), 422);
    let ok = post(json!({"body": "fine", "attachments": [{"filename": "notes.txt", "content_base64": base64::engine::general_purpose::STANDARD.encode("hello")}]})).await.unwrap();
    assert_eq!(ok.status(), 201);
    let m: Value = ok.json().await.unwrap();
    // Only the accepted message exists: refused uploads left no message behind.
    let msgs = messages(&app, &tok, id).await;
    assert_eq!(msgs["data"].as_array().unwrap().len(), 2);
    assert_eq!(msgs["data"][1]["id"], m["id"]);
    assert_eq!(msgs["data"][1]["attachments"][0]["filename"], "notes.txt");
}

/// Start `moto_server` (an S3-protocol server from PyPI) on a free loopback port; `None` when it
/// is not installed outside CI.
fn moto() -> Option<(std::process::Child, String)> {
    let found = std::process::Command::new("moto_server").arg("--help").output().is_ok();
    if !found {
        if std::env::var("CI").is_ok_and(|v| v == "true") {
            panic!("moto_server (pip install 'moto[server]') must be installed in CI for the S3 attachment test");
        }
        eprintln!("skipping S3 attachment test: moto_server not installed");
        return None;
    }
    let port = std::net::TcpListener::bind("127.0.0.1:0").ok()?.local_addr().ok()?.port();
    let child = std::process::Command::new("moto_server")
        .args(["-H", "127.0.0.1", "-p", &port.to_string()])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .ok()?;
    Some((child, format!("http://127.0.0.1:{port}")))
}

#[actix_web::test]
async fn attachments_live_in_an_s3_compatible_bucket() {
    let Some((mut server, endpoint)) = moto() else { return };
    let http = reqwest::Client::new();
    let mut up = false;
    for _ in 0..100 {
        if http.get(&endpoint).send().await.is_ok() {
            up = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(up, "moto_server did not start");
    assert!(http.put(format!("{endpoint}/meridian-files")).send().await.unwrap().status().is_success());
    let ep = endpoint.clone();
    let app = TestApp::start_with(
        Backend::Sqlite,
        move |e| {
            e.insert("MERIDIAN_S3_BUCKET".into(), "meridian-files".into());
            e.insert("MERIDIAN_S3_ENDPOINT".into(), ep);
            e.insert("MERIDIAN_S3_ACCESS_KEY_ID".into(), "test".into());
            e.insert("MERIDIAN_S3_SECRET_ACCESS_KEY".into(), "test-secret".into());
        },
        Registry::new(),
    )
    .await
    .unwrap();
    let (t, _, _) = app.seed_tenant("acme");
    let tok = app.state.db.write_blocking(|c| tokens::create(c, &t.tenant_id(), "t", None)).unwrap().1;
    let ticket = api_ticket(&app, &tok).await;
    let body = json!({"body": "logo", "attachments": [{"filename": "logo.png", "content_base64": base64::engine::general_purpose::STANDARD.encode(PNG)}]});
    let r = reqwest::Client::new()
        .post(app.url(&format!("/api/v1/tickets/{}/messages", ticket["id"].as_str().unwrap())))
        .bearer_auth(&tok)
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let msgs: Value = reqwest::Client::new()
        .get(app.url(&format!("/api/v1/tickets/{}/messages", ticket["id"].as_str().unwrap())))
        .bearer_auth(&tok)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let id = msgs["data"][1]["attachments"][0]["id"].as_str().unwrap().to_string();
    let got = reqwest::Client::new()
        .get(app.url(&format!("/api/v1/attachments/{id}")))
        .bearer_auth(&tok)
        .send()
        .await
        .unwrap();
    assert_eq!(got.status(), 200);
    assert_eq!(got.bytes().await.unwrap().as_ref(), PNG);
    // The bytes are in the bucket, under the tenant's prefix, and not on local disk.
    let listing =
        http.get(format!("{endpoint}/meridian-files?list-type=2")).send().await.unwrap().text().await.unwrap();
    assert!(listing.contains(&format!("<Key>{}/{id}</Key>", t.id)), "{listing}");
    assert!(!app.dir.path().join("attachments").join(&t.id).exists());
    drop(app);
    let _ = server.kill();
    let _ = server.wait();
}

async fn files_whose_message_never_committed_are_swept(app: TestApp) {
    let (t, _, _) = app.seed_tenant("acme");
    let tok = app.state.db.write_blocking(|c| tokens::create(c, &t.tenant_id(), "t", None)).unwrap().1;
    let api = reqwest::Client::new();
    let file = |name: &str| json!([{"filename": name, "content_base64": base64::engine::general_purpose::STANDARD.encode(name)}]);
    let post = |id: String, body: Value, key: Option<&'static str>| {
        let mut r = api.post(app.url(&format!("/api/v1/tickets/{id}/messages"))).bearer_auth(&tok).json(&body);
        if let Some(k) = key {
            r = r.header("idempotency-key", k);
        }
        r.send()
    };
    let open = api_ticket(&app, &tok).await["id"].as_str().unwrap().to_string();
    let closed = api_ticket(&app, &tok).await["id"].as_str().unwrap().to_string();
    for status in ["solved", "closed"] {
        let r = api
            .patch(app.url(&format!("/api/v1/tickets/{closed}")))
            .bearer_auth(&tok)
            .json(&json!({ "status": status }))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
    }
    // Stored, then refused: closed tickets take no notes.
    let r =
        post(closed, json!({"kind": "note", "body": "late", "attachments": file("refused.txt")}), None).await.unwrap();
    assert_eq!(r.status(), 409);
    // Stored and attached; then a retry that stores its file again before replaying.
    let body = json!({"kind": "note", "body": "kept", "attachments": file("kept.txt")});
    assert_eq!(post(open.clone(), body.clone(), Some("once")).await.unwrap().status(), 201);
    let replay = post(open, body, Some("once")).await.unwrap();
    assert_eq!(replay.headers()["idempotent-replayed"], "true");
    let (pending, attached) = app
        .state
        .db
        .write_blocking(|c| {
            use diesel::prelude::*;
            use meridian::db::schema::{attachments, pending_uploads};
            let pending: Vec<String> = pending_uploads::table.select(pending_uploads::storage_key).load(c)?;
            let attached: Vec<String> = attachments::table.select(attachments::storage_key).load(c)?;
            // An hour passes: both are due.
            diesel::update(pending_uploads::table)
                .set(pending_uploads::sweep_after.eq(meridian::db::now() - chrono::Duration::minutes(1)))
                .execute(c)?;
            Ok((pending, attached))
        })
        .unwrap();
    assert_eq!(pending.len(), 2, "the refused file and the replay's copy await their messages");
    assert_eq!(attached.len(), 1);
    for key in pending.iter().chain(&attached) {
        assert!(app.state.blobs.exists(key).await.unwrap());
    }
    let swept = meridian::tickets::attachments::sweep_orphans(&app.state.blobs, 500).await.unwrap();
    assert_eq!(swept, 2);
    for key in &pending {
        assert!(!app.state.blobs.exists(key).await.unwrap(), "{key} was orphaned");
    }
    assert!(app.state.blobs.exists(&attached[0]).await.unwrap(), "an attached file stays");
    let left: i64 = app
        .state
        .db
        .write_blocking(|c| {
            use diesel::prelude::*;
            Ok(meridian::db::schema::pending_uploads::table.count().get_result(c)?)
        })
        .unwrap();
    assert_eq!(left, 0);
}
both!(files_whose_message_never_committed_are_swept);

/// A name that uses a right-to-left override to pass an executable off as an image loses its
/// invisible controls, and the console shows user text isolated from the page's direction.
async fn bidi_controls_leave_file_names(app: TestApp) {
    let (t, email, pw) = app.seed_tenant("acme");
    let tok = app.state.db.write_blocking(|c| tokens::create(c, &t.tenant_id(), "t", None)).unwrap().1;
    let ticket = api_ticket(&app, &tok).await;
    let id = ticket["id"].as_str().unwrap();
    let sneaky = "invoice\u{202E}gpj.exe\u{200B}";
    let body = json!({"body": "see file", "attachments": [{"filename": sneaky,
        "content_base64": base64::engine::general_purpose::STANDARD.encode("MZ")}]});
    let r = reqwest::Client::new()
        .post(app.url(&format!("/api/v1/tickets/{id}/messages")))
        .bearer_auth(&tok)
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let msgs = messages(&app, &tok, id).await;
    assert_eq!(msgs["data"][1]["attachments"][0]["filename"], "invoicegpj.exe", "{msgs}");
    let (c, _) = app.signed_in("acme", &email, &pw).await;
    let page = c.get(app.url(&format!("/tickets/{}", ticket["number"]))).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("<bdi>invoicegpj.exe</bdi>"), "file names are isolated");
    assert!(!page.contains('\u{202E}'));
    assert!(page.contains("<div class=\"body text\" dir=\"auto\">"), "message bodies take their own direction");
}
both!(bidi_controls_leave_file_names);

//! Console uploads are bounded before they cost anything: the CSRF token is checked before a file
//! is read, text fields are limited in number and size, files in number and total size, and a
//! refused upload leaves no file behind.

use crate::harness::{Backend, TestApp};

fn pending_uploads(app: &TestApp) -> i64 {
    app.state
        .db
        .write_blocking(|c| {
            use diesel::prelude::*;
            use meridian::db::schema::pending_uploads;
            Ok(pending_uploads::table.count().get_result(c)?)
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

async fn console_uploads_are_bounded(backend: Backend) {
    let Some(app) = TestApp::start_with(
        backend,
        |e| {
            e.insert("MERIDIAN_MAX_ATTACHMENT_BYTES".into(), "100000".into());
            e.insert("MERIDIAN_MAX_BODY_BYTES".into(), "8192".into());
        },
        meridian::jobs::Registry::new(),
    )
    .await
    else {
        return;
    };
    let (t, email, pw) = app.seed_tenant("acme");
    app.open_ticket(
        &t,
        meridian::tickets::commands::NewTicket {
            subject: "Files".into(),
            body_text: "see".into(),
            body_html: None,
            requester: meridian::tickets::commands::Requester::Email { email: "a@example.com".into(), name: None },
            priority: meridian::tickets::Priority::Normal,
            tags: vec![],
            language: None,
            channel: meridian::tickets::Channel::Web,
            assignee_id: None,
            team_id: None,
        },
    );
    let (c, csrf) = app.signed_in("acme", &email, &pw).await;
    let url = app.url("/tickets/1/messages");
    let file = |n: usize, name: &str| reqwest::multipart::Part::bytes(vec![b'x'; n]).file_name(name.to_string());

    // A forged form (wrong token before the file) is refused before the file is read or stored.
    let form = reqwest::multipart::Form::new()
        .text("_csrf", "forged")
        .text("kind", "reply")
        .text("body", "hi")
        .part("files", file(90_000, "a.txt"));
    assert_eq!(c.post(&url).multipart(form).send().await.unwrap().status(), 403);
    // So is a file that comes before any token.
    let form = reqwest::multipart::Form::new()
        .part("files", file(90_000, "a.txt"))
        .text("_csrf", csrf.clone())
        .text("kind", "reply")
        .text("body", "hi");
    assert_eq!(c.post(&url).multipart(form).send().await.unwrap().status(), 403);
    assert_eq!((pending_uploads(&app), stored_files(&app)), (0, 0), "nothing was stored for forged forms");

    // Too many fields, and too much text, are refused.
    let mut form = reqwest::multipart::Form::new().text("_csrf", csrf.clone());
    for i in 0..70 {
        form = form.text(format!("f{i}"), "v");
    }
    assert_eq!(c.post(&url).multipart(form).send().await.unwrap().status(), 400);
    let form = reqwest::multipart::Form::new().text("_csrf", csrf.clone()).text("body", "y".repeat(9000));
    assert_eq!(c.post(&url).multipart(form).send().await.unwrap().status(), 413);

    // Files are limited in total, not only one by one.
    let form = reqwest::multipart::Form::new()
        .text("_csrf", csrf.clone())
        .text("kind", "reply")
        .text("body", "two files")
        .part("files", file(60_000, "one.txt"))
        .part("files", file(60_000, "two.txt"));
    assert_eq!(c.post(&url).multipart(form).send().await.unwrap().status(), 413);

    // The token may also come as a header, before any field.
    let form = reqwest::multipart::Form::new()
        .part("files", file(50_000, "ok.txt"))
        .text("kind", "reply")
        .text("body", "one file");
    let r = c.post(&url).header("x-csrf-token", csrf.as_str()).multipart(form).send().await.unwrap();
    assert_eq!(r.status(), 303);
    let page = c.get(app.url("/tickets/1")).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("<bdi>ok.txt</bdi>") && page.contains("50000 B"), "the streamed file is attached whole");
    let downloads: Vec<String> =
        page.match_indices("/attachments/").map(|(i, _)| page[i..].split('"').next().unwrap().to_string()).collect();
    let bytes = c.get(app.url(&downloads[0])).send().await.unwrap().bytes().await.unwrap();
    assert_eq!(bytes.len(), 50_000);
    assert!(bytes.iter().all(|b| *b == b'x'));
}

#[actix_web::test]
async fn console_uploads_are_bounded_sqlite() {
    console_uploads_are_bounded(Backend::Sqlite).await;
}

#[actix_web::test]
async fn console_uploads_are_bounded_postgres() {
    console_uploads_are_bounded(Backend::Postgres).await;
}

//! Images and attachments of articles: uploaded from the editor through the attachment store,
//! shown on the help center only for public published articles, inline only as the four image
//! types, refused precisely (size, emptiness, forged forms), per tenant, and gone with their
//! article.

use reqwest::multipart::{Form, Part};
use reqwest::Client;

use crate::harness::{field_value, Backend, TestApp};

/// The attachment limit the tests run with.
const LIMIT: usize = 100_000;

/// A PNG's signature and the start of its header: enough for the type to be recognised.
const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0\x1f\x15\xc4\x89";

async fn start(backend: Backend) -> Option<TestApp> {
    TestApp::start_with(
        backend,
        |e| {
            e.insert("MERIDIAN_MAX_ATTACHMENT_BYTES".into(), LIMIT.to_string());
        },
        meridian::jobs::Registry::new(),
    )
    .await
}

macro_rules! both_files {
    ($name:ident) => {
        mod $name {
            #[actix_web::test]
            async fn sqlite() {
                let app = super::start(crate::harness::Backend::Sqlite).await.expect("sqlite app");
                super::$name(app).await;
            }
            #[actix_web::test]
            async fn postgres() {
                let Some(app) = super::start(crate::harness::Backend::Postgres).await else { return };
                super::$name(app).await;
            }
        }
    };
}

/// A signed-in owner of a new tenant; (client, csrf).
async fn desk(app: &TestApp, slug: &str) -> (Client, String) {
    let (_t, email, pw) = app.seed_tenant(slug);
    app.signed_in(slug, &email, &pw).await
}

/// POST a urlencoded console form; (status, Location or "", body).
async fn post(app: &TestApp, c: &Client, path: &str, csrf: &str, fields: &[(&str, &str)]) -> (u16, String, String) {
    let mut form: Vec<(&str, &str)> = vec![("_csrf", csrf)];
    form.extend_from_slice(fields);
    let res = c.post(app.url(path)).form(&form).send().await.unwrap();
    let status = res.status().as_u16();
    let location = res.headers().get("location").map(|l| l.to_str().unwrap().to_string()).unwrap_or_default();
    (status, location, res.text().await.unwrap())
}

async fn get(app: &TestApp, c: &Client, path: &str) -> (u16, String) {
    let res = c.get(app.url(path)).send().await.unwrap();
    (res.status().as_u16(), res.text().await.unwrap())
}

/// Create an article in the console with `visibility` and `status`; its id.
async fn new_article(app: &TestApp, c: &Client, csrf: &str, body: &str, visibility: &str, status: &str) -> String {
    let (s, loc, html) = post(
        app,
        c,
        "/kb/articles/new",
        csrf,
        &[
            ("locale", "en"),
            ("title", "With pictures"),
            ("body_markdown", body),
            ("keywords", ""),
            ("status", status),
            ("section_id", ""),
            ("visibility", visibility),
            ("action", "save"),
        ],
    )
    .await;
    assert_eq!(s, 303, "{html}");
    loc.strip_prefix("/kb/articles/").and_then(|l| l.strip_suffix("?saved=1")).expect("editor address").to_string()
}

/// Upload one file from the editor (the token first, as the form sends it); (status, body).
async fn upload(
    app: &TestApp,
    c: &Client,
    article: &str,
    csrf: Option<&str>,
    name: &str,
    bytes: Vec<u8>,
) -> (u16, String) {
    let mut form = Form::new();
    if let Some(t) = csrf {
        form = form.text("_csrf", t.to_string());
    }
    let form = form.text("locale", "en").part("file", Part::bytes(bytes).file_name(name.to_string()));
    let res = c.post(app.url(&format!("/kb/articles/{article}/files"))).multipart(form).send().await.unwrap();
    let status = res.status().as_u16();
    (status, res.text().await.unwrap())
}

/// The ids and snippets of an article's files, from its editor.
async fn files_of(app: &TestApp, c: &Client, article: &str) -> Vec<(String, String)> {
    let (s, html) = get(app, c, &format!("/kb/articles/{article}")).await;
    assert_eq!(s, 200, "{html}");
    html.split("<tr data-file=\"")
        .skip(1)
        .map(|row| {
            let id = row.split('"').next().unwrap().to_string();
            let snippet = row.split("data-testid=\"kb-file-snippet\"").next().unwrap();
            let snippet = snippet.rsplit("value=\"").next().unwrap().split('"').next().unwrap();
            (id, snippet.replace("&#x5c;", "\\").replace("&#x28;", "(").replace("&#x29;", ")"))
        })
        .collect()
}

fn kb_file_rows(app: &TestApp) -> i64 {
    use diesel::prelude::*;
    use meridian::kb::schema::kb_files;
    app.state.db.write_blocking(|c| Ok(kb_files::table.count().get_result(c)?)).unwrap()
}

fn stored_files(app: &TestApp) -> usize {
    fn walk(dir: &std::path::Path) -> usize {
        std::fs::read_dir(dir)
            .map(|d| d.flatten().map(|e| if e.path().is_dir() { walk(&e.path()) } else { 1 }).sum())
            .unwrap_or(0)
    }
    walk(&app.dir.path().join("attachments"))
}

/// Replace the English text of an article, published.
async fn publish_body(app: &TestApp, c: &Client, csrf: &str, article: &str, body: &str) {
    let (_, html) = get(app, c, &format!("/kb/articles/{article}?locale=en")).await;
    let version = field_value(&html, "version").expect("version");
    let (s, _, html) = post(
        app,
        c,
        &format!("/kb/articles/{article}/translations/en"),
        csrf,
        &[
            ("title", "With pictures"),
            ("body_markdown", body),
            ("keywords", ""),
            ("status", "published"),
            ("version", &version),
            ("action", "save"),
        ],
    )
    .await;
    assert_eq!(s, 303, "{html}");
}

async fn upload_show_and_serve(app: TestApp) {
    let (c, csrf) = desk(&app, "acme").await;
    let id = new_article(&app, &c, &csrf, "Soon.", "public", "published").await;

    let mut png = PNG.to_vec();
    png.extend_from_slice(&[7u8; 64]);
    let (s, _) = upload(&app, &c, &id, Some(&csrf), "screen shot.png", png.clone()).await;
    assert_eq!(s, 303);
    let files = files_of(&app, &c, &id).await;
    assert_eq!(files.len(), 1);
    let (fid, snippet) = &files[0];
    let url = format!("/h/acme/files/{fid}/screen%20shot.png");
    assert_eq!(snippet, &format!("![screen shot.png]({url})"), "a ready-to-paste image");

    // The body that uses it shows an image on the help center, and the image is served as one.
    publish_body(&app, &c, &csrf, &id, &format!("Look:\n\n{snippet}\n")).await;
    let (s, page) = get(&app, &app.client(), &format!("/h/acme/en/articles/{id}")).await;
    assert_eq!(s, 200);
    assert!(page.contains(&format!("<img src=\"{url}\" alt=\"screen shot.png\"")), "{page}");
    let res = app.client().get(app.url(&url)).send().await.unwrap();
    assert_eq!(res.status(), 200);
    let h = res.headers().clone();
    assert_eq!(h["content-type"], "image/png");
    assert_eq!(h["x-content-type-options"], "nosniff");
    assert_eq!(h["cache-control"], "public, max-age=86400");
    assert!(h.get("content-disposition").is_none(), "an image is shown inline");
    assert_eq!(res.bytes().await.unwrap().to_vec(), png);
    // The editor's preview points at the console's address of the same file.
    let (_, editor) = get(&app, &c, &format!("/kb/articles/{id}?locale=en")).await;
    assert!(editor.contains(&format!("<img src=\"/kb/files/{fid}/screen%20shot.png\"")), "{editor}");

    // Anything that is not one of the four image types downloads, SVG and HTML included.
    for (name, bytes) in [
        ("notes.txt", b"plain words".to_vec()),
        ("logo.svg", b"<svg xmlns=\"http://www.w3.org/2000/svg\" onload=\"alert(1)\"></svg>".to_vec()),
        ("page.html", b"<!doctype html><script>alert(1)</script>".to_vec()),
    ] {
        let (s, body) = upload(&app, &c, &id, Some(&csrf), name, bytes.clone()).await;
        assert_eq!(s, 303, "{body}");
        let files = files_of(&app, &c, &id).await;
        let (fid, snippet) = files.last().unwrap();
        assert_eq!(snippet, &format!("[{name}](/h/acme/files/{fid}/{name})"), "a link, not an image");
        let res = app.client().get(app.url(&format!("/h/acme/files/{fid}/{name}"))).send().await.unwrap();
        assert_eq!(res.status(), 200);
        let h = res.headers().clone();
        assert_eq!(h["content-type"], "application/octet-stream", "{name}");
        assert!(h["content-disposition"].to_str().unwrap().starts_with("attachment;"), "{name}");
        assert_eq!(h["x-content-type-options"], "nosniff");
        assert_eq!(res.bytes().await.unwrap().to_vec(), bytes);
    }

    // A file can be deleted from the editor; its address then answers 404.
    let (s, _, _) = post(&app, &c, &format!("/kb/articles/{id}/files/{fid}/delete"), &csrf, &[("locale", "en")]).await;
    assert_eq!(s, 303);
    assert_eq!(files_of(&app, &c, &id).await.len(), 3);
    assert_eq!(get(&app, &app.client(), &url).await.0, 404);
    assert_eq!(get(&app, &c, &format!("/kb/files/{fid}")).await.0, 404);
}
both_files!(upload_show_and_serve);

async fn refusals(app: TestApp) {
    let (c, csrf) = desk(&app, "acme").await;
    let id = new_article(&app, &c, &csrf, "Soon.", "public", "published").await;
    let before = stored_files(&app);

    // Over the limit: 413 with the limit named, and nothing recorded or kept.
    let (s, body) = upload(&app, &c, &id, Some(&csrf), "big.png", vec![b'x'; LIMIT + 1]).await;
    assert_eq!(s, 413, "{body}");
    assert!(body.contains("data-testid=\"kb-files-error\"") && body.contains(&LIMIT.to_string()), "{body}");
    assert_eq!((kb_file_rows(&app), stored_files(&app)), (0, before), "a refused file is not kept");

    // A forged form (no token, or a wrong one) is refused before the file is read.
    let (s, _) = upload(&app, &c, &id, None, "a.png", PNG.to_vec()).await;
    assert_eq!(s, 403);
    let (s, _) = upload(&app, &c, &id, Some("forged"), "a.png", PNG.to_vec()).await;
    assert_eq!(s, 403);
    assert_eq!((kb_file_rows(&app), stored_files(&app)), (0, before), "nothing stored for forged forms");

    // An empty file, and a form with no file, are refused with what to do.
    let (s, body) = upload(&app, &c, &id, Some(&csrf), "empty.png", vec![]).await;
    assert_eq!(s, 422, "{body}");
    assert!(body.contains("data-testid=\"kb-files-error\""), "{body}");
    let form = Form::new().text("_csrf", csrf.clone()).text("locale", "en");
    let res = c.post(app.url(&format!("/kb/articles/{id}/files"))).multipart(form).send().await.unwrap();
    assert_eq!(res.status(), 422);
    assert!(res.text().await.unwrap().contains("Choose a file"));
    assert_eq!(kb_file_rows(&app), 0);

    // Names lose the controls that reorder text, and any folder.
    let (s, _) = upload(&app, &c, &id, Some(&csrf), "../invoice\u{202E}gnp.exe", b"MZ binary".to_vec()).await;
    assert_eq!(s, 303);
    let files = files_of(&app, &c, &id).await;
    assert_eq!(files.len(), 1);
    assert!(files[0].1.starts_with("[invoicegnp.exe](/h/acme/files/"), "{:?}", files[0]);
    let res = app.client().get(app.url(&format!("/h/acme/files/{}/x", files[0].0))).send().await.unwrap();
    assert!(res.headers()["content-disposition"].to_str().unwrap().contains("filename=\"invoicegnp.exe\""));
}
both_files!(refusals);

async fn visibility(app: TestApp) {
    let (c, csrf) = desk(&app, "acme").await;
    let internal = new_article(&app, &c, &csrf, "Agents only.", "internal", "published").await;
    let draft = new_article(&app, &c, &csrf, "Not yet.", "public", "draft").await;
    for article in [&internal, &draft] {
        let (s, body) = upload(&app, &c, article, Some(&csrf), "a.png", PNG.to_vec()).await;
        assert_eq!(s, 303, "{body}");
    }
    let (fi, _) = files_of(&app, &c, &internal).await.remove(0);
    let (fd, _) = files_of(&app, &c, &draft).await.remove(0);
    for f in [&fi, &fd] {
        assert_eq!(get(&app, &app.client(), &format!("/h/acme/files/{f}/a.png")).await.0, 404, "not public");
        let res = c.get(app.url(&format!("/kb/files/{f}/a.png"))).send().await.unwrap();
        assert_eq!(res.status(), 200, "agents see it in the console");
        assert_eq!(res.headers()["content-type"], "image/png");
        assert_eq!(res.bytes().await.unwrap().to_vec(), PNG);
    }
    // Signed out, the console's address is not an open door either.
    assert_ne!(get(&app, &app.client(), &format!("/kb/files/{fi}")).await.0, 200);

    // Published, the draft's file is public; made internal, it is not any more.
    publish_body(&app, &c, &csrf, &draft, "Now.").await;
    assert_eq!(get(&app, &app.client(), &format!("/h/acme/files/{fd}/a.png")).await.0, 200);
    let (s, _, _) = post(
        &app,
        &c,
        &format!("/kb/articles/{draft}/settings"),
        &csrf,
        &[("section_id", ""), ("visibility", "internal"), ("locale", "en")],
    )
    .await;
    assert_eq!(s, 303);
    assert_eq!(get(&app, &app.client(), &format!("/h/acme/files/{fd}/a.png")).await.0, 404);
}
both_files!(visibility);

async fn other_tenants_and_deletion(app: TestApp) {
    let (a, csrf_a) = desk(&app, "acme").await;
    let (b, csrf_b) = desk(&app, "beta").await;
    let article = new_article(&app, &a, &csrf_a, "Public.", "public", "published").await;
    let (s, _) = upload(&app, &a, &article, Some(&csrf_a), "a.png", PNG.to_vec()).await;
    assert_eq!(s, 303);
    let (fid, _) = files_of(&app, &a, &article).await.remove(0);

    // Tenant B's agent can do nothing with A's article or file.
    let (s, _) = upload(&app, &b, &article, Some(&csrf_b), "b.png", PNG.to_vec()).await;
    assert_eq!(s, 404);
    assert_eq!(get(&app, &b, &format!("/kb/articles/{article}")).await.0, 404);
    let (s, _, _) = post(&app, &b, &format!("/kb/articles/{article}/files/{fid}/delete"), &csrf_b, &[]).await;
    assert_eq!(s, 404);
    assert_eq!(get(&app, &b, &format!("/kb/files/{fid}/a.png")).await.0, 404);
    assert_eq!(get(&app, &app.client(), &format!("/h/beta/files/{fid}/x")).await.0, 404);
    // A's file is untouched and still public.
    assert_eq!(get(&app, &app.client(), &format!("/h/acme/files/{fid}/a.png")).await.0, 200);
    assert_eq!(kb_file_rows(&app), 1);

    // A file id of another of A's articles cannot be deleted through this one.
    let other = new_article(&app, &a, &csrf_a, "Other.", "public", "published").await;
    let (s, _, _) = post(&app, &a, &format!("/kb/articles/{other}/files/{fid}/delete"), &csrf_a, &[]).await;
    assert_eq!(s, 404);

    // Deleting the article takes its files with it; the bytes go at the next orphan sweep.
    let tenant = app.state.db.write_blocking(|c| meridian::tenancy::by_slug(c, "acme")).unwrap();
    let f = fid.clone();
    let stored =
        app.state.db.write_blocking(move |c| meridian::kb::files::get(c, &tenant.tenant_id(), &f)).unwrap().storage_key;
    assert!(app.state.blobs.exists(&stored).await.unwrap());
    let (s, _, _) = post(&app, &a, &format!("/kb/articles/{article}/delete"), &csrf_a, &[]).await;
    assert_eq!(s, 303);
    assert_eq!(kb_file_rows(&app), 0);
    assert_eq!(get(&app, &app.client(), &format!("/h/acme/files/{fid}/a.png")).await.0, 404);
    assert_eq!(get(&app, &a, &format!("/kb/files/{fid}")).await.0, 404);
    meridian::tickets::attachments::sweep_orphans(&app.state.blobs, 100).await.unwrap();
    assert!(!app.state.blobs.exists(&stored).await.unwrap(), "the bytes are swept");
}
both_files!(other_tenants_and_deletion);

async fn through_the_api(app: TestApp) {
    use super::{call, tenant_with_token};
    let (_a, token_a) = tenant_with_token(&app, "acme", "en");
    let (_b, token_b) = tenant_with_token(&app, "beta", "en");
    let article = super::article(&app, &token_a, "public", vec![super::tr("en", "Pics", "Soon.", "published")]).await;
    let send = |token: &str, article: &str, form: Form| {
        reqwest::Client::new()
            .post(app.url(&format!("/api/v1/kb/articles/{article}/files")))
            .bearer_auth(token.to_string())
            .multipart(form)
    };
    let part = || Part::bytes(PNG.to_vec()).file_name("shot.png");

    let res = send(&token_a, &article, Form::new().part("file", part())).send().await.unwrap();
    assert_eq!(res.status(), 201);
    let f: serde_json::Value = res.json().await.unwrap();
    let fid = f["id"].as_str().unwrap().to_string();
    assert_eq!(f["filename"], "shot.png");
    assert_eq!(f["content_type"], "image/png");
    assert_eq!(f["size_bytes"], PNG.len());
    assert_eq!(f["url"], format!("/h/acme/files/{fid}/shot.png"));
    assert_eq!(f["markdown"], format!("![shot.png](/h/acme/files/{fid}/shot.png)"));
    assert_eq!(get(&app, &app.client(), f["url"].as_str().unwrap()).await.0, 200);
    let (s, list) =
        call(&app, &token_a, reqwest::Method::GET, &format!("/api/v1/kb/articles/{article}/files"), None).await;
    assert_eq!((s, list["data"].as_array().unwrap().len()), (200, 1));

    // Refusals: no file part, an empty file, one over the limit; nothing is recorded.
    let res = send(&token_a, &article, Form::new().text("other", "x")).send().await.unwrap();
    assert_eq!(res.status(), 422);
    let res = send(&token_a, &article, Form::new().part("file", Part::bytes(vec![]).file_name("e.png"))).send().await;
    let res = res.unwrap();
    assert_eq!(res.status(), 422);
    assert_eq!(res.json::<serde_json::Value>().await.unwrap()["field"], "file");
    let big = Part::bytes(vec![b'x'; LIMIT + 1]).file_name("big.bin");
    assert_eq!(send(&token_a, &article, Form::new().part("file", big)).send().await.unwrap().status(), 413);
    assert_eq!(kb_file_rows(&app), 1);

    // Another tenant's token finds neither the article nor the file.
    assert_eq!(send(&token_b, &article, Form::new().part("file", part())).send().await.unwrap().status(), 404);
    let (s, _) =
        call(&app, &token_b, reqwest::Method::GET, &format!("/api/v1/kb/articles/{article}/files"), None).await;
    assert_eq!(s, 404);
    let path = format!("/api/v1/kb/articles/{article}/files/{fid}");
    assert_eq!(call(&app, &token_b, reqwest::Method::DELETE, &path, None).await.0, 404);
    assert_eq!(kb_file_rows(&app), 1);

    assert_eq!(call(&app, &token_a, reqwest::Method::DELETE, &path, None).await.0, 204);
    assert_eq!(call(&app, &token_a, reqwest::Method::DELETE, &path, None).await.0, 404);
    assert_eq!(get(&app, &app.client(), &format!("/h/acme/files/{fid}/shot.png")).await.0, 404);
}
both_files!(through_the_api);

//! Every message of the shared MIME corpus: stored whole, then filed or quarantined.

use serde_json::Value;

use super::*;
use crate::harness::TestApp;
use meridian::email::store;

pub(super) fn corpus_files() -> Vec<std::path::PathBuf> {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpora/mime");
    assert!(root.is_dir(), "the MIME corpus is missing at {} (see ../shared/corpora/README.md)", root.display());
    fn walk(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
        for e in std::fs::read_dir(dir).unwrap().flatten() {
            let p = e.path();
            if p.is_dir() {
                walk(&p, out);
            } else if p.extension().is_some_and(|x| x == "eml") {
                out.push(p);
            }
        }
    }
    let mut out = vec![];
    walk(&root, &mut out);
    out.sort();
    out
}

async fn mime_corpus(app: TestApp) {
    let (acme, _, _) = app.seed_tenant("acme");
    let tok = token_for(&app, &acme);
    let files = corpus_files();
    assert!(files.len() > 100, "{} corpus messages", files.len());
    let to = format!("acme@{DOMAIN}");
    let names: Vec<String> = files.iter().map(|p| p.display().to_string()).collect();
    let report = smtp_files(&app, "corpus@customer.example", &[&to], names).await;
    let results = report["results"].as_array().unwrap();
    assert_eq!(results.len(), files.len());
    for (f, r) in files.iter().zip(results) {
        assert!(r["error"].is_null(), "{}: {r}", f.display());
    }
    let rows = settled(&app, &acme).await;
    assert_eq!(rows.len(), files.len(), "one stored row per message");
    let mut failed = 0;
    for (f, row) in files.iter().zip(&rows) {
        let mut expected = std::fs::read(f).unwrap();
        // smtplib ends the data with CRLF when the message does not.
        if !expected.ends_with(b"\r\n") {
            expected.extend_from_slice(b"\r\n");
        }
        let (t, id) = (acme.tenant_id(), row.id.clone());
        let raw = app.state.db.read(move |c| store::raw(c, &t, &id)).await.unwrap();
        assert!(raw == expected, "{} is not stored whole", f.display());
        assert_eq!(row.sha256, store::sha256_hex(&expected));
        match row.state.as_str() {
            "filed" | "duplicate" => assert!(row.ticket_id.is_some(), "{}", f.display()),
            "failed" => {
                failed += 1;
                assert!(row.error.as_deref().is_some_and(|e| !e.is_empty()), "{}", f.display());
            }
            other => panic!("{}: state {other}", f.display()),
        }
    }
    let mut reasons: Vec<&str> = rows.iter().filter_map(|r| r.error.as_deref()).collect();
    reasons.sort();
    reasons.dedup();
    eprintln!("corpus: {} messages, {failed} quarantined for: {reasons:?}", files.len());
    // The API serves every quarantined message and every ticket without a server error.
    let list = app.api_json(&tok, "/api/v1/mail/failed").await;
    assert_eq!(list["data"].as_array().unwrap().len(), failed);
    let client = reqwest::Client::new();
    for entry in list["data"].as_array().unwrap() {
        let r = client.get(app.url(entry["raw_url"].as_str().unwrap())).bearer_auth(&tok).send().await.unwrap();
        assert_eq!(r.status(), 200);
    }
    for t in tickets(&app, &tok).await {
        let id = t["id"].as_str().unwrap();
        let r = client.get(app.url(&format!("/api/v1/tickets/{id}/messages"))).bearer_auth(&tok).send().await.unwrap();
        assert_eq!(r.status(), 200, "{id}");
    }
    // The HTTP door stores the same bytes exactly as posted.
    let secret = app.state.db.write_blocking(|c| store::inbound_secret(c, &acme.tenant_id())).unwrap();
    for f in files.iter().take(20) {
        let bytes = std::fs::read(f).unwrap();
        let r = post_raw(&app, "acme", &secret, &bytes).await;
        assert_eq!(r.status(), 202, "{}", f.display());
        let id = r.json::<Value>().await.unwrap()["id"].as_str().unwrap().to_string();
        let t = acme.tenant_id();
        assert_eq!(app.state.db.read(move |c| store::raw(c, &t, &id)).await.unwrap(), bytes);
    }
    settled(&app, &acme).await;
}
both_mail!(mime_corpus);

//! The console's API reference: the document's Markdown rendered, every column labelled, an
//! authentication section, and a curl example per operation that the server itself accepts.

use crate::harness::TestApp;

fn unescape(s: &str) -> String {
    s.replace("&#34;", "\"")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

/// The curl examples on the page, by operation anchor, unescaped.
fn examples(page: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for section in page.split("<section class=\"card api-op\" id=\"").skip(1) {
        let anchor = section[..section.find('"').unwrap()].to_string();
        let start = section.find("<pre class=\"curl\"><code>").unwrap_or_else(|| panic!("no example for {anchor}"));
        let code = &section[start + "<pre class=\"curl\"><code>".len()..];
        out.push((anchor, unescape(&code[..code.find("</code>").unwrap()])));
    }
    out
}

/// The JSON body of a curl example (`-d '…'`), with the shell's quoting undone.
fn body(curl: &str) -> serde_json::Value {
    let start = curl.find("-d '").expect("a body") + 4;
    let end = curl.rfind('\'').unwrap();
    serde_json::from_str(&curl[start..end].replace("'\\''", "'")).unwrap()
}

async fn the_reference_renders_markdown_auth_and_an_example_per_operation(app: TestApp) {
    let (t, email, pw) = app.seed_tenant("acme");
    let (c, _) = app.signed_in("acme", &email, &pw).await;
    let page = c.get(app.url("/api-reference")).send().await.unwrap().text().await.unwrap();

    // Markdown: no backtick survives; code spans are code.
    assert!(!page.contains('`'), "raw backticks: {}", &page[page.find('`').unwrap().saturating_sub(200)..][..300]);
    assert!(page.contains("Send an <code>Idempotency-Key</code> header"), "rendered description");
    // Every table column has a header.
    assert!(!page.contains("<th></th>"), "an unlabelled column");
    assert!(page.contains("<th>Description</th>") && page.contains("<th>Field</th>"));

    // Authentication: how to get a token, the header, scopes, limits, errors.
    let auth = &page[page.find("id=\"authentication\"").expect("an authentication section")..];
    let auth = &auth[..auth.find("</section>").unwrap()];
    for needle in [
        "href=\"/admin/tokens\"",
        "meridian token create",
        "Authorization: Bearer mrd_",
        "Tokens have no scopes",
        "3000 requests per minute",
        "Retry-After",
        "application/problem+json",
        "urn:meridian:problem:validation",
    ] {
        assert!(auth.contains(needle), "{needle} in {auth}");
    }

    // One example per operation of the document, each with the method, a concrete path and the token.
    let doc: serde_json::Value = c.get(app.url("/api/v1/openapi.json")).send().await.unwrap().json().await.unwrap();
    let ops: usize = doc["paths"].as_object().unwrap().values().map(|i| i.as_object().unwrap().len()).sum();
    let ex = examples(&page);
    assert_eq!(ex.len(), ops, "one example per operation");
    for (anchor, curl) in &ex {
        let method = anchor.split('-').next().unwrap().to_uppercase();
        assert!(curl.starts_with(&format!("curl -X {method} '")), "{anchor}: {curl}");
        assert!(!curl.contains('{') || curl.contains("-d '"), "{anchor}: path ids filled in: {curl}");
        assert!(curl.contains("-H \"Authorization: Bearer $MERIDIAN_TOKEN\""), "{anchor}: {curl}");
    }

    // The bodies are ones the server takes: run the create examples with a real token.
    let tok = {
        let tid = t.tenant_id();
        app.state.db.write_blocking(|c| meridian::accounts::tokens::create(c, &tid, "docs", None)).unwrap().1
    };
    for (anchor, path, status) in [
        ("post--api-v1-tickets", "/api/v1/tickets", 201),
        ("post--api-v1-contacts", "/api/v1/contacts", 201),
        ("post--api-v1-teams", "/api/v1/teams", 201),
    ] {
        let curl = &ex.iter().find(|(a, _)| a == anchor).unwrap_or_else(|| panic!("{anchor}")).1;
        assert!(curl.contains("-H 'Content-Type: application/json'"), "{curl}");
        let r = app.client().post(app.url(path)).bearer_auth(&tok).json(&body(curl)).send().await.unwrap();
        assert_eq!(r.status(), status, "{anchor}: {}", r.text().await.unwrap());
    }
}
both!(the_reference_renders_markdown_auth_and_an_example_per_operation);

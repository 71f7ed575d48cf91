//! The help center: pages with their languages (hreflang, canonical, a switcher of the
//! translations that exist), right-to-left layout, the sitemap and robots.txt, and the request
//! form with its honeypot and rate limit.

use reqwest::Method;
use serde_json::json;

use super::{article, call, tenant_with_token, tr};
use crate::harness::TestApp;

async fn get(app: &TestApp, path: &str) -> (u16, String) {
    let res = app.client().get(app.url(path)).send().await.unwrap();
    let status = res.status().as_u16();
    (status, res.text().await.unwrap())
}

async fn help_center_pages(app: TestApp) {
    let (_t, tok) = tenant_with_token(&app, "alpha", "en");
    let (_, cat) = call(&app, &tok, Method::POST, "/api/v1/kb/categories", Some(json!({"translations": [
        {"locale": "en", "name": "Billing", "description": "Invoices and payments"}, {"locale": "pt-BR", "name": "Cobrança"}]}))).await;
    let cat = cat["id"].as_str().unwrap().to_string();
    let (_, sec) = call(
        &app,
        &tok,
        Method::POST,
        "/api/v1/kb/sections",
        Some(json!({"category_id": cat, "translations": [
        {"locale": "en", "name": "Invoices"}, {"locale": "pt-BR", "name": "Faturas"}]})),
    )
    .await;
    let sec = sec["id"].as_str().unwrap().to_string();
    let (s, a) = call(
        &app,
        &tok,
        Method::POST,
        "/api/v1/kb/articles",
        Some(json!({"section_id": sec, "translations": [
            tr("en", "Download an invoice", "Open **Billing** & pick a month.", "published"),
            tr("pt-BR", "Baixar uma fatura", "Abra **Cobrança**.", "published"),
            tr("de", "Rechnung herunterladen", "Entwurf", "draft"),
        ]})),
    )
    .await;
    assert_eq!(s, 201, "{a}");
    let id = a["id"].as_str().unwrap().to_string();
    let internal =
        article(&app, &tok, "internal", vec![tr("en", "Internal refunds", "agents only", "published")]).await;
    let arabic =
        article(&app, &tok, "public", vec![tr("ar", "إعادة تعيين كلمة المرور", "افتح الإعدادات", "published")]).await;

    // The article page: its language, alternates of the published translations, canonical.
    let (s, html) = get(&app, &format!("/h/alpha/en/articles/{id}")).await;
    assert_eq!(s, 200, "{html}");
    assert!(html.contains("<html lang=\"en\" dir=\"ltr\">"), "{html}");
    assert!(html.contains("<strong>Billing</strong> &amp; pick a month"), "rendered Markdown: {html}");
    let canonical = format!("/h/alpha/en/articles/{id}\">");
    assert!(html.lines().any(|l| l.contains("rel=\"canonical\"") && l.contains(&canonical)), "{html}");
    assert!(html.contains("hreflang=\"pt-BR\" href=\"http") && html.contains("hreflang=\"en\" href=\"http"), "{html}");
    assert!(!html.contains("hreflang=\"de\""), "a draft is no alternate");
    assert!(html.contains("<meta property=\"og:title\" content=\"Download an invoice\">"), "{html}");
    assert!(html.contains("og:type\" content=\"article\""));
    // The switcher links exactly the published translations, each of which answers 200.
    let switcher = &html[html.find("data-testid=\"locale-switcher\"").expect("a switcher")..];
    let switcher = &switcher[..switcher.find("</nav>").unwrap()];
    let links: Vec<&str> = switcher.split("href=\"").skip(1).map(|s| &s[..s.find('"').unwrap()]).collect();
    assert_eq!(links, vec![format!("/h/alpha/en/articles/{id}"), format!("/h/alpha/pt-BR/articles/{id}")]);
    for l in links {
        assert_eq!(get(&app, l).await.0, 200, "{l}");
    }
    let (_, pt) = get(&app, &format!("/h/alpha/pt-BR/articles/{id}")).await;
    assert!(
        pt.contains("lang=\"pt-BR\"") && pt.contains("Baixar uma fatura") && pt.contains("Faturas"),
        "breadcrumbs in pt-BR"
    );
    // A language without a published translation goes to the reader's next best.
    let res = app.client().get(app.url(&format!("/h/alpha/de/articles/{id}"))).send().await.unwrap();
    assert_eq!(res.status(), 302);
    assert_eq!(res.headers()["location"], format!("/h/alpha/en/articles/{id}"));
    let res = app.client().get(app.url(&format!("/h/alpha/pt/articles/{id}"))).send().await.unwrap();
    assert_eq!(res.headers()["location"], format!("/h/alpha/pt-BR/articles/{id}"));
    // Internal articles, unknown ids and bad locales are not there.
    assert_eq!(get(&app, &format!("/h/alpha/en/articles/{internal}")).await.0, 404);
    assert_eq!(get(&app, "/h/alpha/en/articles/nope").await.0, 404);
    assert_eq!(get(&app, &format!("/h/alpha/not_a_tag/articles/{id}")).await.0, 404);
    assert_eq!(get(&app, "/h/nobody/en").await.0, 404);

    // Right to left for Arabic.
    let (s, html) = get(&app, &format!("/h/alpha/ar/articles/{arabic}")).await;
    assert_eq!(s, 200);
    assert!(html.contains("<html lang=\"ar\" dir=\"rtl\">"), "{html}");

    // Home, category and section pages list what readers may read.
    let (s, home) = get(&app, "/h/alpha").await;
    assert_eq!(s, 200);
    assert!(home.contains("Billing") && home.contains(&format!("/h/alpha/en/categories/{cat}")), "{home}");
    assert!(home.contains("role=\"search\"") && home.contains("<label for=\"help-q\""));
    assert!(!home.contains("Internal refunds"));
    let (s, html) = get(&app, &format!("/h/alpha/pt-BR/categories/{cat}")).await;
    assert_eq!(s, 200);
    assert!(html.contains("Cobrança") && html.contains("Faturas") && html.contains("Baixar uma fatura"), "{html}");
    let (s, html) = get(&app, &format!("/h/alpha/en/sections/{sec}")).await;
    assert_eq!(s, 200);
    assert!(html.contains("Invoices") && html.contains("Download an invoice") && html.contains("Billing"), "{html}");
    // The same pages on the tenant's own host.
    let host = app
        .client()
        .get(app.url(&format!("/en/articles/{id}")))
        .header("host", "alpha.desk.test")
        .send()
        .await
        .unwrap();
    assert_eq!(host.status(), 200);
    assert!(host.text().await.unwrap().contains("href=\"/pt-BR/articles/"), "links stay on the host");

    // Sitemap: published translations of public articles only.
    let (s, xml) = get(&app, "/h/alpha/sitemap.xml").await;
    assert_eq!(s, 200);
    assert!(
        xml.contains(&format!("/h/alpha/en/articles/{id}</loc>"))
            && xml.contains(&format!("/h/alpha/pt-BR/articles/{id}</loc>")),
        "{xml}"
    );
    assert!(xml.contains(&format!("/h/alpha/ar/articles/{arabic}</loc>")));
    assert!(!xml.contains(&format!("/de/articles/{id}")) && !xml.contains(&internal), "{xml}");
    let (s, robots) = get(&app, "/h/alpha/robots.txt").await;
    assert_eq!(s, 200);
    assert!(robots.contains("Sitemap: http") && robots.contains("/h/alpha/sitemap.xml"), "{robots}");
}
both!(help_center_pages);

async fn ticket_count(app: &TestApp, tenant: &meridian::tenancy::Tenant) -> i64 {
    use diesel::prelude::*;
    use meridian::db::schema::tickets;
    let tid = tenant.id.clone();
    app.state
        .db
        .write_blocking(move |c| Ok(tickets::table.filter(tickets::tenant_id.eq(tid)).count().get_result(c)?))
        .unwrap()
}

async fn request_form_opens_a_web_ticket(app: TestApp) {
    let (t, _tok) = tenant_with_token(&app, "alpha", "en");
    let (s, html) = get(&app, "/h/alpha/pt-BR/requests/new").await;
    assert_eq!(s, 200);
    assert!(html.contains("name=\"website\"") && html.contains("data-search-url=\"/h/alpha/api/search\""), "{html}");
    assert!(html.contains("/static/js/help-suggest.js"));
    let client = app.client();
    let url = app.url("/h/alpha/pt-BR/requests/new");
    let form = [
        ("name", "Ana"),
        ("email", "ana@example.com"),
        ("subject", "Não consigo pagar"),
        ("body", "O cartão é recusado."),
        ("website", ""),
    ];
    let res = client.post(&url).form(&form).send().await.unwrap();
    assert_eq!(res.status(), 200);
    let body = res.text().await.unwrap();
    assert!(body.contains("#1"), "{body}");
    assert_eq!(ticket_count(&app, &t).await, 1);
    {
        use diesel::prelude::*;
        use meridian::db::schema::tickets;
        let tid = t.id.clone();
        let (channel, language): (String, Option<String>) = app
            .state
            .db
            .write_blocking(move |c| {
                Ok(tickets::table
                    .filter(tickets::tenant_id.eq(tid))
                    .select((tickets::channel, tickets::language))
                    .first(c)?)
            })
            .unwrap();
        assert_eq!((channel.as_str(), language.as_deref()), ("web", Some("pt-BR")));
    }
    // The honeypot: thanked, nothing stored.
    let bot = [
        ("name", "x"),
        ("email", "bot@example.com"),
        ("subject", "Cheap"),
        ("body", "spam"),
        ("website", "http://spam.test"),
    ];
    let res = client.post(&url).form(&bot).send().await.unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(ticket_count(&app, &t).await, 1, "the honeypot stores nothing");
    // A bad address: shown again with every value kept.
    let bad = [
        ("name", "Ana"),
        ("email", "not-an-address"),
        ("subject", "Assunto guardado"),
        ("body", "Texto guardado"),
        ("website", ""),
    ];
    let res = client.post(&url).form(&bad).send().await.unwrap();
    assert_eq!(res.status(), 422);
    let html = res.text().await.unwrap();
    assert!(
        html.contains("aria-invalid=\"true\"") && html.contains("Assunto guardado") && html.contains("Texto guardado"),
        "{html}"
    );
    assert_eq!(ticket_count(&app, &t).await, 1);
    // Per address: a few, then 429 with Retry-After.
    let mut limited = false;
    for i in 0..6 {
        let subject = format!("Pedido {i}");
        let f = [
            ("name", "Ana"),
            ("email", "ana@example.com"),
            ("subject", subject.as_str()),
            ("body", "b"),
            ("website", ""),
        ];
        let res = client.post(&url).form(&f).send().await.unwrap();
        if res.status() == 429 {
            assert!(res.headers().contains_key("retry-after"));
            limited = true;
            break;
        }
        assert_eq!(res.status(), 200);
    }
    assert!(limited, "the rate limit applies");
    // The suggestions come from the public search API.
    let (s, body) = call(&app, "", Method::GET, "/h/alpha/api/search?q=pagar&locale=pt-BR", None).await;
    assert_eq!((s, body["data"].clone()), (200, json!([])));
    let (s, body) = call(&app, "", Method::GET, "/h/alpha/api/search?q=x&limit=0", None).await;
    assert_eq!((s, body["field"].clone()), (422, json!("limit")));
}
both!(request_form_opens_a_web_ticket);

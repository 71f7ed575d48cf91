//! The console's chat setup page: the snippet, the warning while any origin may connect, saving
//! origins (a bad one refused with the reason), a new identity secret shown once; admins only,
//! each workspace its own.

use crate::harness::TestApp;
use meridian::accounts::Role;

async fn admins_set_up_the_widget_in_the_console(app: TestApp) {
    let (acme, email, pw) = app.seed_tenant("acme");
    let (globex, gemail, gpw) = app.seed_tenant("globex");
    let (c, csrf) = app.signed_in("acme", &email, &pw).await;
    let page = c.get(app.url("/admin/chat")).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("data-testid=\"origins-warning\""), "warning while any origin may connect");
    let start = page.find("data-testid=\"widget-snippet\">").expect("snippet shown");
    let snippet = &page[start..start + page[start..].find("</code>").unwrap()];
    let snippet = snippet.replace("&#34;", "\"").replace("&quot;", "\"").replace("&#60;", "<").replace("&#62;", ">");
    assert!(snippet.contains("/widget.js\" data-tenant=\"acme\" data-locale=\"en\" async></script>"), "{snippet}");

    let bad = c
        .post(app.url("/admin/chat"))
        .form(&[("_csrf", csrf.as_str()), ("origins", "https://app.acme.example/path")])
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), 422);
    assert!(bad.text().await.unwrap().contains("https://app.acme.example"), "the text is kept for correction");
    let r = c
        .post(app.url("/admin/chat"))
        .form(&[("_csrf", csrf.as_str()), ("origins", "https://app.acme.example\n\nhttp://localhost:3000")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    let page = c.get(app.url("/admin/chat?saved=1")).send().await.unwrap().text().await.unwrap();
    assert!(!page.contains("origins-warning"));
    assert!(page.contains("https://app.acme.example\nhttp://localhost:3000"), "{page}");

    let shown = c
        .post(app.url("/admin/chat/identity-secret"))
        .form(&[("_csrf", csrf.as_str())])
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(shown.contains("data-testid=\"identity-secret\""));
    let again = c.get(app.url("/admin/chat")).send().await.unwrap().text().await.unwrap();
    assert!(!again.contains("data-testid=\"identity-secret\""), "shown once");
    let tid = acme.tenant_id();
    let s = app.state.db.read(move |c| meridian::chat::settings::get(c, &tid)).await.unwrap();
    assert_eq!(s.allowed_origins, ["https://app.acme.example", "http://localhost:3000"]);
    assert!(s.identity_secret.is_some());

    // Globex's admin sees globex's settings, untouched.
    let (g, _) = app.signed_in("globex", &gemail, &gpw).await;
    let gpage = g.get(app.url("/admin/chat")).send().await.unwrap().text().await.unwrap();
    assert!(gpage.contains("origins-warning") && !gpage.contains("app.acme.example"));
    let _ = globex;

    // An agent who is not an admin may not.
    let (_, aemail, apw) = app.add_agent(&acme, "Zed", Role::Agent);
    let (a, acsrf) = app.signed_in("acme", &aemail, &apw).await;
    assert_eq!(a.get(app.url("/admin/chat")).send().await.unwrap().status(), 403);
    let r = a.post(app.url("/admin/chat")).form(&[("_csrf", acsrf.as_str()), ("origins", "")]).send().await.unwrap();
    assert_eq!(r.status(), 403);
}
both!(admins_set_up_the_widget_in_the_console);

async fn the_script_and_its_strings_are_served(app: TestApp) {
    let js = reqwest::get(app.url("/widget.js")).await.unwrap();
    assert_eq!(js.status(), 200);
    assert!(js.headers()["content-type"].to_str().unwrap().starts_with("text/javascript"));
    assert!(js.text().await.unwrap().contains("attachShadow({ mode: \"closed\" })"));
    let zh = reqwest::get(app.url("/widget/strings/zh-CN.json")).await.unwrap();
    assert_eq!(zh.headers()["access-control-allow-origin"], "*");
    let zh: serde_json::Value = zh.json().await.unwrap();
    assert_eq!((zh["locale"].as_str(), zh["dir"].as_str()), (Some("zh-CN"), Some("ltr")));
    assert_eq!(zh["strings"]["launcher"], "在线咨询");
    let en: serde_json::Value =
        reqwest::get(app.url("/widget/strings/pt-BR.json")).await.unwrap().json().await.unwrap();
    assert_eq!((en["locale"].as_str(), en["strings"]["launcher"].as_str()), (Some("en"), Some("Chat with us")));
    let ar: serde_json::Value = reqwest::get(app.url("/widget/strings/ar.json")).await.unwrap().json().await.unwrap();
    assert_eq!(ar["dir"], "rtl", "Arabic is laid out right to left (in English words until translated)");
    assert_eq!(zh["strings"].as_object().unwrap().len(), en["strings"].as_object().unwrap().len());
}
both!(the_script_and_its_strings_are_served);

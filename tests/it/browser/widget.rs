//! The chat widget in headless Chromium, embedded in a host page of another origin: its strings
//! in the page's language, a message that becomes a chat ticket, the agent's answer shown live
//! with the agent's name and initials and the unread badge while the panel is closed, the
//! conversation back after a reload, and the rating prompt of a solved conversation.

use std::time::Duration;

use anyhow::{ensure, Result};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use super::console::WAIT;
use super::{launch, Browser};
use crate::harness::{Backend, TestApp};

const HOST: &str = "[data-meridian-widget]";

/// A one-page site on its own port (another origin than the desk), embedding the widget.
async fn host_page(desk: &str) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let html = format!(
        "<!doctype html><html><head><title>Shop</title></head><body><h1>Shop</h1>\
         <script src=\"{desk}/widget.js\" data-tenant=\"acme\" data-locale=\"zh-CN\" async></script></body></html>"
    );
    tokio::spawn(async move {
        while let Ok((mut s, _)) = listener.accept().await {
            let html = html.clone();
            tokio::spawn(async move {
                let mut buf = [0u8; 4096];
                let _ = s.read(&mut buf).await;
                let head = format!(
                    "HTTP/1.1 200 OK\r\ncontent-type: text/html; charset=utf-8\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
                    html.len()
                );
                let _ = s.write_all(head.as_bytes()).await;
                let _ = s.write_all(html.as_bytes()).await;
            });
        }
    });
    format!("http://{addr}/")
}

/// Poll for an element inside the widget's (closed) shadow root whose text contains `want`.
async fn wait_shadow_text(b: &Browser, css: &str, want: &str) -> Result<String> {
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        if let Ok(el) = b.find_in_shadow(HOST, css).await {
            let text = b.element_text(&el).await.unwrap_or_default();
            if text.contains(want) {
                return Ok(text);
            }
        }
        ensure!(tokio::time::Instant::now() < deadline, "no {css:?} with {want:?} in the widget");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// The id of the first chat ticket, once the widget's message has opened it.
async fn chat_ticket(app: &TestApp, tok: &str) -> Result<String> {
    for _ in 0..150 {
        let list = app.api_json(tok, "/api/v1/tickets?channel=chat").await;
        if let Some(id) = list["data"].as_array().and_then(|a| a.first()).and_then(|t| t["id"].as_str()) {
            return Ok(id.to_string());
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    anyhow::bail!("the message opened no chat ticket")
}

#[actix_web::test]
async fn a_visitor_chats_with_an_agent_and_finds_it_after_a_reload() -> Result<()> {
    let Some(b) = launch().await else { return Ok(()) };
    let app = TestApp::start(Backend::Sqlite).await.expect("sqlite app");
    let (acme, _, _) = app.seed_tenant("acme");
    let tok = crate::chat::api_token(&app, &acme);
    let agent = crate::chat::owner_id(&app, &tok).await;
    let site = host_page(&app.base).await;
    b.goto(&site).await?;

    let launcher = wait_shadow_text(&b, ".l", "在线咨询").await?;
    ensure!(launcher.contains("在线咨询"), "{launcher}");
    // The page cannot reach into the widget.
    let peek = b.execute("return document.querySelector('[data-meridian-widget]').shadowRoot === null").await?;
    ensure!(peek == true, "the shadow root is closed");

    let l = b.find_in_shadow(HOST, ".l").await?;
    b.click(&l).await?;
    // Opening the panel focuses the composer.
    b.type_focused("我的订单还没到").await?;
    let send = b.find_in_shadow(HOST, "form.c button").await?;
    b.click(&send).await?;

    let ticket = chat_ticket(&app, &tok).await?;
    wait_shadow_text(&b, ".i.visitor[data-id]", "我的订单还没到").await?;

    // Closed panel: the answer arrives live and counts as unread.
    let x = b.find_in_shadow(HOST, ".x").await?;
    b.click(&x).await?;
    crate::chat::agent_posts(&app, &tok, &ticket, &agent, "reply", "正在为您查询").await;
    wait_shadow_text(&b, ".b", "1").await?;
    let l = b.find_in_shadow(HOST, ".l").await?;
    b.click(&l).await?;
    wait_shadow_text(&b, ".i.agent", "正在为您查询").await?;
    // The agent's name and initials, on the answer and in the header.
    let initials = b.find_in_shadow(HOST, ".i.agent .a").await?;
    ensure!(b.element_text(&initials).await? == "AO", "initials of acme Owner");
    wait_shadow_text(&b, ".h .g", "acme Owner").await?;

    // A reload keeps the visitor and shows the conversation again, once.
    b.goto(&site).await?;
    wait_shadow_text(&b, ".l", "在线咨询").await?;
    // The history comes back while the panel is closed; the answer was read before the reload,
    // so it is not counted again.
    let deadline = tokio::time::Instant::now() + WAIT;
    while b.find_in_shadow(HOST, ".i.agent[data-id]").await.is_err() {
        ensure!(tokio::time::Instant::now() < deadline, "the history came back");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let badge = b.find_in_shadow(HOST, ".b").await?;
    ensure!(b.element_text(&badge).await?.is_empty(), "no unread badge for what was read");
    let l = b.find_in_shadow(HOST, ".l").await?;
    b.click(&l).await?;
    wait_shadow_text(&b, ".i.agent", "正在为您查询").await?;
    wait_shadow_text(&b, ".i.visitor", "我的订单还没到").await?;
    let list = app.api_json(&tok, "/api/v1/tickets?channel=chat").await;
    ensure!(list["data"].as_array().map(Vec::len) == Some(1), "still one conversation: {list}");
    Ok(())
}

#[actix_web::test]
async fn a_solved_conversation_asks_for_a_rating_the_ticket_page_shows() -> Result<()> {
    let Some(b) = launch().await else { return Ok(()) };
    let app = TestApp::start(Backend::Sqlite).await.expect("sqlite app");
    let (acme, email, password) = app.seed_tenant("acme");
    let tok = crate::chat::api_token(&app, &acme);
    let site = host_page(&app.base).await;
    b.goto(&site).await?;
    wait_shadow_text(&b, ".l", "在线咨询").await?;
    let l = b.find_in_shadow(HOST, ".l").await?;
    b.click(&l).await?;
    b.type_focused("退款到账了吗？").await?;
    let send = b.find_in_shadow(HOST, "form.c button").await?;
    b.click(&send).await?;
    let ticket = chat_ticket(&app, &tok).await?;
    let rating = b.find_in_shadow(HOST, "form.r").await?;
    ensure!(b.attribute(&rating, "hidden").await?.is_some(), "no rating form before the solve");

    let solved = app
        .client()
        .patch(app.url(&format!("/api/v1/tickets/{ticket}")))
        .bearer_auth(&tok)
        .json(&serde_json::json!({"status": "solved"}))
        .send()
        .await?;
    ensure!(solved.status() == 200, "solved: {}", solved.status());
    wait_shadow_text(&b, ".r .q", "您对我们的服务满意吗").await?;
    let four = b.find_in_shadow(HOST, ".r .k button:nth-child(4)").await?;
    ensure!(b.attribute(&four, "aria-label").await?.as_deref() == Some("4 分（满分 5 分）"), "labelled score");
    b.click(&four).await?;
    let comment = b.find_in_shadow(HOST, ".r textarea").await?;
    b.click(&comment).await?;
    b.type_focused("很快，谢谢").await?;
    let submit = b.find_in_shadow(HOST, ".r button[type=submit]").await?;
    b.click(&submit).await?;
    wait_shadow_text(&b, ".r .q", "感谢您的评分：4 分").await?;

    let t = app.api_json(&tok, &format!("/api/v1/tickets/{ticket}")).await;
    ensure!(t["csat_score"] == 4 && t["csat_comment"] == "很快，谢谢", "stored: {t}");
    let (agent, _) = app.signed_in("acme", &email, &password).await;
    let page = agent.get(app.url(&format!("/tickets/{ticket}"))).send().await?.text().await?;
    ensure!(page.contains("4 out of 5") && page.contains("很快，谢谢"), "the ticket page shows the rating");

    // After a reload the widget still shows the rating given.
    b.goto(&site).await?;
    wait_shadow_text(&b, ".l", "在线咨询").await?;
    let l = b.find_in_shadow(HOST, ".l").await?;
    b.click(&l).await?;
    wait_shadow_text(&b, ".r .q", "感谢您的评分：4 分").await?;
    Ok(())
}

#[actix_web::test]
async fn a_visitor_picks_a_file_and_is_offered_articles_while_typing() -> Result<()> {
    let Some(b) = launch().await else { return Ok(()) };
    let app = TestApp::start(Backend::Sqlite).await.expect("sqlite app");
    let (acme, _, _) = app.seed_tenant("acme");
    let tok = crate::chat::api_token(&app, &acme);
    let refund = crate::kb::article(
        &app,
        &tok,
        "public",
        vec![crate::kb::tr("zh-CN", "如何申请退款", "在订单页面点击申请退款按钮。", "published")],
    )
    .await;
    crate::kb::settle(&app).await;
    let site = host_page(&app.base).await;
    b.goto(&site).await?;
    wait_shadow_text(&b, ".l", "在线咨询").await?;
    let l = b.find_in_shadow(HOST, ".l").await?;
    b.click(&l).await?;
    b.type_focused("我的订单还没到").await?;
    let send = b.find_in_shadow(HOST, "form.c button[type=submit]").await?;
    b.click(&send).await?;
    let ticket = chat_ticket(&app, &tok).await?;
    wait_shadow_text(&b, ".i.visitor[data-id]", "我的订单还没到").await?;

    // A file picked in the widget: shown in the visitor's timeline, on the agent's ticket.
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("收据.pdf");
    std::fs::write(&path, b"%PDF-1.4\n% receipt\n")?;
    let picker = b.find_in_shadow(HOST, "form.c input[type=file]").await?;
    b.send_keys(&picker, &path.display().to_string()).await?;
    wait_shadow_text(&b, ".i.visitor[data-id] .fl", "收据.pdf").await?;
    let msgs = app.api_json(&tok, &format!("/api/v1/tickets/{ticket}/messages")).await;
    let names: Vec<String> = msgs["data"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|m| m["attachments"].as_array().cloned().unwrap_or_default())
        .map(|a| a["filename"].as_str().unwrap_or_default().to_string())
        .collect();
    ensure!(names == ["收据.pdf"], "the ticket has the file: {msgs}");

    // Typing a question offers the article; "that answered it" records a deflection.
    let input = b.find_in_shadow(HOST, "form.c textarea").await?;
    b.click(&input).await?;
    b.type_focused("我想申请退款").await?;
    wait_shadow_text(&b, ".sg a", "如何申请退款").await?;
    let link = b.find_in_shadow(HOST, ".sg a").await?;
    let href = b.attribute(&link, "href").await?.unwrap_or_default();
    ensure!(href.ends_with(&format!("/h/acme/zh-CN/articles/{refund}")), "{href}");
    ensure!(b.attribute(&link, "target").await?.as_deref() == Some("_blank"), "opens in a new tab");
    let answered = b.find_in_shadow(HOST, ".sg button").await?;
    ensure!(b.element_text(&answered).await? == "问题已解决", "labelled in the page's language");
    b.click(&answered).await?;
    wait_shadow_text(&b, ".sg", "很高兴能帮到您").await?;
    let tid = acme.tenant_id();
    let mut n = 0;
    for _ in 0..100 {
        let (t, r) = (tid.clone(), refund.clone());
        n = app.state.db.read(move |c| meridian::chat::suggestions::deflections(c, &t, &r)).await?;
        if n == 1 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    ensure!(n == 1, "one deflection recorded, got {n}");
    let list = app.api_json(&tok, "/api/v1/tickets?channel=chat").await;
    ensure!(list["data"].as_array().map(Vec::len) == Some(1), "no second ticket: {list}");
    Ok(())
}

//! The knowledge base beside a ticket: articles suggested from its subject in its language, the
//! composer's article search, and an article drafted from the ticket; another tenant's tickets
//! are not found.

use meridian::tickets::commands::{self, NewMessage, NewTicket, Requester};
use meridian::tickets::{Channel, Priority};
use meridian::types::{Actor, MessageKind};
use reqwest::Method;

use super::{article, call, settle, tenant_with_token, tr};
use crate::harness::TestApp;

fn ticket(app: &TestApp, t: &meridian::tenancy::Tenant, subject: &str, language: &str) -> meridian::tickets::Ticket {
    app.open_ticket(
        t,
        NewTicket {
            subject: subject.into(),
            body_text: "Hello, I need help with this.".into(),
            body_html: None,
            requester: Requester::Email { email: "maria@example.com".into(), name: Some("Maria".into()) },
            priority: Priority::Normal,
            tags: vec![],
            language: Some(language.into()),
            channel: Channel::Email,
            assignee_id: None,
            team_id: None,
        },
    )
}

async fn page(app: &TestApp, c: &reqwest::Client, path: &str) -> (u16, String) {
    let res = c.get(app.url(path)).send().await.unwrap();
    let s = res.status().as_u16();
    (s, res.text().await.unwrap())
}

async fn kb_beside_tickets(app: TestApp) {
    let (t, tok) = tenant_with_token(&app, "alpha", "en");
    let reset = article(
        &app,
        &tok,
        "public",
        vec![
            tr("en", "Reset your password", "Open settings and choose a new password.", "published"),
            tr("pt-BR", "Redefinir a senha", "Abra as configurações e escolha uma nova senha.", "published"),
        ],
    )
    .await;
    let hidden =
        article(&app, &tok, "internal", vec![tr("en", "Password reset for agents", "internal steps", "published")])
            .await;
    let draft = article(&app, &tok, "public", vec![tr("en", "Password policy draft", "not yet", "draft")]).await;
    settle(&app).await;
    let pt = ticket(&app, &t, "Como redefinir a senha?", "pt-BR");
    let en = ticket(&app, &t, "Cannot reset my password", "en");
    let (c, _csrf) = app.signed_in("alpha", "owner@alpha.example", "pw-alpha-correct-horse").await;

    // Suggested from the subject, in the ticket's language, linking to the help center.
    let (s, html) = page(&app, &c, &format!("/tickets/{}", pt.number)).await;
    assert_eq!(s, 200);
    let card = &html[html.find("data-testid=\"kb-card\"").expect("the card")..];
    let card = &card[..card.find("</section>").unwrap()];
    assert!(card.contains("Redefinir a senha"), "{card}");
    assert!(card.contains(&format!("/h/alpha/pt-BR/articles/{reset}\"")), "{card}");
    assert!(card.contains("data-insert-link"), "{card}");
    assert!(card.contains(&format!("href=\"/kb/articles/new?from_ticket={}\"", pt.number)));
    let (_, html) = page(&app, &c, &format!("/tickets/{}", en.number)).await;
    let card = &html[html.find("data-testid=\"kb-card\"").unwrap()..];
    let card = &card[..card.find("</section>").unwrap()];
    assert!(card.contains("Reset your password") && card.contains(&format!("/h/alpha/en/articles/{reset}")), "{card}");
    assert!(!card.contains(&hidden) && !card.contains(&draft), "only published public articles: {card}");

    // The picker's search.
    let (s, frag) = page(&app, &c, &format!("/tickets/{}/articles?q=password", en.number)).await;
    assert_eq!(s, 200);
    assert!(frag.contains("data-testid=\"kb-links\"") && frag.contains(&reset), "{frag}");
    assert!(!frag.contains(&hidden) && !frag.contains(&draft), "{frag}");
    let (_, frag) = page(&app, &c, &format!("/tickets/{}/articles?q=zebra+unicorn", en.number)).await;
    assert!(frag.contains("data-testid=\"kb-links-none\""), "{frag}");
    let (_, frag) = page(&app, &c, &format!("/tickets/{}/articles", en.number)).await;
    assert!(frag.contains("data-testid=\"kb-links-none\""), "an empty query finds nothing");

    // An article drafted from the ticket: its subject and the newest agent reply, its language.
    let tid = t.tenant_id();
    let owner = app
        .state
        .db
        .write_blocking(|conn| meridian::accounts::agents::by_email(conn, &tid, "owner@alpha.example"))
        .unwrap()
        .expect("owner");
    for (kind, body) in [(MessageKind::Reply, "Open Configurações, then Senha."), (MessageKind::Note, "internal note")]
    {
        let msg =
            NewMessage { kind, channel: Channel::Email, body_text: body.into(), body_html: None, attachments: vec![] };
        let (tid, id, actor) = (t.tenant_id(), pt.id.clone(), Actor::Agent(owner.id.clone()));
        app.state.db.write_blocking(move |conn| commands::add_message(conn, &tid, &actor, &id, &msg)).unwrap();
    }
    let (s, html) = page(&app, &c, &format!("/kb/articles/new?from_ticket={}", pt.number)).await;
    assert_eq!(s, 200);
    assert!(
        html.contains("name=\"title\" maxlength=\"200\" lang=\"pt-BR\" dir=\"auto\" value=\"Como redefinir a senha?\""),
        "{html}"
    );
    assert!(html.contains(">Open Configurações, then Senha.</textarea>") && !html.contains("internal note"), "{html}");
    assert!(html.contains("name=\"locale\" maxlength=\"64\" required value=\"pt-BR\""), "{html}");
    // Without an agent's reply yet, the customer's message.
    let (_, html) = page(&app, &c, &format!("/kb/articles/new?from_ticket={}", en.number)).await;
    assert!(html.contains(">Hello, I need help with this.</textarea>"), "{html}");

    // Another tenant's tickets are not found.
    let (_beta, btok) = tenant_with_token(&app, "beta", "en");
    let (s, _) = call(&app, &btok, Method::GET, "/api/v1/kb/articles", None).await;
    assert_eq!(s, 200);
    let (bc, _) = app.signed_in("beta", "owner@beta.example", "pw-beta-correct-horse").await;
    for path in [
        format!("/tickets/{}/articles?q=password", pt.number),
        format!("/kb/articles/new?from_ticket={}", pt.number),
        format!("/kb/articles/new?from_ticket={}", pt.id),
    ] {
        let (s, body) = page(&app, &bc, &path).await;
        assert_eq!(s, 404, "{path}");
        assert!(!body.contains("redefinir") && !body.contains("Configurações"), "{path}");
    }
}
both!(kb_beside_tickets);

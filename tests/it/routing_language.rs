//! What the desk knows about a requester decides a new ticket's language where its text alone
//! is unsure: a few Han characters are Chinese, unless this requester wrote Japanese before.

use reqwest::Method;
use serde_json::json;

use crate::harness::TestApp;
use crate::routing::{ok, token};

async fn the_requesters_earlier_language_decides_an_unsure_text(app: TestApp) {
    let (t, _, _) = app.seed_tenant("kana");
    let tok = token(&app, &t);
    let ticket = |email: &str, language: Option<&str>| {
        let mut b = json!({"subject": "至急対応", "message": {"body": "至急"}, "requester": {"email": email}});
        if let Some(l) = language {
            b["language"] = json!(l);
        }
        b
    };
    // A stranger's four Han characters read as Chinese.
    let first = ok(&app, &tok, Method::POST, "/api/v1/tickets", ticket("wang@example.cn", None)).await;
    assert_eq!(first["language"], "zh");
    // Aiko's earlier ticket was in Japanese: the same text from her is Japanese.
    ok(&app, &tok, Method::POST, "/api/v1/tickets", ticket("aiko@example.jp", Some("ja"))).await;
    let next = ok(&app, &tok, Method::POST, "/api/v1/tickets", ticket("aiko@example.jp", None)).await;
    assert_eq!(next["language"], "ja");
    // A clear text is not overruled by the requester's history.
    let body = json!({"subject": "Rechnung", "message": {"body": "Ich kann die Rechnung seit gestern nicht herunterladen, bitte helfen Sie mir."},
        "requester": {"email": "aiko@example.jp"}});
    let de = ok(&app, &tok, Method::POST, "/api/v1/tickets", body).await;
    assert_eq!(de["language"], "de");
    // Another tenant's requester with the same address knows nothing of Aiko's history.
    let (u, _, _) = app.seed_tenant("other");
    let tok_u = token(&app, &u);
    let elsewhere = ok(&app, &tok_u, Method::POST, "/api/v1/tickets", ticket("aiko@example.jp", None)).await;
    assert_eq!(elsewhere["language"], "zh");
}
both!(the_requesters_earlier_language_decides_an_unsure_text);

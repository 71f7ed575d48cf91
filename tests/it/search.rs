//! Inbox text search and the index-driven views: what a search finds (scripts, requester, tenant,
//! changes), and that every view × sort × filter lists exactly the tickets, in exactly the order,
//! that the filter's definition gives, whichever query shape answers it.

use std::collections::{HashMap, HashSet};

use diesel::prelude::*;
use serde_json::{json, Value};

use crate::harness::TestApp;
use meridian::accounts::tokens;
use meridian::db::schema::{contacts, messages, tickets};
use meridian::tickets::queries::{self, AssigneeFilter, Filter, Sort, View};
use meridian::tickets::{Priority, Status, Ticket};

fn token(app: &TestApp, tenant: &meridian::tenancy::Tenant) -> String {
    app.state.db.write_blocking(|c| tokens::create(c, &tenant.tenant_id(), "test", None)).unwrap().1
}

async fn create(app: &TestApp, tok: &str, subject: &str, email: &str, name: &str) -> Value {
    let body = json!({"subject": subject, "message": {"body": "Hello"},
                      "requester": {"email": email, "name": name}});
    let res =
        reqwest::Client::new().post(app.url("/api/v1/tickets")).bearer_auth(tok).json(&body).send().await.unwrap();
    assert_eq!(res.status(), 201);
    res.json().await.unwrap()
}

/// Subjects of the tickets `GET /api/v1/tickets?q=…` lists, sorted.
async fn found(app: &TestApp, tok: &str, q: &str) -> Vec<String> {
    let url = reqwest::Url::parse_with_params(&app.url("/api/v1/tickets"), &[("q", q)]).unwrap();
    let res = reqwest::Client::new().get(url).bearer_auth(tok).send().await.unwrap();
    assert_eq!(res.status(), 200, "q={q}");
    let body: Value = res.json().await.unwrap();
    let mut v: Vec<String> =
        body["data"].as_array().unwrap().iter().map(|t| t["subject"].as_str().unwrap().to_string()).collect();
    v.sort();
    v
}

async fn patch(app: &TestApp, tok: &str, path: &str, body: Value) {
    let res = reqwest::Client::new().patch(app.url(path)).bearer_auth(tok).json(&body).send().await.unwrap();
    assert_eq!(res.status(), 200, "{}", res.text().await.unwrap());
}

async fn text_search_finds_subjects_and_requesters_in_any_script(app: TestApp) {
    let (acme, _, _) = app.seed_tenant("acme");
    let (other, _, _) = app.seed_tenant("other");
    let tok = token(&app, &acme);
    let other_tok = token(&app, &other);
    create(&app, &tok, "Pedido não chegou", "joao@example.com", "João Gonçalves").await;
    create(&app, &tok, "无法登录账户", "wang@example.cn", "王小明").await;
    create(&app, &tok, "ログインできません", "sato@example.jp", "佐藤").await;
    let reset = create(&app, &tok, "Cannot reset my password", "maria@example.com", "Maria Smith").await;
    create(&app, &other_tok, "Cannot reset my password", "maria@example.com", "Maria Smith").await;

    // Subject words, whole or a word's start, case folded (ASCII), accents as written.
    assert_eq!(found(&app, &tok, "PASSWORD").await, ["Cannot reset my password"]);
    assert_eq!(found(&app, &tok, "res").await, ["Cannot reset my password"]);
    assert_eq!(found(&app, &tok, "não").await, ["Pedido não chegou"]);
    assert_eq!(found(&app, &tok, "nao").await, Vec::<String>::new(), "accents are significant");
    // CJK has no spaces: substrings match, two characters (no trigram) as well as longer ones.
    assert_eq!(found(&app, &tok, "登录").await, ["无法登录账户"]);
    assert_eq!(found(&app, &tok, "无法登录").await, ["无法登录账户"]);
    assert_eq!(found(&app, &tok, "ログイン").await, ["ログインできません"]);
    // The requester's name (any script) and email.
    assert_eq!(found(&app, &tok, "Gonç").await, ["Pedido não chegou"]);
    assert_eq!(found(&app, &tok, "王小明").await, ["无法登录账户"]);
    assert_eq!(found(&app, &tok, "sato@").await, ["ログインできません"]);
    assert_eq!(found(&app, &tok, "maria@exam").await, ["Cannot reset my password"]);
    // Query syntax of the text index is plain text here.
    assert_eq!(found(&app, &tok, "\"reset\" OR *").await, Vec::<String>::new());
    assert_eq!(found(&app, &tok, "50%").await, Vec::<String>::new());
    // The index only preselects: a subject holding every trigram of the text, but not the text,
    // is not a match; a text longer than the index is asked for is still matched whole.
    create(&app, &tok, "Ref abcd bcde", "ref@example.com", "Ref").await;
    assert_eq!(found(&app, &tok, "abcde").await, Vec::<String>::new());
    assert_eq!(found(&app, &tok, "abcd bc").await, ["Ref abcd bcde"]);
    let long =
        create(&app, &tok, "The printer on the third floor prints every page twice since Monday", "p@example.com", "P")
            .await;
    assert_eq!(
        found(&app, &tok, "printer on the third floor prints every page twice").await,
        [long["subject"].as_str().unwrap()]
    );
    assert_eq!(found(&app, &tok, "printer on the third floor prints every page thrice").await, Vec::<String>::new());
    // Scoped to the tenant: the other tenant's identical ticket is not listed.
    assert_eq!(found(&app, &other_tok, "password").await, ["Cannot reset my password"]);
    assert_eq!(found(&app, &other_tok, "não").await, Vec::<String>::new());

    // A new subject is found under its words, no longer under the old ones.
    let id = reset["id"].as_str().unwrap();
    patch(&app, &tok, &format!("/api/v1/tickets/{id}"), json!({"subject": "Two-factor códigos missing"})).await;
    assert_eq!(found(&app, &tok, "password").await, Vec::<String>::new());
    assert_eq!(found(&app, &tok, "códigos").await, ["Two-factor códigos missing"]);
    // So is a renamed requester, and a changed email, on their tickets.
    let requester = reset["requester_id"].as_str().unwrap();
    patch(
        &app,
        &tok,
        &format!("/api/v1/contacts/{requester}"),
        json!({"name": "Mária Kovács", "email": "mk@example.hu"}),
    )
    .await;
    assert_eq!(found(&app, &tok, "Smith").await, Vec::<String>::new());
    assert_eq!(found(&app, &tok, "maria@").await, Vec::<String>::new());
    assert_eq!(found(&app, &tok, "Kovács").await, ["Two-factor códigos missing"]);
    assert_eq!(found(&app, &tok, "mk@exa").await, ["Two-factor códigos missing"]);
    // The other tenant's contact of the same email kept its name.
    assert_eq!(found(&app, &other_tok, "Smith").await, ["Cannot reset my password"]);
}
both!(text_search_finds_subjects_and_requesters_in_any_script);

/// What the filter means, row by row, independently of any query.
struct Expected {
    tickets: Vec<Ticket>,
    requesters: HashMap<String, (String, Option<String>)>,
    /// Each ticket's replies and notes, lowercased.
    bodies: HashMap<String, Vec<String>>,
}

impl Expected {
    fn load(app: &TestApp, tenant: &str) -> Expected {
        let mut conn = app.state.db.conn().unwrap();
        let tickets: Vec<Ticket> =
            tickets::table.filter(tickets::tenant_id.eq(tenant)).select(Ticket::as_select()).load(&mut *conn).unwrap();
        let requesters = contacts::table
            .filter(contacts::tenant_id.eq(tenant))
            .select((contacts::id, contacts::name, contacts::email))
            .load::<(String, String, Option<String>)>(&mut *conn)
            .unwrap()
            .into_iter()
            .map(|(id, n, e)| (id, (n, e)))
            .collect();
        let mut bodies: HashMap<String, Vec<String>> = HashMap::new();
        for (ticket, body) in messages::table
            .filter(messages::tenant_id.eq(tenant))
            .filter(messages::kind.ne("system"))
            .select((messages::ticket_id, messages::body_text))
            .load::<(String, String)>(&mut *conn)
            .unwrap()
        {
            bodies.entry(ticket).or_default().push(body.to_lowercase());
        }
        Expected { tickets, requesters, bodies }
    }

    fn ids(&self, me: &str, f: &Filter, sort: Sort) -> Vec<String> {
        let holds = |s: &str, q: &str| s.to_lowercase().contains(&q.to_lowercase());
        let mut rows: Vec<&Ticket> = self
            .tickets
            .iter()
            .filter(|t| match f.view {
                Some(View::MyOpen) => t.is_open && t.assignee_id.as_ref().is_some_and(|a| a.as_str() == me),
                Some(View::Unassigned) => t.is_open && t.assignee_id.is_none(),
                Some(View::AllOpen) => t.is_open,
                Some(View::Pending) => t.status.as_str() == "pending",
                Some(View::Solved) => t.status.as_str() == "solved",
                None => true,
            })
            .filter(|t| f.status.is_empty() || f.status.contains(&t.status))
            .filter(|t| f.priority.is_none_or(|p| p == t.priority))
            .filter(|t| match &f.assignee {
                Some(AssigneeFilter::Nobody) => t.assignee_id.is_none(),
                Some(AssigneeFilter::Agent(a)) => t.assignee_id.as_ref().is_some_and(|x| x.as_str() == a),
                None => true,
            })
            .filter(|t| f.team_id.as_ref().is_none_or(|team| t.team_id.as_ref().is_some_and(|x| x.as_str() == team)))
            .filter(|t| f.language.as_ref().is_none_or(|l| t.language.as_deref() == Some(l)))
            .filter(|t| f.tag.as_ref().is_none_or(|tag| t.tags.split_whitespace().any(|x| x == tag)))
            .filter(|t| {
                f.q.as_ref().is_none_or(|q| {
                    let (name, email) = &self.requesters[t.requester_id.as_str()];
                    let in_body = f.bodies
                        && q.chars().count() >= 3
                        && self.bodies.get(t.id.as_str()).is_some_and(|b| b.iter().any(|b| holds(b, q)));
                    holds(&t.subject, q) || holds(name, q) || email.as_deref().is_some_and(|e| holds(e, q)) || in_body
                })
            })
            .collect();
        match sort {
            Sort::Updated => rows.sort_by(|a, b| (b.updated_at, b.id.as_str()).cmp(&(a.updated_at, a.id.as_str()))),
            Sort::Age => rows.sort_by(|a, b| (a.created_at, a.id.as_str()).cmp(&(b.created_at, b.id.as_str()))),
            Sort::Priority => rows.sort_by(|a, b| {
                (b.priority_rank, a.created_at, a.id.as_str()).cmp(&(a.priority_rank, b.created_at, b.id.as_str()))
            }),
        }
        rows.into_iter().map(|t| t.id.to_string()).collect()
    }
}

async fn every_view_sort_and_filter_lists_what_it_means(app: TestApp) {
    // Enough tickets that a common tag or text matches more than a page, and a page size that
    // makes every view several pages long.
    meridian::seed::seed(&app.state.db, "eq", 1, 1500, 11).unwrap();
    let mut conn = app.state.db.conn().unwrap();
    if let meridian::db::DbConnection::Postgresql(c) = &mut *conn {
        // With statistics, PostgreSQL's text lookups ask their indexes for rare trigrams only
        // (`db::rare_trigrams`); every list below must still mean what its filter says.
        diesel::sql_query("ANALYZE").execute(c).unwrap();
        meridian::db::rare_trigrams::forget_samples();
    }
    let tenant = meridian::tenancy::by_slug(&mut conn, "eq-1").unwrap();
    let tid = tenant.tenant_id();
    let agents = meridian::accounts::agents::list(&mut conn, &tid).unwrap();
    let me = agents.iter().find(|a| a.role == "agent").unwrap().id.to_string();
    let other = agents.iter().find(|a| a.id.as_str() != me).unwrap().id.to_string();
    let team = meridian::tickets::teams::list(&mut conn, &tid).unwrap().into_iter().next().unwrap().id.to_string();
    drop(conn);
    let expected = Expected::load(&app, tid.as_str());
    let filters = [
        Filter::default(),
        Filter { tag: Some("refund".into()), ..Filter::default() },
        Filter { tag: Some("nothing-has-this".into()), ..Filter::default() },
        Filter { q: Some("customer1".into()), ..Filter::default() },
        Filter { q: Some("CUSTOMER12".into()), ..Filter::default() },
        Filter { q: Some("password".into()), ..Filter::default() },
        Filter { q: Some("#12".into()), ..Filter::default() },
        Filter { q: Some("não".into()), ..Filter::default() },
        Filter { q: Some("登录".into()), ..Filter::default() },
        Filter { q: Some("无法登录".into()), ..Filter::default() },
        Filter { q: Some("customer1".into()), tag: Some("bug".into()), ..Filter::default() },
        // Over bodies too (the search page): a common word fills a page within the first rows of
        // the view it walks, a rare one goes on to the body index, one found nowhere ends early.
        Filter { q: Some("password".into()), bodies: true, ..Filter::default() },
        Filter { q: Some("message about".into()), bodies: true, ..Filter::default() },
        Filter { q: Some("order 12".into()), bodies: true, ..Filter::default() },
        Filter { q: Some("zzzz".into()), bodies: true, ..Filter::default() },
        Filter { q: Some("password".into()), bodies: true, tag: Some("refund".into()), ..Filter::default() },
        Filter { priority: Some(Priority::Urgent), team_id: Some(team.clone()), ..Filter::default() },
        Filter { assignee: Some(AssigneeFilter::Agent(me.clone())), language: Some("ja".into()), ..Filter::default() },
        Filter { assignee: Some(AssigneeFilter::Nobody), ..Filter::default() },
        // With My open or Unassigned these exclude each other: nothing, answered without a query.
        Filter { assignee: Some(AssigneeFilter::Agent(other.clone())), ..Filter::default() },
        Filter { status: vec![Status::New], ..Filter::default() },
        Filter { status: vec![Status::Pending, Status::OnHold], ..Filter::default() },
    ];
    let views = [
        None,
        Some(View::MyOpen),
        Some(View::Unassigned),
        Some(View::AllOpen),
        Some(View::Pending),
        Some(View::Solved),
    ];
    let mut seen_shapes = HashSet::new();
    for base in &filters {
        for view in views {
            let f = Filter { view, ..base.clone() };
            for sort in [Sort::Updated, Sort::Age, Sort::Priority] {
                let want = expected.ids(&me, &f, sort);
                // The search page's size for bodies, so its walk goes on past its first rows.
                let size = if f.bodies { 20 } else { 97 };
                // 0: every filter walks the view's sort index; a large cap: every tag or text
                // filter is answered from its own index first.
                for cap in [0, 1_000_000] {
                    let mut got = Vec::new();
                    let mut cursor: Option<String> = None;
                    loop {
                        let (fc, me, tid, c) = (f.clone(), me.clone(), tid.clone(), cursor.clone());
                        let (rows, next) = app
                            .state
                            .db
                            .read(move |conn| {
                                queries::list_with_cap(conn, &tid, &me, &fc, sort, c.as_deref(), size, cap)
                            })
                            .await
                            .unwrap();
                        got.extend(rows.into_iter().map(|r| r.ticket.id.to_string()));
                        match next {
                            Some(n) => cursor = Some(n),
                            None => break,
                        }
                        assert!(got.len() <= want.len(), "{f:?} {sort:?} cap {cap}: more rows than expected");
                    }
                    assert_eq!(got, want, "{f:?} {sort:?} cap {cap}");
                    seen_shapes.insert(want.len() > size as usize);
                }
                if base.tag.is_none() && view.is_some() {
                    let (fc, me, tid) = (f.clone(), me.clone(), tid.clone());
                    let n = app.state.db.read(move |c| queries::count(c, &tid, &me, &fc)).await.unwrap();
                    assert_eq!(n, (want.len() as i64).min(queries::count_cap(&f)), "count {f:?}");
                }
            }
        }
    }
    assert_eq!(seen_shapes.len(), 2, "some lists are one page, some several");
}
both!(every_view_sort_and_filter_lists_what_it_means);

/// A text filter's count stops at a hundred, found through the subject or the requester; the
/// view without the text still counts to its own cap.
async fn text_counts_stop_at_a_hundred(app: TestApp) {
    let (tenant, _, _) = app.seed_tenant("acme");
    let tok = token(&app, &tenant);
    for i in 0..101 {
        create(&app, &tok, &format!("Refund request {i}"), &format!("p{i}@example.com"), "Pat").await;
    }
    for i in 0..3 {
        create(&app, &tok, &format!("Other {i}"), "walter.refundson@example.com", "Walter").await;
    }
    let tid = tenant.tenant_id();
    let count = |q: Option<&str>| {
        let (tid, f) =
            (tid.clone(), Filter { view: Some(View::AllOpen), q: q.map(str::to_string), ..Filter::default() });
        let db = app.state.db.clone();
        async move { db.read(move |c| queries::count(c, &tid, "", &f)).await.unwrap() }
    };
    assert_eq!(count(Some("refund")).await, queries::TEXT_COUNT_CAP);
    assert_eq!(count(Some("refundson")).await, 3, "through the requester");
    assert_eq!(count(Some("request 10")).await, 2, "request 10 and request 100");
    assert_eq!(count(None).await, 104);
}
both!(text_counts_stop_at_a_hundred);

/// The requester lookup names exactly the contacts whose name or email holds the text. On
/// PostgreSQL, once ANALYZE has sampled the contacts, the text indexes are asked for the text's
/// rarest trigrams only and each contact they name is checked against the whole text: the answer
/// must not change, for texts of common trigrams, rare ones, and none the index can look up.
async fn requester_lookup_is_exact_through_the_rarest_trigrams(app: TestApp) {
    meridian::seed::seed(&app.state.db, "rq", 1, 600, 5).unwrap();
    let mut conn = app.state.db.conn().unwrap();
    let tid = meridian::tenancy::by_slug(&mut conn, "rq-1").unwrap().tenant_id();
    if let meridian::db::DbConnection::Postgresql(c) = &mut *conn {
        diesel::sql_query("ANALYZE contacts").execute(c).unwrap();
        meridian::db::rare_trigrams::forget_samples();
        let sampled = meridian::db::rare_trigrams::samples(c, &["contacts_name_trgm", "contacts_email_trgm"]).unwrap();
        assert_eq!(sampled.len(), 2, "the planner sampled both indexed expressions");
        let email = &sampled.iter().find(|(i, _)| i == "contacts_email_trgm").unwrap().1;
        let rare = meridian::db::rare_trigrams::rarest("customer12", email).expect("a rare trigram");
        assert!(rare.iter().all(|t| !"customer".contains(t.as_str())), "common trigrams left out: {rare:?}");
    }
    let people: Vec<(String, String, Option<String>)> = contacts::table
        .filter(contacts::tenant_id.eq(tid.as_str()))
        .select((contacts::id, contacts::name, contacts::email))
        .load(&mut *conn)
        .unwrap();
    for text in ["customer12", "CUSTOMER1", "Customer 3", "mer5", "r12", "customer", "zzzz", "customer1@"] {
        let lower = text.to_lowercase();
        let mut want: Vec<String> = people
            .iter()
            .filter(|(_, n, e)| n.to_lowercase().contains(&lower) || e.as_deref().is_some_and(|e| e.contains(&lower)))
            .map(|(id, _, _)| id.clone())
            .collect();
        want.sort();
        let pattern = meridian::tickets::text_search::like_pattern(text);
        let got = meridian::db::backend::requester_contacts(&mut conn, tid.as_str(), text, &pattern, 100_000).unwrap();
        let mut got = got.unwrap_or_else(|| panic!("{text}: under the limit"));
        got.sort();
        assert_eq!(got, want, "{text}");
    }
}
both!(requester_lookup_is_exact_through_the_rarest_trigrams);

//! `meridian seed`: realistic volume for benchmarks and demos — tenants with agents, teams,
//! contacts and tickets in several languages, statuses, priorities and tags.

use chrono::{Duration, NaiveDateTime};
use diesel::connection::SimpleConnection;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use crate::db::{new_id, now, Db, DbConnection};
use crate::error::{AppError, AppResult};
use crate::tenancy::{self, NewTenant};

const LANGUAGES: [&str; 8] = ["en", "en", "pt-BR", "es", "de", "fr", "ja", "zh-CN"];
const STATUSES: [(&str, bool); 7] = [
    ("new", true),
    ("open", true),
    ("open", true),
    ("pending", false),
    ("on_hold", true),
    ("solved", false),
    ("closed", false),
];
const PRIORITIES: [(&str, i32); 5] = [("low", 1), ("normal", 2), ("normal", 2), ("high", 3), ("urgent", 4)];
const TAGS: [&str; 8] = ["billing", "shipping", "login", "refund", "bug", "vip", "feedback", "api"];
const SUBJECTS: [(&str, &str); 8] = [
    ("en", "Order has not arrived"),
    ("en", "Cannot reset my password"),
    ("pt-BR", "Pedido não chegou"),
    ("es", "No puedo iniciar sesión"),
    ("de", "Rechnung fehlt"),
    ("fr", "Remboursement en attente"),
    ("ja", "ログインできません"),
    ("zh-CN", "无法登录账户"),
];

/// What one `seed` run created.
#[derive(Debug, Default)]
pub struct SeedReport {
    pub tenants: usize,
    pub tickets: u64,
    pub messages: u64,
}

fn q(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

fn ts(t: NaiveDateTime) -> String {
    q(&t.format("%Y-%m-%d %H:%M:%S%.6f").to_string())
}

/// Multi-row INSERTs are plain SQL that both backends accept; batching keeps seeding of
/// millions of rows to minutes.
struct Batch {
    head: &'static str,
    rows: Vec<String>,
}

impl Batch {
    fn new(head: &'static str) -> Self {
        Batch { head, rows: Vec::with_capacity(500) }
    }

    fn push(&mut self, conn: &mut DbConnection, row: String) -> AppResult<()> {
        self.rows.push(row);
        if self.rows.len() >= 500 {
            self.flush(conn)?;
        }
        Ok(())
    }

    /// Queue a row without flushing (children wait until their parents are written).
    fn hold(&mut self, row: String) {
        self.rows.push(row);
    }

    fn flush(&mut self, conn: &mut DbConnection) -> AppResult<()> {
        if self.rows.is_empty() {
            return Ok(());
        }
        let sql = format!("{} VALUES {}", self.head, self.rows.join(","));
        self.rows.clear();
        conn.batch_execute(&sql).map_err(AppError::from)
    }
}

/// Seed `tenants` tenants (slugs `{prefix}-1` …) with `tickets` tickets each.
pub fn seed(db: &Db, prefix: &str, tenants: usize, tickets: u64, seed: u64) -> AppResult<SeedReport> {
    let mut rng = StdRng::seed_from_u64(seed);
    let mut report = SeedReport::default();
    for n in 1..=tenants {
        let slug = format!("{prefix}-{n}");
        let tenant = db.write_blocking(|c| {
            tenancy::create(
                c,
                &NewTenant {
                    slug: slug.clone(),
                    name: format!("Seeded {n}"),
                    locale: "en".into(),
                    time_zone: "UTC".into(),
                },
            )
        })?;
        let tid = tenant.id.clone();
        let mut agents = Vec::new();
        let mut teams = Vec::new();
        let base = now() - Duration::days(365);
        db.write_blocking(|c| {
            let mut b =
                Batch::new("INSERT INTO agents (tenant_id, id, email, name, role, active, created_at, updated_at)");
            for i in 0..12 {
                let id = new_id();
                let role = if i == 0 { "owner" } else { "agent" };
                b.push(
                    c,
                    format!(
                        "({}, {}, {}, {}, {}, TRUE, {}, {})",
                        q(&tid),
                        q(&id),
                        q(&format!("agent{i}@{slug}.example")),
                        q(&format!("Agent {i}")),
                        q(role),
                        ts(base),
                        ts(base)
                    ),
                )?;
                agents.push(id);
            }
            b.flush(c)?;
            let mut b = Batch::new("INSERT INTO teams (tenant_id, id, name, created_at)");
            for name in ["Tier 1", "Tier 2", "Billing", "Lusophone"] {
                let id = new_id();
                b.push(c, format!("({}, {}, {}, {})", q(&tid), q(&id), q(name), ts(base)))?;
                teams.push(id);
            }
            b.flush(c)
        })?;
        let contacts_n = (tickets / 4).max(1);
        let mut contacts = Vec::with_capacity(contacts_n as usize);
        // Large tenants go in chunks so no single transaction grows without bound.
        let chunk = 20_000u64;
        let mut made = 0u64;
        while made < contacts_n {
            let upto = (made + chunk).min(contacts_n);
            db.write_blocking(|c| {
                let mut b =
                    Batch::new("INSERT INTO contacts (tenant_id, id, email, name, locale, created_at, updated_at)");
                for i in made..upto {
                    let id = new_id();
                    let lang = LANGUAGES[i as usize % LANGUAGES.len()];
                    b.push(
                        c,
                        format!(
                            "({}, {}, {}, {}, {}, {}, {})",
                            q(&tid),
                            q(&id),
                            q(&format!("customer{i}@mail.example")),
                            q(&format!("Customer {i}")),
                            q(lang),
                            ts(base),
                            ts(base)
                        ),
                    )?;
                    contacts.push(id);
                }
                b.flush(c)
            })?;
            made = upto;
        }
        let mut number = 0u64;
        while number < tickets {
            let upto = (number + chunk).min(tickets);
            db.write_blocking(|c| {
                let mut tb = Batch::new(
                    "INSERT INTO tickets (tenant_id, id, number, subject, status, is_open, priority, priority_rank, channel, requester_id, assignee_id, team_id, language, tags, version, message_count, created_at, updated_at)",
                );
                let mut mb = Batch::new("INSERT INTO messages (tenant_id, id, ticket_id, kind, author_type, author_id, channel, body_text, created_at)");
                let mut gb = Batch::new("INSERT INTO ticket_tags (tenant_id, ticket_id, tag)");
                for num in number + 1..=upto {
                    let id = new_id();
                    let (lang, subject) = SUBJECTS[rng.gen_range(0..SUBJECTS.len())];
                    let (status, open) = STATUSES[rng.gen_range(0..STATUSES.len())];
                    let (prio, rank) = PRIORITIES[rng.gen_range(0..PRIORITIES.len())];
                    let channel = ["email", "email", "chat", "web", "api"][rng.gen_range(0..5)];
                    let requester = &contacts[rng.gen_range(0..contacts.len())];
                    let assignee = if rng.gen_bool(0.7) { q(&agents[rng.gen_range(0..agents.len())]) } else { "NULL".into() };
                    let team = if rng.gen_bool(0.8) { q(&teams[rng.gen_range(0..teams.len())]) } else { "NULL".into() };
                    let created = base + Duration::seconds((num as i64 * 31_536_000) / tickets.max(1) as i64);
                    let updated = created + Duration::minutes(rng.gen_range(1..10_000));
                    let mut tags: Vec<&str> = (0..rng.gen_range(0..3)).map(|_| TAGS[rng.gen_range(0..TAGS.len())]).collect();
                    tags.sort();
                    tags.dedup();
                    let messages = rng.gen_range(1..=3);
                    tb.hold(format!(
                        "({}, {}, {num}, {}, {}, {}, {}, {rank}, {}, {}, {assignee}, {team}, {}, {}, 1, {messages}, {}, {})",
                        q(&tid), q(&id), q(&format!("{subject} #{num}")), q(status), if open { "TRUE" } else { "FALSE" }, q(prio), q(channel), q(requester), q(lang), q(&tags.join(" ")), ts(created), ts(updated)
                    ));
                    for m in 0..messages {
                        let (kind, author_type, author) = if m % 2 == 0 { ("reply", "contact", q(requester)) } else { ("reply", "agent", q(&agents[0])) };
                        mb.hold(format!(
                            "({}, {}, {}, {}, {}, {author}, {}, {}, {})",
                            q(&tid), q(&new_id()), q(&id), q(kind), q(author_type), q(channel), q(&format!("Message {m} about {subject}. Order {num}.")), ts(created + Duration::minutes(m as i64 * 30))
                        ));
                    }
                    for tag in tags {
                        gb.hold(format!("({}, {}, {})", q(&tid), q(&id), q(tag)));
                    }
                    report.messages += messages as u64;
                    if tb.rows.len() >= 500 {
                        tb.flush(c)?;
                        mb.flush(c)?;
                        gb.flush(c)?;
                    }
                }
                tb.flush(c)?;
                mb.flush(c)?;
                gb.flush(c)?;
                c.batch_execute(&format!("UPDATE ticket_counters SET last_number = {upto} WHERE tenant_id = {}", q(&tid)))?;
                Ok(())
            })?;
            number = upto;
            tracing::info!(tenant = %slug, tickets = number, "seeding");
        }
        report.tenants += 1;
        report.tickets += tickets;
    }
    Ok(report)
}

//! `meridian seed`: realistic volume for benchmarks and demos — tenants with agents, teams,
//! contacts and tickets in several languages, statuses, priorities and tags.

use chrono::{Duration, NaiveDateTime};
use diesel::connection::SimpleConnection;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use crate::db::{new_id, now, Db, DbConnection, DbTarget};
use crate::error::{AppError, AppResult};
use crate::tenancy::{self, NewTenant, TenantId};
use crate::tickets::commands::{Creation, NewTicket, Requester};
use crate::tickets::intake::{open_in_transaction, History, Unrouted};
use crate::types::{Actor, Channel, Priority, Status};

pub mod kb;

const LANGUAGES: [&str; 8] = ["en", "en", "pt-BR", "es", "de", "fr", "ja", "zh-CN"];
const STATUSES: [Status; 7] =
    [Status::New, Status::Open, Status::Open, Status::Pending, Status::OnHold, Status::Solved, Status::Closed];
const PRIORITIES: [Priority; 5] = [Priority::Low, Priority::Normal, Priority::Normal, Priority::High, Priority::Urgent];
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
    /// The seeded workspaces' slugs, in order.
    pub workspaces: Vec<String>,
    /// The password of every seeded owner ([`owner_email`]), shown once.
    pub owner_password: String,
}

/// The email of the owner of a seeded workspace.
pub fn owner_email(slug: &str) -> String {
    format!("agent0@{slug}.example")
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
    // One password for every seeded owner: one argon2 hash, however many tenants.
    let owner_password = crate::accounts::tokens::random_secret(15);
    let owner_hash = crate::accounts::passwords::hash_blocking(&owner_password)?;
    let mut report = SeedReport { owner_password, ..SeedReport::default() };
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
            let mut b = Batch::new(
                "INSERT INTO agents (tenant_id, id, email, name, role, password_hash, active, created_at, updated_at)",
            );
            for i in 0..12 {
                let id = new_id();
                let role = if i == 0 { "owner" } else { "agent" };
                // Only the owner can sign in; the others are there to be assigned and routed to.
                let hash = if i == 0 { q(&owner_hash) } else { "NULL".into() };
                b.push(
                    c,
                    format!(
                        "({}, {}, {}, {}, {}, {hash}, TRUE, {}, {})",
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
        let mut analyzed_at = 0u64;
        while number < tickets {
            let upto = (number + chunk).min(tickets);
            db.write_blocking(|c| {
                let mut creations = Vec::with_capacity((upto - number) as usize);
                for num in number + 1..=upto {
                    let (lang, subject) = SUBJECTS[rng.gen_range(0..SUBJECTS.len())];
                    let status = STATUSES[rng.gen_range(0..STATUSES.len())];
                    let priority = PRIORITIES[rng.gen_range(0..PRIORITIES.len())];
                    let channel = [Channel::Email, Channel::Email, Channel::Chat, Channel::Web, Channel::Api]
                        [rng.gen_range(0..5)];
                    let requester = contacts[rng.gen_range(0..contacts.len())].clone();
                    let assignee = rng.gen_bool(0.7).then(|| agents[rng.gen_range(0..agents.len())].clone());
                    let team = rng.gen_bool(0.8).then(|| teams[rng.gen_range(0..teams.len())].clone());
                    // Spread over the past year, in order of number; never in the future.
                    let created = base + Duration::seconds((num as i64 * 31_536_000) / tickets.max(1) as i64);
                    let updated = (created + Duration::minutes(rng.gen_range(1..10_000))).min(now());
                    let tags =
                        (0..rng.gen_range(0..3)).map(|_| TAGS[rng.gen_range(0..TAGS.len())].to_string()).collect();
                    let new = NewTicket {
                        subject: format!("{subject} #{num}"),
                        body_text: format!("Message about {subject}. Order {num}."),
                        body_html: None,
                        requester: Requester::Contact(requester.clone().into()),
                        priority,
                        tags,
                        language: Some(lang.to_string()),
                        channel,
                        assignee_id: assignee.map(Into::into),
                        team_id: team.map(Into::into),
                    };
                    let mut creation = Creation::new(Actor::Contact(requester.into()), new);
                    creation.history = Some(History { status, created_at: created, updated_at: updated });
                    creations.push(creation);
                }
                // The intake's own door: numbering, requesters, tags, first messages, audit and
                // domain events exactly as for a ticket that arrived through a channel.
                // Groups of 500 keep each multi-row insert inside both backends' bind-parameter limits.
                let tenant_id = TenantId::from_trusted(tid.clone());
                let mut creations = creations.into_iter().peekable();
                while creations.peek().is_some() {
                    let group: Vec<Creation> = creations.by_ref().take(500).collect();
                    for r in open_in_transaction(c, &tenant_id, &Unrouted, group)? {
                        r?;
                    }
                }
                report.messages += upto - number;
                Ok(())
            })?;
            number = upto;
            tracing::info!(tenant = %slug, tickets = number, "seeding");
            // PostgreSQL plans the intake's statements from statistics; those of the empty
            // tables made one chunk of 20,000 tickets take 8 minutes instead of 10 s where
            // autovacuum is off (CI servers). Each doubling of the tickets refreshes them.
            if matches!(db.target(), DbTarget::Postgres(_)) && number >= 2 * analyzed_at.max(chunk / 2) {
                db.write_blocking(|c| c.batch_execute("ANALYZE").map_err(AppError::from))?;
                analyzed_at = number;
            }
        }
        report.tenants += 1;
        report.tickets += tickets;
        report.workspaces.push(slug);
    }
    Ok(report)
}

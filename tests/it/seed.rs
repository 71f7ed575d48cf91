//! `meridian seed` opens its tickets through the intake: gapless numbers, first messages, tags,
//! domain events, and a history that lies in the past.

use diesel::prelude::*;
use meridian::db::schema::{agents, domain_events, messages, ticket_events, tickets};

use crate::harness::TestApp;

async fn seeded_tickets_come_through_the_intake(app: TestApp) {
    let report = meridian::seed::seed(&app.state.db, "load", 2, 1_200, 7).expect("seed");
    assert_eq!((report.tenants, report.tickets), (2, 2_400), "tickets in all");
    let tenant = app.state.db.write_blocking(|c| meridian::tenancy::by_slug(c, "load-2")).unwrap();
    let tid = tenant.id.clone();
    let (numbers, statuses, latest, messages_n, created_events) = app
        .state
        .db
        .write_blocking(move |c| {
            let numbers: Vec<i64> = tickets::table
                .filter(tickets::tenant_id.eq(&tid))
                .select(tickets::number)
                .order(tickets::number)
                .load(c)?;
            let mut statuses: Vec<String> =
                tickets::table.filter(tickets::tenant_id.eq(&tid)).select(tickets::status).distinct().load(c)?;
            statuses.sort();
            let latest: chrono::NaiveDateTime = tickets::table
                .filter(tickets::tenant_id.eq(&tid))
                .select(diesel::dsl::max(tickets::updated_at))
                .first::<Option<chrono::NaiveDateTime>>(c)?
                .unwrap();
            let messages_n: i64 = messages::table.filter(messages::tenant_id.eq(&tid)).count().get_result(c)?;
            let created_events: i64 = domain_events::table
                .filter(domain_events::tenant_id.eq(&tid))
                .filter(domain_events::kind.eq("ticket.created"))
                .count()
                .get_result(c)?;
            let latest_message: Option<chrono::NaiveDateTime> = messages::table
                .filter(messages::tenant_id.eq(&tid))
                .select(diesel::dsl::max(messages::created_at))
                .first(c)?;
            let latest_event: Option<chrono::NaiveDateTime> = ticket_events::table
                .filter(ticket_events::tenant_id.eq(&tid))
                .select(diesel::dsl::max(ticket_events::created_at))
                .first(c)?;
            let earliest: Option<chrono::NaiveDateTime> = tickets::table
                .filter(tickets::tenant_id.eq(&tid))
                .select(diesel::dsl::min(tickets::created_at))
                .first(c)?;
            let latest_agent: Option<chrono::NaiveDateTime> = agents::table
                .filter(agents::tenant_id.eq(&tid))
                .select(diesel::dsl::max(agents::updated_at))
                .first(c)?;
            let now = meridian::db::now();
            for (what, t) in [("message", latest_message), ("event", latest_event), ("agent", latest_agent)] {
                assert!(t.unwrap() <= now, "no {what} timestamp in the future: {t:?}");
            }
            assert!(earliest.unwrap() < now - chrono::Duration::days(300), "spread over the past year: {earliest:?}");
            Ok((numbers, statuses, latest, messages_n, created_events))
        })
        .unwrap();
    assert_eq!(numbers, (1..=1_200).collect::<Vec<i64>>(), "gapless numbers from the tenant's counter");
    assert_eq!(statuses, ["closed", "new", "on_hold", "open", "pending", "solved"]);
    assert!(latest <= meridian::db::now(), "no timestamp in the future: {latest}");
    assert_eq!(messages_n, 1_200, "each ticket has its first message");
    assert_eq!(created_events, 1_200, "each ticket announced itself");
}
both!(seeded_tickets_come_through_the_intake);

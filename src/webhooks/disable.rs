//! Turning off subscriptions whose endpoint has failed for days. Each real attempt updates its
//! subscription's `failing_since` in the attempt's transaction (set by the first failure after a
//! success, cleared by a success), so the `webhooks.disable_failing` chore reads one column per
//! subscription instead of the delivery log. A subscription failing for longer than
//! `MERIDIAN_WEBHOOK_DISABLE_AFTER_HOURS` is disabled with its reason, and every active admin
//! and owner of its tenant gets a `webhook_disabled` mail (and, in the console, a banner).

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::Subscription;
use crate::accounts::agents;
use crate::db::schema::webhook_subscriptions;
use crate::db::{now, DbConnection};
use crate::email::outbound::{self, kind, NewOutbound};
use crate::error::AppResult;
use crate::tenancy::TenantId;

/// The default of `MERIDIAN_WEBHOOK_DISABLE_AFTER_HOURS`: five days.
pub const DEFAULT_AFTER_HOURS: f64 = 120.0;

/// How often the chore looks: a tenth of the threshold, between one second and ten minutes.
pub fn check_interval(after: std::time::Duration) -> std::time::Duration {
    (after / 10).clamp(std::time::Duration::from_secs(1), std::time::Duration::from_secs(600))
}

/// Note the outcome of an attempt that was sent, in its transaction.
pub fn record_outcome(
    conn: &mut DbConnection,
    tenant: &TenantId,
    id: &str,
    succeeded: bool,
    at: NaiveDateTime,
) -> AppResult<()> {
    let row = webhook_subscriptions::table.find((tenant.as_str(), id));
    if succeeded {
        diesel::update(row.filter(webhook_subscriptions::failing_since.is_not_null()))
            .set(webhook_subscriptions::failing_since.eq(None::<NaiveDateTime>))
            .execute(conn)?;
    } else {
        diesel::update(row.filter(webhook_subscriptions::failing_since.is_null()))
            .set(webhook_subscriptions::failing_since.eq(Some(at)))
            .execute(conn)?;
    }
    Ok(())
}

fn hours_text(after: std::time::Duration) -> String {
    let h = after.as_secs_f64() / 3600.0;
    if h >= 1.0 {
        format!("{h:.0} hours")
    } else {
        format!("{} seconds", after.as_secs_f64().round())
    }
}

/// Disable every enabled subscription failing for longer than `after`, and enqueue the notices
/// to its tenant's admins, in one transaction; returns the subscriptions disabled.
pub fn disable_failing(
    conn: &mut DbConnection,
    after: std::time::Duration,
    domain: &str,
) -> AppResult<Vec<Subscription>> {
    let cutoff = now() - chrono::Duration::from_std(after).unwrap_or(chrono::Duration::days(5));
    let due: Vec<Subscription> = webhook_subscriptions::table
        .filter(webhook_subscriptions::enabled.eq(true))
        .filter(webhook_subscriptions::failing_since.le(cutoff))
        .select(Subscription::as_select())
        .load(conn)?;
    for sub in &due {
        let tenant = TenantId::from_trusted(sub.tenant_id.clone());
        let since = sub.failing_since.map(|t| t.and_utc().to_rfc3339_opts(chrono::SecondsFormat::Secs, true));
        let reason = format!(
            "every delivery attempt failed for more than {} (since {})",
            hours_text(after),
            since.unwrap_or_default()
        );
        super::disable(conn, &tenant, &sub.id, &reason)?;
        tracing::warn!(tenant = %tenant, webhook = %sub.id, "webhook disabled after failing deliveries");
        let default_locale = crate::tenancy::get(conn, &tenant)?.default_locale;
        for admin in agents::list(conn, &tenant)?.into_iter().filter(|a| a.active && a.role().is_admin()) {
            let mail = NewOutbound {
                kind: kind::WEBHOOK_DISABLED,
                ticket_id: None,
                message_row_id: None,
                to: admin.email.clone(),
                cc: vec![],
                message_id: outbound::new_message_id(domain),
                in_reply_to: None,
                references: vec![],
                locale: admin.locale.clone().unwrap_or_else(|| default_locale.clone()),
            };
            outbound::enqueue_about_webhook(conn, &tenant, &mail, &sub.id)?;
        }
    }
    Ok(due)
}

/// Whether the server turned off one of the tenant's webhooks (its admins see a banner).
pub fn has_server_disabled(conn: &mut DbConnection, tenant: &TenantId) -> AppResult<bool> {
    use diesel::dsl::exists;
    Ok(diesel::select(exists(
        webhook_subscriptions::table
            .filter(webhook_subscriptions::tenant_id.eq(tenant.as_str()))
            .filter(webhook_subscriptions::enabled.eq(false))
            .filter(webhook_subscriptions::disabled_reason.is_not_null()),
    ))
    .get_result(conn)?)
}

//! Invitation and password-reset mails: a one-time link issued and its mail enqueued in one
//! transaction, so an agent is never left with a live link nobody was told about.

use super::{enqueue_with_link, kind, new_message_id, NewOutbound};
use crate::accounts::links::{self, Purpose};
use crate::db::DbConnection;
use crate::error::AppResult;
use crate::tenancy::TenantId;

/// Issue a link of `purpose` for the agent and enqueue the mail that carries it; returns the
/// link's URL (`<base>/password/<workspace>/<secret>`), which the admin is shown once.
pub fn send_agent_link(
    conn: &mut DbConnection,
    tenant: &TenantId,
    agent_id: &str,
    purpose: Purpose,
    by: Option<&str>,
    base_url: &str,
    domain: &str,
) -> AppResult<String> {
    let (_, secret) = links::issue(conn, tenant, agent_id, purpose, by)?;
    let t = crate::tenancy::get(conn, tenant)?;
    let agent = crate::accounts::agents::get(conn, tenant, &agent_id.into())?;
    let url = format!("{}/password/{}/{secret}", base_url.trim_end_matches('/'), t.slug);
    let mail = NewOutbound {
        kind: match purpose {
            Purpose::Invite => kind::AGENT_INVITE,
            Purpose::Reset => kind::PASSWORD_RESET,
        },
        ticket_id: None,
        message_row_id: None,
        to: agent.email.clone(),
        cc: vec![],
        message_id: new_message_id(domain),
        in_reply_to: None,
        references: vec![],
        locale: agent.locale.clone().unwrap_or(t.default_locale),
    };
    enqueue_with_link(conn, tenant, &mail, &url)?;
    Ok(url)
}

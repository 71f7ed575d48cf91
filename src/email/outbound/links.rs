//! Invitation, password-reset and portal sign-in mails: a one-time link issued and its mail
//! enqueued in one transaction, so nobody is left with a live link they were not told about.

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

/// Issue a portal sign-in link for `contact` and enqueue the mail that carries it to `to` (the
/// address typed in: the contact's, or one of a contact merged into it), in `locale`.
/// `url_for(secret)` is the link's address on the tenant's help center.
pub fn send_portal_link(
    conn: &mut DbConnection,
    tenant: &TenantId,
    contact: &crate::accounts::contacts::Contact,
    to: &str,
    locale: &str,
    domain: &str,
    url_for: impl Fn(&str) -> String,
) -> AppResult<()> {
    let to = to.to_string();
    let secret = crate::accounts::portal::issue_link(conn, tenant, contact.id.as_str())?;
    let mail = NewOutbound {
        kind: kind::PORTAL_LINK,
        ticket_id: None,
        message_row_id: None,
        to,
        cc: vec![],
        message_id: new_message_id(domain),
        in_reply_to: None,
        references: vec![],
        locale: locale.to_string(),
    };
    enqueue_with_link(conn, tenant, &mail, &url_for(&secret))?;
    Ok(())
}

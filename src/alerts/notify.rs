//! Telling affected customers: a tenant's rules say which new incidents concern whom. A rule
//! names labels an alert must carry (all of them) and a ticket tag; when an alert matching it
//! opens a new ticket, every customer ticket with that tag that is not solved or closed gets the
//! rule's message as a public reply (mailed like an API reply, in the name of the token that
//! posted the alert), and the alert ticket a system message saying how many were told.

use std::collections::BTreeMap;

use diesel::prelude::*;
use serde::{Deserialize, Serialize};

use super::parse::Alert;
use crate::db::schema::{ticket_tags, tickets};
use crate::db::DbConnection;
use crate::error::{AppError, AppResult};
use crate::tenancy::TenantId;
use crate::tickets::commands::{self, NewMessage};
use crate::tickets::{Actor, Channel, MessageKind, Status};

/// Most rules a tenant may have.
pub const MAX_RULES: usize = 20;
/// Most customer tickets one incident replies to.
pub const MAX_TOLD: i64 = 200;
/// Longest rule message, in characters.
pub const MAX_MESSAGE_CHARS: usize = 5000;

/// One rule: alerts carrying all of `labels` tell the open tickets tagged `tag`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NotifyRule {
    /// Label values the alert must have (all of them; at least one).
    pub labels: BTreeMap<String, String>,
    /// The tag of the customer tickets to tell.
    pub tag: String,
    /// The public reply they get ("We know about the checkout errors and are on it.").
    pub message: String,
}

impl NotifyRule {
    /// Whether `alert` carries every label of the rule.
    pub fn matches(&self, alert: &Alert) -> bool {
        self.labels.iter().all(|(k, v)| alert.labels.get(k) == Some(v))
    }
}

/// Check and normalise rules (the tag as tickets store tags).
pub fn validate(rules: Vec<NotifyRule>) -> AppResult<Vec<NotifyRule>> {
    if rules.len() > MAX_RULES {
        return Err(AppError::invalid("notify_rules", "error-alert-rule", format!("at most {MAX_RULES} rules")));
    }
    rules
        .into_iter()
        .enumerate()
        .map(|(i, mut r)| {
            let bad = |f: &str, d: &str| AppError::invalid(&format!("notify_rules[{i}].{f}"), "error-alert-rule", d);
            if r.labels.is_empty() || r.labels.len() > 20 {
                return Err(bad("labels", "name 1 to 20 labels"));
            }
            let tag = crate::tickets::normalize_tags(std::slice::from_ref(&r.tag))
                .map_err(|_| bad("tag", "not a valid tag"))?;
            r.tag = tag.into_iter().next().ok_or_else(|| bad("tag", "a tag is required"))?;
            let chars = r.message.trim().chars().count();
            if chars == 0 || chars > MAX_MESSAGE_CHARS || r.message.contains('\0') {
                return Err(bad("message", "a message of 1-5000 characters is required"));
            }
            Ok(r)
        })
        .collect()
}

/// Reply `rule.message` to the tenant's customer tickets tagged `rule.tag` that are not solved
/// or closed (alert tickets aside); how many were told.
pub fn tell(conn: &mut DbConnection, tenant: &TenantId, actor: &Actor, rule: &NotifyRule) -> AppResult<usize> {
    let ids: Vec<String> = ticket_tags::table
        .inner_join(
            tickets::table
                .on(tickets::tenant_id.eq(ticket_tags::tenant_id).and(tickets::id.eq(ticket_tags::ticket_id))),
        )
        .filter(ticket_tags::tenant_id.eq(tenant.as_str()))
        .filter(ticket_tags::tag.eq(&rule.tag))
        .filter(tickets::status.ne_all([Status::Solved.as_str(), Status::Closed.as_str()]))
        .filter(tickets::channel.ne(Channel::Alert.as_str()))
        .filter(tickets::merged_into_id.is_null())
        .select(tickets::id)
        .limit(MAX_TOLD)
        .load(conn)?;
    let msg = NewMessage {
        kind: MessageKind::Reply,
        channel: Channel::Alert,
        body_text: rule.message.trim().to_string(),
        body_html: None,
        attachments: vec![],
    };
    for id in &ids {
        commands::add_message(conn, tenant, actor, &id.as_str().into(), &msg)?;
    }
    Ok(ids.len())
}

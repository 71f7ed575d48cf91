//! Saved views: an agent's named inbox filters.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::Serialize;

use super::queries::Filter;
use crate::db::schema::saved_views;
use crate::db::{new_id, now, DbConnection};
use crate::error::{AppError, AppResult};
use crate::tenancy::TenantId;

/// A saved custom filter.
#[derive(Debug, Clone, Queryable, Selectable, Serialize)]
#[diesel(table_name = saved_views)]
pub struct SavedView {
    #[serde(skip)]
    pub tenant_id: String,
    pub id: String,
    pub agent_id: String,
    pub name: String,
    pub filters: String,
    #[serde(serialize_with = "crate::db::utc::serialize")]
    pub created_at: NaiveDateTime,
}

impl SavedView {
    /// The stored filter. One that no longer parses is an error: taken as "no filter" it would
    /// quietly show every ticket under the view's name.
    pub fn filter(&self) -> AppResult<Filter> {
        serde_json::from_str(&self.filters).map_err(|e| {
            tracing::warn!(view = %self.id, error = %e, "a saved view's filter does not parse");
            AppError::invalid("saved", "error-saved-view-corrupt", "this saved view's filter cannot be read")
        })
    }
}

/// Save a filter under a name for one agent.
pub fn save_view(
    conn: &mut DbConnection,
    tenant: &TenantId,
    agent_id: &str,
    name: &str,
    filter: &Filter,
) -> AppResult<SavedView> {
    let name = crate::accounts::validate_name("name", name)?;
    let v = SavedView {
        tenant_id: tenant.as_str().into(),
        id: new_id(),
        agent_id: agent_id.into(),
        name,
        filters: serde_json::to_string(filter)?,
        created_at: now(),
    };
    diesel::insert_into(saved_views::table)
        .values((
            saved_views::tenant_id.eq(&v.tenant_id),
            saved_views::id.eq(&v.id),
            saved_views::agent_id.eq(&v.agent_id),
            saved_views::name.eq(&v.name),
            saved_views::filters.eq(&v.filters),
            saved_views::created_at.eq(v.created_at),
        ))
        .execute(conn)?;
    Ok(v)
}

/// An agent's saved views.
pub fn saved_views(conn: &mut DbConnection, tenant: &TenantId, agent_id: &str) -> AppResult<Vec<SavedView>> {
    Ok(saved_views::table
        .filter(saved_views::tenant_id.eq(tenant.as_str()))
        .filter(saved_views::agent_id.eq(agent_id))
        .order(saved_views::name.asc())
        .select(SavedView::as_select())
        .load(conn)?)
}

/// Rename one of this agent's saved views.
pub fn rename_view(
    conn: &mut DbConnection,
    tenant: &TenantId,
    agent_id: &str,
    id: &str,
    name: &str,
) -> AppResult<SavedView> {
    let name = crate::accounts::validate_name("name", name)?;
    let n = diesel::update(saved_views::table.find((tenant.as_str(), id)).filter(saved_views::agent_id.eq(agent_id)))
        .set(saved_views::name.eq(&name))
        .execute(conn)?;
    if n == 0 {
        return Err(AppError::NotFound);
    }
    saved_view(conn, tenant, agent_id, id)
}

/// Delete one of this agent's saved views.
pub fn delete_view(conn: &mut DbConnection, tenant: &TenantId, agent_id: &str, id: &str) -> AppResult<()> {
    let n = diesel::delete(saved_views::table.find((tenant.as_str(), id)).filter(saved_views::agent_id.eq(agent_id)))
        .execute(conn)?;
    if n == 0 {
        return Err(AppError::NotFound);
    }
    Ok(())
}

/// One saved view of this agent.
pub fn saved_view(conn: &mut DbConnection, tenant: &TenantId, agent_id: &str, id: &str) -> AppResult<SavedView> {
    Ok(saved_views::table
        .find((tenant.as_str(), id))
        .filter(saved_views::agent_id.eq(agent_id))
        .select(SavedView::as_select())
        .first(conn)?)
}

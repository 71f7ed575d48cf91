//! Categories and sections: the help center's table of contents. Their names are per locale,
//! stored as one JSON list on the row.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::{Deserialize, Serialize};

use super::schema::{kb_articles, kb_categories, kb_sections};
use super::{check_line, parse_locale, MAX_DESCRIPTION_CHARS, MAX_TITLE_CHARS};
use crate::db::{new_id, now, DbConnection};
use crate::error::{AppError, AppResult};
use crate::tenancy::TenantId;

/// A category's or section's name in one locale.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct NameIn {
    pub locale: String,
    pub name: String,
    #[serde(default)]
    pub description: Option<String>,
}

/// Check and normalise a list of names: at least one, one per locale.
pub fn check_names(names: &[NameIn]) -> AppResult<Vec<NameIn>> {
    if names.is_empty() || names.len() > 100 {
        return Err(AppError::invalid("translations", "error-kb-translations", "1-100 translations are required"));
    }
    let mut out: Vec<NameIn> = Vec::with_capacity(names.len());
    for (i, n) in names.iter().enumerate() {
        let locale = parse_locale(&format!("translations[{i}].locale"), &n.locale)?;
        if out.iter().any(|o| o.locale == locale) {
            return Err(AppError::invalid(
                &format!("translations[{i}].locale"),
                "error-kb-duplicate-locale",
                format!("{locale} is given twice"),
            ));
        }
        let name = check_line(&format!("translations[{i}].name"), &n.name, MAX_TITLE_CHARS)?;
        let description = n.description.as_deref().map(str::trim).filter(|d| !d.is_empty()).map(str::to_string);
        if n.description.as_ref().is_some_and(|d| d.chars().count() > MAX_DESCRIPTION_CHARS) {
            return Err(AppError::invalid(
                &format!("translations[{i}].description"),
                "error-kb-description",
                format!("at most {MAX_DESCRIPTION_CHARS} characters"),
            ));
        }
        out.push(NameIn { locale, name, description });
    }
    Ok(out)
}

/// A category row.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = kb_categories)]
pub struct Category {
    pub tenant_id: String,
    pub id: String,
    pub position: i32,
    pub translations: String,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

/// A section row.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = kb_sections)]
pub struct Section {
    pub tenant_id: String,
    pub id: String,
    pub category_id: String,
    pub position: i32,
    pub translations: String,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

/// The names stored on a category or section row.
pub fn names_of(json: &str) -> Vec<NameIn> {
    serde_json::from_str(json).unwrap_or_default()
}

impl Category {
    /// Its names by locale.
    pub fn names(&self) -> Vec<NameIn> {
        names_of(&self.translations)
    }
}

impl Section {
    /// Its names by locale.
    pub fn names(&self) -> Vec<NameIn> {
        names_of(&self.translations)
    }
}

/// The name a reader of `chain` sees, with the locale it is in.
pub fn name_for(names: &[NameIn], chain: &[String]) -> Option<NameIn> {
    let locales: Vec<String> = names.iter().map(|n| n.locale.clone()).collect();
    let l = super::pick(chain, &locales)?;
    names.iter().find(|n| &n.locale == l).cloned()
}

/// Create a category.
pub fn create_category(
    conn: &mut DbConnection,
    tenant: &TenantId,
    position: Option<i32>,
    names: &[NameIn],
) -> AppResult<Category> {
    let names = check_names(names)?;
    let ts = now();
    let row = Category {
        tenant_id: tenant.as_str().to_string(),
        id: new_id(),
        position: position.unwrap_or(0),
        translations: serde_json::to_string(&names)?,
        created_at: ts,
        updated_at: ts,
    };
    diesel::insert_into(kb_categories::table)
        .values((
            kb_categories::tenant_id.eq(&row.tenant_id),
            kb_categories::id.eq(&row.id),
            kb_categories::position.eq(row.position),
            kb_categories::translations.eq(&row.translations),
            kb_categories::created_at.eq(ts),
            kb_categories::updated_at.eq(ts),
        ))
        .execute(conn)?;
    Ok(row)
}

/// A tenant's categories in order.
pub fn list_categories(conn: &mut DbConnection, tenant: &TenantId) -> AppResult<Vec<Category>> {
    Ok(kb_categories::table
        .filter(kb_categories::tenant_id.eq(tenant.as_str()))
        .order((kb_categories::position, kb_categories::created_at))
        .select(Category::as_select())
        .load(conn)?)
}

/// One category of the tenant.
pub fn get_category(conn: &mut DbConnection, tenant: &TenantId, id: &str) -> AppResult<Category> {
    Ok(kb_categories::table.find((tenant.as_str(), id)).select(Category::as_select()).first(conn)?)
}

/// Change a category's position or names (a given list replaces the stored one).
pub fn update_category(
    conn: &mut DbConnection,
    tenant: &TenantId,
    id: &str,
    position: Option<i32>,
    names: Option<&[NameIn]>,
) -> AppResult<Category> {
    let mut row = get_category(conn, tenant, id)?;
    if let Some(p) = position {
        row.position = p;
    }
    if let Some(n) = names {
        row.translations = serde_json::to_string(&check_names(n)?)?;
    }
    row.updated_at = now();
    diesel::update(kb_categories::table.find((tenant.as_str(), id)))
        .set((
            kb_categories::position.eq(row.position),
            kb_categories::translations.eq(&row.translations),
            kb_categories::updated_at.eq(row.updated_at),
        ))
        .execute(conn)?;
    Ok(row)
}

/// Delete an empty category (409 while it has sections).
pub fn delete_category(conn: &mut DbConnection, tenant: &TenantId, id: &str) -> AppResult<()> {
    get_category(conn, tenant, id)?;
    let sections: i64 = kb_sections::table
        .filter(kb_sections::tenant_id.eq(tenant.as_str()))
        .filter(kb_sections::category_id.eq(id))
        .count()
        .get_result(conn)?;
    if sections > 0 {
        return Err(AppError::Conflict("the category still has sections; move or delete them first".into()));
    }
    diesel::delete(kb_categories::table.find((tenant.as_str(), id))).execute(conn)?;
    Ok(())
}

/// Create a section in a category of the tenant.
pub fn create_section(
    conn: &mut DbConnection,
    tenant: &TenantId,
    category_id: &str,
    position: Option<i32>,
    names: &[NameIn],
) -> AppResult<Section> {
    let names = check_names(names)?;
    category_exists(conn, tenant, category_id)?;
    let ts = now();
    let row = Section {
        tenant_id: tenant.as_str().to_string(),
        id: new_id(),
        category_id: category_id.to_string(),
        position: position.unwrap_or(0),
        translations: serde_json::to_string(&names)?,
        created_at: ts,
        updated_at: ts,
    };
    diesel::insert_into(kb_sections::table)
        .values((
            kb_sections::tenant_id.eq(&row.tenant_id),
            kb_sections::id.eq(&row.id),
            kb_sections::category_id.eq(&row.category_id),
            kb_sections::position.eq(row.position),
            kb_sections::translations.eq(&row.translations),
            kb_sections::created_at.eq(ts),
            kb_sections::updated_at.eq(ts),
        ))
        .execute(conn)?;
    Ok(row)
}

fn category_exists(conn: &mut DbConnection, tenant: &TenantId, id: &str) -> AppResult<()> {
    get_category(conn, tenant, id).map(|_| ()).map_err(|e| match e {
        AppError::NotFound => AppError::invalid("category_id", "error-kb-unknown-category", "no such category"),
        other => other,
    })
}

/// A tenant's sections in order; only those of one category when given.
pub fn list_sections(conn: &mut DbConnection, tenant: &TenantId, category: Option<&str>) -> AppResult<Vec<Section>> {
    let mut q = kb_sections::table
        .filter(kb_sections::tenant_id.eq(tenant.as_str()))
        .order((kb_sections::position, kb_sections::created_at))
        .select(Section::as_select())
        .into_boxed();
    if let Some(c) = category {
        q = q.filter(kb_sections::category_id.eq(c.to_string()));
    }
    Ok(q.load(conn)?)
}

/// One section of the tenant.
pub fn get_section(conn: &mut DbConnection, tenant: &TenantId, id: &str) -> AppResult<Section> {
    Ok(kb_sections::table.find((tenant.as_str(), id)).select(Section::as_select()).first(conn)?)
}

/// Move a section, or change its position or names.
pub fn update_section(
    conn: &mut DbConnection,
    tenant: &TenantId,
    id: &str,
    category_id: Option<&str>,
    position: Option<i32>,
    names: Option<&[NameIn]>,
) -> AppResult<Section> {
    let mut row = get_section(conn, tenant, id)?;
    if let Some(c) = category_id {
        category_exists(conn, tenant, c)?;
        row.category_id = c.to_string();
    }
    if let Some(p) = position {
        row.position = p;
    }
    if let Some(n) = names {
        row.translations = serde_json::to_string(&check_names(n)?)?;
    }
    row.updated_at = now();
    diesel::update(kb_sections::table.find((tenant.as_str(), id)))
        .set((
            kb_sections::category_id.eq(&row.category_id),
            kb_sections::position.eq(row.position),
            kb_sections::translations.eq(&row.translations),
            kb_sections::updated_at.eq(row.updated_at),
        ))
        .execute(conn)?;
    Ok(row)
}

/// Delete an empty section (409 while articles are in it).
pub fn delete_section(conn: &mut DbConnection, tenant: &TenantId, id: &str) -> AppResult<()> {
    get_section(conn, tenant, id)?;
    let articles: i64 = kb_articles::table
        .filter(kb_articles::tenant_id.eq(tenant.as_str()))
        .filter(kb_articles::section_id.eq(id))
        .count()
        .get_result(conn)?;
    if articles > 0 {
        return Err(AppError::Conflict("the section still has articles; move or delete them first".into()));
    }
    diesel::delete(kb_sections::table.find((tenant.as_str(), id))).execute(conn)?;
    Ok(())
}

/// The new positions after moving `id` one place up or down among `ordered` (ids in their
/// order): `(id, position)` for each row whose position changes; `None` when `id` is not there.
fn moved(ordered: &[(String, i32)], id: &str, up: bool) -> Option<Vec<(String, i32)>> {
    let i = ordered.iter().position(|(x, _)| x == id)?;
    let mut ids: Vec<&String> = ordered.iter().map(|(x, _)| x).collect();
    let j = if up { i.checked_sub(1) } else { Some(i + 1).filter(|j| *j < ids.len()) };
    if let Some(j) = j {
        ids.swap(i, j);
    }
    // Positions are renumbered 0, 1, 2… so rows that shared a position get a distinct one.
    Some(
        ids.into_iter()
            .enumerate()
            .filter(|(p, x)| ordered.iter().find(|(o, _)| o == *x).is_some_and(|(_, old)| *old != *p as i32))
            .map(|(p, x)| (x.clone(), p as i32))
            .collect(),
    )
}

/// Move a category one place up or down in the table of contents.
pub fn move_category(conn: &mut DbConnection, tenant: &TenantId, id: &str, up: bool) -> AppResult<()> {
    let all: Vec<(String, i32)> = list_categories(conn, tenant)?.into_iter().map(|c| (c.id, c.position)).collect();
    let changes = moved(&all, id, up).ok_or(AppError::NotFound)?;
    for (x, p) in changes {
        diesel::update(kb_categories::table.find((tenant.as_str(), x.as_str())))
            .set((kb_categories::position.eq(p), kb_categories::updated_at.eq(now())))
            .execute(conn)?;
    }
    Ok(())
}

/// Move a section one place up or down within its category.
pub fn move_section(conn: &mut DbConnection, tenant: &TenantId, id: &str, up: bool) -> AppResult<()> {
    let section = get_section(conn, tenant, id)?;
    let all: Vec<(String, i32)> =
        list_sections(conn, tenant, Some(&section.category_id))?.into_iter().map(|s| (s.id, s.position)).collect();
    let changes = moved(&all, id, up).ok_or(AppError::NotFound)?;
    for (x, p) in changes {
        diesel::update(kb_sections::table.find((tenant.as_str(), x.as_str())))
            .set((kb_sections::position.eq(p), kb_sections::updated_at.eq(now())))
            .execute(conn)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::moved;

    #[test]
    fn moving_swaps_neighbours_and_renumbers() {
        let rows = vec![("a".to_string(), 0), ("b".to_string(), 0), ("c".to_string(), 5)];
        assert_eq!(moved(&rows, "c", true).unwrap(), vec![("c".to_string(), 1), ("b".to_string(), 2)]);
        assert_eq!(moved(&rows, "a", true).unwrap(), vec![("b".to_string(), 1), ("c".to_string(), 2)]);
        assert_eq!(moved(&rows, "a", false).unwrap(), vec![("a".to_string(), 1), ("c".to_string(), 2)]);
        assert!(moved(&rows, "z", false).is_none());
    }
}

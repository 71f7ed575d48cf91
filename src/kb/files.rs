//! Images and attachments of articles. Their bytes are in the attachment store, beside ticket
//! attachments ([`crate::tickets::attachments::Blobs`]); a row here is written in the same
//! transaction that takes the stored file out of `pending_uploads`. Deleting a file or its
//! article hands the key back to `pending_uploads`, already due, so the orphan sweep removes
//! the bytes: the store is never written to inside a database transaction.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::Serialize;

use super::schema::{kb_files, kb_translations};
use super::{articles, Status, Visibility};
use crate::db::schema::pending_uploads;
use crate::db::{now, DbConnection};
use crate::error::{AppError, AppResult};
use crate::tenancy::TenantId;
use crate::tickets::attachments::StoredBlob;

/// Most files one article may have.
pub const MAX_FILES_PER_ARTICLE: i64 = 50;

/// The only types served for display in a page; anything else (SVG and HTML included, which can
/// carry script) is served as a download.
pub const INLINE_TYPES: &[&str] = &["image/png", "image/jpeg", "image/gif", "image/webp"];

/// A file of an article.
#[derive(Debug, Clone, Queryable, Selectable, Serialize)]
#[diesel(table_name = kb_files)]
pub struct KbFile {
    #[serde(skip)]
    pub tenant_id: String,
    pub id: String,
    pub article_id: String,
    pub filename: String,
    pub content_type: String,
    pub size_bytes: i64,
    pub sha256: String,
    #[serde(skip)]
    pub storage_key: String,
    #[serde(serialize_with = "crate::db::utc::serialize")]
    pub created_at: NaiveDateTime,
}

impl KbFile {
    /// Whether pages show it as an image.
    pub fn is_image(&self) -> bool {
        INLINE_TYPES.contains(&self.content_type.as_str())
    }

    /// Its address on the help center of `slug` (which also answers on the tenant's own host).
    pub fn url(&self, slug: &str) -> String {
        format!("/h/{slug}/files/{}/{}", self.id, encode_segment(&self.filename))
    }

    /// Its address in the console, for the tenant's agents whatever the article's state.
    pub fn console_url(&self) -> String {
        format!("/kb/files/{}/{}", self.id, encode_segment(&self.filename))
    }

    /// The Markdown that shows it in an article: an image, or a link to the download.
    pub fn snippet(&self, slug: &str) -> String {
        let name: String = self
            .filename
            .chars()
            .flat_map(|c| match c {
                '[' | ']' | '\\' | '*' | '_' | '`' => vec!['\\', c],
                c => vec![c],
            })
            .collect();
        let bang = if self.is_image() { "!" } else { "" };
        format!("{bang}[{name}]({})", self.url(slug))
    }
}

/// Percent-encode one path segment: only unreserved characters stay, so a name with spaces,
/// parentheses or non-ASCII letters stays one segment and one Markdown link target.
fn encode_segment(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// An article's files, oldest first (the article must be the tenant's).
pub fn list(conn: &mut DbConnection, tenant: &TenantId, article_id: &str) -> AppResult<Vec<KbFile>> {
    articles::get(conn, tenant, article_id)?;
    Ok(kb_files::table
        .filter(kb_files::tenant_id.eq(tenant.as_str()))
        .filter(kb_files::article_id.eq(article_id))
        .order((kb_files::created_at.asc(), kb_files::id.asc()))
        .select(KbFile::as_select())
        .load(conn)?)
}

/// How many files an article has (the article must be the tenant's).
pub fn count(conn: &mut DbConnection, tenant: &TenantId, article_id: &str) -> AppResult<i64> {
    articles::get(conn, tenant, article_id)?;
    Ok(kb_files::table
        .filter(kb_files::tenant_id.eq(tenant.as_str()))
        .filter(kb_files::article_id.eq(article_id))
        .count()
        .get_result(conn)?)
}

/// The refusal of a file past [`MAX_FILES_PER_ARTICLE`].
pub fn too_many() -> AppError {
    AppError::invalid("file", "kb-files-error-count", format!("an article has at most {MAX_FILES_PER_ARTICLE} files"))
}

/// Record stored files as files of an article. Refused (and left pending, for the sweep) when
/// the article is not the tenant's or would pass [`MAX_FILES_PER_ARTICLE`].
pub fn record(
    conn: &mut DbConnection,
    tenant: &TenantId,
    article_id: &str,
    blobs: &[StoredBlob],
) -> AppResult<Vec<KbFile>> {
    if count(conn, tenant, article_id)? + blobs.len() as i64 > MAX_FILES_PER_ARTICLE {
        return Err(too_many());
    }
    let at = now();
    for b in blobs {
        diesel::insert_into(kb_files::table)
            .values((
                kb_files::tenant_id.eq(tenant.as_str()),
                kb_files::id.eq(&b.id),
                kb_files::article_id.eq(article_id),
                kb_files::filename.eq(&b.filename),
                kb_files::content_type.eq(&b.content_type),
                kb_files::size_bytes.eq(b.size_bytes),
                kb_files::sha256.eq(&b.sha256),
                kb_files::storage_key.eq(&b.storage_key),
                kb_files::created_at.eq(at),
            ))
            .execute(conn)?;
    }
    let ids: Vec<&str> = blobs.iter().map(|b| b.id.as_str()).collect();
    diesel::delete(
        pending_uploads::table
            .filter(pending_uploads::tenant_id.eq(tenant.as_str()))
            .filter(pending_uploads::id.eq_any(&ids)),
    )
    .execute(conn)?;
    let ids: Vec<String> = ids.into_iter().map(str::to_string).collect();
    Ok(kb_files::table
        .filter(kb_files::tenant_id.eq(tenant.as_str()))
        .filter(kb_files::id.eq_any(ids))
        .order((kb_files::created_at.asc(), kb_files::id.asc()))
        .select(KbFile::as_select())
        .load(conn)?)
}

/// One file of the tenant.
pub fn get(conn: &mut DbConnection, tenant: &TenantId, id: &str) -> AppResult<KbFile> {
    Ok(kb_files::table.find((tenant.as_str(), id)).select(KbFile::as_select()).first(conn)?)
}

/// One file, when its article is public and has a published translation (what the help center
/// serves); else not found.
pub fn get_public(conn: &mut DbConnection, tenant: &TenantId, id: &str) -> AppResult<KbFile> {
    let file = get(conn, tenant, id)?;
    let article = articles::get(conn, tenant, &file.article_id)?;
    if article.visibility() != Visibility::Public {
        return Err(AppError::NotFound);
    }
    let published: i64 = kb_translations::table
        .filter(kb_translations::tenant_id.eq(tenant.as_str()))
        .filter(kb_translations::article_id.eq(&file.article_id))
        .filter(kb_translations::status.eq(Status::Published.as_str()))
        .count()
        .get_result(conn)?;
    if published == 0 {
        return Err(AppError::NotFound);
    }
    Ok(file)
}

/// Delete one file of an article; its bytes go to the orphan sweep.
pub fn delete(conn: &mut DbConnection, tenant: &TenantId, article_id: &str, id: &str) -> AppResult<()> {
    let file = get(conn, tenant, id)?;
    if file.article_id != article_id {
        return Err(AppError::NotFound);
    }
    diesel::delete(kb_files::table.find((tenant.as_str(), id))).execute(conn)?;
    release(conn, tenant, &[file])
}

/// Delete every file of an article (inside the article's deletion); their bytes go to the
/// orphan sweep.
pub fn delete_all(conn: &mut DbConnection, tenant: &TenantId, article_id: &str) -> AppResult<()> {
    let files: Vec<KbFile> = kb_files::table
        .filter(kb_files::tenant_id.eq(tenant.as_str()))
        .filter(kb_files::article_id.eq(article_id))
        .select(KbFile::as_select())
        .load(conn)?;
    diesel::delete(
        kb_files::table.filter(kb_files::tenant_id.eq(tenant.as_str())).filter(kb_files::article_id.eq(article_id)),
    )
    .execute(conn)?;
    release(conn, tenant, &files)
}

/// Hand stored files to the orphan sweep, due at its next run.
fn release(conn: &mut DbConnection, tenant: &TenantId, files: &[KbFile]) -> AppResult<()> {
    let due = now() - chrono::Duration::seconds(1);
    for f in files {
        diesel::insert_into(pending_uploads::table)
            .values((
                pending_uploads::tenant_id.eq(tenant.as_str()),
                pending_uploads::id.eq(&f.id),
                pending_uploads::storage_key.eq(&f.storage_key),
                pending_uploads::sweep_after.eq(due),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// Whether a stored file (by its id) belongs to an article, for the orphan sweep.
pub fn is_recorded(conn: &mut DbConnection, tenant: &str, id: &str) -> AppResult<bool> {
    Ok(kb_files::table.find((tenant, id)).select(kb_files::id).first::<String>(conn).optional()?.is_some())
}

/// Article HTML as the console shows it: links to the help center's file addresses point at
/// the console's own, which also serve files of internal and draft articles to agents.
pub fn for_console(html: &str, slug: &str) -> String {
    html.replace(&format!("=\"/h/{slug}/files/"), "=\"/kb/files/")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(name: &str, ty: &str) -> KbFile {
        KbFile {
            tenant_id: "t".into(),
            id: "F1".into(),
            article_id: "A".into(),
            filename: name.into(),
            content_type: ty.into(),
            size_bytes: 1,
            sha256: String::new(),
            storage_key: String::new(),
            created_at: now(),
        }
    }

    #[test]
    fn snippets_are_one_markdown_target() {
        assert_eq!(file("a b(1).png", "image/png").snippet("acme"), "![a b(1).png](/h/acme/files/F1/a%20b%281%29.png)");
        assert_eq!(
            file("x_[y].svg", "image/svg+xml").snippet("acme"),
            "[x\\_\\[y\\].svg](/h/acme/files/F1/x_%5By%5D.svg)"
        );
        assert_eq!(for_console("<img src=\"/h/acme/files/F1/a.png\">", "acme"), "<img src=\"/kb/files/F1/a.png\">");
    }
}

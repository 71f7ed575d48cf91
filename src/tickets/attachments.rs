//! Attachments: bytes in an object store (a local folder by default), metadata rows beside
//! messages, downloads that never render from our origin. Files are stored before their
//! message's transaction; one whose transaction then fails is deleted by housekeeping an hour
//! later ([`sweep_orphans`]).

use std::sync::Arc;

use actix_web::web::Bytes;
use chrono::NaiveDateTime;
use diesel::prelude::*;
use object_store::path::Path as StorePath;
use object_store::{ObjectStore, ObjectStoreExt, PutPayload};
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::db::schema::{attachments, pending_uploads};
use crate::db::{new_id, now, DbConnection};
use crate::error::{AppError, AppResult};
use crate::tenancy::TenantId;

/// Files stored and not yet attached to a message (uploaded before the message's transaction).
#[derive(Debug, Clone)]
pub struct StoredBlob {
    pub id: String,
    pub filename: String,
    pub content_type: String,
    pub size_bytes: i64,
    pub sha256: String,
    pub storage_key: String,
}

/// An attachment row.
#[derive(Debug, Clone, Queryable, Selectable, Serialize)]
#[diesel(table_name = attachments)]
pub struct Attachment {
    #[serde(skip)]
    pub tenant_id: String,
    pub id: String,
    pub ticket_id: String,
    pub message_id: String,
    pub filename: String,
    pub content_type: String,
    pub size_bytes: i64,
    pub sha256: String,
    #[serde(skip)]
    pub storage_key: String,
    #[serde(serialize_with = "crate::db::utc::serialize")]
    pub created_at: NaiveDateTime,
}

/// Where attachment bytes live.
#[derive(Clone)]
pub struct Blobs {
    store: Arc<dyn ObjectStore>,
    db: crate::db::Db,
    /// Largest single file accepted.
    pub max_bytes: usize,
}

/// Keep only a file's last path component, without control characters or the invisible
/// formatting characters that reorder or hide text (`invoice\u{202E}gpj.exe` shows as `invoiceexe.jpg`);
/// never empty.
pub fn sanitize_filename(name: &str) -> String {
    let last = name.rsplit(['/', '\\']).next().unwrap_or("");
    let cleaned: String = last
        .chars()
        .filter(|c| !c.is_control() && !crate::types::is_invisible_format(*c))
        .collect::<String>()
        .trim()
        .trim_start_matches('.')
        .to_string();
    let cut: String = cleaned.chars().take(200).collect();
    if cut.is_empty() {
        "attachment".into()
    } else {
        cut
    }
}

/// A `Content-Disposition` that always downloads, with an ASCII fallback and the exact UTF-8 name.
pub fn content_disposition(filename: &str) -> String {
    let ascii: String = filename
        .chars()
        .map(|c| if c.is_ascii_graphic() && c != '"' && c != '\\' || c == ' ' { c } else { '_' })
        .collect();
    let encoded: String =
        url::form_urlencoded::byte_serialize(filename.as_bytes()).collect::<String>().replace('+', "%20");
    format!("attachment; filename=\"{ascii}\"; filename*=UTF-8''{encoded}")
}

/// What the bytes are, by their content; then by the name's extension.
pub fn sniff(bytes: &[u8], filename: &str) -> String {
    if let Some(kind) = infer::get(bytes) {
        return kind.mime_type().to_string();
    }
    // A prefix of a longer file may end inside a character: that still reads as text.
    let utf8 = match std::str::from_utf8(bytes) {
        Ok(_) => true,
        Err(e) => e.error_len().is_none(),
    };
    if utf8 && mime_guess::from_path(filename).first().is_none_or(|m| m.type_() == "text") {
        return "text/plain".into();
    }
    mime_guess::from_path(filename).first_or_octet_stream().to_string()
}

impl Blobs {
    /// A store in a local folder (created if missing).
    pub fn local(db: crate::db::Db, dir: &std::path::Path, max_bytes: usize) -> anyhow::Result<Self> {
        std::fs::create_dir_all(dir)?;
        let store = object_store::local::LocalFileSystem::new_with_prefix(dir)?;
        Ok(Blobs { store: Arc::new(store), db, max_bytes })
    }

    /// A store in an S3-compatible bucket. Credentials come from the config, else the standard
    /// `AWS_*` environment.
    pub fn s3(db: crate::db::Db, cfg: &crate::config::S3Config, max_bytes: usize) -> anyhow::Result<Self> {
        let mut b =
            object_store::aws::AmazonS3Builder::from_env().with_bucket_name(&cfg.bucket).with_region(&cfg.region);
        if let Some(endpoint) = &cfg.endpoint {
            b = b.with_endpoint(endpoint).with_allow_http(endpoint.starts_with("http://"));
        }
        if let Some(k) = &cfg.access_key_id {
            b = b.with_access_key_id(k);
        }
        if let Some(k) = &cfg.secret_access_key {
            b = b.with_secret_access_key(k);
        }
        let store = b.build().map_err(|e| anyhow::anyhow!("attachment bucket {:?}: {e}", cfg.bucket))?;
        Ok(Blobs { store: Arc::new(store), db, max_bytes })
    }

    /// Store one file for a tenant; refuses files over the limit.
    pub async fn put(&self, tenant: &TenantId, filename: &str, bytes: Bytes) -> AppResult<StoredBlob> {
        if bytes.len() > self.max_bytes {
            return Err(AppError::PayloadTooLarge);
        }
        if bytes.is_empty() {
            return Err(AppError::invalid("attachments", "error-attachment-empty", "the file is empty"));
        }
        let id = new_id();
        let filename = sanitize_filename(filename);
        let key = format!("{}/{}", tenant.as_str(), id);
        let blob = StoredBlob {
            content_type: sniff(&bytes, &filename),
            size_bytes: bytes.len() as i64,
            sha256: hex::encode(Sha256::digest(&bytes)),
            storage_key: key.clone(),
            filename,
            id,
        };
        // Recorded first, so that no stored file can go unaccounted for.
        self.record_pending(tenant, &blob.id, &key).await?;
        self.store
            .put(&StorePath::from(key), PutPayload::from(bytes))
            .await
            .map_err(|e| AppError::Internal(anyhow::anyhow!("attachment store: {e}")))?;
        Ok(blob)
    }

    /// Store a file as it arrives, in parts, refusing it past `limit` bytes (or the store's own
    /// limit): at most one part is held in memory, whatever the file's size. The type is sniffed
    /// from the first 8 KiB.
    pub async fn put_stream<S, E>(
        &self,
        tenant: &TenantId,
        filename: &str,
        mut parts: S,
        limit: usize,
    ) -> AppResult<StoredBlob>
    where
        S: futures_util::Stream<Item = Result<Bytes, E>> + Unpin,
        E: std::fmt::Display,
    {
        use futures_util::StreamExt;
        const HEAD: usize = 8192;
        let limit = limit.min(self.max_bytes);
        let id = new_id();
        let filename = sanitize_filename(filename);
        let key = format!("{}/{}", tenant.as_str(), id);
        self.record_pending(tenant, &id, &key).await?;
        let store_err = |e: object_store::Error| AppError::Internal(anyhow::anyhow!("attachment store: {e}"));
        let upload = self.store.put_multipart(&StorePath::from(key.clone())).await.map_err(store_err)?;
        let mut writer = object_store::WriteMultipart::new(upload);
        let (mut hasher, mut head, mut size) = (Sha256::new(), Vec::with_capacity(HEAD), 0usize);
        let read: AppResult<()> = async {
            while let Some(part) = parts.next().await {
                let part = part.map_err(|e| AppError::BadRequest(format!("cannot read the file: {e}")))?;
                size += part.len();
                if size > limit {
                    return Err(AppError::PayloadTooLarge);
                }
                hasher.update(&part);
                if head.len() < HEAD {
                    head.extend_from_slice(&part[..part.len().min(HEAD - head.len())]);
                }
                writer.wait_for_capacity(2).await.map_err(store_err)?;
                writer.put(part);
            }
            if size == 0 {
                return Err(AppError::invalid("attachments", "error-attachment-empty", "the file is empty"));
            }
            Ok(())
        }
        .await;
        if let Err(e) = read {
            // Its pending row stays behind, so housekeeping removes whatever the store kept.
            let _ = writer.abort().await;
            return Err(e);
        }
        writer.finish().await.map_err(store_err)?;
        Ok(StoredBlob {
            content_type: sniff(&head, &filename),
            size_bytes: size as i64,
            sha256: hex::encode(hasher.finalize()),
            storage_key: key,
            filename,
            id,
        })
    }

    /// Note a file about to be stored, so that none can go unaccounted for.
    async fn record_pending(&self, tenant: &TenantId, id: &str, key: &str) -> AppResult<()> {
        let (tid, id, storage_key) = (tenant.as_str().to_string(), id.to_string(), key.to_string());
        self.db
            .write(move |c| {
                diesel::insert_into(pending_uploads::table)
                    .values((
                        pending_uploads::tenant_id.eq(tid),
                        pending_uploads::id.eq(id),
                        pending_uploads::storage_key.eq(storage_key),
                        pending_uploads::sweep_after.eq(now() + chrono::Duration::minutes(ORPHAN_AFTER_MINUTES)),
                    ))
                    .execute(c)?;
                Ok(())
            })
            .await
    }

    /// Whether a stored file exists (for tests and checks).
    pub async fn exists(&self, key: &str) -> AppResult<bool> {
        match self.store.head(&StorePath::from(key)).await {
            Ok(_) => Ok(true),
            Err(object_store::Error::NotFound { .. }) => Ok(false),
            Err(e) => Err(AppError::Internal(anyhow::anyhow!("attachment store: {e}"))),
        }
    }

    /// The store keys of files uploaded for this tenant that no message or article has taken yet.
    async fn pending_keys(&self, tenant: &TenantId, ids: Vec<String>) -> AppResult<Vec<(String, String)>> {
        let tid = tenant.as_str().to_string();
        self.db
            .read(move |c| {
                Ok(pending_uploads::table
                    .filter(pending_uploads::tenant_id.eq(tid))
                    .filter(pending_uploads::id.eq_any(ids))
                    .select((pending_uploads::id, pending_uploads::storage_key))
                    .load(c)?)
            })
            .await
    }

    /// Files uploaded ahead of their message (images pasted into a draft), named by `(id, name)`,
    /// as the message will take them: read back to learn size, type and digest. Ids that are not
    /// this tenant's pending uploads are left out (already taken, swept, or not ours).
    pub async fn claim_pending(&self, tenant: &TenantId, refs: &[(String, String)]) -> AppResult<Vec<StoredBlob>> {
        if refs.is_empty() {
            return Ok(vec![]);
        }
        let keys = self.pending_keys(tenant, refs.iter().map(|r| r.0.clone()).collect()).await?;
        let mut out = Vec::new();
        for (id, name) in refs {
            let Some((_, key)) = keys.iter().find(|(i, _)| i == id) else { continue };
            let bytes = self.get(key).await?;
            let filename = sanitize_filename(name);
            out.push(StoredBlob {
                id: id.clone(),
                content_type: sniff(&bytes, &filename),
                size_bytes: bytes.len() as i64,
                sha256: hex::encode(Sha256::digest(&bytes)),
                storage_key: key.clone(),
                filename,
            });
        }
        Ok(out)
    }

    /// The bytes of an upload of this tenant that no message has taken yet, with their type.
    pub async fn pending(&self, tenant: &TenantId, id: &str) -> AppResult<(String, Bytes)> {
        let keys = self.pending_keys(tenant, vec![id.to_string()]).await?;
        let (_, key) = keys.into_iter().next().ok_or(AppError::NotFound)?;
        let bytes = self.get(&key).await?;
        Ok((sniff(&bytes, ""), bytes))
    }

    /// Read a stored file back.
    pub async fn get(&self, key: &str) -> AppResult<Bytes> {
        let r = self.store.get(&StorePath::from(key)).await.map_err(|e| match e {
            object_store::Error::NotFound { .. } => AppError::NotFound,
            other => AppError::Internal(anyhow::anyhow!("attachment store: {other}")),
        })?;
        r.bytes().await.map_err(|e| AppError::Internal(anyhow::anyhow!("attachment store: {e}")))
    }
}

/// Record stored files as attachments of a message (inside the message's transaction).
pub fn attach(
    conn: &mut DbConnection,
    tenant: &TenantId,
    ticket_id: &str,
    message_id: &str,
    blobs: &[StoredBlob],
) -> AppResult<()> {
    for b in blobs {
        diesel::insert_into(attachments::table)
            .values((
                attachments::tenant_id.eq(tenant.as_str()),
                attachments::id.eq(&b.id),
                attachments::ticket_id.eq(ticket_id),
                attachments::message_id.eq(message_id),
                attachments::filename.eq(&b.filename),
                attachments::content_type.eq(&b.content_type),
                attachments::size_bytes.eq(b.size_bytes),
                attachments::sha256.eq(&b.sha256),
                attachments::storage_key.eq(&b.storage_key),
                attachments::created_at.eq(now()),
            ))
            .execute(conn)?;
    }
    if !blobs.is_empty() {
        let ids: Vec<&str> = blobs.iter().map(|b| b.id.as_str()).collect();
        diesel::delete(
            pending_uploads::table
                .filter(pending_uploads::tenant_id.eq(tenant.as_str()))
                .filter(pending_uploads::id.eq_any(ids)),
        )
        .execute(conn)?;
    }
    Ok(())
}

/// How long a stored file may wait for its message before it counts as orphaned; far longer than
/// any request takes.
pub const ORPHAN_AFTER_MINUTES: i64 = 60;

/// How long an image pasted into a draft waits for the draft to be sent. The console keeps an
/// unsent draft in the browser with no end, so the image must outlive any working pause (a
/// weekend, a holiday) rather than the request that stored it.
pub const DRAFT_IMAGE_DAYS: i64 = 30;

/// Keep an uploaded image of this tenant for its draft ([`DRAFT_IMAGE_DAYS`]) rather than the
/// hour a file sent with a request gets.
pub fn keep_for_draft(conn: &mut DbConnection, tenant: &TenantId, id: &str) -> AppResult<()> {
    diesel::update(pending_uploads::table.find((tenant.as_str(), id)))
        .set(pending_uploads::sweep_after.eq(now() + chrono::Duration::days(DRAFT_IMAGE_DAYS)))
        .execute(conn)?;
    Ok(())
}

/// Delete stored files whose message, draft or article never took them (a failed transaction, an
/// idempotent replay that stored its files again, a draft abandoned) or whose article file was
/// deleted, once due, up to
/// `limit` of them; returns how many were deleted.
pub async fn sweep_orphans(blobs: &Blobs, limit: i64) -> AppResult<usize> {
    let cutoff = now();
    let stale: Vec<(String, String, String)> = blobs
        .db
        .read(move |c| {
            Ok(pending_uploads::table
                .filter(pending_uploads::sweep_after.lt(cutoff))
                .order(pending_uploads::sweep_after)
                .limit(limit)
                .select((pending_uploads::tenant_id, pending_uploads::id, pending_uploads::storage_key))
                .load(c)?)
        })
        .await?;
    let mut deleted = 0;
    for (tenant, id, key) in stale {
        let (t, i) = (tenant.clone(), id.clone());
        // A file is in use as a ticket attachment or as a knowledge-base article's file.
        let attached = blobs
            .db
            .read(move |c| {
                let ticket =
                    attachments::table.find((&t, &i)).select(attachments::id).first::<String>(c).optional()?.is_some();
                Ok(ticket || crate::kb::files::is_recorded(c, &t, &i)?)
            })
            .await?;
        if !attached {
            match blobs.store.delete(&StorePath::from(key.as_str())).await {
                Ok(()) | Err(object_store::Error::NotFound { .. }) => deleted += 1,
                Err(e) => {
                    // Kept, to be tried again at the next sweep.
                    tracing::warn!(error = %e, key, "cannot delete an orphaned attachment");
                    continue;
                }
            }
        }
        blobs.db.write(move |c| Ok(diesel::delete(pending_uploads::table.find((&tenant, &id))).execute(c)?)).await?;
    }
    Ok(deleted)
}

/// The attachments of one message, oldest first.
pub fn for_message(conn: &mut DbConnection, tenant: &TenantId, message_id: &str) -> AppResult<Vec<Attachment>> {
    Ok(attachments::table
        .filter(attachments::tenant_id.eq(tenant.as_str()))
        .filter(attachments::message_id.eq(message_id))
        .order((attachments::created_at, attachments::id))
        .select(Attachment::as_select())
        .load(conn)?)
}

/// One attachment of this tenant.
pub fn get(conn: &mut DbConnection, tenant: &TenantId, id: &str) -> AppResult<Attachment> {
    Ok(attachments::table.find((tenant.as_str(), id)).select(Attachment::as_select()).first(conn)?)
}

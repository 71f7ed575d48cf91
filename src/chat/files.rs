//! Files in a conversation: what a visitor may upload from the widget (no programs, a bounded
//! number per conversation), the files of the messages the widget shows, and which files a
//! visitor may download (those of their current conversation's public messages, never a note's).
//! The bytes go through the attachment store like every other channel's (`tickets::attachments`).

use std::collections::HashMap;

use diesel::prelude::*;

use super::visitors::Visitor;
use crate::db::schema::{attachments, messages, tickets};
use crate::db::DbConnection;
use crate::error::{AppError, AppResult};
use crate::tenancy::TenantId;
use crate::tickets::attachments::Attachment;
use crate::types::MessageKind;

/// Most files visitors may send into one conversation.
pub const MAX_FILES_PER_CONVERSATION: i64 = 20;
/// Uploads one visitor may make per minute (in each process).
pub const UPLOADS_PER_MINUTE: u32 = 10;
/// How much of a file is read before anything is stored, to tell what it is.
pub const SNIFF_BYTES: usize = 8192;

/// File name endings of programs and scripts a desk never takes from a visitor, whatever the
/// bytes say (a script is plain text to a sniffer).
const REFUSED_EXTENSIONS: &[&str] = &[
    "exe", "dll", "com", "scr", "msi", "msp", "bat", "cmd", "ps1", "psm1", "vbs", "vbe", "wsf", "wsh", "hta", "cpl",
    "jar", "apk", "app", "sh", "elf", "so", "dylib", "lnk", "reg",
];

/// A file as the widget shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChatFile {
    pub id: String,
    pub name: String,
    pub size: i64,
    pub content_type: String,
}

impl From<Attachment> for ChatFile {
    fn from(a: Attachment) -> Self {
        ChatFile { id: a.id, name: a.filename, size: a.size_bytes, content_type: a.content_type }
    }
}

/// Refuse what must not be uploaded: a program by its first bytes (`infer`'s application
/// types: PE, ELF, Mach-O, DEX, WebAssembly, …) or a program's or script's file name.
pub fn check_type(head: &[u8], filename: &str) -> AppResult<()> {
    let program = infer::get(head).is_some_and(|k| k.matcher_type() == infer::MatcherType::App);
    let ext = filename.rsplit_once('.').map(|(_, e)| e.to_ascii_lowercase()).unwrap_or_default();
    if program || REFUSED_EXTENSIONS.contains(&ext.as_str()) {
        return Err(AppError::UnsupportedMediaType(
            "programs and scripts cannot be sent; send an image, a PDF or a document".into(),
        ));
    }
    Ok(())
}

/// Refuse one more file when the conversation already holds as many from its visitors as allowed.
pub fn check_count(conn: &mut DbConnection, tenant: &TenantId, ticket_id: Option<&str>) -> AppResult<()> {
    let Some(ticket_id) = ticket_id else { return Ok(()) };
    let n: i64 = attachments::table
        .inner_join(
            messages::table
                .on(messages::tenant_id.eq(attachments::tenant_id).and(messages::id.eq(attachments::message_id))),
        )
        .filter(attachments::tenant_id.eq(tenant.as_str()))
        .filter(attachments::ticket_id.eq(ticket_id))
        .filter(messages::author_type.eq("contact"))
        .count()
        .get_result(conn)?;
    if n >= MAX_FILES_PER_CONVERSATION {
        return Err(AppError::invalid(
            "file",
            "error-chat-files-count",
            format!("a conversation holds at most {MAX_FILES_PER_CONVERSATION} files from the visitor"),
        ));
    }
    Ok(())
}

/// The files of these messages, by message id, oldest first.
pub fn of_messages(
    conn: &mut DbConnection,
    tenant: &TenantId,
    message_ids: &[String],
) -> AppResult<HashMap<String, Vec<ChatFile>>> {
    let mut out: HashMap<String, Vec<ChatFile>> = HashMap::new();
    if message_ids.is_empty() {
        return Ok(out);
    }
    let rows: Vec<Attachment> = attachments::table
        .filter(attachments::tenant_id.eq(tenant.as_str()))
        .filter(attachments::message_id.eq_any(message_ids))
        .order((attachments::created_at.asc(), attachments::id.asc()))
        .select(Attachment::as_select())
        .load(conn)?;
    for a in rows {
        out.entry(a.message_id.clone()).or_default().push(a.into());
    }
    Ok(out)
}

/// A ticket followed through its merges (read only); `None` when it does not exist.
pub fn followed(conn: &mut DbConnection, tenant: &TenantId, ticket_id: &str) -> AppResult<Option<String>> {
    let mut id = ticket_id.to_string();
    // A merge chain is short; the bound only guards against a cycle in bad data.
    for _ in 0..8 {
        let merged: Option<Option<String>> =
            tickets::table.find((tenant.as_str(), &id)).select(tickets::merged_into_id).first(conn).optional()?;
        match merged {
            Some(Some(target)) => id = target,
            Some(None) => return Ok(Some(id)),
            None => return Ok(None),
        }
    }
    Ok(Some(id))
}

/// One file the visitor may download: on a public message of their current conversation. Any
/// other (another visitor's, a note's, another tenant's) is not found.
pub fn for_visitor(conn: &mut DbConnection, tenant: &TenantId, v: &Visitor, id: &str) -> AppResult<Attachment> {
    let Some(current) = v.ticket_id.as_deref() else { return Err(AppError::NotFound) };
    let Some(current) = followed(conn, tenant, current)? else { return Err(AppError::NotFound) };
    let a = attachments::table
        .find((tenant.as_str(), id))
        .filter(attachments::ticket_id.eq(&current))
        .select(Attachment::as_select())
        .first(conn)
        .optional()?
        .ok_or(AppError::NotFound)?;
    let kind: MessageKind =
        messages::table.find((tenant.as_str(), &a.message_id)).select(messages::kind).first(conn)?;
    if kind == MessageKind::Note {
        return Err(AppError::NotFound);
    }
    Ok(a)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn programs_are_refused_by_their_bytes_and_names() {
        let exe = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00";
        assert!(check_type(exe, "cute-cat.png").is_err(), "a PE file renamed .png");
        let mut elf = b"\x7fELF\x02\x01\x01\x00".to_vec();
        elf.resize(64, 0);
        assert!(check_type(&elf, "report.pdf").is_err(), "a Linux program named .pdf");
        assert!(check_type(b"echo hi", "setup.BAT").is_err());
        assert!(check_type(b"\x89PNG\r\n\x1a\n", "cat.png").is_ok());
        assert!(check_type(b"%PDF-1.7\n", "invoice.pdf").is_ok());
        assert!(check_type(b"hello", "notes").is_ok());
    }
}

//! Diesel tables of the customer portal (migration `portal`), kept beside the code that uses them.

diesel::table! {
    portal_links (tenant_id, id) {
        tenant_id -> Text,
        id -> Text,
        contact_id -> Text,
        token_hash -> Text,
        created_at -> Timestamp,
        expires_at -> Timestamp,
        used_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    portal_sessions (tenant_id, id) {
        tenant_id -> Text,
        id -> Text,
        contact_id -> Text,
        token_hash -> Text,
        csrf_token -> Text,
        created_at -> Timestamp,
        expires_at -> Timestamp,
        revoked_at -> Nullable<Timestamp>,
    }
}

//! Diesel tables of the knowledge base (migrations `kb`, `kb_deflections`, `kb_editing`,
//! `kb_feedback` and `kb_files`), kept beside the code that uses them.

diesel::table! {
    kb_categories (tenant_id, id) {
        tenant_id -> Text,
        id -> Text,
        position -> Integer,
        translations -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    kb_sections (tenant_id, id) {
        tenant_id -> Text,
        id -> Text,
        category_id -> Text,
        position -> Integer,
        translations -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    kb_articles (tenant_id, id) {
        tenant_id -> Text,
        id -> Text,
        section_id -> Nullable<Text>,
        visibility -> Text,
        position -> Integer,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        source_locale -> Nullable<Text>,
    }
}

diesel::table! {
    kb_translations (tenant_id, article_id, locale) {
        tenant_id -> Text,
        article_id -> Text,
        locale -> Text,
        title -> Text,
        body_markdown -> Text,
        body_html -> Text,
        keywords -> Text,
        status -> Text,
        author_type -> Text,
        author_id -> Nullable<Text>,
        version -> Integer,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        outdated -> Bool,
        publish_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    kb_translation_versions (tenant_id, article_id, locale, version) {
        tenant_id -> Text,
        article_id -> Text,
        locale -> Text,
        version -> Integer,
        title -> Text,
        body_markdown -> Text,
        keywords -> Text,
        status -> Text,
        author_type -> Text,
        author_id -> Nullable<Text>,
        created_at -> Timestamp,
    }
}

diesel::allow_tables_to_appear_in_same_query!(kb_categories, kb_sections, kb_articles, kb_translations);

diesel::table! {
    kb_deflections (tenant_id, article_id, visitor_id) {
        tenant_id -> Text,
        article_id -> Text,
        visitor_id -> Text,
        locale -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    kb_votes (tenant_id, article_id, locale, reader_id) {
        tenant_id -> Text,
        article_id -> Text,
        locale -> Text,
        reader_id -> Text,
        helpful -> Bool,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    kb_article_stats (tenant_id, article_id, locale) {
        tenant_id -> Text,
        article_id -> Text,
        locale -> Text,
        views -> BigInt,
        suggestions_shown -> BigInt,
        updated_at -> Timestamp,
        widget_suggestions_shown -> BigInt,
    }
}

diesel::table! {
    kb_form_clicks (tenant_id, form_session, article_id) {
        tenant_id -> Text,
        form_session -> Text,
        article_id -> Text,
        locale -> Text,
        submitted -> Bool,
        created_at -> Timestamp,
    }
}

diesel::table! {
    kb_files (tenant_id, id) {
        tenant_id -> Text,
        id -> Text,
        article_id -> Text,
        filename -> Text,
        content_type -> Text,
        size_bytes -> BigInt,
        sha256 -> Text,
        storage_key -> Text,
        created_at -> Timestamp,
    }
}

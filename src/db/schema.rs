//! Diesel table definitions; kept by hand in step with migrations/{sqlite,postgres}.

diesel::table! {
    tenants (id) {
        id -> Text,
        slug -> Text,
        name -> Text,
        default_locale -> Text,
        time_zone -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    agents (tenant_id, id) {
        tenant_id -> Text,
        id -> Text,
        email -> Text,
        name -> Text,
        role -> Text,
        locale -> Nullable<Text>,
        time_zone -> Nullable<Text>,
        password_hash -> Nullable<Text>,
        active -> Bool,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    agent_languages (tenant_id, agent_id, language) {
        tenant_id -> Text,
        agent_id -> Text,
        language -> Text,
        proficiency -> Text,
    }
}

diesel::table! {
    contacts (tenant_id, id) {
        tenant_id -> Text,
        id -> Text,
        email -> Nullable<Text>,
        name -> Text,
        locale -> Nullable<Text>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    sessions (tenant_id, id) {
        tenant_id -> Text,
        id -> Text,
        agent_id -> Text,
        csrf_token -> Text,
        ip -> Nullable<Text>,
        user_agent -> Nullable<Text>,
        created_at -> Timestamp,
        last_seen_at -> Timestamp,
        expires_at -> Timestamp,
        revoked_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    api_tokens (tenant_id, id) {
        tenant_id -> Text,
        id -> Text,
        name -> Text,
        token_hash -> Text,
        token_prefix -> Text,
        created_by -> Nullable<Text>,
        created_at -> Timestamp,
        last_used_at -> Nullable<Timestamp>,
        revoked_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    signin_failures (id) {
        id -> BigInt,
        throttle_key -> Text,
        failed_at -> Timestamp,
    }
}

diesel::table! {
    jobs (id) {
        id -> Text,
        tenant_id -> Nullable<Text>,
        kind -> Text,
        payload -> Text,
        state -> Text,
        attempts -> Integer,
        max_attempts -> Integer,
        run_at -> Timestamp,
        locked_at -> Nullable<Timestamp>,
        locked_by -> Nullable<Text>,
        last_error -> Nullable<Text>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    server_secrets (name) {
        name -> Text,
        value -> Text,
        created_at -> Timestamp,
    }
}

diesel::joinable!(agents -> tenants (tenant_id));
diesel::joinable!(contacts -> tenants (tenant_id));
diesel::joinable!(api_tokens -> tenants (tenant_id));

diesel::allow_tables_to_appear_in_same_query!(
    tenants,
    agents,
    agent_languages,
    contacts,
    sessions,
    api_tokens,
    signin_failures,
    jobs,
    server_secrets,
);

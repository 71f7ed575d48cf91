//! Diesel table definitions; kept by hand in step with migrations/{sqlite,postgres}.

diesel::table! {
    tenants (id) {
        id -> Text,
        slug -> Text,
        name -> Text,
        default_locale -> Text,
        time_zone -> Text,
        created_at -> Timestamp,
        routing_fallback -> Text,
        routing_rules -> Text,
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
        presence -> Text,
        skills -> Text,
        max_load -> Integer,
        schedule -> Nullable<Text>,
        time_off -> Text,
        last_routed_at -> Nullable<Timestamp>,
        streams_seen_at -> Nullable<Timestamp>,
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
        vip -> Bool,
        merged_into_id -> Nullable<Text>,
        notes -> Nullable<Text>,
        email_domain -> Nullable<Text>,
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
        lane -> Nullable<Text>,
    }
}

diesel::table! {
    server_secrets (name) {
        name -> Text,
        value -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    teams (tenant_id, id) {
        tenant_id -> Text,
        id -> Text,
        name -> Text,
        created_at -> Timestamp,
        schedule -> Nullable<Text>,
    }
}

diesel::table! {
    team_members (tenant_id, team_id, agent_id) {
        tenant_id -> Text,
        team_id -> Text,
        agent_id -> Text,
    }
}

diesel::table! {
    ticket_counters (tenant_id) {
        tenant_id -> Text,
        last_number -> BigInt,
    }
}

diesel::table! {
    tickets (tenant_id, id) {
        tenant_id -> Text,
        id -> Text,
        number -> BigInt,
        subject -> Text,
        status -> Text,
        is_open -> Bool,
        priority -> Text,
        priority_rank -> Integer,
        channel -> Text,
        requester_id -> Text,
        assignee_id -> Nullable<Text>,
        team_id -> Nullable<Text>,
        language -> Nullable<Text>,
        tags -> Text,
        previous_ticket_id -> Nullable<Text>,
        merged_into_id -> Nullable<Text>,
        version -> Integer,
        message_count -> Integer,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        first_agent_reply_at -> Nullable<Timestamp>,
        solved_at -> Nullable<Timestamp>,
        routing_queued_at -> Nullable<Timestamp>,
        csat_score -> Nullable<Integer>,
        csat_comment -> Nullable<Text>,
        csat_rated_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    ticket_tags (tenant_id, ticket_id, tag) {
        tenant_id -> Text,
        ticket_id -> Text,
        tag -> Text,
    }
}

diesel::table! {
    messages (tenant_id, id) {
        tenant_id -> Text,
        id -> Text,
        ticket_id -> Text,
        kind -> Text,
        author_type -> Text,
        author_id -> Nullable<Text>,
        channel -> Text,
        body_text -> Text,
        body_html -> Nullable<Text>,
        created_at -> Timestamp,
        system_key -> Nullable<Text>,
        system_args -> Nullable<Text>,
        body_text_full -> Nullable<Text>,
        cc -> Nullable<Text>,
    }
}

diesel::table! {
    pending_uploads (tenant_id, id) {
        tenant_id -> Text,
        id -> Text,
        storage_key -> Text,
        sweep_after -> Timestamp,
    }
}

diesel::table! {
    attachments (tenant_id, id) {
        tenant_id -> Text,
        id -> Text,
        ticket_id -> Text,
        message_id -> Text,
        filename -> Text,
        content_type -> Text,
        size_bytes -> BigInt,
        sha256 -> Text,
        storage_key -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    ticket_events (tenant_id, id) {
        tenant_id -> Text,
        id -> Text,
        ticket_id -> Text,
        actor_type -> Text,
        actor_id -> Nullable<Text>,
        action -> Text,
        field -> Nullable<Text>,
        before_value -> Nullable<Text>,
        after_value -> Nullable<Text>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    saved_views (tenant_id, id) {
        tenant_id -> Text,
        id -> Text,
        agent_id -> Text,
        name -> Text,
        filters -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    idempotency_keys (tenant_id, token_id, idem_key) {
        tenant_id -> Text,
        token_id -> Text,
        idem_key -> Text,
        request_hash -> Text,
        status -> Integer,
        response -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    inbound_email_chunks (tenant_id, inbound_id, seq) {
        tenant_id -> Text,
        inbound_id -> Text,
        seq -> Integer,
        bytes -> Binary,
    }
}

diesel::table! {
    inbound_emails (tenant_id, id) {
        tenant_id -> Text,
        id -> Text,
        received_at -> Timestamp,
        source -> Text,
        envelope_from -> Nullable<Text>,
        recipient -> Text,
        reply_token -> Nullable<Text>,
        size_bytes -> BigInt,
        sha256 -> Text,
        raw -> Binary,
        state -> Text,
        message_id_header -> Nullable<Text>,
        auto_reply -> Bool,
        ticket_id -> Nullable<Text>,
        message_row_id -> Nullable<Text>,
        error -> Nullable<Text>,
        filed_at -> Nullable<Timestamp>,
        header_addresses -> Nullable<Text>,
    }
}

diesel::table! {
    email_message_ids (tenant_id, message_key) {
        tenant_id -> Text,
        message_key -> Text,
        ticket_id -> Text,
        message_id -> Nullable<Text>,
        inbound_id -> Nullable<Text>,
        direction -> Text,
        auto_reply -> Bool,
        created_at -> Timestamp,
    }
}

diesel::table! {
    email_reply_tokens (tenant_id, token) {
        tenant_id -> Text,
        token -> Text,
        ticket_id -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    email_participants (tenant_id, ticket_id, email) {
        tenant_id -> Text,
        ticket_id -> Text,
        email -> Text,
    }
}

diesel::table! {
    tenant_inbound_secrets (tenant_id) {
        tenant_id -> Text,
        secret -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    outbound_emails (tenant_id, id) {
        tenant_id -> Text,
        id -> Text,
        kind -> Text,
        ticket_id -> Nullable<Text>,
        message_row_id -> Nullable<Text>,
        to_address -> Text,
        cc -> Text,
        message_id_header -> Text,
        in_reply_to -> Nullable<Text>,
        references_header -> Text,
        locale -> Text,
        state -> Text,
        attempts -> Integer,
        error -> Nullable<Text>,
        created_at -> Timestamp,
        sent_at -> Nullable<Timestamp>,
        arrived_at -> Nullable<Timestamp>,
        webhook_subscription_id -> Nullable<Text>,
        agent_link -> Nullable<Text>,
    }
}

diesel::table! {
    tenant_email_settings (tenant_id) {
        tenant_id -> Text,
        support_address -> Nullable<Text>,
        display_name -> Nullable<Text>,
        signature -> Nullable<Text>,
        dkim_selector -> Nullable<Text>,
        dkim_private_key -> Nullable<Text>,
        updated_at -> Timestamp,
    }
}

diesel::joinable!(agents -> tenants (tenant_id));
diesel::joinable!(contacts -> tenants (tenant_id));
diesel::joinable!(api_tokens -> tenants (tenant_id));

diesel::table! {
    routing_handoffs (tenant_id, agent_id, shift_end) {
        tenant_id -> Text,
        agent_id -> Text,
        shift_end -> Timestamp,
        tickets -> Integer,
        created_at -> Timestamp,
    }
}

diesel::allow_tables_to_appear_in_same_query!(
    tenants,
    routing_handoffs,
    agents,
    agent_languages,
    contacts,
    sessions,
    api_tokens,
    signin_failures,
    jobs,
    server_secrets,
    teams,
    team_members,
    ticket_counters,
    tickets,
    ticket_tags,
    messages,
    attachments,
    pending_uploads,
    ticket_events,
    saved_views,
    idempotency_keys,
    inbound_emails,
    email_message_ids,
    email_reply_tokens,
    email_participants,
    tenant_inbound_secrets,
);

diesel::table! {
    domain_events (seq) {
        seq -> BigInt,
        txid -> BigInt,
        tenant_id -> Text,
        id -> Text,
        kind -> Text,
        ticket_id -> Nullable<Text>,
        payload -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    event_consumers (name) {
        name -> Text,
        last_txid -> BigInt,
        last_seq -> BigInt,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    webhook_subscriptions (tenant_id, id) {
        tenant_id -> Text,
        id -> Text,
        url -> Text,
        description -> Text,
        event_types -> Text,
        enabled -> Bool,
        disabled_reason -> Nullable<Text>,
        secret -> Text,
        previous_secret -> Nullable<Text>,
        previous_expires_at -> Nullable<Timestamp>,
        next_seq -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        failing_since -> Nullable<Timestamp>,
    }
}

diesel::table! {
    webhook_deliveries (tenant_id, id) {
        tenant_id -> Text,
        id -> Text,
        subscription_id -> Text,
        webhook_id -> Text,
        event_type -> Text,
        seq -> BigInt,
        payload -> Text,
        state -> Text,
        attempts -> Integer,
        next_attempt_at -> Nullable<Timestamp>,
        last_status -> Nullable<Integer>,
        last_error -> Nullable<Text>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        payload_id -> Nullable<Text>,
    }
}

diesel::table! {
    webhook_payloads (tenant_id, id) {
        tenant_id -> Text,
        id -> Text,
        event_type -> Text,
        occurred_at -> Timestamp,
        data -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    webhook_attempts (tenant_id, id) {
        tenant_id -> Text,
        id -> Text,
        delivery_id -> Text,
        attempt -> Integer,
        request_headers -> Text,
        request_body -> Text,
        response_status -> Nullable<Integer>,
        response_headers -> Nullable<Text>,
        response_body -> Nullable<Text>,
        error -> Nullable<Text>,
        duration_ms -> BigInt,
        created_at -> Timestamp,
    }
}

diesel::allow_tables_to_appear_in_same_query!(webhook_deliveries, webhook_attempts, webhook_payloads);

diesel::table! {
    chat_settings (tenant_id) {
        tenant_id -> Text,
        allowed_origins -> Text,
        identity_secret -> Nullable<Text>,
        updated_at -> Timestamp,
        prechat -> Text,
        appearance -> Text,
    }
}

diesel::table! {
    alert_posts (tenant_id, id) {
        tenant_id -> Text,
        id -> Text,
        received_at -> Timestamp,
        format -> Text,
        size_bytes -> BigInt,
        sha256 -> Text,
        raw -> Binary,
        state -> Text,
        alert_count -> Integer,
        error -> Nullable<Text>,
        processed_at -> Nullable<Timestamp>,
        token_id -> Nullable<Text>,
    }
}

diesel::table! {
    alert_tickets (tenant_id, fingerprint) {
        tenant_id -> Text,
        fingerprint -> Text,
        ticket_id -> Text,
        opened_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    chat_visitors (tenant_id, id) {
        tenant_id -> Text,
        id -> Text,
        token_hash -> Text,
        contact_id -> Nullable<Text>,
        external_id -> Nullable<Text>,
        name -> Nullable<Text>,
        email -> Nullable<Text>,
        locale -> Nullable<Text>,
        ticket_id -> Nullable<Text>,
        connected_until -> Nullable<Timestamp>,
        page_url -> Nullable<Text>,
        read_message_id -> Nullable<Text>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    chat_client_messages (tenant_id, visitor_id, client_id) {
        tenant_id -> Text,
        visitor_id -> Text,
        client_id -> Text,
        ticket_id -> Text,
        message_id -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    alert_settings (tenant_id) {
        tenant_id -> Text,
        solve_on_resolve -> Bool,
        notify_rules -> Text,
        updated_at -> Timestamp,
    }
}

diesel::allow_tables_to_appear_in_same_query!(alert_tickets, tickets);

diesel::table! {
    agent_links (tenant_id, id) {
        tenant_id -> Text,
        id -> Text,
        agent_id -> Text,
        purpose -> Text,
        token_hash -> Text,
        created_by -> Nullable<Text>,
        created_at -> Timestamp,
        expires_at -> Timestamp,
        used_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    bulk_actions (tenant_id, id) {
        tenant_id -> Text,
        id -> Text,
        agent_id -> Text,
        before_json -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    macros (tenant_id, id) {
        tenant_id -> Text,
        id -> Text,
        name -> Text,
        bodies -> Text,
        actions -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

//! Diesel's view of the tables in `migrations/`. Only this crate sees it.

diesel::table! {
    users (id) {
        id -> BigInt,
        username -> Text,
        display_name -> Text,
        password_hash -> Text,
        created_at -> Timestamptz,
        is_bot -> Bool,
        bot_owner_id -> Nullable<BigInt>,
        deleted_at -> Nullable<Timestamptz>,
        direct_chats -> Text,
        server_role -> Nullable<Text>,
        suspended_at -> Nullable<Timestamptz>,
        suspended_until -> Nullable<Timestamptz>,
        suspension_reason -> Nullable<Text>,
    }
}

diesel::table! {
    message_deletions (message_id) {
        message_id -> BigInt,
        deleted_by -> BigInt,
        reason -> Nullable<Text>,
    }
}

diesel::table! {
    reports (id) {
        id -> BigInt,
        reporter_id -> BigInt,
        reported_user_id -> BigInt,
        chat_id -> Nullable<BigInt>,
        message_id -> Nullable<BigInt>,
        reason -> Text,
        evidence -> Nullable<Text>,
        created_at -> Timestamptz,
        resolved_at -> Nullable<Timestamptz>,
        resolved_by -> Nullable<BigInt>,
        resolution -> Nullable<Text>,
        resolution_note -> Nullable<Text>,
    }
}

diesel::table! {
    moderation_audit (id) {
        id -> BigInt,
        actor_id -> BigInt,
        action -> Text,
        chat_id -> Nullable<BigInt>,
        target_user_id -> Nullable<BigInt>,
        message_id -> Nullable<BigInt>,
        reason -> Nullable<Text>,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    chat_bans (chat_id, user_id) {
        chat_id -> BigInt,
        user_id -> BigInt,
        banned_by -> BigInt,
        reason -> Nullable<Text>,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    user_blocks (blocker_id, blocked_id) {
        blocker_id -> BigInt,
        blocked_id -> BigInt,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    auth_tokens (token_hash) {
        token_hash -> Bytea,
        user_id -> BigInt,
        created_at -> Timestamptz,
        expires_at -> Timestamptz,
        revoked_at -> Nullable<Timestamptz>,
        chat_scope -> Nullable<Array<BigInt>>,
    }
}

diesel::table! {
    chats (id) {
        id -> BigInt,
        kind -> Text,
        title -> Nullable<Text>,
        created_by -> BigInt,
        created_at -> Timestamptz,
        direct_key -> Nullable<Text>,
        slow_mode_secs -> Integer,
    }
}

diesel::table! {
    chat_members (chat_id, user_id) {
        chat_id -> BigInt,
        user_id -> BigInt,
        role -> Text,
        joined_at -> Timestamptz,
        last_read_message_id -> Nullable<BigInt>,
        last_delivered_message_id -> Nullable<BigInt>,
        notification_level -> Nullable<Text>,
        muted_until -> Nullable<Timestamptz>,
        may_post -> Bool,
        slow_until -> Nullable<Timestamptz>,
        slow_mode_secs -> Integer,
    }
}

diesel::table! {
    messages (id) {
        id -> BigInt,
        chat_id -> BigInt,
        author_id -> BigInt,
        kind -> Text,
        content -> Nullable<Text>,
        payload -> Nullable<Jsonb>,
        ts -> Timestamptz,
        reply_to_id -> Nullable<BigInt>,
        deleted_at -> Nullable<Timestamptz>,
        updated_at -> Nullable<Timestamptz>,
        thread_root_id -> Nullable<BigInt>,
    }
}

diesel::table! {
    reactions (message_id, user_id, emoji) {
        message_id -> BigInt,
        user_id -> BigInt,
        emoji -> Text,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    idempotency_keys (user_id, key) {
        user_id -> BigInt,
        key -> Text,
        request_hash -> Bytea,
        message_id -> Nullable<BigInt>,
        created_at -> Timestamptz,
        chat_id -> Nullable<BigInt>,
    }
}

diesel::table! {
    uploads (id) {
        id -> Uuid,
        uploader_id -> BigInt,
        state -> Text,
        name -> Text,
        content_type -> Nullable<Text>,
        size -> Nullable<BigInt>,
        sha256 -> Nullable<Bytea>,
        width -> Nullable<Integer>,
        height -> Nullable<Integer>,
        idempotency_key -> Nullable<Text>,
        message_id -> Nullable<BigInt>,
        position -> Nullable<SmallInt>,
        created_at -> Timestamptz,
    }
}

diesel::joinable!(auth_tokens -> users (user_id));
diesel::joinable!(chat_members -> chats (chat_id));
diesel::joinable!(chat_members -> users (user_id));
diesel::joinable!(messages -> chats (chat_id));
diesel::joinable!(reactions -> messages (message_id));

diesel::allow_tables_to_appear_in_same_query!(
    users,
    auth_tokens,
    chats,
    chat_members,
    messages,
    reactions,
    idempotency_keys,
);

diesel::table! {
    message_edits (id) {
        id -> BigInt,
        message_id -> BigInt,
        content -> Nullable<Text>,
        payload -> Nullable<Jsonb>,
        written_at -> Timestamptz,
        replaced_at -> Timestamptz,
    }
}

diesel::table! {
    events (id) {
        id -> BigInt,
        seq -> Nullable<BigInt>,
        chat_id -> BigInt,
        kind -> Text,
        data -> Jsonb,
        created_at -> Timestamptz,
        message_id -> Nullable<BigInt>,
        member_ids -> Array<BigInt>,
    }
}

diesel::allow_tables_to_appear_in_same_query!(messages, message_edits);

diesel::table! {
    threads (root_id) {
        root_id -> BigInt,
        reply_count -> Integer,
        last_reply_at -> Nullable<Timestamptz>,
        participant_ids -> Array<BigInt>,
    }
}

diesel::table! {
    event_head (singleton) {
        singleton -> Bool,
        seq -> BigInt,
        pruned_through -> BigInt,
        epoch -> BigInt,
    }
}

diesel::table! {
    shard_layout (singleton) {
        singleton -> Bool,
        logical_shards -> Integer,
        sharded_chat_ids_from -> BigInt,
        sharded_message_ids_from -> BigInt,
    }
}

diesel::table! {
    shard_map (shard) {
        shard -> SmallInt,
        cluster -> SmallInt,
    }
}

diesel::allow_tables_to_appear_in_same_query!(events, chat_members);

diesel::allow_tables_to_appear_in_same_query!(uploads, messages);
diesel::allow_tables_to_appear_in_same_query!(uploads, link_previews);
diesel::allow_tables_to_appear_in_same_query!(user_blocks, users);
diesel::allow_tables_to_appear_in_same_query!(reports, chat_members);

diesel::table! {
    link_previews (id) {
        id -> BigInt,
        url -> Text,
        found -> Bool,
        title -> Nullable<Text>,
        description -> Nullable<Text>,
        site_name -> Nullable<Text>,
        image_upload_id -> Nullable<Uuid>,
        fetched_at -> Timestamptz,
    }
}

diesel::table! {
    message_link_previews (message_id) {
        message_id -> BigInt,
        preview_id -> BigInt,
    }
}

diesel::table! {
    link_preview_jobs (message_id) {
        message_id -> BigInt,
        url -> Nullable<Text>,
        attempts -> Integer,
        not_before -> Timestamptz,
        claimed_until -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    log_consumers (name) {
        name -> Text,
        position -> BigInt,
    }
}

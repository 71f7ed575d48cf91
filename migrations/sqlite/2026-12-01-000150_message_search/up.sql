-- Search over message bodies (replies and internal notes; system lines are Meridian's own words)
-- through the same kind of index as subjects (see `lean_search`): a contentless FTS5 trigram
-- table with detail=none, so substrings of three or more characters in any script, CJK included,
-- case folded. The bodies live in `messages` already; the index only preselects candidates and
-- every hit is checked against the text. Triggers feed it inside the transaction that writes the
-- message, whichever code path writes it: a message is findable as soon as it is committed.
--
-- FTS5 rows are keyed by integer and messages by text: each indexed message gets a stable integer
-- here. The ticket is read through `messages` (a merge may move a message to another ticket).
CREATE TABLE message_search_keys (
    id INTEGER PRIMARY KEY,
    tenant_id TEXT NOT NULL,
    message_id TEXT NOT NULL,
    UNIQUE (tenant_id, message_id)
);
CREATE VIRTUAL TABLE message_search USING fts5 (
    body, tokenize = 'trigram', detail = 'none', content = '', contentless_delete = 1
);

-- Backfill: every message written before this migration.
INSERT INTO message_search_keys (tenant_id, message_id)
    SELECT tenant_id, id FROM messages WHERE kind <> 'system' ORDER BY created_at, id;
INSERT INTO message_search (rowid, body)
    SELECT k.id, m.body_text FROM message_search_keys k
    JOIN messages m ON m.tenant_id = k.tenant_id AND m.id = k.message_id;

CREATE TRIGGER message_search_insert AFTER INSERT ON messages WHEN new.kind <> 'system' BEGIN
    INSERT INTO message_search_keys (tenant_id, message_id) VALUES (new.tenant_id, new.id);
    INSERT INTO message_search (rowid, body) VALUES (last_insert_rowid(), new.body_text);
END;

-- No code path rewrites a body today; if one does, the index follows.
CREATE TRIGGER message_search_update AFTER UPDATE OF body_text ON messages
WHEN old.body_text IS NOT new.body_text AND new.kind <> 'system' BEGIN
    DELETE FROM message_search
    WHERE rowid = (SELECT k.id FROM message_search_keys k WHERE k.tenant_id = new.tenant_id AND k.message_id = new.id);
    INSERT INTO message_search (rowid, body)
    SELECT k.id, new.body_text FROM message_search_keys k WHERE k.tenant_id = new.tenant_id AND k.message_id = new.id;
END;

CREATE TRIGGER message_search_delete AFTER DELETE ON messages WHEN old.kind <> 'system' BEGIN
    DELETE FROM message_search
    WHERE rowid = (SELECT k.id FROM message_search_keys k WHERE k.tenant_id = old.tenant_id AND k.message_id = old.id);
    DELETE FROM message_search_keys WHERE tenant_id = old.tenant_id AND message_id = old.id;
END;

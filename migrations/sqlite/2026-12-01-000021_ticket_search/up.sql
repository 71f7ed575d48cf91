-- Inbox text search (`q`: subject, requester name or email) through an FTS5 trigram index:
-- substrings of three or more characters in any script (CJK has no spaces for a word tokenizer
-- to split on), case folded. One row per ticket holds its subject and its requester's name and
-- email, so one MATCH answers both; triggers keep it in step with every write to tickets and
-- contacts, whichever code path makes it.
--
-- FTS5 rows are keyed by integer. The tickets table has a text key and its implicit rowid may
-- change on VACUUM, so each ticket gets a stable integer here (an INTEGER PRIMARY KEY is kept).
CREATE TABLE ticket_search_keys (
    id INTEGER PRIMARY KEY,
    tenant_id TEXT NOT NULL,
    ticket_id TEXT NOT NULL,
    UNIQUE (tenant_id, ticket_id)
);

CREATE VIRTUAL TABLE ticket_search USING fts5 (subject, requester, tokenize = 'trigram');

INSERT INTO ticket_search_keys (tenant_id, ticket_id) SELECT tenant_id, id FROM tickets;
INSERT INTO ticket_search (rowid, subject, requester)
    SELECT k.id, t.subject, c.name || char(10) || coalesce(c.email, '')
    FROM ticket_search_keys k
    JOIN tickets t ON t.tenant_id = k.tenant_id AND t.id = k.ticket_id
    JOIN contacts c ON c.tenant_id = t.tenant_id AND c.id = t.requester_id;

CREATE TRIGGER ticket_search_insert AFTER INSERT ON tickets BEGIN
    INSERT INTO ticket_search_keys (tenant_id, ticket_id) VALUES (new.tenant_id, new.id);
    INSERT INTO ticket_search (rowid, subject, requester)
        SELECT k.id, new.subject, c.name || char(10) || coalesce(c.email, '')
        FROM ticket_search_keys k, contacts c
        WHERE k.tenant_id = new.tenant_id AND k.ticket_id = new.id
          AND c.tenant_id = new.tenant_id AND c.id = new.requester_id;
END;

-- Ticket updates name subject in every SET; only a real change rewrites the index row.
CREATE TRIGGER ticket_search_update AFTER UPDATE OF subject, requester_id ON tickets
WHEN old.subject IS NOT new.subject OR old.requester_id IS NOT new.requester_id BEGIN
    UPDATE ticket_search
    SET subject = new.subject,
        requester = (SELECT c.name || char(10) || coalesce(c.email, '') FROM contacts c
                     WHERE c.tenant_id = new.tenant_id AND c.id = new.requester_id)
    WHERE rowid = (SELECT k.id FROM ticket_search_keys k WHERE k.tenant_id = new.tenant_id AND k.ticket_id = new.id);
END;

CREATE TRIGGER ticket_search_delete AFTER DELETE ON tickets BEGIN
    DELETE FROM ticket_search
    WHERE rowid = (SELECT k.id FROM ticket_search_keys k WHERE k.tenant_id = old.tenant_id AND k.ticket_id = old.id);
    DELETE FROM ticket_search_keys WHERE tenant_id = old.tenant_id AND ticket_id = old.id;
END;

-- A renamed requester (or a new email) is found under the new text on all their tickets.
CREATE TRIGGER ticket_search_requester AFTER UPDATE OF name, email ON contacts
WHEN old.name IS NOT new.name OR old.email IS NOT new.email BEGIN
    UPDATE ticket_search SET requester = new.name || char(10) || coalesce(new.email, '')
    WHERE rowid IN (SELECT k.id FROM tickets t
                    JOIN ticket_search_keys k ON k.tenant_id = t.tenant_id AND k.ticket_id = t.id
                    WHERE t.tenant_id = new.tenant_id AND t.requester_id = new.id);
END;

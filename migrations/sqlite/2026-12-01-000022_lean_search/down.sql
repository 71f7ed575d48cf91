DROP TRIGGER contact_search_delete;
DROP TRIGGER contact_search_update;
DROP TRIGGER contact_search_insert;
DROP TRIGGER ticket_search_delete;
DROP TRIGGER ticket_search_update;
DROP TRIGGER ticket_search_insert;
DROP TABLE contact_search;
DROP TABLE contact_search_keys;
DROP TABLE ticket_search;

CREATE VIRTUAL TABLE ticket_search USING fts5 (subject, requester, tokenize = 'trigram');
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
CREATE TRIGGER ticket_search_requester AFTER UPDATE OF name, email ON contacts
WHEN old.name IS NOT new.name OR old.email IS NOT new.email BEGIN
    UPDATE ticket_search SET requester = new.name || char(10) || coalesce(new.email, '')
    WHERE rowid IN (SELECT k.id FROM tickets t
                    JOIN ticket_search_keys k ON k.tenant_id = t.tenant_id AND k.ticket_id = t.id
                    WHERE t.tenant_id = new.tenant_id AND t.requester_id = new.id);
END;

-- A large inbound message is stored in pieces: its row's raw column holds the first piece (so
-- the header block is still at the start of the row), the rest are here in order. Writing or
-- reading one row of 30 MiB makes the database build the whole record in memory; pieces bound
-- that to one piece.
CREATE TABLE inbound_email_chunks (
    tenant_id TEXT NOT NULL,
    inbound_id TEXT NOT NULL,
    seq INTEGER NOT NULL,
    bytes BLOB NOT NULL,
    PRIMARY KEY (tenant_id, inbound_id, seq),
    FOREIGN KEY (tenant_id, inbound_id) REFERENCES inbound_emails (tenant_id, id) ON DELETE CASCADE
);

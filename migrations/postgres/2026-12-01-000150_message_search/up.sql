-- Search over message bodies (replies and internal notes; system lines are Meridian's own words)
-- through a GIN index on the expression the query checks, lower(body_text) LIKE '%text%', as for
-- subjects (`ticket_search`). The index leads with tenant_id (btree_gin gives text an equality
-- operator class for GIN), so a search reads the posting lists of one tenant's rows only: a
-- common word in other tenants' mail costs this tenant nothing. Index maintenance is part of
-- the insert: a message is findable as soon as it is committed. Building it here backfills
-- every existing message. btree_gin, like pg_trgm, is a trusted contrib extension.
CREATE EXTENSION IF NOT EXISTS btree_gin;

CREATE INDEX messages_body_trgm ON messages USING gin (tenant_id, lower(body_text) gin_trgm_ops)
    WHERE kind <> 'system';

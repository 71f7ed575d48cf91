-- Routing: agents' presence, skills (space-separated tags), maximum open load, their own week
-- (JSON schedule, NULL = their teams' weeks), dates off (JSON list) and their round-robin turn;
-- teams' weeks (JSON: time_zone, shifts, holidays); the tenant's fallback when nobody on shift
-- speaks a ticket's language, and its ordered routing rules (JSON list). Loads are counted through tickets_assignee_updated.
ALTER TABLE agents ADD COLUMN presence TEXT NOT NULL DEFAULT 'offline' CHECK (presence IN ('online', 'away', 'offline'));
ALTER TABLE agents ADD COLUMN skills TEXT NOT NULL DEFAULT '';
ALTER TABLE agents ADD COLUMN max_load INTEGER NOT NULL DEFAULT 10 CHECK (max_load >= 0);
ALTER TABLE agents ADD COLUMN schedule TEXT;
ALTER TABLE agents ADD COLUMN time_off TEXT NOT NULL DEFAULT '[]';
ALTER TABLE agents ADD COLUMN last_routed_at TIMESTAMP;
ALTER TABLE teams ADD COLUMN schedule TEXT;
ALTER TABLE tenants ADD COLUMN routing_fallback TEXT NOT NULL DEFAULT 'queue' CHECK (routing_fallback IN ('basic', 'queue', 'translate'));
ALTER TABLE tenants ADD COLUMN routing_rules TEXT NOT NULL DEFAULT '[]';

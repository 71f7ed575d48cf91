ALTER TABLE tenants DROP COLUMN routing_fallback;
ALTER TABLE teams DROP COLUMN schedule;
ALTER TABLE agents DROP COLUMN last_routed_at;
ALTER TABLE agents DROP COLUMN time_off;
ALTER TABLE agents DROP COLUMN schedule;
ALTER TABLE agents DROP COLUMN max_load;
ALTER TABLE agents DROP COLUMN skills;
ALTER TABLE agents DROP COLUMN presence;

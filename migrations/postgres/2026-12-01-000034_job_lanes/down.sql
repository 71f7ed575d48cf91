DROP INDEX jobs_lane_unfinished;
ALTER TABLE jobs DROP COLUMN lane;

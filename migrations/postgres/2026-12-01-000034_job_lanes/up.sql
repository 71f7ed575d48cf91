-- Jobs that share a lane run one at a time, in the order they were enqueued (mail from one
-- sender is filed in the order it arrived, so a reply never overtakes the message it answers).
ALTER TABLE jobs ADD COLUMN lane TEXT;
CREATE INDEX jobs_lane_unfinished ON jobs (lane, created_at, id)
    WHERE lane IS NOT NULL AND state IN ('queued', 'running');

ALTER TABLE tickets DROP COLUMN csat_rated_at;
ALTER TABLE tickets DROP COLUMN csat_comment;
ALTER TABLE tickets DROP COLUMN csat_score;

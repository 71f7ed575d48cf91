-- Customer satisfaction: one rating per ticket (1-5 and an optional comment), kept on the ticket
-- so the API and webhooks show it as part of the ticket. Re-rating within the window replaces it.
ALTER TABLE tickets ADD COLUMN csat_score INTEGER;
ALTER TABLE tickets ADD COLUMN csat_comment TEXT;
ALTER TABLE tickets ADD COLUMN csat_rated_at TIMESTAMP;

-- System messages (merge notes and the like) keep a Fluent key and its arguments, so the console
-- can show them in each viewer's language; body_text keeps the English rendering for API clients.
ALTER TABLE messages ADD COLUMN system_key TEXT;
ALTER TABLE messages ADD COLUMN system_args TEXT;

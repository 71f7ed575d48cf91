-- Who an agent's public reply was copied to, as the agent chose it in the composer
-- (space-separated addresses). NULL when nobody chose (API replies, older messages): the
-- reply mail then copies the ticket's mail participants as before.
ALTER TABLE messages ADD COLUMN cc TEXT;

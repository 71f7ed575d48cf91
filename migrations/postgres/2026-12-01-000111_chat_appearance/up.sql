-- The widget's pre-chat form for anonymous visitors ('off', 'optional': name and email asked for,
-- 'required': no message before an email address) and its colour and greeting per language
-- (JSON: {"en": {"color": "#1f5eff", "greeting": "Hi!"}, …}).
ALTER TABLE chat_settings ADD COLUMN prechat TEXT NOT NULL DEFAULT 'off';
ALTER TABLE chat_settings ADD COLUMN appearance TEXT NOT NULL DEFAULT '{}';

-- The peer's own tables, in the same Postgres database as Natter's (one INSERT per message,
-- as a typical Socket.IO app stores its chat).
CREATE TABLE IF NOT EXISTS peer_messages (
  id bigserial PRIMARY KEY,
  conv text NOT NULL,
  sender text NOT NULL,
  cid text NOT NULL,
  text text NOT NULL,
  ts timestamptz NOT NULL DEFAULT now(),
  UNIQUE (sender, cid)
);
CREATE INDEX IF NOT EXISTS peer_messages_conv_id ON peer_messages (conv, id);

CREATE TABLE IF NOT EXISTS peer_members (
  room text NOT NULL,
  "user" text NOT NULL,
  PRIMARY KEY (room, "user")
);
CREATE INDEX IF NOT EXISTS peer_members_user ON peer_members ("user", room);

-- Reactions as such an app stores them: one row per (message, user, emoji).
CREATE TABLE IF NOT EXISTS peer_reactions (
  message_id bigint NOT NULL,
  "user" text NOT NULL,
  emoji text NOT NULL,
  ts timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (message_id, "user", emoji)
);

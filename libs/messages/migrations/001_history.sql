-- Up Migration

-- One row per conversation with at least one message: the sequencer. An append locks its
-- conversation's row (INSERT ... ON CONFLICT DO UPDATE), so concurrent appends to one
-- conversation queue on it and seq stays gap-free.
CREATE TABLE conversations (
  conv text PRIMARY KEY,
  last_seq bigint NOT NULL CHECK (last_seq >= 0)
);

CREATE TABLE messages (
  conv text NOT NULL,
  seq bigint NOT NULL,
  mid text NOT NULL UNIQUE,
  sender text NOT NULL,
  cid text NOT NULL,
  ts timestamptz NOT NULL,
  text text,
  attachments jsonb,
  PRIMARY KEY (conv, seq),
  -- Idempotence of send: a retry with the same cid finds the first message.
  CONSTRAINT messages_sender_cid_key UNIQUE (sender, cid)
);

CREATE TABLE read_markers (
  user_id text NOT NULL,
  conv text NOT NULL,
  seq bigint NOT NULL,
  PRIMARY KEY (user_id, conv)
);

-- The DM conversations of each user, filled by the first message of a DM, so that listing a
-- user's DMs is one index range scan.
CREATE TABLE conv_members (
  user_id text NOT NULL,
  conv text NOT NULL,
  PRIMARY KEY (user_id, conv)
);

-- Down Migration

DROP TABLE conv_members;
DROP TABLE read_markers;
DROP TABLE messages;
DROP TABLE conversations;

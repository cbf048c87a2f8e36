-- Up Migration

-- `ver` (PROTOCOL 1.1): the second per-conversation counter. The conversations row that
-- sequences `seq` sequences `ver` too: a new message takes the next of both in its append,
-- and every change of a message (edit, delete, reaction, pin) takes the next `ver` under the
-- same row lock, so the versions of one conversation order all of its changes. Until now
-- every change was a new message, so a message's version is its seq.
ALTER TABLE conversations ADD COLUMN last_ver bigint NOT NULL DEFAULT 0;
UPDATE conversations SET last_ver = last_seq;

ALTER TABLE messages
  -- The version of the message's latest state, and the one it was created with (a reader
  -- who has `created_ver` has the message; a later `ver` is a change of it).
  ADD COLUMN ver bigint,
  ADD COLUMN created_ver bigint,
  ADD COLUMN edited timestamptz,
  -- The version of the last edit: a retried edit answers it.
  ADD COLUMN edit_ver bigint,
  ADD COLUMN deleted timestamptz,
  -- {"seq","from","preview"} of the message this one answers, as of sending.
  ADD COLUMN reply jsonb,
  -- ["bob", ...]: the members the text mentions, in order of appearance.
  ADD COLUMN mentions jsonb,
  -- [{"emoji","count","users"}]: kept in step with `reactions` in the same transaction, so a
  -- history page reads no other table.
  ADD COLUMN reactions jsonb,
  ADD COLUMN pinned_at timestamptz,
  ADD COLUMN pinned_by text;
UPDATE messages SET ver = seq, created_ver = seq;
ALTER TABLE messages ALTER COLUMN ver SET NOT NULL, ALTER COLUMN created_ver SET NOT NULL;

-- "Changes after ver X" (a gap repair, the `since` replay): one index range scan.
CREATE INDEX messages_conv_ver ON messages (conv, ver);
-- A delete empties the previews of the replies to it.
CREATE INDEX messages_replies ON messages (conv, ((reply ->> 'seq')::bigint)) WHERE reply IS NOT NULL;
-- `pins`, newest first, and the per-conversation pin limit.
CREATE INDEX messages_pins ON messages (conv, pinned_at DESC) WHERE pinned_at IS NOT NULL;

-- One row per (message, emoji, user): reacting twice is one reaction. `id` orders them:
-- the order in which each emoji was first used, and the first reactors of each.
CREATE TABLE reactions (
  conv text NOT NULL,
  seq bigint NOT NULL,
  emoji text NOT NULL,
  user_id text NOT NULL,
  id bigserial NOT NULL,
  PRIMARY KEY (conv, seq, emoji, user_id),
  FOREIGN KEY (conv, seq) REFERENCES messages (conv, seq) ON DELETE CASCADE
);

-- Down Migration

DROP TABLE reactions;
DROP INDEX messages_pins;
DROP INDEX messages_replies;
DROP INDEX messages_conv_ver;
ALTER TABLE messages
  DROP COLUMN ver, DROP COLUMN created_ver, DROP COLUMN edited, DROP COLUMN edit_ver,
  DROP COLUMN deleted, DROP COLUMN reply, DROP COLUMN mentions, DROP COLUMN reactions,
  DROP COLUMN pinned_at, DROP COLUMN pinned_by;
ALTER TABLE conversations DROP COLUMN last_ver;

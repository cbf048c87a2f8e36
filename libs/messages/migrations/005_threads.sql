-- Up Migration

-- A thread root's summary (PROTOCOL 1.1 "Threads"): {"replies","last","users"}, kept current
-- in the transaction that appends each message of `thread:<conv>:<seq>`, so a history page
-- of the parent reads no other table. A thread is a conversation of its own (its own
-- conversations row, seq and ver); `conv_members` records who wrote or was mentioned in it,
-- which is who `convs` lists it for.
ALTER TABLE messages ADD COLUMN thread jsonb;

-- Down Migration

ALTER TABLE messages DROP COLUMN thread;

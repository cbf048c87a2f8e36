-- Up Migration

-- A message's reactions and thread summary are only ever written whole (pg-changes.ts
-- rebuilds the reactions from the `reactions` table, pg-thread.ts the summary) and are most
-- of a busy message's bytes, which every history page returns as JSON text (pg-rows.ts
-- rowToJson splices them in). As jsonb each page rendered them from the binary form again;
-- as json Postgres keeps the text it was given and copies it out: a page of 50 messages with
-- 3 x 20 reactors each came back in 0.37 instead of 0.63 ms (bench/README.md, "The decorated
-- page"). The writers still build them with jsonb functions (the same text as before) and
-- cast the result. This rewrites `messages` once, under its lock: on a large deployed table,
-- run it in a maintenance window.
ALTER TABLE messages
  ALTER COLUMN reactions TYPE json USING reactions::json,
  ALTER COLUMN thread TYPE json USING thread::json;

-- Down Migration

ALTER TABLE messages
  ALTER COLUMN reactions TYPE jsonb USING reactions::jsonb,
  ALTER COLUMN thread TYPE jsonb USING thread::jsonb;

-- Up Migration

-- A message's reactions and thread summary are only ever written whole (pg-changes.ts
-- rebuilds the reactions from the `reactions` table, pg-thread.ts the summary) and are most
-- of a busy message's bytes, which every history page returns as JSON text (pg-rows.ts
-- rowToJson splices them in). As jsonb each page rendered them from the binary form again;
-- as json Postgres keeps the text it was given and copies it out: Postgres CPU per page of 50
-- messages with 3 x 20 reactors each 0.36 -> 0.19 ms, the plain page's 0.12 (bench/README.md,
-- "Reactions and the decorated history page, measured"). The writers still build them with jsonb functions (the same text as before) and
-- cast the result. This rewrites `messages` once, under its lock: on a large deployed table,
-- run it in a maintenance window.
ALTER TABLE messages
  ALTER COLUMN reactions TYPE json USING reactions::json,
  ALTER COLUMN thread TYPE json USING thread::json;

-- Down Migration

ALTER TABLE messages
  ALTER COLUMN reactions TYPE jsonb USING reactions::jsonb,
  ALTER COLUMN thread TYPE jsonb USING thread::jsonb;

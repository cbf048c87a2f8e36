-- Up Migration

-- The event log (docs/design.md, "The event log"): every change is written here by the
-- service that makes it, in the same transaction as the change (a transactional outbox).
-- `xid` is the writing transaction's id. Readers order by (xid, id) and read only rows whose
-- transaction is older than every transaction still running, so a row never appears behind
-- a cursor a reader already passed (ids are taken before commit, so `id` alone could).
CREATE TABLE natter_events (
  id bigint GENERATED ALWAYS AS IDENTITY,
  xid xid8 NOT NULL DEFAULT pg_current_xact_id(),
  type text NOT NULL,
  ts timestamptz NOT NULL DEFAULT now(),
  data jsonb NOT NULL,
  PRIMARY KEY (xid, id)
);
-- Retention prunes the oldest first.
CREATE INDEX natter_events_ts ON natter_events (ts);

-- Down Migration
DROP TABLE natter_events;

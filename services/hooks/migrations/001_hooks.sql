-- Up Migration

-- Delivery state per webhook URL (services/hooks): how far each receiver has acknowledged
-- the event log, and the retry of the event at its head. In Postgres, so a restart or a
-- SIGKILL of any hooks instance loses nothing: the next owner of the URL continues here.
CREATE TABLE natter_hook_state (
  url text PRIMARY KEY,
  -- The cursor (libs/events) of the last event the receiver acknowledged or that was
  -- filtered out; NULL: from the oldest retained.
  after text,
  -- Failed attempts of the event after `after`, and when to try it next.
  attempts integer NOT NULL DEFAULT 0,
  next_at timestamptz,
  failing_since timestamptz,
  updated_at timestamptz NOT NULL DEFAULT now()
);

-- Down Migration
DROP TABLE natter_hook_state;

-- Up Migration

-- The transitions presence has copied into natter_events (docs/design.md, "Presence in the
-- event log"): the id of each entry of its Redis outbox stream, inserted in the same
-- transaction as the event, so an entry copied again after a crash (or by two instances at
-- once) is recognised and logged once. Kept a week, pruned by presence.
CREATE TABLE natter_presence_logged (
  entry text PRIMARY KEY,
  at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX natter_presence_logged_at ON natter_presence_logged (at);

-- Each user's state as the event log last said it, so that the log alternates
-- user.online / user.offline per user: after Redis lost its data, the re-announced sessions
-- of users who were online all along are transitions in Redis but not in fact.
CREATE TABLE natter_presence_logged_state (
  "user" text PRIMARY KEY,
  online boolean NOT NULL
);

-- Down Migration
DROP TABLE natter_presence_logged_state;
DROP TABLE natter_presence_logged;

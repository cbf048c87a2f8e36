-- Up Migration

-- Push (services/push, docs/design.md "Push"): devices, notify levels, and the pushes
-- waiting for NATTER_PUSH_DELAY_MS. All in Postgres, so a restart or a SIGKILL of the push
-- service loses no decision: the next instance continues from push_state and push_pending.

-- A device to push to. (provider, address) is unique: a device registered again, by the
-- same user or by whoever signed in on it since, is one row, the latest user's.
CREATE TABLE push_devices (
  id text PRIMARY KEY,
  user_id text NOT NULL,
  provider text NOT NULL CHECK (provider IN ('webpush', 'fcm', 'apns')),
  -- The Web Push endpoint, or the FCM / APNs token.
  address text NOT NULL,
  -- Web Push only: {"p256dh","auth"}.
  keys jsonb,
  created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
  UNIQUE (provider, address)
);
CREATE INDEX push_devices_user ON push_devices (user_id, created_at);

-- A user's own notify level of one conversation; absent: the default (all for DMs,
-- mentions for rooms). `until`: the level holds until then, the default after.
CREATE TABLE push_notify (
  conv text NOT NULL,
  user_id text NOT NULL,
  level text NOT NULL CHECK (level IN ('all', 'mentions', 'none')),
  until timestamptz,
  PRIMARY KEY (conv, user_id)
);
-- hello lists the user's levels (push.levels).
CREATE INDEX push_notify_user ON push_notify (user_id);

-- One row per (user, conversation) with something to tell: the messages are collapsed into
-- it (count, the latest's preview). `due_at`: when to decide (the first message's time plus
-- the delay); NULL once pushed, kept so that later messages count on and a `read` can clear.
CREATE TABLE push_pending (
  user_id text NOT NULL,
  conv text NOT NULL,
  count integer NOT NULL,
  last_seq bigint NOT NULL,
  mid text NOT NULL,
  sender text NOT NULL,
  body text NOT NULL,
  due_at timestamptz,
  checked_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (user_id, conv)
);
CREATE INDEX push_pending_due ON push_pending (due_at) WHERE due_at IS NOT NULL;
CREATE INDEX push_pending_sent ON push_pending (checked_at) WHERE due_at IS NULL;

-- How far the decision has read the event log (one row, 'log').
CREATE TABLE push_state (
  name text PRIMARY KEY,
  after text
);

-- Down Migration
DROP TABLE push_state;
DROP TABLE push_pending;
DROP TABLE push_notify;
DROP TABLE push_devices;

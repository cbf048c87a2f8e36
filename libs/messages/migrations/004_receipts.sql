-- Up Migration

-- Delivery markers (protocol 1.1 "Receipts"): how far each user's devices have a
-- conversation, beside how far the user has read it. A user has received what they read,
-- so readers take GREATEST(received, seq) and a `read` needs no write here. Depends only on
-- 001: it applies with or without the lifecycle's 003 (migrations run in name order).
ALTER TABLE read_markers ADD COLUMN received bigint NOT NULL DEFAULT 0;

-- `receipts` lists the markers of one conversation. Only `conv` is indexed, so moving a
-- marker (every send moves its sender's) stays a HOT update: no index holds `seq` or `received`.
CREATE INDEX read_markers_conv ON read_markers (conv);

-- Down Migration

DROP INDEX read_markers_conv;
ALTER TABLE read_markers DROP COLUMN received;

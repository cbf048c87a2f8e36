-- Up Migration

-- The per-user quota (NATTER_UPLOAD_BYTES_PER_DAY) sums one owner's uploads of the last
-- 24 hours on every upload: one index range scan, sizes read from the index.
CREATE INDEX uploads_owner_created_at ON uploads (owner, created_at) INCLUDE (size);

-- The orphan sweep (services/history) looks at the oldest uploads first.
CREATE INDEX uploads_created_at ON uploads (created_at);

-- Down Migration

DROP INDEX uploads_created_at;
DROP INDEX uploads_owner_created_at;

-- Up Migration

-- The orphan-upload sweep (src/upload-sweep.ts) asks, for each old upload, whether any
-- message attaches it (attachments @> [{"url": ...}]): this index answers that without
-- reading every message. Only messages with attachments are in it.
CREATE INDEX messages_attachments ON messages USING gin (attachments jsonb_path_ops)
  WHERE attachments IS NOT NULL;

-- Down Migration

DROP INDEX messages_attachments;

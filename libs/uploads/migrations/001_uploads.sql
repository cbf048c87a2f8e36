-- Up Migration

-- One row per upload, bytes inline: uploads are capped (NATTER_MAX_UPLOAD_BYTES, 10 MiB by
-- default) and must be readable from every gateway, so no gateway's local disk holds them.
-- The id is the capability (>= 128 random bits); nothing else is ever looked up.
CREATE TABLE uploads (
  id text COLLATE "C" PRIMARY KEY,
  type text NOT NULL,
  size integer NOT NULL CHECK (size >= 0),
  owner text COLLATE "C" NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  bytes bytea NOT NULL
);

-- Large values go to TOAST already compressed (images and audio are): skip the wasted try.
ALTER TABLE uploads ALTER COLUMN bytes SET STORAGE EXTERNAL;

-- Down Migration

DROP TABLE uploads;

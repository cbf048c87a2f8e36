-- Up Migration

-- Room and user ids are ASCII by their grammar, so the "C" collation orders them byte-wise (the
-- order the store promises) and lets btree indexes serve `name LIKE 'pre%'` and ORDER BY.
CREATE TABLE rooms (
  name text COLLATE "C" PRIMARY KEY,
  private boolean NOT NULL,
  created_by text COLLATE "C" NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  -- Kept in step with `members` in the same transaction, so listings and the members limit
  -- never count rows.
  member_count integer NOT NULL DEFAULT 0 CHECK (member_count >= 0)
);

-- Public listing by prefix: a partial index so private rooms cost the scan nothing.
CREATE INDEX rooms_public_name_idx ON rooms (name) WHERE NOT private;

CREATE TABLE members (
  room text COLLATE "C" NOT NULL REFERENCES rooms (name) ON DELETE CASCADE,
  "user" text COLLATE "C" NOT NULL,
  joined_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (room, "user")
);

-- "Rooms of a user" (rooms.list at every hello, the rooms-per-user limit).
CREATE INDEX members_user_idx ON members ("user", room);

CREATE TABLE invites (
  room text COLLATE "C" NOT NULL REFERENCES rooms (name) ON DELETE CASCADE,
  "user" text COLLATE "C" NOT NULL,
  invited_by text COLLATE "C" NOT NULL,
  invited_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (room, "user")
);

-- Down Migration

DROP TABLE invites;
DROP TABLE members;
DROP TABLE rooms;

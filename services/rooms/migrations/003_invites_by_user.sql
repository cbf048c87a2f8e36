-- Up Migration

-- `invites` (protocol 1.1) lists a user's own unused invitations, newest first: the primary
-- key leads with the room, so without this every listing would scan all invitations.
CREATE INDEX invites_user_idx ON invites ("user", invited_at DESC, room);

-- Down Migration

DROP INDEX invites_user_idx;

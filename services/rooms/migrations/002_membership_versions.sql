-- Up Migration

-- Every membership change of a room (join, create, leave) takes the room's next `member_ver`
-- in the transaction that makes it, under the room's row lock, so the versions of one room
-- order its changes exactly. Gateways keep the version they last applied for each of their
-- users and ignore an older announcement that arrives late (a `joined` overtaken by the
-- `left` after it must not put a user back into a room).
ALTER TABLE rooms ADD COLUMN member_ver bigint NOT NULL DEFAULT 0;

-- Down Migration

ALTER TABLE rooms DROP COLUMN member_ver;

-- Up Migration

-- Unread mentions (PROTOCOL 1.1 "Mentions": `convs` entries carry how many messages above
-- the user's read marker mention the user). One row per (mentioned user, message), written
-- in the transaction that appends, edits or deletes the message, so `convs` counts an index
-- range of the user's own mentions past their marker instead of reading messages. A `read`
-- drops the rows at or below the new marker: the table holds only what is unread.
CREATE TABLE mentions (
  user_id text NOT NULL,
  conv text NOT NULL,
  seq bigint NOT NULL,
  PRIMARY KEY (user_id, conv, seq)
);
-- An edit or delete of one message replaces its rows.
CREATE INDEX mentions_message ON mentions (conv, seq);

INSERT INTO mentions (user_id, conv, seq)
SELECT DISTINCT u.user_id, m.conv, m.seq
FROM messages m CROSS JOIN LATERAL jsonb_array_elements_text(m.mentions) AS u(user_id)
LEFT JOIN read_markers r ON r.user_id = u.user_id AND r.conv = m.conv
WHERE m.mentions IS NOT NULL AND m.deleted IS NULL AND m.seq > coalesce(r.seq, 0);

-- Down Migration

DROP TABLE mentions;

import { EVENT_TYPES } from '@natter/contracts';
import { ERROR_CODES, ROOM_RE, UPLOAD_TYPES, USER_RE } from '@natter/protocol';

// The components of the OpenAPI document (openapi.ts): the id patterns and the shared schemas.

// The id grammars of @natter/protocol, as JSON Schema patterns.
const bare = (re: RegExp) => re.source.slice(1, -1);
const USER = USER_RE.source;
const PARENT = `room:${bare(ROOM_RE)}|dm:${bare(USER_RE)}:${bare(USER_RE)}`;
// A thread (1.1) is `thread:<room or dm conv>:<root seq>`.
export const CONV = `^(${PARENT}|thread:(${PARENT}):[1-9][0-9]{0,14})$`;
const TARGET = `^(room:${bare(ROOM_RE)}|user:${bare(USER_RE)})$`;

/** A reference to one of `schemas`, as paths and other schemas name it. */
export const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });

export const schemas = {
  Error: {
    type: 'object',
    required: ['code', 'message'],
    properties: {
      code: { type: 'string', enum: [...ERROR_CODES] },
      message: { type: 'string', description: 'Human words naming the field and what was wrong' },
      retryAfter: {
        type: 'integer',
        minimum: 0,
        description: 'Milliseconds to wait before a retry (only where waiting helps)',
      },
    },
  },
  ErrorResponse: {
    type: 'object',
    required: ['error'],
    properties: { error: ref('Error') },
  },
  ConvSummary: {
    type: 'object',
    required: ['conv', 'seq', 'ver', 'read'],
    properties: {
      conv: { type: 'string', pattern: CONV },
      seq: { type: 'integer', minimum: 0, description: 'The latest seq of the conversation' },
      ver: { type: 'integer', minimum: 0, description: 'The latest ver of the conversation' },
      read: { type: 'integer', minimum: 0, description: "The caller's own read marker" },
      mentions: {
        type: 'integer',
        minimum: 1,
        description: 'Messages past the read marker that mention the caller (absent when none)',
      },
      peer: {
        type: 'object',
        description: "DM entries only: the other user's markers",
        required: ['received', 'read'],
        properties: {
          received: {
            type: 'integer',
            minimum: 0,
            description: 'How far their devices have the conversation (at least read)',
          },
          read: { type: 'integer', minimum: 0, description: 'Their read marker' },
        },
      },
    },
  },
  Attachment: {
    type: 'object',
    required: ['url', 'type', 'name', 'size'],
    properties: {
      url: {
        type: 'string',
        maxLength: 2048,
        description:
          'A /v1/uploads/ path, or an https:// URL where the server allows remote attachments (NATTER_REMOTE_ATTACHMENTS=allow)',
      },
      type: { type: 'string', minLength: 1, maxLength: 100 },
      name: { type: 'string', maxLength: 255 },
      size: { type: 'integer', minimum: 0 },
      width: { type: 'integer', minimum: 1 },
      height: { type: 'integer', minimum: 1 },
      duration: { type: 'integer', minimum: 0, description: 'Milliseconds' },
    },
  },
  Message: {
    type: 'object',
    required: ['conv', 'seq', 'mid', 'from', 'ts', 'ver'],
    description:
      'A message in its current state; a tombstone (`deleted`) keeps only conv, seq, mid, from, ts, ver, cid',
    properties: {
      conv: { type: 'string', pattern: CONV },
      seq: { type: 'integer', minimum: 1 },
      mid: { type: 'string', minLength: 1 },
      from: { type: 'string', pattern: USER },
      ts: { type: 'string', format: 'date-time' },
      ver: { type: 'integer', minimum: 1, description: "The conversation's version of this state" },
      text: { type: 'string' },
      attachments: { type: 'array', items: ref('Attachment'), maxItems: 10 },
      cid: { type: 'string', minLength: 1, maxLength: 64 },
      reply: {
        type: 'object',
        required: ['seq', 'from', 'preview'],
        description: 'The message this one answers, as of sending (preview emptied when it is deleted)',
        properties: {
          seq: { type: 'integer', minimum: 1 },
          from: { type: 'string', pattern: USER },
          preview: { type: 'string', description: 'Its first 100 code points' },
        },
      },
      mentions: {
        type: 'array',
        items: { type: 'string', pattern: USER },
        description: 'Members the text names',
      },
      edited: { type: 'string', format: 'date-time' },
      deleted: { type: 'string', format: 'date-time' },
      reactions: {
        type: 'array',
        maxItems: 20,
        description: 'In the order each emoji was first used',
        items: {
          type: 'object',
          required: ['emoji', 'count', 'users'],
          properties: {
            emoji: { type: 'string' },
            count: { type: 'integer', minimum: 1 },
            users: { type: 'array', items: { type: 'string', pattern: USER }, maxItems: 20 },
          },
        },
      },
      pinned: {
        type: 'object',
        required: ['by', 'ts'],
        properties: { by: { type: 'string', pattern: USER }, ts: { type: 'string', format: 'date-time' } },
      },
      thread: {
        type: 'object',
        description: "A thread root's summary of thread:<conv>:<seq>",
        required: ['replies', 'last', 'users'],
        properties: {
          replies: { type: 'integer', minimum: 1 },
          last: { type: 'string', format: 'date-time' },
          users: { type: 'array', items: { type: 'string', pattern: USER }, maxItems: 10 },
        },
      },
    },
  },
  HistoryPage: {
    type: 'object',
    required: ['messages', 'more'],
    properties: {
      messages: { type: 'array', items: ref('Message'), description: 'Oldest first' },
      more: { type: 'boolean', description: 'More messages exist beyond this page' },
    },
  },
  Event: {
    type: 'object',
    required: ['id', 'cursor', 'type', 'ts', 'data'],
    properties: {
      id: { type: 'string', pattern: '^evt_', description: 'Dedupe by it; the webhook-id of its deliveries' },
      cursor: { type: 'string', description: 'Opaque; orders the log' },
      type: { type: 'string', enum: [...EVENT_TYPES] },
      ts: { type: 'string', format: 'date-time' },
      data: { type: 'object', description: 'By type: docs/protocol.md, "The event log"' },
    },
  },
  EventsPage: {
    type: 'object',
    required: ['events'],
    properties: {
      events: { type: 'array', items: ref('Event'), description: 'Oldest first' },
      next: { type: 'string', description: 'Pass as `after` for the next page; absent on an empty log' },
    },
  },
  SendResult: {
    type: 'object',
    required: ['conv', 'seq', 'mid', 'ts'],
    properties: {
      conv: { type: 'string', pattern: CONV },
      seq: { type: 'integer', minimum: 1 },
      mid: { type: 'string', minLength: 1 },
      ts: { type: 'string', format: 'date-time' },
    },
  },
  ServerMessage: {
    type: 'object',
    required: ['from', 'to', 'cid'],
    description: 'At least one of text and attachments',
    properties: {
      from: { type: 'string', pattern: USER },
      to: { type: 'string', pattern: TARGET },
      cid: { type: 'string', minLength: 1, maxLength: 64 },
      text: { type: 'string', description: 'Up to NATTER_MAX_TEXT_CHARS characters (4000 by default)' },
      attachments: { type: 'array', items: ref('Attachment'), maxItems: 10 },
    },
  },
  Upload: {
    type: 'object',
    required: ['url', 'type', 'size'],
    properties: {
      url: { type: 'string', pattern: '^/v1/uploads/u_[A-Za-z0-9_-]{16,64}$' },
      type: { type: 'string', enum: [...UPLOAD_TYPES] },
      size: { type: 'integer', minimum: 1 },
    },
  },
  Health: {
    type: 'object',
    required: ['ok'],
    properties: {
      ok: { type: 'boolean' },
      failing: {
        type: 'array',
        items: { type: 'string' },
        description: 'Readiness checks that fail (on 503)',
      },
    },
  },
};

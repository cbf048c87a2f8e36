import { z } from 'zod';
import { OPS } from './frames.ts';
import { MAX_ATTACHMENTS } from './limits.ts';
import { Attachment, RequestId, RequestSchemas } from './schemas.ts';
import {
  ConvSummary,
  ErrorBody,
  ErrorReply,
  EventSchemas,
  MessageView,
  PresenceView,
  ResultSchemas,
  RoomView,
  replySchema,
} from './server-schemas.ts';

/**
 * The AsyncAPI 3.0 document of the WebSocket protocol (docs/protocol.md), generated from the
 * zod schemas: `RequestSchemas` (what the gateway validates every request with) and the
 * result and event schemas of server-schemas.ts. The gateway serves it at
 * `/v1/asyncapi.json`; `npm run asyncapi` writes docs/asyncapi.yaml, and a test fails when
 * the committed file is stale. An op or event added to the schemas appears here by itself.
 *
 * The document describes the gateway: it `receive`s requests (and replies on the same
 * channel) and `send`s events. Payload schemas are JSON Schema 2020-12.
 */

type Json = Record<string, unknown>;

const SCHEMA_FORMAT = 'application/schema+json;version=draft-2020-12';
const ref = (kind: 'schemas' | 'messages', name: string) => ({ $ref: `#/components/${kind}/${name}` });
const channelMessage = (name: string) => ({ $ref: `#/channels/ws/messages/${name}` });

/** A request frame: the envelope (`id`, `op`) and the op's params, in one object. */
function requestFrame(op: (typeof OPS)[number]) {
  const params =
    op === 'send'
      ? // The schema takes any list and parseContent checks each item against Attachment
        // (so that a bad item can answer `too_large` or name its index); documented as such.
        RequestSchemas.send.extend({ attachments: z.array(Attachment).max(MAX_ATTACHMENTS).optional() })
      : RequestSchemas[op];
  const envelope = z.object({
    id: RequestId.optional().meta({ description: 'Chosen by the client; the reply carries it as `re`' }),
    op: z.literal(op),
  });
  // `push.register` is a union by provider: the envelope is intersected with it.
  return params instanceof z.ZodObject ? envelope.extend(params.shape) : z.intersection(envelope, params);
}

/** Every schema, by its component name; nested ones are referenced, not repeated. */
function components(): Record<string, Json> {
  const registry = z.registry<{ id: string }>();
  const named: [string, z.ZodType][] = [
    ['Error', ErrorBody],
    ['Attachment', Attachment],
    ['MessageView', MessageView],
    ['PresenceView', PresenceView],
    ['ConvSummary', ConvSummary],
    ['RoomView', RoomView],
    ['ErrorReply', ErrorReply],
  ];
  for (const op of OPS) {
    named.push([`${op}Request`, requestFrame(op)], [`${op}Reply`, replySchema(ResultSchemas[op])]);
  }
  for (const [kind, schema] of Object.entries(EventSchemas)) named.push([`${kind}Event`, schema]);
  for (const [id, schema] of named) registry.add(schema, { id });
  // io "input": an object schema admits unknown fields, as the protocol says (the server
  // ignores them in requests, and clients must ignore them in what the server sends).
  const out = z.toJSONSchema(registry, {
    target: 'draft-2020-12',
    io: 'input',
    uri: (id) => `#/components/schemas/${id}`,
  }) as { schemas: Record<string, Json> };
  return Object.fromEntries(
    Object.entries(out.schemas).map(([id, { $schema: _s, $id: _i, ...schema }]) => [id, schema]),
  );
}

export function asyncapiDocument(): Json {
  const schemas = components();
  const messages: Record<string, Json> = {};
  const operations: Record<string, Json> = {};
  const message = (name: string, title: string, summary: string) => {
    messages[name] = {
      name,
      title,
      summary,
      payload: { schemaFormat: SCHEMA_FORMAT, schema: ref('schemas', name) },
    };
  };
  message('ErrorReply', 'Error reply', 'A request with `id` failed: `{re, error}`');
  for (const op of OPS) {
    message(`${op}Request`, `${op} request`, `The \`${op}\` request (docs/protocol.md, "Requests")`);
    message(`${op}Reply`, `${op} reply`, `The result of \`${op}\`: \`{re, result}\``);
    operations[op] = {
      action: 'receive',
      channel: { $ref: '#/channels/ws' },
      summary: `A client sends \`${op}\`; with an \`id\` it gets exactly one reply`,
      messages: [channelMessage(`${op}Request`)],
      reply: {
        channel: { $ref: '#/channels/ws' },
        messages: [channelMessage(`${op}Reply`), channelMessage('ErrorReply')],
      },
    };
  }
  for (const kind of Object.keys(EventSchemas)) {
    message(`${kind}Event`, `${kind} event`, `The \`${kind}\` event (docs/protocol.md)`);
    operations[`${kind}Event`] = {
      action: 'send',
      channel: { $ref: '#/channels/ws' },
      summary: `The gateway sends the \`${kind}\` event`,
      messages: [channelMessage(`${kind}Event`)],
    };
  }
  return {
    asyncapi: '3.0.0',
    info: {
      title: 'Natter client protocol',
      version: '1',
      description:
        'The WebSocket protocol between Natter and its clients (docs/protocol.md is the contract in words). ' +
        'One JSON object per text frame: requests `{id?, op, ...params}`, replies `{re, result}` or ' +
        '`{re, error}`, events `{ev, ...fields}`. The first request is `hello`. Unknown fields are ignored ' +
        'both ways; clients must ignore unknown events. Generated from the schemas that validate frames.',
    },
    servers: {
      local: {
        host: 'localhost:8080',
        protocol: 'ws',
        pathname: '/ws',
        description: '`npm start` (single node); production gateways speak wss behind TLS',
      },
    },
    defaultContentType: 'application/json',
    channels: {
      ws: {
        address: '/ws',
        title: 'A client connection',
        description: 'One WebSocket per client session; every frame below travels on it',
        messages: Object.fromEntries(Object.keys(messages).map((name) => [name, ref('messages', name)])),
      },
    },
    operations,
    components: { schemas, messages },
  };
}

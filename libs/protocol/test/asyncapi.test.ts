import { readFileSync } from 'node:fs';
import asyncapiSpecs from '@asyncapi/specs';
import { Ajv } from 'ajv';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { ASYNCAPI_YAML, asyncapiYaml } from '../../../scripts/asyncapi.ts';
import { asyncapiDocument } from '../src/asyncapi.ts';
import { OPS } from '../src/frames.ts';
import { EventSchemas } from '../src/server-schemas.ts';

describe('the AsyncAPI document', () => {
  it('is committed as generated (npm run asyncapi rewrites docs/asyncapi.yaml)', () => {
    const committed = readFileSync(ASYNCAPI_YAML, 'utf8');
    expect(committed === asyncapiYaml(), 'docs/asyncapi.yaml is stale: run `npm run asyncapi`').toBe(true);
    expect(parse(committed)).toEqual(asyncapiDocument());
  });

  it('is a valid AsyncAPI 3.0 document (the official JSON Schema of @asyncapi/specs)', () => {
    const ajv = new Ajv({
      strict: false,
      allErrors: true,
      validateFormats: false,
      meta: false,
      validateSchema: false,
    });
    const validate = ajv.compile(asyncapiSpecs.schemas['3.0.0']);
    const ok = validate(asyncapiDocument());
    expect(ok, ajv.errorsText(validate.errors, { separator: '\n' })).toBe(true);
  });

  it('has a request and a reply for every op and a message for every event, each schema compiling', () => {
    const doc = asyncapiDocument() as {
      operations: Record<string, { action: string }>;
      components: { schemas: Record<string, object> };
    };
    for (const op of OPS) expect(doc.operations[op]?.action, op).toBe('receive');
    for (const ev of Object.keys(EventSchemas)) expect(doc.operations[`${ev}Event`]?.action, ev).toBe('send');
    const ajv = new Ajv2020({ strict: true, allowUnionTypes: true });
    ajv.addKeyword('components');
    addFormats.default(ajv);
    ajv.addSchema({ $id: 'doc', components: doc.components });
    for (const name of Object.keys(doc.components.schemas)) {
      expect(ajv.getSchema(`doc#/components/schemas/${name}`), name).toBeDefined();
    }
  });
});

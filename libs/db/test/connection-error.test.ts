import { describe, expect, it } from 'vitest';
import { isConnectionError, MigrationError } from '../src/index.ts';

function withCode(code: string, message = 'x'): Error {
  return Object.assign(new Error(message), { code });
}

describe('isConnectionError', () => {
  it.each([
    'ECONNREFUSED',
    'ECONNRESET',
    'ETIMEDOUT',
    'EPIPE',
    '57P01',
    '57P02',
    '57P03',
    '08000',
    '08003',
    '08006',
    '08P01',
  ])('is true for code %s', (code) => {
    expect(isConnectionError(withCode(code))).toBe(true);
  });

  it.each([
    'Connection terminated unexpectedly',
    'Connection terminated',
    'timeout exceeded when trying to connect',
    'Connection terminated due to connection timeout',
    'Client has encountered a connection error and is not queryable',
  ])('is true for pg message %j', (message) => {
    expect(isConnectionError(new Error(message))).toBe(true);
  });

  it('follows cause chains and AggregateError', () => {
    expect(isConnectionError(new MigrationError('wrapped', { cause: withCode('ECONNREFUSED') }))).toBe(true);
    expect(isConnectionError(new AggregateError([withCode('ECONNREFUSED')], 'connect failed'))).toBe(true);
  });

  it.each([
    ['unique violation', withCode('23505', 'duplicate key value violates unique constraint')],
    ['syntax error', withCode('42601', 'syntax error at or near "SELEC"')],
    ['undefined table', withCode('42P01', 'relation "nope" does not exist')],
    ['plain error', new Error('boom')],
    ['a string', 'ECONNREFUSED'],
    ['undefined', undefined],
  ])('is false for %s', (_name, err) => {
    expect(isConnectionError(err)).toBe(false);
  });

  it('stops on a cause cycle', () => {
    const a = new Error('a') as Error & { cause?: unknown };
    const b = new Error('b', { cause: a });
    a.cause = b;
    expect(isConnectionError(a)).toBe(false);
  });
});

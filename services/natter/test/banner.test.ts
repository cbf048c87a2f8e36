import { loadConfig } from '@natter/config';
import { describe, expect, it } from 'vitest';
import { startBanner } from '../src/banner.ts';

describe('the start banner', () => {
  it('says how to reach a fresh npm start, that it is open, the server API off, and where data lives', () => {
    const text = startBanner(
      { ...loadConfig({}), authMode: 'open' },
      { port: 8080, httpPort: undefined, webDir: '/repo/web/dist', embeddedData: '/repo/data/postgres' },
    );
    expect(text).toContain('natter is up: http://localhost:8080');
    expect(text).toMatch(/web client +http:\/\/localhost:8080\//);
    expect(text).toMatch(/WebSocket +ws:\/\/localhost:8080\/ws/);
    expect(text).toContain('http://localhost:8080/v1/openapi.json');
    expect(text).toContain('http://localhost:8080/v1/asyncapi.json');
    expect(text).toMatch(/auth +open mode: anyone signs in by name/);
    expect(text).toMatch(/server API +off \(set NATTER_API_KEY/);
    expect(text).toMatch(/data +embedded Postgres in \/repo\/data\/postgres/);
    expect(text).toMatch(/bus +in-process/);
  });

  it('names the keys, the server API, and the real parts without their passwords', () => {
    const config = loadConfig({
      NATTER_JWT_SECRET: 'x'.repeat(32),
      NATTER_API_KEY: 'k',
      DATABASE_URL: 'postgres://natter:hunter2@db.internal:5432/natter',
      NATS_URL: 'nats://a:4222,nats://b:4222',
      REDIS_URL: 'redis://:pw@cache:6379',
    });
    const text = startBanner(config, {
      port: 9000,
      httpPort: 9100,
      webDir: undefined,
      embeddedData: undefined,
    });
    expect(text).toMatch(/auth +keyed: tokens verified with HS256 secret/);
    expect(text).toMatch(/server API +on: POST \/v1\/messages/);
    expect(text).toMatch(/data +Postgres at postgres:\/\/db\.internal:5432\/natter/);
    expect(text).toMatch(/bus +NATS nats:\/\/a:4222, nats:\/\/b:4222/);
    expect(text).toMatch(/presence +Redis redis:\/\/cache:6379/);
    expect(text).toMatch(/web client +none built \(npm run build:web/);
    expect(text).toMatch(/metrics +http:\/\/localhost:9100\/metrics/);
    expect(text).not.toMatch(/hunter2|:pw@/);
  });
});

import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Logger } from '@natter/log';

/** This repository's built web client: what `npm start` and `npm run start -w @natter/gateway` build (prestart). */
export const REPO_WEB_DIST = fileURLToPath(new URL('../../../web/dist', import.meta.url));

export interface WebDirChoice {
  /** The folder to serve, absolute; undefined: no web client. */
  dir: string | undefined;
  /** For the log line: where the choice came from or, without a client, how to get one. */
  note: string;
}

/**
 * Where a gateway serves the web client from: NATTER_WEB_DIR (config resolves it against the
 * directory the command ran in; a relative one here, against `from`); unset, this
 * repository's web/dist when it is built.
 */
export function chooseWebDir(given: string | undefined, from: string = process.cwd()): WebDirChoice {
  if (given) {
    const dir = resolve(from, given);
    return existsSync(join(dir, 'index.html'))
      ? { dir, note: `NATTER_WEB_DIR=${given}` }
      : {
          dir: undefined,
          note: `NATTER_WEB_DIR=${given} (${dir}) has no index.html; npm run build:web builds one`,
        };
  }
  return existsSync(join(REPO_WEB_DIST, 'index.html'))
    ? { dir: REPO_WEB_DIST, note: "this repository's web/dist" }
    : { dir: undefined, note: `${REPO_WEB_DIST} is not built; npm run build:web builds it` };
}

/** The log line that says where the page comes from, or that there is none and why. */
export function logWebDir(choice: WebDirChoice, log: Logger): void {
  if (choice.dir)
    log.info({ webDir: choice.dir }, `serving the web client from ${choice.dir} (${choice.note})`);
  else log.info(`serving no web client: ${choice.note}`);
}

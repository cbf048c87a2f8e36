import { run } from './run.ts';

// The process edge: real streams in, an exit code out. process.exit (after stdout has
// drained) because a closed WebSocket or a paused stdin must not keep `natter` alive.
const io = { stdin: process.stdin, stdout: process.stdout, stderr: process.stderr, env: process.env };

run(process.argv.slice(2), io).then(
  (code) => exitAfterFlush(code),
  (err: unknown) => {
    process.stderr.write(
      `natter: unexpected failure: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
    );
    exitAfterFlush(1);
  },
);

function exitAfterFlush(code: number): void {
  process.stdout.write('', () => process.stderr.write('', () => process.exit(code)));
}

/** What every service's start() resolves with, and what serveProcess() serves. */
export interface RunningService {
  /** For `/readyz`: false while a backend is unreachable, and after stop(). */
  ready(): boolean;
  /** For `/readyz` (`load`): true while the service sheds requests past its bound. */
  overloaded?(): boolean;
  /** Stops taking work and resolves once what was in flight has been answered. */
  stop(): Promise<void>;
}

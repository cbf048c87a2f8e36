/** A listener for one event; `void` events take no argument. */
export type Listener<T> = (payload: T) => void;

/**
 * A tiny typed event emitter (no Node EventEmitter: the SDK runs in browsers). `E` maps
 * event names to payload types. A listener that throws does not stop the others or the
 * SDK: its error goes to `onListenerError`, which by default rethrows it in a microtask,
 * so it still surfaces as an uncaught error.
 */
export class Emitter<E extends object> {
  private readonly listeners: { [K in keyof E]?: Set<Listener<E[K]>> } = {};

  constructor(private readonly onListenerError: (err: unknown) => void = rethrowLater) {}

  /** Adds a listener; returns a function that removes it. */
  on<K extends keyof E>(name: K, listener: Listener<E[K]>): () => void {
    let set = this.listeners[name];
    if (!set) {
      set = new Set();
      this.listeners[name] = set;
    }
    set.add(listener);
    return () => this.off(name, listener);
  }

  /** Adds a listener that is removed after its first call. */
  once<K extends keyof E>(name: K, listener: Listener<E[K]>): () => void {
    const off = this.on(name, (payload) => {
      off();
      listener(payload);
    });
    return off;
  }

  off<K extends keyof E>(name: K, listener: Listener<E[K]>): void {
    this.listeners[name]?.delete(listener);
  }

  emit<K extends keyof E>(name: K, payload: E[K]): void {
    const set = this.listeners[name];
    if (!set) return;
    // A copy, so listeners that add or remove listeners do not disturb this round.
    for (const listener of [...set]) {
      try {
        listener(payload);
      } catch (err) {
        this.onListenerError(err);
      }
    }
  }

  /** Number of listeners for an event. */
  listenerCount(name: keyof E): number {
    return this.listeners[name]?.size ?? 0;
  }
}

function rethrowLater(err: unknown): void {
  queueMicrotask(() => {
    throw err;
  });
}

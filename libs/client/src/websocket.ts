/**
 * The part of a WebSocket the SDK uses. The browser's `WebSocket`, React Native's and the
 * `ws` package's all fit it, so the SDK never imports a transport itself.
 */
export interface WebSocketLike {
  readonly readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  // Handlers are typed with `never` parameters so that the DOM's and `ws`'s own, narrower
  // event types are assignable; Connection reads only `data`, `code` and `reason`.
  onopen: ((event: never) => unknown) | null;
  onmessage: ((event: never) => unknown) | null;
  onclose: ((event: never) => unknown) | null;
  onerror: ((event: never) => unknown) | null;
}

/** A WebSocket constructor: `globalThis.WebSocket` in browsers, `import WebSocket from 'ws'` in Node. */
export type WebSocketConstructor = new (url: string) => WebSocketLike;

/** `readyState` of an open socket (the same constant in every implementation). */
export const WS_OPEN = 1;

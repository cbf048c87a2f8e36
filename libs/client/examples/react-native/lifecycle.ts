// Ties a NatterClient to a phone's life: the app going to the background and back, and the
// network going away and coming back. Uses only the SDK's connect()/close() and what React
// Native (AppState) and @react-native-community/netinfo provide.
import type { NatterClient } from '@natter/client';
import NetInfo from '@react-native-community/netinfo';
import { AppState, type AppStateStatus } from 'react-native';

export interface LifecycleOptions {
  /** How long the app may sit in the background before the connection is closed. */
  backgroundGraceMs?: number;
}

/**
 * In the background the OS suspends the app and its socket dies within seconds to minutes
 * anyway; closing it ourselves frees the server's session at once, so presence says
 * offline and push (once registered) reaches the phone instead. A close waits for the
 * outbox: sends still waiting for their result would otherwise fail with `closed`.
 * Back in the foreground, connect() resumes: the SDK remembers the highest seq it delivered
 * per conversation and sends it as `since`, the server replays what was missed, then `synced`.
 * Returns a function that undoes it all.
 */
export function attachLifecycle(client: NatterClient, opts: LifecycleOptions = {}): () => void {
  const grace = opts.backgroundGraceMs ?? 15_000;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let stopWaitingForOutbox: (() => void) | undefined;
  let active = AppState.currentState === 'active';

  const closeWhenIdle = () => {
    if (client.pending === 0) {
      client.close();
      return;
    }
    stopWaitingForOutbox = client.on('outbox', ({ pending }) => {
      if (pending === 0 && !active) {
        stopWaitingForOutbox?.();
        client.close();
      }
    });
  };

  const onAppState = (next: AppStateStatus) => {
    active = next === 'active';
    clearTimeout(timer);
    stopWaitingForOutbox?.();
    if (active) {
      if (client.state === 'closed') client.connect().catch(() => undefined); // errors arrive as 'error' events
    } else {
      timer = setTimeout(closeWhenIdle, grace);
    }
  };

  // The network came back: redial now instead of waiting out the backoff, when nothing is
  // in flight (close() would fail pending sends; with some, the backoff's next try is soon).
  const onNet = NetInfo.addEventListener((net) => {
    if (!active || !net.isConnected || client.state === 'open' || client.pending > 0) return;
    client.close();
    client.connect().catch(() => undefined);
  });

  const appState = AppState.addEventListener('change', onAppState);
  return () => {
    clearTimeout(timer);
    stopWaitingForOutbox?.();
    appState.remove();
    onNet();
  };
}

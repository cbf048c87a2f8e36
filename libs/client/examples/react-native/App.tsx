// A minimal chat screen on @natter/client: one room, its messages, a text box.
// Type-checked in `npm test` (tsconfig.json beside it) against local declarations of the
// few React Native and React APIs it uses (shims/), not against react-native itself.
import { type MessageView, NatterClient, NatterClientError, registerNativePush } from '@natter/client';
import AsyncStorage from '@react-native-async-storage/async-storage';
import messaging from '@react-native-firebase/messaging';
import { useEffect, useRef, useState } from 'react';
import { Button, FlatList, Text, TextInput, View } from 'react-native';
import { attachLifecycle } from './lifecycle.ts';

const GATEWAY = 'wss://chat.example.com/ws';
const ROOM = 'general';
const SEQS_KEY = 'natter.seqs';

/** Your backend's token endpoint (docs/auth.md): it knows who is signed in. */
async function fetchToken(): Promise<string> {
  const res = await fetch('https://app.example.com/natter-token', { credentials: 'include' });
  if (!res.ok) throw new Error(`natter-token answered ${res.status}`);
  return res.text();
}

export default function App() {
  const [messages, setMessages] = useState<MessageView[]>([]);
  const [state, setState] = useState<string>('connecting');
  const [draft, setDraft] = useState('');
  const clientRef = useRef<NatterClient | null>(null);

  useEffect(() => {
    let stop: (() => void) | undefined;
    let cancelled = false;
    (async () => {
      // After a cold start, resume from what the app last showed (the SDK's memory is gone).
      const since = JSON.parse((await AsyncStorage.getItem(SEQS_KEY)) ?? '{}') as Record<string, number>;
      if (cancelled) return;
      // React Native has a global WebSocket: no `WebSocket` option needed.
      const client = new NatterClient({ url: GATEWAY, token: fetchToken, device: 'ios', since });
      clientRef.current = client;
      client.on('state', setState);
      client.on('message', (m) => {
        setMessages((list) => [...list, m]);
        since[m.conv] = m.seq;
        void AsyncStorage.setItem(SEQS_KEY, JSON.stringify(since));
      });
      // Push (docs/protocol.md, "Push to offline devices"): the FCM token is registered at
      // every hello (each connect() after the background, too: one device per token on the
      // server, so repeating is harmless) and again whenever Firebase rotates it. The server
      // pushes only what no session of the user marked received within NATTER_PUSH_DELAY_MS,
      // which is why lifecycle.ts closes the socket in the background.
      let pushToken = '';
      const registerPush = () => {
        if (pushToken) void registerNativePush(client, 'fcm', pushToken).catch(() => {});
      };
      client.on('hello', registerPush);
      const stopTokens = messaging().onTokenRefresh((token) => {
        pushToken = token;
        registerPush();
      });
      const detach = attachLifecycle(client);
      stop = () => {
        stopTokens();
        detach();
      };
      await client.connect();
      await client.join(ROOM);
      await messaging().requestPermission();
      pushToken = await messaging().getToken();
      registerPush();
    })().catch((err: unknown) => setState(err instanceof NatterClientError ? err.code : String(err)));
    return () => {
      cancelled = true;
      stop?.();
      clientRef.current?.close();
    };
  }, []);

  const send = async () => {
    const text = draft.trim();
    if (!text || !clientRef.current) return;
    setDraft('');
    // Resolves once stored; offline it waits in the outbox and is retried with its cid.
    const sent = await clientRef.current.send(`room:${ROOM}`, { text });
    const me = clientRef.current.user ?? '';
    setMessages((list) => [
      ...list,
      { conv: sent.conv, seq: sent.seq, mid: sent.mid, ts: sent.ts, ver: sent.ver ?? 0, from: me, text },
    ]);
  };

  return (
    <View style={{ flex: 1 }}>
      {state !== 'open' && <Text>{state}</Text>}
      <FlatList
        data={messages}
        keyExtractor={(m) => m.mid}
        renderItem={({ item }) => <Text>{`${item.from}: ${item.text ?? ''}`}</Text>}
      />
      <TextInput value={draft} onChangeText={setDraft} onSubmitEditing={send} placeholder="Message" />
      <Button title="Send" onPress={send} />
    </View>
  );
}

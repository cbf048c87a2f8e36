// The few React Native, React, NetInfo, AsyncStorage and Firebase Messaging APIs the example uses, declared
// here so that `npm test` type-checks the example without installing react-native (which
// pulls in a toolchain this repository does not need). Signatures follow their types.
declare module 'react-native' {
  export type AppStateStatus = 'active' | 'background' | 'inactive' | 'unknown' | 'extension';
  export const AppState: {
    currentState: AppStateStatus;
    addEventListener(type: 'change', listener: (state: AppStateStatus) => void): { remove(): void };
  };
  type Style = Record<string, string | number>;
  export function View(props: { style?: Style; children?: unknown }): JSX.Element;
  export function Text(props: { style?: Style; children?: unknown }): JSX.Element;
  export function TextInput(props: {
    value: string;
    onChangeText(text: string): void;
    onSubmitEditing?(): void;
    placeholder?: string;
  }): JSX.Element;
  export function Button(props: { title: string; onPress(): void }): JSX.Element;
  export function FlatList<T>(props: {
    data: readonly T[];
    keyExtractor(item: T): string;
    renderItem(info: { item: T; index: number }): JSX.Element;
  }): JSX.Element;
}

declare module '@react-native-community/netinfo' {
  export interface NetInfoState {
    isConnected: boolean | null;
    type: string;
  }
  const NetInfo: { addEventListener(listener: (state: NetInfoState) => void): () => void };
  export default NetInfo;
}

declare module '@react-native-firebase/messaging' {
  interface Messaging {
    requestPermission(): Promise<number>;
    getToken(): Promise<string>;
    /** Returns the unsubscribe function. */
    onTokenRefresh(listener: (token: string) => void): () => void;
  }
  export default function messaging(): Messaging;
}

declare module '@react-native-async-storage/async-storage' {
  const AsyncStorage: {
    getItem(key: string): Promise<string | null>;
    setItem(key: string, value: string): Promise<void>;
  };
  export default AsyncStorage;
}

declare module 'react' {
  export function useState<T>(initial: T): [T, (next: T | ((prev: T) => T)) => void];
  export function useRef<T>(initial: T): { current: T };
  export function useEffect(effect: () => undefined | (() => void), deps?: readonly unknown[]): void;
}

declare namespace JSX {
  interface Element {
    readonly __jsx: unique symbol;
  }
  interface ElementChildrenAttribute {
    children: unknown;
  }
  type IntrinsicElements = Record<never, never>;
}

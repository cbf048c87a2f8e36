import { BusError } from './types.ts';

/**
 * Subscription subjects indexed by token, as the NATS server's sublist does: matching a
 * published subject walks one branch per token (plus the `*` and `>` branches) instead of
 * testing every subscription, so the in-process bus stays fast with many subscriptions.
 */
interface Node<T> {
  children: Map<string, Node<T>>;
  /** Items whose pattern ends at this node. */
  items: Set<T>;
  /** Items whose pattern ends with `>` right below this node. */
  rest: Set<T>;
}

function node<T>(): Node<T> {
  return { children: new Map(), items: new Set(), rest: new Set() };
}

/** A subject one publishes to: non-empty tokens, no whitespace, no wildcards. */
export function checkPublishSubject(subject: string): void {
  if (!/^[^\s.*>]+(\.[^\s.*>]+)*$/.test(subject)) {
    throw new BusError(`invalid publish subject ${JSON.stringify(subject)}`);
  }
}

/** A subject one subscribes to: like a publish subject, where a token may be `*` and the last `>`. */
export function checkSubscribeSubject(subject: string): void {
  const tokens = subject.split('.');
  const ok = tokens.every(
    (t, i) =>
      t.length > 0 &&
      !/\s/.test(t) &&
      (t === '*' || t === '>' || !/[*>]/.test(t)) &&
      (t !== '>' || i === tokens.length - 1),
  );
  if (!ok) throw new BusError(`invalid subscription subject ${JSON.stringify(subject)}`);
}

export function hasWildcard(pattern: string): boolean {
  return pattern.includes('*') || pattern.includes('>');
}

export class SubjectTrie<T> {
  private readonly root: Node<T> = node();

  add(pattern: string, item: T): void {
    let n = this.root;
    const tokens = pattern.split('.');
    for (let i = 0; i < tokens.length; i++) {
      const t = tokens[i];
      if (t === '>') {
        n.rest.add(item);
        return;
      }
      let next = n.children.get(t);
      if (!next) {
        next = node();
        n.children.set(t, next);
      }
      n = next;
    }
    n.items.add(item);
  }

  remove(pattern: string, item: T): void {
    const path: [Node<T>, string][] = [];
    let n = this.root;
    const tokens = pattern.split('.');
    for (const t of tokens) {
      if (t === '>') {
        n.rest.delete(item);
        break;
      }
      const next = n.children.get(t);
      if (!next) return;
      path.push([n, t]);
      n = next;
    }
    if (tokens[tokens.length - 1] !== '>') n.items.delete(item);
    // Prune empty branches so per-user subjects that come and go do not leak nodes.
    for (let i = path.length - 1; i >= 0; i--) {
      const [parent, t] = path[i];
      const child = parent.children.get(t)!;
      if (child.items.size || child.rest.size || child.children.size) break;
      parent.children.delete(t);
    }
  }

  /** Every item whose pattern matches the literal subject, each once. */
  match(subject: string): T[] {
    const out = new Set<T>();
    this.walk(this.root, subject.split('.'), 0, out);
    return [...out];
  }

  private walk(n: Node<T>, tokens: string[], i: number, out: Set<T>): void {
    if (i === tokens.length) {
      for (const item of n.items) out.add(item);
      return;
    }
    for (const item of n.rest) out.add(item);
    const exact = n.children.get(tokens[i]);
    if (exact) this.walk(exact, tokens, i + 1, out);
    const star = n.children.get('*');
    if (star) this.walk(star, tokens, i + 1, out);
  }
}

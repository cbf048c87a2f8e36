/**
 * The one way this client builds DOM: elements from tag names and text nodes from strings.
 * There is deliberately no innerHTML anywhere; user data becomes text nodes or attribute
 * values, never markup.
 */
export type Child = Node | string | number | null | undefined | false;

export interface Props {
  class?: string;
  /** Attributes, set with setAttribute (values are strings, never parsed as HTML). */
  attrs?: Record<string, string | undefined>;
  /** Event listeners by event name. */
  on?: { [K in keyof HTMLElementEventMap]?: (ev: HTMLElementEventMap[K]) => void };
}

export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  props: Props | null = null,
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  if (props?.class) el.className = props.class;
  if (props?.attrs) {
    for (const [name, value] of Object.entries(props.attrs))
      if (value !== undefined) el.setAttribute(name, value);
  }
  if (props?.on) {
    for (const [name, fn] of Object.entries(props.on)) el.addEventListener(name, fn as EventListener);
  }
  append(el, ...children);
  return el;
}

export function append(parent: Node, ...children: Child[]): void {
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    parent.appendChild(
      typeof c === 'string' || typeof c === 'number' ? document.createTextNode(String(c)) : c,
    );
  }
}

/** An icon button: the label is for screen readers and the tooltip. */
export function iconButton(
  icon: Child,
  label: string,
  onClick: (ev: MouseEvent) => void,
  cls = '',
): HTMLButtonElement {
  return h(
    'button',
    {
      class: `icon-btn ${cls}`.trim(),
      attrs: { type: 'button', 'aria-label': label, title: label },
      on: { click: onClick },
    },
    icon,
  );
}

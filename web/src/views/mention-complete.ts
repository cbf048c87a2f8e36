import { h } from '../dom.ts';

const MAX_SHOWN = 8;

/**
 * `@` autocomplete for a textarea: typing `@` and the start of a name lists the members
 * whose names start with it; ArrowUp/ArrowDown move, Enter or Tab picks, Esc closes.
 * `keydown` must be offered each key first: it returns true when it used the key.
 */
export class MentionComplete {
  readonly el: HTMLElement;
  private matches: string[] = [];
  private active = 0;
  /** Where the `@` of the word being completed is. */
  private at = -1;

  constructor(
    private readonly input: HTMLTextAreaElement,
    private readonly members: () => string[],
  ) {
    this.el = h('ul', {
      class: 'mention-list',
      attrs: { role: 'listbox', 'aria-label': 'Members', hidden: '' },
    });
    input.addEventListener('input', () => this.update());
    input.addEventListener('blur', () => setTimeout(() => this.close(), 150));
  }

  get open(): boolean {
    return !this.el.hidden;
  }

  keydown(e: KeyboardEvent): boolean {
    if (!this.open) return false;
    if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
      const n = this.matches.length;
      this.active = (this.active + (e.key === 'ArrowDown' ? 1 : n - 1)) % n;
      this.draw();
    } else if (e.key === 'Enter' || e.key === 'Tab') {
      this.pick(this.matches[this.active]!);
    } else if (e.key === 'Escape') {
      this.close();
    } else return false;
    e.preventDefault();
    return true;
  }

  close(): void {
    this.el.hidden = true;
    this.matches = [];
  }

  private update(): void {
    const caret = this.input.selectionStart;
    const before = this.input.value.slice(0, caret);
    const m = /(^|\s)@([A-Za-z0-9_.-]{0,64})$/.exec(before);
    if (!m) {
      this.close();
      return;
    }
    const prefix = (m[2] ?? '').toLowerCase();
    this.at = caret - (m[2] ?? '').length - 1;
    this.matches = this.members()
      .filter((u) => u.toLowerCase().startsWith(prefix))
      .slice(0, MAX_SHOWN);
    if (this.matches.length === 0) {
      this.close();
      return;
    }
    this.active = 0;
    this.el.hidden = false;
    this.draw();
  }

  private draw(): void {
    this.el.replaceChildren(
      ...this.matches.map((u, i) =>
        h(
          'li',
          {
            class: `mention-option${i === this.active ? ' active' : ''}`,
            attrs: { role: 'option', 'aria-selected': i === this.active ? 'true' : 'false', 'data-user': u },
            on: {
              pointerdown: (e) => {
                e.preventDefault();
                this.pick(u);
              },
            },
          },
          `@${u}`,
        ),
      ),
    );
  }

  private pick(user: string): void {
    const { value, selectionStart } = this.input;
    const head = `${value.slice(0, this.at)}@${user} `;
    this.input.value = head + value.slice(selectionStart);
    this.input.selectionStart = this.input.selectionEnd = head.length;
    this.close();
    this.input.dispatchEvent(new Event('input'));
    this.input.focus();
  }
}

import { h } from '../dom.ts';

/** A small built-in set: faces, hands, hearts and a few things people react with. */
const EMOJI = [
  ...'😀 😃 😄 😁 😆 😅 🤣 😂 🙂 😉 😊 😇 🥰 😍 🤩 😘 😋 😛 😜 🤪 🤔 🤨 😐 😑 😶 🙄 😏 😬 😌 😴 🤒 🤯 🥳 😎 🤓 😕 😟 😮 😲 😳 🥺 😢 😭 😱 😤 😡 🤬 💀 🤡 👻'.split(
    ' ',
  ),
  ...'👋 🤚 ✋ 👌 🤌 ✌️ 🤞 🤟 🤘 👈 👉 👆 👇 👍 👎 👊 👏 🙌 🙏 💪'.split(' '),
  ...'❤️ 🧡 💛 💚 💙 💜 🖤 🤍 💔 💯 ✨ 🔥 🎉 🎂 🎁 ☕ 🍕 🍺 🚀 ✅ ❌ ⚠️ 👀 💡 📎 🎵'.split(' '),
];

/**
 * The emoji picker: a grid of buttons in a popover. Arrow keys move, Enter picks, Esc
 * closes and gives focus back to the button that opened it.
 */
export class EmojiPicker {
  readonly el: HTMLElement;
  private opener: HTMLElement | undefined;
  private readonly buttons: HTMLButtonElement[];
  private readonly cols = 8;

  constructor(private readonly onPick: (emoji: string) => void) {
    this.buttons = EMOJI.map((e) =>
      h(
        'button',
        {
          class: 'emoji',
          attrs: { type: 'button', 'aria-label': e, tabindex: '-1' },
          on: { click: () => this.pick(e) },
        },
        e,
      ),
    );
    this.el = h(
      'div',
      { class: 'emoji-picker', attrs: { role: 'dialog', 'aria-label': 'Emoji' } },
      h('div', { class: 'emoji-grid', attrs: { role: 'grid' } }, ...this.buttons),
    );
    this.el.hidden = true;
    this.el.addEventListener('keydown', (e) => this.onKey(e));
    document.addEventListener('pointerdown', (e) => {
      if (!this.el.hidden && !this.el.contains(e.target as Node) && !this.opener?.contains(e.target as Node))
        this.close(false);
    });
  }

  get open(): boolean {
    return !this.el.hidden;
  }

  toggle(opener: HTMLElement): void {
    if (this.open) {
      this.close(true);
      return;
    }
    this.opener = opener;
    this.el.hidden = false;
    this.focusAt(0);
  }

  close(restoreFocus: boolean): void {
    this.el.hidden = true;
    if (restoreFocus) this.opener?.focus();
  }

  private pick(emoji: string): void {
    this.onPick(emoji);
    this.close(false);
  }

  private focusAt(i: number): void {
    const n = this.buttons.length;
    const idx = ((i % n) + n) % n;
    for (const [j, b] of this.buttons.entries()) b.tabIndex = j === idx ? 0 : -1;
    this.buttons[idx]!.focus();
  }

  private onKey(e: KeyboardEvent): void {
    const i = this.buttons.indexOf(document.activeElement as HTMLButtonElement);
    const moves: Record<string, number> = {
      ArrowRight: 1,
      ArrowLeft: -1,
      ArrowDown: this.cols,
      ArrowUp: -this.cols,
    };
    if (e.key === 'Escape') {
      e.preventDefault();
      e.stopPropagation();
      this.close(true);
    } else if (e.key in moves && i >= 0) {
      e.preventDefault();
      this.focusAt(i + moves[e.key]!);
    }
  }
}

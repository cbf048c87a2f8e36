import { h, iconButton } from '../dom.ts';
import { icon } from '../icons.ts';
import type { ChatMessage } from '../store.ts';
import { seenByButton } from './receipts-view.ts';

/** What a person can do to a message; the conversation pane implements it on the Chat. */
export interface MessageActions {
  reply(m: ChatMessage): void;
  /** Adds my reaction with `emoji`, or takes it back if I reacted with it. */
  react(m: ChatMessage, emoji: string): void;
  edit(m: ChatMessage, text: string): Promise<void>;
  remove(m: ChatMessage): void;
  /** Pins, or unpins a pinned message. */
  pin(m: ChatMessage): void;
  /** My own message only: the page does not know a room's owner (rooms and join do not say). */
  canDelete(m: ChatMessage): boolean;
  /** Opens the message's thread in the side pane; absent inside a thread (threads do not nest). */
  openThread?(m: ChatMessage): void;
  /** Rooms: who has read my message (asked on demand). */
  seenBy?(m: ChatMessage): Promise<string[]>;
  jumpTo(seq: number): void;
}

/** Quick reactions: the few people use most. */
const QUICK = ['👍', '❤️', '😂', '🎉', '😮', '😢', '🙏', '👀'];
const LONG_PRESS_MS = 450;

/**
 * The actions bar of one message: shown on hover and keyboard focus, and on touch by a long
 * press (there is no hover on a phone). Only stored, not deleted messages have one.
 */
export function actionsBar(
  row: HTMLElement,
  m: ChatMessage,
  me: string,
  actions: MessageActions,
): HTMLElement {
  const picker = h(
    'div',
    { class: 'quick-react', attrs: { role: 'group', 'aria-label': 'Pick a reaction', hidden: '' } },
    ...QUICK.map((e) =>
      h(
        'button',
        {
          class: 'emoji',
          attrs: { type: 'button', 'aria-label': `React with ${e}` },
          on: {
            click: () => {
              picker.hidden = true;
              row.classList.remove('actions-open');
              actions.react(m, e);
            },
          },
        },
        e,
      ),
    ),
  );
  const bar = h(
    'div',
    { class: 'msg-actions', attrs: { role: 'toolbar', 'aria-label': 'Message actions' } },
    iconButton(icon('reply', 16), 'Reply', () => actions.reply(m), 'act-reply'),
    iconButton(
      icon('smile'),
      'React',
      () => {
        picker.hidden = !picker.hidden;
        if (!picker.hidden) (picker.firstElementChild as HTMLElement | null)?.focus();
      },
      'act-react',
    ),
    actions.openThread
      ? iconButton(icon('thread', 16), 'Open thread', () => actions.openThread?.(m), 'act-thread')
      : null,
    m.from === me ? iconButton(icon('edit', 16), 'Edit', () => startEdit(row, m, actions), 'act-edit') : null,
    m.from === me && actions.seenBy ? seenByButton(row, m, me, actions.seenBy) : null,
    iconButton(icon('pin', 16), m.pinned ? 'Unpin' : 'Pin', () => actions.pin(m), 'act-pin'),
    actions.canDelete(m)
      ? iconButton(icon('trash', 16), 'Delete', () => actions.remove(m), 'act-delete')
      : null,
    picker,
  );
  picker.addEventListener('keydown', (e) => {
    if (e.key === 'Escape') {
      picker.hidden = true;
      (bar.querySelector('.act-react') as HTMLElement | null)?.focus();
    }
  });
  return bar;
}

/** A long press on a row opens its actions (touch screens); a tap elsewhere closes them. */
export function longPressOpens(row: HTMLElement): void {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const cancel = () => clearTimeout(timer);
  row.addEventListener(
    'touchstart',
    () => {
      cancel();
      timer = setTimeout(() => {
        for (const open of document.querySelectorAll('.msg.actions-open'))
          open.classList.remove('actions-open');
        row.classList.add('actions-open');
      }, LONG_PRESS_MS);
    },
    { passive: true },
  );
  row.addEventListener('touchend', cancel);
  row.addEventListener('touchmove', cancel, { passive: true });
  row.addEventListener('contextmenu', (e) => {
    if (row.classList.contains('actions-open')) e.preventDefault();
  });
}

/** Edits the text in place: Enter saves, Shift+Enter adds a line, Esc cancels. */
function startEdit(row: HTMLElement, m: ChatMessage, actions: MessageActions): void {
  const text = row.querySelector('.text') as HTMLElement | null;
  if (!text || row.querySelector('.edit-box')) return;
  const box = h('textarea', {
    class: 'edit-box',
    attrs: { 'aria-label': 'Edit message', maxlength: '4000', rows: '2' },
  });
  box.value = m.text ?? '';
  const hint = h('div', { class: 'edit-hint' }, 'Enter to save · Esc to cancel');
  const done = () => {
    box.remove();
    hint.remove();
    text.hidden = false;
  };
  box.addEventListener('keydown', (e) => {
    if (e.key === 'Escape') {
      e.preventDefault();
      done();
    } else if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) {
      e.preventDefault();
      const next = box.value.trim();
      if (!next || next === m.text) {
        done();
        return;
      }
      box.disabled = true;
      actions.edit(m, next).then(done, () => {
        box.disabled = false;
      });
    }
  });
  text.hidden = true;
  text.after(box, hint);
  box.focus();
  box.setSelectionRange(box.value.length, box.value.length);
}

import { h, iconButton } from '../dom.ts';
import { icon } from '../icons.ts';
import type { ChatMessage } from '../store.ts';
import { durationLabel } from '../time.ts';
import { AUDIO_TYPES, IMAGE_TYPES } from '../upload.ts';
import { canRecord, VoiceRecorder } from '../voice.ts';
import { EmojiPicker } from './emoji.ts';
import { MentionComplete } from './mention-complete.ts';

export interface ComposerActions {
  /** `reply`: the seq of the message this one answers. */
  sendText(text: string, reply?: number): void;
  /** Who `@` completes to: the open room's members, or the DM's other user. */
  members(): string[];
  sendFiles(files: File[]): void;
  sendVoice(blob: Blob, durationMs: number): void;
  typing(): void;
  notify(message: string): void;
}

/**
 * The message box: Enter sends, Shift+Enter adds a line; emoji, image (button or paste)
 * and voice recording. Drag-and-drop is handled by the chat pane around it.
 */
export class Composer {
  readonly el: HTMLElement;
  readonly input: HTMLTextAreaElement;
  private readonly file: HTMLInputElement;
  private readonly mic: HTMLButtonElement;
  private readonly recording: HTMLElement;
  private readonly emoji: EmojiPicker;
  private readonly mentions: MentionComplete;
  private readonly replyBar: HTMLElement;
  private replyTo: ChatMessage | undefined;
  private recorder: VoiceRecorder | undefined;
  private timer: ReturnType<typeof setInterval> | undefined;

  constructor(private readonly actions: ComposerActions) {
    this.input = h('textarea', {
      class: 'composer-input',
      attrs: {
        rows: '1',
        placeholder: 'Write a message…',
        'aria-label': 'Message',
        // The default NATTER_MAX_TEXT_CHARS; a server set higher still takes what the composer caps.
        maxlength: '4000',
        enterkeyhint: 'send',
      },
    });
    this.file = h('input', {
      attrs: {
        type: 'file',
        accept: [...IMAGE_TYPES, ...AUDIO_TYPES].join(','),
        multiple: '',
        hidden: '',
        'aria-hidden': 'true',
      },
    });
    this.emoji = new EmojiPicker((e) => this.insert(e));
    this.mentions = new MentionComplete(this.input, () => actions.members());
    this.replyBar = h('div', { class: 'reply-bar', attrs: { hidden: '', role: 'status' } });
    this.recording = h('div', { class: 'recording', attrs: { hidden: '', role: 'status' } });
    this.mic = iconButton(icon('mic'), 'Record a voice message', () => void this.toggleRecording(), 'mic');
    const emojiBtn = iconButton(
      icon('smile'),
      'Insert emoji',
      () => this.emoji.toggle(emojiBtn),
      'emoji-btn',
    );
    const send = iconButton(icon('send'), 'Send', () => this.submit(), 'send');
    this.el = h(
      'form',
      {
        class: 'composer',
        attrs: { 'aria-label': 'Write a message' },
        on: {
          submit: (e) => {
            e.preventDefault();
            this.submit();
          },
        },
      },
      this.replyBar,
      this.mentions.el,
      this.emoji.el,
      iconButton(icon('attach'), 'Attach an image or audio file', () => this.file.click(), 'attach'),
      emojiBtn,
      this.input,
      this.recording,
      canRecord() ? this.mic : null,
      send,
      this.file,
    );
    this.input.addEventListener('keydown', (e) => {
      if (this.mentions.keydown(e)) return;
      if (e.key === 'Escape' && this.replyTo && !this.recorder) {
        this.setReply(undefined);
      } else if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) {
        e.preventDefault();
        this.submit();
      } else if (e.key === 'Escape' && this.recorder) {
        this.cancelRecording();
      }
    });
    this.input.addEventListener('input', () => {
      this.autosize();
      if (this.input.value.trim()) actions.typing();
    });
    this.input.addEventListener('paste', (e) => {
      const files = [...(e.clipboardData?.files ?? [])];
      if (files.length > 0) {
        e.preventDefault();
        actions.sendFiles(files);
      }
    });
    this.file.addEventListener('change', () => {
      const files = [...(this.file.files ?? [])];
      this.file.value = '';
      if (files.length) actions.sendFiles(files);
    });
  }

  focus(): void {
    this.input.focus();
  }

  setEnabled(enabled: boolean): void {
    this.input.disabled = !enabled;
  }

  /** Shows what the next message answers (a quoted preview above the box); undefined clears it. */
  setReply(m: ChatMessage | undefined): void {
    this.replyTo = m?.seq === undefined ? undefined : m;
    this.replyBar.hidden = !this.replyTo;
    this.replyBar.replaceChildren(
      ...(this.replyTo
        ? [
            h('span', { class: 'reply-label' }, 'Replying to ', h('strong', null, this.replyTo.from)),
            h('span', { class: 'reply-preview' }, [...(this.replyTo.text ?? '')].slice(0, 100).join('')),
            iconButton(icon('close', 16), 'Cancel reply', () => this.setReply(undefined), 'reply-cancel'),
          ]
        : []),
    );
    if (this.replyTo) this.input.focus();
  }

  private submit(): void {
    const text = this.input.value.trim();
    if (!text) return;
    this.actions.sendText(text, this.replyTo?.seq);
    this.setReply(undefined);
    this.input.value = '';
    this.autosize();
    this.input.focus();
  }

  private insert(text: string): void {
    const { selectionStart: s, selectionEnd: e, value } = this.input;
    this.input.value = value.slice(0, s) + text + value.slice(e);
    this.input.selectionStart = this.input.selectionEnd = s + text.length;
    this.input.focus();
    this.autosize();
  }

  private autosize(): void {
    this.input.style.height = 'auto';
    this.input.style.height = `${Math.min(this.input.scrollHeight, 160)}px`;
  }

  private async toggleRecording(): Promise<void> {
    if (this.recorder) {
      const rec = this.recorder;
      this.stopUi();
      const { blob, durationMs } = await rec.stop();
      if (blob.size > 0) this.actions.sendVoice(blob, durationMs);
      return;
    }
    const rec = new VoiceRecorder();
    try {
      await rec.start();
    } catch (err) {
      this.actions.notify(`Cannot record: ${err instanceof Error ? err.message : String(err)}`);
      return;
    }
    this.recorder = rec;
    this.el.classList.add('is-recording');
    this.mic.setAttribute('aria-label', 'Stop and send the voice message');
    this.mic.title = 'Stop and send (Esc cancels)';
    this.recording.hidden = false;
    const tick = () => {
      this.recording.textContent = `● Recording ${durationLabel(rec.elapsedMs)} — click the microphone to send, Esc to cancel`;
    };
    tick();
    this.timer = setInterval(tick, 500);
    this.mic.focus();
    this.mic.addEventListener('keydown', this.escCancels);
  }

  private readonly escCancels = (e: KeyboardEvent) => {
    if (e.key === 'Escape') this.cancelRecording();
  };

  private cancelRecording(): void {
    this.recorder?.cancel();
    this.stopUi();
  }

  private stopUi(): void {
    this.recorder = undefined;
    clearInterval(this.timer);
    this.el.classList.remove('is-recording');
    this.recording.hidden = true;
    this.mic.setAttribute('aria-label', 'Record a voice message');
    this.mic.title = 'Record a voice message';
    this.mic.removeEventListener('keydown', this.escCancels);
  }
}

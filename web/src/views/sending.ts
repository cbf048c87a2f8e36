import { threadRoot } from '@natter/client';
import type { Chat } from '../chat.ts';
import { isUploadable, uploadBlob } from '../upload.ts';
import { Composer } from './composer.ts';
import { errorText, type Toasts } from './toasts.ts';

/**
 * Everything the page sends to the open conversation: the composer's text and typing,
 * files (picked, pasted or dropped) and voice messages, which are uploaded first.
 */
export class Sender {
  readonly composer: Composer;

  /** `target`: where it sends; the open conversation, or (the thread pane's) the open thread. */
  constructor(
    private readonly chat: Chat,
    private readonly toasts: Toasts,
    private readonly target: () => string | undefined = () => chat.current,
  ) {
    this.composer = new Composer({
      sendText: (text, reply) => this.withConv((id) => chat.outgoing.send(id, { text, reply })),
      members: () => {
        const id = this.target();
        // A thread's members are its parent's.
        const c = id ? chat.convs.get(threadRoot(id)?.conv ?? id) : undefined;
        if (!c) return [];
        return (c.kind === 'room' ? (c.members ?? []) : [c.name]).filter((u) => u !== chat.me);
      },
      sendFiles: (files) => this.withConv((id) => void this.sendFiles(id, files)),
      sendVoice: (blob, ms) => this.withConv((id) => void this.sendVoice(id, blob, ms)),
      typing: () => this.withConv((id) => chat.outgoing.typing(id)),
      notify: (m) => this.toasts.show(m),
    });
  }

  /** Files dropped on `zone` go to the open conversation; while dragging, `zone` is `.dragging`. */
  acceptDrops(zone: HTMLElement): void {
    // dragenter/dragleave fire for every child crossed: count them to know when we left.
    let depth = 0;
    const hasFiles = (e: DragEvent) => [...(e.dataTransfer?.types ?? [])].includes('Files');
    zone.addEventListener('dragenter', (e) => {
      if (!hasFiles(e) || !this.chat.current) return;
      depth++;
      zone.classList.add('dragging');
    });
    zone.addEventListener('dragleave', () => {
      depth = Math.max(0, depth - 1);
      if (depth === 0) zone.classList.remove('dragging');
    });
    zone.addEventListener('dragover', (e) => {
      if (hasFiles(e)) e.preventDefault();
    });
    zone.addEventListener('drop', (e) => {
      e.preventDefault();
      depth = 0;
      zone.classList.remove('dragging');
      const files = [...(e.dataTransfer?.files ?? [])];
      if (files.length && this.chat.current) void this.sendFiles(this.chat.current, files);
    });
  }

  private withConv(fn: (id: string) => void): void {
    const id = this.target();
    if (id) fn(id);
  }

  private async sendFiles(id: string, files: File[]): Promise<void> {
    for (const f of files) {
      if (!isUploadable(f.type)) {
        this.toasts.show(
          `${f.name}: only PNG, JPEG, GIF, WebP images and WebM, Ogg, MP3, M4A audio can be sent`,
        );
        continue;
      }
      const note = this.toasts.show(`Uploading ${f.name}…`, 0);
      try {
        const att = await uploadBlob(f, { token: this.chat.client.token, name: f.name || 'image' });
        this.chat.outgoing.send(id, { attachments: [att] });
      } catch (err) {
        this.toasts.show(errorText(err));
      } finally {
        note.remove();
      }
    }
  }

  private async sendVoice(id: string, blob: Blob, durationMs: number): Promise<void> {
    const note = this.toasts.show('Sending voice message…', 0);
    try {
      const ext = blob.type.includes('ogg') ? 'ogg' : blob.type.includes('mp4') ? 'm4a' : 'webm';
      const att = await uploadBlob(blob, {
        token: this.chat.client.token,
        name: `voice-message.${ext}`,
        duration: durationMs,
      });
      this.chat.outgoing.send(id, { attachments: [att] });
    } catch (err) {
      this.toasts.show(errorText(err));
    } finally {
      note.remove();
    }
  }
}

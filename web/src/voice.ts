/** The containers MediaRecorder may produce that the server accepts, best first. */
const CANDIDATES = ['audio/webm;codecs=opus', 'audio/webm', 'audio/ogg;codecs=opus', 'audio/mp4'];

export function canRecord(): boolean {
  return typeof MediaRecorder !== 'undefined' && !!navigator.mediaDevices?.getUserMedia;
}

/** One voice message being recorded with the microphone. */
export class VoiceRecorder {
  private recorder: MediaRecorder | undefined;
  private stream: MediaStream | undefined;
  private chunks: Blob[] = [];
  private startedAt = 0;

  get elapsedMs(): number {
    return this.startedAt ? Date.now() - this.startedAt : 0;
  }

  /** Asks for the microphone (the browser prompts once) and starts recording. */
  async start(): Promise<void> {
    this.stream = await navigator.mediaDevices.getUserMedia({ audio: true });
    const mimeType = CANDIDATES.find((t) => MediaRecorder.isTypeSupported(t));
    this.recorder = new MediaRecorder(this.stream, mimeType ? { mimeType } : undefined);
    this.chunks = [];
    this.recorder.ondataavailable = (e) => {
      if (e.data.size > 0) this.chunks.push(e.data);
    };
    this.recorder.start(250);
    this.startedAt = Date.now();
  }

  /** Stops and resolves with the recording and its length. */
  stop(): Promise<{ blob: Blob; durationMs: number }> {
    const rec = this.recorder;
    if (!rec) return Promise.reject(new Error('not recording'));
    const durationMs = this.elapsedMs;
    return new Promise((resolve) => {
      rec.onstop = () => {
        this.release();
        resolve({
          blob: new Blob(this.chunks, { type: rec.mimeType.split(';')[0] || 'audio/webm' }),
          durationMs,
        });
      };
      rec.stop();
    });
  }

  cancel(): void {
    if (this.recorder && this.recorder.state !== 'inactive') {
      this.recorder.onstop = null;
      this.recorder.stop();
    }
    this.release();
  }

  private release(): void {
    for (const t of this.stream?.getTracks() ?? []) t.stop();
    this.stream = undefined;
    this.recorder = undefined;
    this.startedAt = 0;
  }
}

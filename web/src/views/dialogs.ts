import { h } from '../dom.ts';

/**
 * A modal <dialog>: the browser gives it a focus trap, Esc to close and a backdrop. The
 * form's submit handler returns an error message to show, or nothing to close.
 */
export function formDialog(opts: {
  title: string;
  fields: HTMLElement[];
  submit: string;
  onSubmit(form: HTMLFormElement): Promise<string | undefined>;
  extra?: HTMLElement;
}): HTMLDialogElement {
  const error = h('p', { class: 'form-error', attrs: { role: 'alert' } });
  const submit = h('button', { class: 'primary', attrs: { type: 'submit' } }, opts.submit);
  const form = h(
    'form',
    { attrs: { method: 'dialog' } },
    h('h2', null, opts.title),
    ...opts.fields,
    error,
    opts.extra ?? null,
    h(
      'div',
      { class: 'dialog-actions' },
      h(
        'button',
        { attrs: { type: 'button', value: 'cancel' }, on: { click: () => dialog.close() } },
        'Cancel',
      ),
      submit,
    ),
  );
  const dialog = h('dialog', { class: 'dialog' }, form);
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    error.textContent = '';
    submit.disabled = true;
    try {
      const problem = await opts.onSubmit(form);
      if (problem) error.textContent = problem;
      else dialog.close();
    } finally {
      submit.disabled = false;
    }
  });
  dialog.addEventListener('close', () => {
    error.textContent = '';
    form.reset();
  });
  return dialog;
}

export function field(
  label: string,
  input: HTMLInputElement | HTMLTextAreaElement,
  hint?: string,
): HTMLElement {
  return h('label', { class: 'field' }, h('span', null, label), input, hint ? h('small', null, hint) : null);
}

/** The full-size image viewer: click anywhere or Esc to close. */
export class ImageViewer {
  readonly el: HTMLDialogElement;
  private readonly img: HTMLImageElement;
  private readonly link: HTMLAnchorElement;

  constructor() {
    this.img = h('img', { attrs: { alt: '', referrerpolicy: 'no-referrer' } });
    this.link = h(
      'a',
      { class: 'viewer-open', attrs: { target: '_blank', rel: 'noopener noreferrer' } },
      'Open original',
    );
    this.el = h(
      'dialog',
      { class: 'viewer', attrs: { 'aria-label': 'Image' } },
      this.img,
      h(
        'div',
        { class: 'viewer-bar' },
        this.link,
        h('button', { attrs: { type: 'button' }, on: { click: () => this.el.close() } }, 'Close'),
      ),
    );
    this.el.addEventListener('click', (e) => {
      if (e.target === this.el || e.target === this.img) this.el.close();
    });
  }

  show(src: string, alt: string): void {
    this.img.src = src;
    this.img.alt = alt;
    this.link.href = src;
    this.el.showModal();
  }
}

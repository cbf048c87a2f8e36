import { USER_RE } from '@natter/protocol';
import type { Credentials } from '../chat.ts';
import { h } from '../dom.ts';

/** The sign-in screen: a name (servers in open mode) or a token. */
export function signInView(onSubmit: (creds: Credentials) => void, error?: string): HTMLElement {
  const name = h('input', {
    attrs: {
      id: 'signin-name',
      name: 'user',
      autocomplete: 'username',
      placeholder: 'alice',
      maxlength: '64',
      autocapitalize: 'none',
      spellcheck: 'false',
    },
  });
  const token = h('textarea', {
    attrs: {
      id: 'signin-token',
      name: 'token',
      rows: '3',
      placeholder: 'eyJhbGciOi…',
      spellcheck: 'false',
      autocomplete: 'off',
    },
  });
  const tokenBox = h(
    'div',
    { class: 'token-box', attrs: { hidden: '' } },
    h('label', { attrs: { for: 'signin-token' } }, 'Access token'),
    token,
  );
  const problem = h('p', { class: 'form-error', attrs: { role: 'alert' } }, error ?? '');
  const toggle = h(
    'button',
    {
      class: 'link-btn',
      attrs: { type: 'button', 'aria-expanded': 'false' },
      on: {
        click: () => {
          tokenBox.hidden = !tokenBox.hidden;
          toggle.setAttribute('aria-expanded', String(!tokenBox.hidden));
          toggle.textContent = tokenBox.hidden ? 'I have an access token' : 'Sign in with a name instead';
          (tokenBox.hidden ? name : token).focus();
        },
      },
    },
    'I have an access token',
  );
  const form = h(
    'form',
    { class: 'signin-card', attrs: { 'aria-labelledby': 'signin-title' } },
    h('img', { class: 'logo', attrs: { src: '/favicon.svg', alt: '', width: '56', height: '56' } }),
    h('h1', { attrs: { id: 'signin-title' } }, 'Natter'),
    h('p', { class: 'tagline' }, 'Chat with your people. Rooms, direct messages, images and voice.'),
    h('div', { class: 'name-box' }, h('label', { attrs: { for: 'signin-name' } }, 'Your name'), name),
    tokenBox,
    problem,
    h('button', { class: 'primary wide', attrs: { type: 'submit' } }, 'Sign in'),
    toggle,
  );
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    if (!tokenBox.hidden && token.value.trim()) {
      onSubmit({ token: token.value.trim() });
      return;
    }
    const user = name.value.trim();
    if (!USER_RE.test(user)) {
      problem.textContent = 'Use 1-64 letters, digits, dots, dashes or underscores.';
      name.focus();
      return;
    }
    onSubmit({ user });
  });
  queueMicrotask(() => name.focus());
  return h('main', { class: 'signin' }, form);
}

import { ROOM_RE, USER_RE } from '@natter/protocol';
import type { Chat } from '../chat.ts';
import { h } from '../dom.ts';
import { field, formDialog } from './dialogs.ts';
import { errorText, type Toasts } from './toasts.ts';

const BAD_USER = 'User names are 1-64 letters, digits, dots, dashes or underscores.';

/** The dialogs that start a conversation or bring someone in: join a room, new DM, invite. */
export class ConvDialogs {
  readonly join: HTMLDialogElement;
  readonly dm: HTMLDialogElement;
  readonly invite: HTMLDialogElement;
  private readonly publicRooms: HTMLElement;

  constructor(
    private readonly chat: Chat,
    private readonly open: (conv: string) => void,
    private readonly toasts: Toasts,
  ) {
    this.publicRooms = h('ul', { class: 'public-rooms', attrs: { 'aria-label': 'Public rooms' } });
    this.join = this.joinDialog();
    this.dm = this.dmDialog();
    this.invite = this.inviteDialog();
  }

  get all(): HTMLDialogElement[] {
    return [this.join, this.dm, this.invite];
  }

  /** Join (or create) by name, with the public rooms matching what is typed to pick from. */
  private joinDialog(): HTMLDialogElement {
    const roomName = h('input', {
      attrs: {
        name: 'room',
        required: '',
        pattern: '[a-z0-9][a-z0-9_\\-]{0,63}',
        placeholder: 'general',
        autocapitalize: 'none',
        spellcheck: 'false',
        autocomplete: 'off',
      },
    });
    const priv = h('input', { attrs: { type: 'checkbox', name: 'private' } });
    // Debounced: one search per pause in typing, not one per key.
    let search: ReturnType<typeof setTimeout> | undefined;
    const refreshPublic = () => {
      clearTimeout(search);
      search = setTimeout(async () => {
        const rooms = await this.chat.publicRooms(roomName.value.trim().toLowerCase()).catch(() => []);
        this.publicRooms.replaceChildren(
          ...rooms.map((r) =>
            h(
              'li',
              null,
              h(
                'button',
                {
                  class: 'public-room',
                  attrs: { type: 'button' },
                  on: {
                    click: async () => {
                      join.close();
                      try {
                        this.open(await this.chat.join(r.room));
                      } catch (err) {
                        this.toasts.show(errorText(err));
                      }
                    },
                  },
                },
                `# ${r.room}`,
                h('small', null, `${r.members} member${r.members === 1 ? '' : 's'}`),
              ),
            ),
          ),
        );
      }, 150);
    };
    roomName.addEventListener('input', refreshPublic);
    const join = formDialog({
      title: 'Join or create a room',
      fields: [
        field(
          'Room name',
          roomName,
          'Lower-case letters, digits, - and _. A public room that does not exist is created.',
        ),
        h(
          'label',
          { class: 'check' },
          priv,
          h('span', null, 'Create a private room (members join by invitation)'),
        ),
      ],
      submit: 'Go',
      extra: h('div', { class: 'public-box' }, h('h3', null, 'Public rooms'), this.publicRooms),
      onSubmit: async () => {
        const room = roomName.value.trim().toLowerCase();
        if (!ROOM_RE.test(room))
          return 'Room names are 1-64 lower-case letters, digits, - or _, starting with a letter or digit.';
        try {
          const id = priv.checked ? await this.chat.create(room, true) : await this.chat.join(room);
          this.open(id);
          return undefined;
        } catch (err) {
          return errorText(err);
        }
      },
    });
    join.addEventListener('toggle', () => {
      if (join.open) refreshPublic();
    });
    return join;
  }

  private dmDialog(): HTMLDialogElement {
    const dmUser = userInput();
    return formDialog({
      title: 'New direct message',
      fields: [field('User name', dmUser)],
      submit: 'Open',
      onSubmit: async () => {
        const user = dmUser.value.trim();
        if (!USER_RE.test(user)) return BAD_USER;
        this.open(this.chat.dm(user));
        return undefined;
      },
    });
  }

  /** Invites to the open room. */
  private inviteDialog(): HTMLDialogElement {
    const inviteUser = userInput();
    return formDialog({
      title: 'Invite to this room',
      fields: [field('User name', inviteUser, 'They can then join, even if the room is private.')],
      submit: 'Invite',
      onSubmit: async () => {
        const user = inviteUser.value.trim();
        const id = this.chat.current;
        if (!id || !USER_RE.test(user)) return BAD_USER;
        try {
          await this.chat.invite(id, user);
          this.toasts.show(`Invited ${user}.`);
          return undefined;
        } catch (err) {
          return errorText(err);
        }
      },
    });
  }
}

function userInput(): HTMLInputElement {
  return h('input', {
    attrs: {
      name: 'user',
      required: '',
      placeholder: 'bob',
      autocapitalize: 'none',
      spellcheck: 'false',
      autocomplete: 'off',
    },
  });
}

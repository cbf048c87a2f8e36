/** The sub-commands of `natter`. */
export const COMMANDS = ['connect', 'send', 'tail', 'token', 'vapid'] as const;

export type CommandName = (typeof COMMANDS)[number];

export function isCommand(s: string | undefined): s is CommandName {
  return (COMMANDS as readonly string[]).includes(s ?? '');
}

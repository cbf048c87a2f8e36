/**
 * ANSI colors, or none: a Style with `enabled: false` returns its input unchanged, so code
 * can style everything and stay correct for pipes, files and NO_COLOR.
 */
export interface Style {
  readonly enabled: boolean;
  dim(s: string): string;
  bold(s: string): string;
  red(s: string): string;
  yellow(s: string): string;
  green(s: string): string;
  /** A user name in a color of its own (stable per name). */
  user(name: string): string;
}

/** Colors only on a terminal, and never when NO_COLOR is set to anything (https://no-color.org). */
export function colorsWanted(stream: { isTTY?: boolean }, env: Record<string, string | undefined>): boolean {
  return stream.isTTY === true && (env.NO_COLOR === undefined || env.NO_COLOR === '');
}

const USER_COLORS = [31, 32, 33, 34, 35, 36, 91, 92, 93, 94, 95, 96];

export function createStyle(enabled: boolean): Style {
  const sgr = (open: number, close: number) => (s: string) =>
    enabled ? `\u001b[${open}m${s}\u001b[${close}m` : s;
  const color = (code: number) => sgr(code, 39);
  return {
    enabled,
    dim: sgr(2, 22),
    bold: sgr(1, 22),
    red: color(31),
    yellow: color(33),
    green: color(32),
    user: (name) => color(USER_COLORS[hash(name) % USER_COLORS.length])(name),
  };
}

function hash(s: string): number {
  let h = 0;
  for (let i = 0; i < s.length; i++) h = (h * 31 + s.charCodeAt(i)) >>> 0;
  return h;
}

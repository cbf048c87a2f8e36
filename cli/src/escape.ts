/**
 * Makes text from other users safe to print on a terminal. A chat message must not be able
 * to move the cursor, clear the screen, set the window title or hide text, so every C0 and
 * C1 control character (ESC, CSI, OSC, BEL, CR, backspace, ...) and DEL is shown as a
 * visible `\xNN` escape instead of being written, which also defuses every escape sequence
 * (they all start with one of them). Bidirectional overrides and line/paragraph separators
 * are shown as `\u{NNNN}`: they reorder or break what the reader sees.
 */
export function escapeControls(text: string, options: { keepNewlines?: boolean } = {}): string {
  const src = options.keepNewlines ? text.replace(/\r\n/g, '\n') : text;
  let out = '';
  for (const ch of src) {
    const cp = ch.codePointAt(0) ?? 0;
    if (cp === 0x0a && options.keepNewlines) out += ch;
    else if (cp === 0x09) out += ch;
    else if (cp < 0x20 || (cp >= 0x7f && cp <= 0x9f)) out += `\\x${hex(cp, 2)}`;
    else if (REORDERING.has(cp)) out += `\\u{${hex(cp, 4)}}`;
    else out += ch;
  }
  return out;
}

// LRE, RLE, PDF, LRO, RLO; LRI, RLI, FSI, PDI; LINE and PARAGRAPH SEPARATOR.
const REORDERING = new Set([
  0x202a, 0x202b, 0x202c, 0x202d, 0x202e, 0x2066, 0x2067, 0x2068, 0x2069, 0x2028, 0x2029,
]);

function hex(cp: number, width: number): string {
  return cp.toString(16).padStart(width, '0');
}

/**
 * A deliberately small YAML reader for compose.yaml, because no YAML package is installed.
 * It reads block mappings, block sequences, plain / single-quoted / double-quoted scalars
 * and flow sequences of scalars, and comments. Everything else (anchors, aliases, merge
 * keys, tags, block scalars, flow mappings, several documents, tabs) throws YamlSubsetError
 * naming the line, so a compose.yaml it cannot read fails the test instead of being
 * misread. Scalars stay strings (an empty value or `~` / `null` is null): compose.yaml
 * quotes what must stay a string anyway.
 */
export type YamlValue = string | null | YamlValue[] | { [key: string]: YamlValue };

export class YamlSubsetError extends Error {
  override name = 'YamlSubsetError';
}

interface Line {
  no: number;
  indent: number;
  text: string;
}

export function parseYaml(source: string): YamlValue {
  const lines: Line[] = [];
  source.split('\n').forEach((raw, i) => {
    const no = i + 1;
    const line = raw.replace(/\r$/, '');
    if (/^\s*(#.*)?$/.test(line)) return;
    if (/^\t| \t|^\s*\t/.test(line)) throw new YamlSubsetError(`line ${no}: tabs are not supported`);
    if (/^(---|\.\.\.)(\s|$)/.test(line))
      throw new YamlSubsetError(`line ${no}: several documents are not supported`);
    const indent = line.length - line.trimStart().length;
    lines.push({ no, indent, text: line.trimEnd().slice(indent) });
  });
  if (lines.length === 0) return null;
  const reader = new Reader(lines);
  const value = reader.block(lines[0].indent);
  if (reader.pos < lines.length) {
    const l = lines[reader.pos];
    throw new YamlSubsetError(`line ${l.no}: unexpected indentation`);
  }
  return value;
}

class Reader {
  pos = 0;
  constructor(private readonly lines: Line[]) {}

  block(indent: number): YamlValue {
    const line = this.lines[this.pos];
    return isSeqItem(line.text) ? this.seq(indent) : this.map(indent);
  }

  private map(indent: number): YamlValue {
    const out: { [key: string]: YamlValue } = {};
    while (this.pos < this.lines.length) {
      const line = this.lines[this.pos];
      if (line.indent < indent) break;
      if (line.indent > indent) throw new YamlSubsetError(`line ${line.no}: unexpected indentation`);
      if (isSeqItem(line.text))
        throw new YamlSubsetError(`line ${line.no}: a list item where a key was expected`);
      const colon = mapColon(line.text);
      if (colon < 0) throw new YamlSubsetError(`line ${line.no}: expected "key: value"`);
      const key = parseKey(line.text.slice(0, colon).trim(), line.no);
      if (key === '<<') throw new YamlSubsetError(`line ${line.no}: merge keys are not supported`);
      if (Object.hasOwn(out, key)) throw new YamlSubsetError(`line ${line.no}: duplicate key "${key}"`);
      const rest = line.text.slice(colon + 1).trim();
      this.pos++;
      out[key] = rest === '' || rest.startsWith('#') ? this.nested(indent, true) : parseScalar(rest, line.no);
    }
    return out;
  }

  private seq(indent: number): YamlValue {
    const out: YamlValue[] = [];
    while (this.pos < this.lines.length) {
      const line = this.lines[this.pos];
      if (line.indent < indent) break;
      if (line.indent > indent) throw new YamlSubsetError(`line ${line.no}: unexpected indentation`);
      if (!isSeqItem(line.text)) break;
      const content = line.text.slice(1).trimStart();
      if (content === '' || content.startsWith('#')) {
        this.pos++;
        out.push(this.nested(indent, false));
      } else if (mapColon(content) >= 0 && !/^["'[]/.test(content)) {
        // `- key: value`: a mapping whose keys line up with this first one.
        const itemIndent = indent + (line.text.length - content.length);
        this.lines[this.pos] = { no: line.no, indent: itemIndent, text: content };
        out.push(this.map(itemIndent));
      } else {
        this.pos++;
        out.push(parseScalar(content, line.no));
      }
    }
    return out;
  }

  /** The value of `key:` or `-` with nothing after it: a deeper block, or null. */
  private nested(indent: number, allowSameIndentSeq: boolean): YamlValue {
    const next = this.lines[this.pos];
    if (!next) return null;
    if (next.indent > indent) return this.block(next.indent);
    if (allowSameIndentSeq && next.indent === indent && isSeqItem(next.text)) return this.seq(indent);
    return null;
  }
}

function isSeqItem(text: string): boolean {
  return text === '-' || text.startsWith('- ');
}

/** Index of the `:` that ends a mapping key (followed by a space or the end), outside quotes; -1 if none. */
function mapColon(text: string): number {
  let quote: string | undefined;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (quote) {
      if (ch === '\\' && quote === '"') i++;
      else if (ch === quote) quote = undefined;
    } else if ((ch === '"' || ch === "'") && i === 0) {
      quote = ch;
    } else if (ch === ' ' && text[i + 1] === '#') {
      return -1;
    } else if (ch === ':' && (i + 1 === text.length || text[i + 1] === ' ')) {
      return i;
    }
  }
  return -1;
}

function parseKey(raw: string, no: number): string {
  if (raw.startsWith('"') || raw.startsWith("'")) {
    const { value, rest } = quoted(raw, no);
    if (rest.trim() !== '') throw new YamlSubsetError(`line ${no}: text after a quoted key`);
    return value;
  }
  if (/^[&*!?|>{[]/.test(raw)) throw new YamlSubsetError(`line ${no}: unsupported key "${raw}"`);
  return raw;
}

function parseScalar(raw: string, no: number): YamlValue {
  const first = raw[0];
  if (first === '"' || first === "'") {
    const { value, rest } = quoted(raw, no);
    expectEnd(rest, no);
    return value;
  }
  if (first === '[') return flowSeq(raw, no);
  if (/^[&*!|>{%@`]/.test(raw)) {
    throw new YamlSubsetError(`line ${no}: "${raw}" uses YAML this reader does not support`);
  }
  const plain = raw.replace(/\s+#.*$/, '').trim();
  return plain === '~' || plain === 'null' ? null : plain;
}

function expectEnd(rest: string, no: number): void {
  const r = rest.trim();
  if (r !== '' && !r.startsWith('#')) throw new YamlSubsetError(`line ${no}: unexpected "${r}"`);
}

/** A quoted scalar at the start of `raw`, and what follows its closing quote. */
function quoted(raw: string, no: number): { value: string; rest: string } {
  const q = raw[0];
  let value = '';
  for (let i = 1; i < raw.length; i++) {
    const ch = raw[i];
    if (q === "'" && ch === "'") {
      if (raw[i + 1] === "'") {
        value += "'";
        i++;
        continue;
      }
      return { value, rest: raw.slice(i + 1) };
    }
    if (q === '"' && ch === '"') return { value, rest: raw.slice(i + 1) };
    if (q === '"' && ch === '\\') {
      const esc = raw[++i];
      const map: Record<string, string> = { '\\': '\\', '"': '"', '/': '/', n: '\n', t: '\t' };
      if (esc === undefined || !(esc in map))
        throw new YamlSubsetError(`line ${no}: unsupported escape \\${esc ?? ''}`);
      value += map[esc];
      continue;
    }
    value += ch;
  }
  throw new YamlSubsetError(`line ${no}: unterminated ${q === '"' ? 'double' : 'single'}-quoted string`);
}

/** `[a, "b c", 'd']`: a flow sequence of scalars. */
function flowSeq(raw: string, no: number): YamlValue[] {
  const items: YamlValue[] = [];
  let i = 1;
  const skipSpace = () => {
    while (raw[i] === ' ') i++;
  };
  skipSpace();
  if (raw[i] === ']') {
    expectEnd(raw.slice(i + 1), no);
    return items;
  }
  for (;;) {
    skipSpace();
    const ch = raw[i];
    if (ch === undefined) throw new YamlSubsetError(`line ${no}: unterminated [ ]`);
    if (ch === '"' || ch === "'") {
      const { value, rest } = quoted(raw.slice(i), no);
      items.push(value);
      i = raw.length - rest.length;
    } else if (ch === '[' || ch === '{') {
      throw new YamlSubsetError(`line ${no}: nested flow collections are not supported`);
    } else {
      let j = i;
      while (j < raw.length && raw[j] !== ',' && raw[j] !== ']') j++;
      const plain = raw.slice(i, j).trim();
      if (plain === '') throw new YamlSubsetError(`line ${no}: empty item in [ ]`);
      items.push(parseScalar(plain, no));
      i = j;
    }
    skipSpace();
    if (raw[i] === ',') {
      i++;
      continue;
    }
    if (raw[i] === ']') {
      expectEnd(raw.slice(i + 1), no);
      return items;
    }
    throw new YamlSubsetError(`line ${no}: expected , or ] in [ ]`);
  }
}

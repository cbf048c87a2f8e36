import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

/**
 * Scanners that find which environment variables the code reads and which ones
 * docs/configuration.md documents, for the drift tests (config-docs, compose).
 */

const CONFIG_SRC = path.resolve(import.meta.dirname, '../libs/config/src');

/** The source of libs/config (every file of its src/), as one text for configSourceVariables. */
export function configSource(): string {
  return readdirSync(CONFIG_SRC)
    .filter((f) => f.endsWith('.ts'))
    .map((f) => readFileSync(path.join(CONFIG_SRC, f), 'utf8'))
    .join('\n');
}

/** Every variable libs/config reads (its source: configSource()): its str/int/optionalPort/url calls and DEFAULTS keys. */
export function configSourceVariables(source: string): Set<string> {
  const names = new Set<string>();
  for (const m of source.matchAll(
    /\b(?:str|int|optionalPort|url)\(\s*env\s*,\s*['"]([A-Z][A-Z0-9_]*)['"]/g,
  )) {
    names.add(m[1]);
  }
  const defaults = /export const DEFAULTS = \{([^}]*)\}/.exec(source);
  if (defaults) {
    for (const m of defaults[1].matchAll(/^\s*([A-Z][A-Z0-9_]*)\s*:/gm)) names.add(m[1]);
  }
  return names;
}

/** Variables read straight from `process.env` (bypassing libs/config). */
export function directEnvReads(source: string): Set<string> {
  const names = new Set<string>();
  for (const m of source.matchAll(/process\.env(?:\.([A-Za-z_][A-Za-z0-9_]*)|\[\s*['"]([^'"]+)['"]\s*\])/g)) {
    names.add(m[1] ?? m[2]);
  }
  return names;
}

export interface DocRow {
  name: string;
  meaning: string;
  /** The default cell as written, backticks included. */
  defaultCell: string;
}

/** The rows of every Markdown table whose first header cell is `variable`. */
export function docRows(markdown: string): DocRow[] {
  const rows: DocRow[] = [];
  let inTable = false;
  for (const line of markdown.split('\n')) {
    const trimmed = line.trim();
    if (!trimmed.startsWith('|')) {
      inTable = false;
      continue;
    }
    const cells = splitRow(trimmed);
    if (cells[0] === 'variable') {
      inTable = true;
      continue;
    }
    if (!inTable || /^-+$/.test(cells[0])) continue;
    const name = /^`([A-Z][A-Z0-9_]*)`$/.exec(cells[0]);
    if (!name) throw new Error(`docs table row does not start with one \`VARIABLE\`: ${trimmed}`);
    rows.push({ name: name[1], meaning: cells[1] ?? '', defaultCell: cells[2] ?? '' });
  }
  return rows;
}

/** Splits a Markdown table row on `|`, leaving `\|` and pipes inside backticks alone. */
function splitRow(row: string): string[] {
  const cells: string[] = [];
  let cell = '';
  let code = false;
  for (let i = 1; i < row.length; i++) {
    const ch = row[i];
    if (ch === '`') code = !code;
    if (ch === '|' && !code && row[i - 1] !== '\\') {
      cells.push(cell.trim());
      cell = '';
    } else {
      cell += ch;
    }
  }
  return cells;
}

import { NatterError } from '@natter/protocol';

/**
 * `decodeURIComponent` for a piece of a request path. A malformed escape (`%zz`, or `%E0%A4`
 * cut short) is the client's mistake: 400 `bad_request` naming `what`, not the URIError
 * that would otherwise surface as a 500.
 */
export function decodePathPart(raw: string, what: string): string {
  try {
    return decodeURIComponent(raw);
  } catch {
    throw new NatterError('bad_request', `${what}: ${JSON.stringify(raw)} is not valid percent-encoding`);
  }
}

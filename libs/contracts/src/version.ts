/** The one payload version this code writes and accepts, on events and requests alike. */
export const PAYLOAD_VERSION = 1;
export type PayloadVersion = typeof PAYLOAD_VERSION;

/**
 * Why a decoded payload is not one this code understands (not an object, or another
 * version), or undefined when it is. A payload of another version is refused, never used:
 * a handler must not act on fields whose meaning it cannot know.
 */
export function versionProblem(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return 'not an object';
  const v = (value as { v?: unknown }).v;
  return v === PAYLOAD_VERSION ? undefined : `version ${JSON.stringify(v)}, expected ${PAYLOAD_VERSION}`;
}

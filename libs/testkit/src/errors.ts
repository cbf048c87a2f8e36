/** A waitFor() condition did not become true in time; `cause` is the last error fn threw, if any. */
export class WaitTimeoutError extends Error {
  override readonly name = 'WaitTimeoutError';
}

/** A server or service process exited or never became ready; the message carries its last output. */
export class StartError extends Error {
  override readonly name = 'StartError';
}

// What other packages (and tests) may use of the terminal client; the command is bin/natter.mjs.
export type { ConnOptions, Env, Invocation, Where } from './args.ts';
export { normalizeUrl, parseInvocation, parseWhere } from './args.ts';
export type { ChatCommand } from './chat/chat-command.ts';
export { parseChatLine } from './chat/chat-command.ts';
export { TypingThrottle } from './chat/typing-throttle.ts';
export { escapeControls } from './escape.ts';
export { EXIT } from './exit-codes.ts';
export { formatMessage } from './format.ts';
export { run } from './run.ts';

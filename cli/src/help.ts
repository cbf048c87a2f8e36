import { DEFAULT_TIMEOUT_SEC, DEFAULT_URL } from './args.ts';
import { CHAT_HELP } from './chat/chat-command.ts';
import type { CommandName } from './commands.ts';

const CONNECTION = `Connection (every command):
  --url <url>        the gateway: ws://host:8080/ws, wss://..., or http(s)://host (env NATTER_URL;
                     default ${DEFAULT_URL})
  --user <name>      open mode (development servers): chat as this user (env NATTER_USER)
  --token <jwt>      a JWT whose sub is you (env NATTER_TOKEN; wins over NATTER_USER)
  --timeout <sec>    how long to wait for the server (default ${DEFAULT_TIMEOUT_SEC})
  -h, --help         this help`;

const GENERAL = `natter: the Natter terminal client

Usage:
  natter connect [options]                     interactive chat
  natter send --to <target> [options] [text]   send one message (text from stdin if absent;
                                               --file to attach images or voice)
  natter tail <conversation> [options]         print messages and their changes as they arrive
  natter token --user <name> [--key <file>]    sign a development token (NATTER_JWT_SECRET, --open)
  natter vapid [--json]                        make a Web Push key pair (NATTER_VAPID_*)
  natter help <command>                        help on one command
  natter --version

Targets: room:<room> or user:<user>; tail also takes dm:<a>:<b>.
Exit codes: 0 ok, 1 the server refused (code and message on stderr) or could not be
reached, 2 wrong command line.

${CONNECTION}`;

const TOPICS: Record<CommandName, string> = {
  connect: `Usage: natter connect [--url <url>] (--user <name> | --token <jwt>)

An interactive chat. Lines you type go to the current room or user; messages from
everywhere appear above your input. Colors only on a terminal and without NO_COLOR.
Commands:
${CHAT_HELP.map((l) => `  ${l}`).join('\n')}

${CONNECTION}`,
  send: `Usage: natter send --to <target> [--file <path>]... [--join] [--json] [--cid <id>] [options] [text...]

Sends one message and exits once the server has stored it. The text is the remaining
arguments joined by spaces, or stdin when there are none (echo hi | natter send --to ...);
with --file the text is optional. Use -- before text that starts with a dash.

  -t, --to <target>  room:<room> or user:<user> (required)
  -f, --file <path>  upload and attach a file (repeatable): images .png .jpg .jpeg .gif
                     .webp, voice .webm .ogg .oga .opus .mp3 .m4a; the server checks the
                     bytes and refuses other types or files over its upload limit
  --join             join the room first if you are not a member (else: exit 1)
  --json             print the result as JSON: {"conv","seq","mid","ts"}
  --cid <id>         your id for this message (1-64 chars): re-running with the same cid
                     stores it once

${CONNECTION}`,
  tail: `Usage: natter tail <conversation> [--last <n> | --since <seq>] [--join] [--json] [options]

Prints the messages of one conversation as they arrive, one per line
("12:01:09 alice: text", control characters escaped), until Ctrl-C.
<conversation> is room:<room>, user:<user> (your DM with them) or dm:<a>:<b>.

  -n, --last <n>     print the last n stored messages first
  --since <seq>      print the stored messages after seq first
  --join             join the room first if you are not a member (else: exit 1)
  --json             one JSON object per message: {"conv","seq","mid","from","ts","text",...}

Notices (reconnecting, errors) go to stderr.

${CONNECTION}`,
  token: `Usage: natter token --user <name> [--key <file> | --open] [--ttl <time>] [--aud <aud>] [--iss <iss>] [--kid <kid>] [--json]

Prints a signed token (JWT) for <name>, for development and scripts, the way an app's
backend signs them (docs/auth.md): sub, iat, exp, and aud/iss when given.

  -u, --user <name>  the token's sub: the user it signs in as (required)
  --open             sign for an open-mode server (npm start, NATTER_AUTH=open): with the
                     key its namespace derives (NATTER_NAMESPACE, default natter)
  -k, --key <file>   sign with this key instead of NATTER_JWT_SECRET: a PEM private key
                     (RSA: RS256, P-256: ES256), a private JWK (its kid goes in the
                     header), or a file holding an HS256 secret (32+ bytes)
  --ttl <time>       lifetime: seconds, or 30m, 12h, 7d (default 1h; the gateway accepts
                     at most NATTER_JWT_MAX_AGE_S, 24h by default)
  --aud <aud>        the aud claim (default NATTER_JWT_AUDIENCE)
  --iss <iss>        the iss claim (default NATTER_JWT_ISSUER)
  --kid <kid>        the key id header, for a gateway with a JWKS (NATTER_JWKS_URL)
  --json             print {"token","user","alg","exp"}

  TOKEN=$(npm run -s natter -- token --user alice)   # with NATTER_JWT_SECRET exported
  npm run natter -- connect --token "$TOKEN"`,
  vapid: `Usage: natter vapid [--json]

Prints a new VAPID key pair for Web Push (a P-256 key, base64url), as the push service
takes it: NATTER_VAPID_PUBLIC_KEY and NATTER_VAPID_PRIVATE_KEY (docs/configuration.md,
"Push"). The public key is also the applicationServerKey of a browser's
pushManager.subscribe(). Keep the private one secret; a new pair invalidates every
existing Web Push subscription.

  --json             print {"publicKey","privateKey"}

  npm run -s natter -- vapid >> .env`,
};

/** The help for `topic`, or the general help. */
export function helpText(topic?: CommandName): string {
  return topic ? TOPICS[topic] : GENERAL;
}

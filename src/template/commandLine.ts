/**
 * A command string becomes the container's argv exactly as the Prefect ACI worker makes it:
 * Python's `shlex.split(command)` (POSIX mode, no comments). Quotes and backslashes are
 * honoured; nothing is expanded (`$HOME`, `${VAR:-x}`, globs) and shell operators (`|`,
 * `&&`, `;`, `#`) are ordinary arguments, because ACI runs the argv without a shell —
 * wrap such commands as `sh -c '…'`.
 *
 * This is a port of CPython's `shlex.shlex.read_token` for the settings `split` uses, not
 * the `shlex` npm package: that one also reads bash's `$'…'` and `$"…"` quotes, drops
 * backslash-newlines and unescapes text before a quote, where Python does none of these.
 * test/integration/commandLine.python.test.ts checks the port against the Python interpreter.
 */
import { ConfigError } from '../config/errors';

const WHITESPACE = ' \t\r\n';
const ESCAPE = '\\';
/** Only inside double quotes does a backslash escape anything (and then only `"` and `\`). */
const ESCAPING_QUOTE = '"';

type State = 'between' | 'word' | 'escape' | "'" | '"';

export function splitCommand(command: string, field = 'command'): string[] {
  const args: string[] = [];
  let state: State = 'between';
  let stateBeforeEscape: 'word' | '"' = 'word';
  let arg = '';
  // A quoted empty string ('' or "") is an argument; nothing at all is not.
  let quoted = false;
  const endArg = () => {
    if (arg || quoted) args.push(arg);
    arg = '';
    quoted = false;
  };

  for (const char of command) {
    switch (state) {
      case 'between':
      case 'word':
        if (WHITESPACE.includes(char)) {
          if (state === 'word') endArg();
          state = 'between';
        } else if (char === ESCAPE) {
          stateBeforeEscape = 'word';
          state = 'escape';
        } else if (char === "'" || char === '"') {
          quoted = true;
          state = char;
        } else {
          arg += char;
          state = 'word';
        }
        break;
      case "'":
      case '"':
        if (char === state) state = 'word';
        else if (char === ESCAPE && state === ESCAPING_QUOTE) {
          stateBeforeEscape = ESCAPING_QUOTE;
          state = 'escape';
        } else arg += char;
        break;
      case 'escape':
        // Within double quotes a backslash before anything but `"` or `\` stays literal.
        if (stateBeforeEscape === ESCAPING_QUOTE && char !== ESCAPE && char !== ESCAPING_QUOTE) arg += ESCAPE;
        arg += char;
        state = stateBeforeEscape;
        break;
    }
  }

  if (state === "'" || state === '"') {
    throw new ConfigError(field, `has no closing ${state} quote; close it, or escape a literal quote with a backslash (split like Python's shlex.split)`);
  }
  if (state === 'escape') {
    throw new ConfigError(field, "ends with a lone backslash; escape it as \\\\ or remove it (split like Python's shlex.split)");
  }
  if (state === 'word') endArg();
  return args;
}

/** The container's argv: the entrypoint (when set) followed by the command's arguments. */
export function containerCommand(command: string | string[] | null | undefined, entrypoint: string | null): string[] {
  const args = command === null || command === undefined ? [] : typeof command === 'string' ? splitCommand(command) : command;
  return entrypoint ? [entrypoint, ...args] : args;
}

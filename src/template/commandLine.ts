/**
 * ACI runs a container's command as an argv, not through a shell, so a command string is
 * split like a shell would split it (quotes and escapes respected) but shell features that
 * need a real shell are rejected instead of silently passed as literal arguments.
 */
import { parse } from 'shell-quote';
import { ConfigError } from '../config/errors';

export function splitCommand(command: string, field = 'command'): string[] {
  // Returning `$NAME` for every variable keeps `$HOME` literal, as ACI would pass it.
  const entries = parse(command, (name) => `$${name}`);
  return entries.map((entry) => {
    if (typeof entry === 'string') return entry;
    if ('op' in entry && entry.op === 'glob') return entry.pattern;
    if ('comment' in entry) {
      throw new ConfigError(field, `contains a shell comment (#${entry.comment}); ACI passes arguments without a shell, so quote the "#" or remove the comment`);
    }
    throw new ConfigError(
      field,
      `uses the shell operator "${'op' in entry ? entry.op : '?'}", but ACI runs the command without a shell; ` +
        `wrap it as sh -c '...' or quote the character`,
    );
  });
}

/** The container's argv: the entrypoint (when set) followed by the command's arguments. */
export function containerCommand(command: string | string[] | null | undefined, entrypoint: string | null): string[] {
  const args = command === null || command === undefined ? [] : typeof command === 'string' ? splitCommand(command) : command;
  return entrypoint ? [entrypoint, ...args] : args;
}

/** The codec server's bearer token, from --token-file or the variable, validated. */
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { CliError, ExitCodes } from '../output';
import { CODEC_SERVER_TOKEN_ENV } from './settings';

const tokenSchema = z
  .string()
  .min(16, 'must be at least 16 characters (e.g. the output of `openssl rand -hex 32`)')
  .regex(/^\S+$/, 'must not contain whitespace');

/** --token-file, else the variable; never a flag value, which every user of the machine could read. */
export function readToken(tokenFile: string | undefined): string {
  let source = `$${CODEC_SERVER_TOKEN_ENV}`;
  let value = process.env[CODEC_SERVER_TOKEN_ENV];
  if (tokenFile !== undefined) {
    source = '--token-file';
    try {
      value = readFileSync(tokenFile, 'utf8').replace(/\r?\n$/, '');
    } catch (error) {
      throw new CliError(`--token-file: cannot read ${tokenFile}: ${error instanceof Error ? error.message : String(error)}`, ExitCodes.usage);
    }
  }
  if (!value) throw new CliError(`a token is required: set ${CODEC_SERVER_TOKEN_ENV} or pass --token-file <path>`, ExitCodes.usage);
  const parsed = tokenSchema.safeParse(value);
  if (!parsed.success) throw new CliError(`${source}: the token ${parsed.error.issues[0]!.message}`, ExitCodes.usage);
  return parsed.data;
}

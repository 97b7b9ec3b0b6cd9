import { type Command, InvalidArgumentError } from 'commander';
import { CODEC_KEY_ID_ENV, CODEC_KEYS_DIR_ENV, CODEC_KEYS_ENV } from '../../common/codec/settings';
import { portParser, withUsageExitCode } from '../commandSupport';
import { listeningText, serveUntilStopped, stopRequested } from '../foreground';
import { CliError, ExitCodes } from '../output';
import { CODEC_SERVER_TOKEN_ENV } from '../codecServer/settings';

/** The dev server's UI (`temporal server start-dev`, `aci-flow demo`). */
export const DEFAULT_UI_ORIGIN = 'http://localhost:8233';
export const DEFAULT_CODEC_SERVER_PORT = 8888;

interface CodecServerFlags {
  port: number;
  host: string;
  uiOrigin: string;
  tokenFile?: string;
  namespace?: string;
}

export function register(program: Command): void {
  const command = program
    .command('codec-server')
    .description("Serve Temporal's codec-server protocol, so the Temporal UI and `temporal workflow show` can decrypt history for token holders")
    .option('--port <port>', 'port to listen on (0 = any free port)', portParser(), DEFAULT_CODEC_SERVER_PORT)
    .option('--host <host>', 'address to listen on; off loopback, put a TLS-terminating proxy in front', '127.0.0.1')
    .option('--ui-origin <origin>', 'the Temporal UI origin browsers may call from (CORS)', parseOrigin, DEFAULT_UI_ORIGIN)
    .option('--token-file <path>', `file holding the bearer token callers must send (default: $${CODEC_SERVER_TOKEN_ENV})`)
    .option('--namespace <namespace>', 'refuse calls whose X-Namespace header names another namespace')
    .addHelpText(
      'after',
      [
        '',
        `Keys: the same as every aci-flow client and worker (${CODEC_KEYS_DIR_ENV}, ${CODEC_KEYS_ENV}, ${CODEC_KEY_ID_ENV}).`,
        'Every /encode and /decode call needs the header Authorization: Bearer <token>.',
        'Runs until SIGINT/SIGTERM.',
        '',
        'Examples:',
        `  ${CODEC_SERVER_TOKEN_ENV}=$(cat token) aci-flow codec-server --ui-origin https://temporal.example.com`,
        '  temporal workflow show -w flow-run-<id> --codec-endpoint http://127.0.0.1:8888 --codec-auth "Bearer $(cat token)"',
      ].join('\n'),
    )
    .action(async (flags: CodecServerFlags) => {
      const [{ readToken }, { codecFromEnv }] = await Promise.all([import('../codecServer/token'), import('../../common/codec')]);
      const token = readToken(flags.tokenFile);
      const codec = codecFromEnv();
      if (!codec) throw new CliError(`no codec key configured: set ${CODEC_KEYS_DIR_ENV} or ${CODEC_KEYS_ENV}`, ExitCodes.usage);
      const stop = stopRequested();
      const { startCodecServer } = await import('../codecServer/server');
      const server = await startCodecServer({ codec, token, uiOrigin: flags.uiOrigin, namespace: flags.namespace, host: flags.host, port: flags.port }).catch(
        (error: unknown) => {
          throw new CliError(`cannot start the codec server on ${flags.host}:${flags.port}: ${error instanceof Error ? error.message : String(error)}`);
        },
      );
      const text = listeningText([
        `Codec server listening on ${server.endpoint}`,
        `Encrypting with key id ${codec.currentKeyId}; browsers may call from ${flags.uiOrigin}${flags.namespace ? `; namespace ${flags.namespace} only` : ''}`,
      ]);
      await serveUntilStopped(stop, text, () => server.close());
    });
  withUsageExitCode(command);
}

/** An origin as browsers send it: scheme://host[:port], nothing after. */
function parseOrigin(value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new InvalidArgumentError('must be an origin such as https://temporal.example.com');
  }
  if ((url.protocol !== 'http:' && url.protocol !== 'https:') || url.origin !== value.replace(/\/$/, '')) {
    throw new InvalidArgumentError('must be an origin such as https://temporal.example.com: http or https, a host and an optional port, no path');
  }
  return url.origin;
}

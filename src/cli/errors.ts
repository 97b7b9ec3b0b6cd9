/** Maps library errors to exit codes; loaded only once a command failed, so start-up never pays for it. */
import { FlowRunAlreadyClosedError, FlowRunNotFoundError, InvalidFlowRunOptionsError } from '../client/errors';
import { ConfigError } from '../config/errors';
import { CodecConfigError } from '../common/codec/errors';
import { CliError, ExitCodes } from './output';

/** Library errors become CLI errors with the exit code their kind promises. */
export function asCliError(err: unknown): unknown {
  if (err instanceof CliError) return err;
  if (err instanceof FlowRunNotFoundError) return new CliError(err.message, ExitCodes.notFound);
  if (err instanceof InvalidFlowRunOptionsError || err instanceof ConfigError || err instanceof CodecConfigError)
    return new CliError(err.message, ExitCodes.usage);
  if (err instanceof FlowRunAlreadyClosedError) return new CliError(err.message, ExitCodes.failure);
  return err;
}

import { Connection } from '@temporalio/client';
import { ALL_SEARCH_ATTRIBUTES, SEARCH_ATTRIBUTE_CLI_TYPES } from '../../workflows/definitions';
import { startLocalService } from './localService';
import { temporalCliPath } from './temporalCli';

export interface DevServer {
  /** host:port of the gRPC frontend. */
  address: string;
  uiUrl: string;
  stop(): Promise<void>;
}

/** `temporal server start-dev` arguments: in-memory, loopback only, with aci-flow's search attributes. */
export function devServerArgs(port: number, uiPort: number): string[] {
  return ['server', 'start-dev', '--ip', '127.0.0.1', '--port', String(port), '--ui-port', String(uiPort), '--log-level', 'error', ...searchAttributeArgs()];
}

/** `--search-attribute` arguments that register aci-flow's search attributes on a dev server. */
export function searchAttributeArgs(): string[] {
  return ALL_SEARCH_ATTRIBUTES.flatMap((key) => ['--search-attribute', `${key.name}=${SEARCH_ATTRIBUTE_CLI_TYPES[key.type]}`]);
}

/** Starts the Temporal dev server with its Web UI and resolves once it accepts connections. */
export async function startDevServer(port: number, uiPort: number, readyTimeoutMs = 60_000): Promise<DevServer> {
  const address = `127.0.0.1:${port}`;
  const server = await startLocalService(temporalCliPath(), devServerArgs(port, uiPort), {
    name: `the Temporal dev server on ${address}`,
    readyTimeoutMs,
    ready: async () => {
      const connection = await Connection.connect({ address, connectTimeout: 1_000 });
      await connection.close();
      return true;
    },
  });
  return { address, uiUrl: `http://localhost:${uiPort}`, stop: server.stop };
}

import { TestWorkflowEnvironment } from '@temporalio/testing';
import { type DevServer, type DevServerOptions, startDevServer as startLocalDevServer } from '../../src/localServices';

/** The dev server a test runs on, with the clients and connections of TestWorkflowEnvironment. */
export type TestDevServer = Pick<TestWorkflowEnvironment, 'address' | 'namespace' | 'client' | 'connection' | 'nativeConnection'> & {
  server: DevServer;
  /** Closes the connections and kills the server. */
  teardown(): Promise<void>;
};

/**
 * A real Temporal dev server, launched as the demo and the benchmark launch it (src/localServices:
 * the provisioned CLI binary, aci-flow's search attributes), with TestWorkflowEnvironment's
 * clients on it. TestWorkflowEnvironment only connects: its own createLocal() would download
 * a binary, which fails offline.
 */
export async function startDevServer(options: Pick<DevServerOptions, 'searchAttributes'> = {}): Promise<TestDevServer> {
  const server = await startLocalDevServer(options);
  let env: TestWorkflowEnvironment;
  try {
    env = await TestWorkflowEnvironment.createFromExistingServer({ address: server.address, namespace: 'default' });
  } catch (err) {
    await server.stop();
    throw err;
  }
  return {
    address: env.address,
    namespace: env.namespace,
    client: env.client,
    connection: env.connection,
    nativeConnection: env.nativeConnection,
    server,
    async teardown() {
      await env.teardown();
      // In memory, the server has nothing to save: SIGKILL spares the second its graceful shutdown takes, in every test file.
      await server.kill();
    },
  };
}

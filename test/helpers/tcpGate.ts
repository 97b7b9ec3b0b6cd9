/**
 * A loopback TCP relay a test can shut: while shut it drops every connection it carries and
 * resets new ones, as a network partition between one process and a server would. Tests use
 * it to decide *when* a process may reach a server again, instead of racing it.
 */
import { createServer, type Server, type Socket, connect } from 'node:net';

export interface TcpGate {
  /** host:port to give the process instead of the target's address. */
  address: string;
  /** Drops the connections it carries and refuses new ones until open() is called. */
  shut(): void;
  open(): void;
  close(): Promise<void>;
}

/** Relays `127.0.0.1:<free port>` to `target` (host:port); starts open. */
export async function startTcpGate(target: string): Promise<TcpGate> {
  const separator = target.lastIndexOf(':');
  const targetHost = target.slice(0, separator);
  const targetPort = Number(target.slice(separator + 1));
  const sockets = new Set<Socket>();
  let isOpen = true;

  const track = (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  };
  const server: Server = createServer((inbound) => {
    if (!isOpen) {
      inbound.resetAndDestroy();
      return;
    }
    const outbound = connect(targetPort, targetHost);
    track(inbound);
    track(outbound);
    inbound.pipe(outbound);
    outbound.pipe(inbound);
    // Either side failing ends both, as a broken path would.
    inbound.once('error', () => outbound.destroy());
    outbound.once('error', () => inbound.destroy());
    inbound.once('close', () => outbound.destroy());
    outbound.once('close', () => inbound.destroy());
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as { port: number };

  return {
    address: `127.0.0.1:${port}`,
    shut() {
      isOpen = false;
      for (const socket of sockets) socket.destroy();
    },
    open() {
      isOpen = true;
    },
    async close() {
      isOpen = false;
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

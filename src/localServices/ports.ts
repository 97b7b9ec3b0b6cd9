import { createServer } from 'node:net';

/** `preferred` when nothing listens on it, else a port the OS picks. */
export async function freePort(preferred?: number, avoid: number[] = []): Promise<number> {
  if (preferred !== undefined && !avoid.includes(preferred) && (await canListen(preferred))) return preferred;
  for (;;) {
    const port = await listenOnce(0);
    if (!avoid.includes(port)) return port;
  }
}

async function canListen(port: number): Promise<boolean> {
  return listenOnce(port).then(
    () => true,
    () => false,
  );
}

function listenOnce(port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      const address = server.address();
      const bound = typeof address === 'object' && address ? address.port : port;
      server.close(() => resolve(bound));
    });
  });
}

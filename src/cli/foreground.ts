/** A server a command runs in the foreground (`emulator`, `codec-server`): started, announced, stopped by Ctrl-C. */

/**
 * Resolves on the first SIGINT or SIGTERM. Create it before the server starts, so a signal
 * sent as soon as the endpoint is printed is never missed.
 */
export function stopRequested(): Promise<void> {
  return new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
}

/** What a foreground server prints once it listens: what it says about itself, then how to stop it. */
export function listeningText(lines: string[]): string {
  return [...lines, 'Press Ctrl-C to stop.', ''].join('\n');
}

/** Prints `text`, waits for `stop`, then closes the server. */
export async function serveUntilStopped(stop: Promise<void>, text: string, close: () => Promise<void>): Promise<void> {
  process.stdout.write(text);
  await stop;
  await close();
}

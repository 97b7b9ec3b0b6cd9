/**
 * Which work pool's folder of the log container holds a run's log (`<pool>/<flowRunId>.log`),
 * found from storage alone: one hierarchical listing of the folders and one existence check per
 * folder (a container holds the few pools its workers serve). Lets `aci-flow logs` read a run's
 * log with only the storage settings, without asking Temporal which pool the run was in.
 */
import type { ContainerClient } from '@azure/storage-blob';
import { statusCodeOf } from './blobContainer';
import { logBlobName } from './blobLogs';

export interface RunLogFolders {
  /** The pool folders that hold a log of the run: normally one, none before its first line. */
  holding: string[];
  /** Every pool folder of the container, for messages. */
  searched: string[];
}

export async function runLogFolders(container: ContainerClient, flowRunId: string): Promise<RunLogFolders> {
  const searched: string[] = [];
  try {
    for await (const item of container.listBlobsByHierarchy('/')) {
      if (item.kind === 'prefix') searched.push(item.name.replace(/\/$/, ''));
    }
  } catch (err) {
    // No container yet: no worker has written a line to it.
    if (statusCodeOf(err) === 404) return { holding: [], searched };
    throw err;
  }
  const holding: string[] = [];
  for (const pool of searched) {
    let name: string;
    try {
      name = logBlobName(pool, flowRunId);
    } catch {
      continue; // not a folder a worker writes: its name could never be a pool's
    }
    if (await container.getBlobClient(name).exists()) holding.push(pool);
  }
  return { holding, searched };
}

/**
 * Where a worker's JavaScript heap goes: sums a V8 heap snapshot's nodes by type and
 * constructor (self size) and lists the largest strings. Used for the memory notes in
 * docs/benchmark.md; the snapshots come from `npm run bench -- --scenario steady --heap-snapshot`.
 *
 *   node -r tsx/cjs bench/heapSummary.ts <file.heapsnapshot> [top]
 */
import { readFileSync } from 'node:fs';

interface HeapSnapshot {
  snapshot: { meta: { node_fields: string[]; node_types: [string[], ...unknown[]] }; node_count: number };
  nodes: number[];
  strings: string[];
}

export interface HeapGroup {
  key: string;
  count: number;
  selfBytes: number;
}

export function summariseHeap(snapshot: HeapSnapshot): { totalBytes: number; groups: HeapGroup[]; largestStrings: Array<{ bytes: number; text: string }> } {
  const fields = snapshot.snapshot.meta.node_fields;
  const typeNames = snapshot.snapshot.meta.node_types[0];
  const stride = fields.length;
  const typeAt = fields.indexOf('type');
  const nameAt = fields.indexOf('name');
  const sizeAt = fields.indexOf('self_size');
  const groups = new Map<string, HeapGroup>();
  const strings: Array<{ bytes: number; text: string }> = [];
  let totalBytes = 0;
  for (let i = 0; i < snapshot.nodes.length; i += stride) {
    // V8 writes whole records of `stride` fields whose indexes point into its own tables; a
    // truncated or foreign file shows up as a missing entry.
    const typeIndex = snapshot.nodes[i + typeAt];
    const nameIndex = snapshot.nodes[i + nameAt];
    const bytes = snapshot.nodes[i + sizeAt];
    const type = typeIndex === undefined ? undefined : typeNames[typeIndex];
    const name = nameIndex === undefined ? undefined : snapshot.strings[nameIndex];
    if (type === undefined || name === undefined || bytes === undefined) throw new Error(`heap snapshot: node record at ${i} is incomplete`);
    totalBytes += bytes;
    // Objects and closures by constructor / function name; strings, code, arrays by type alone.
    const key = type === 'object' || type === 'closure' || type === 'native' ? `${type} ${name}` : type;
    const group = groups.get(key) ?? { key, count: 0, selfBytes: 0 };
    group.count += 1;
    group.selfBytes += bytes;
    groups.set(key, group);
    if ((type === 'string' || type === 'concatenated string') && bytes > 10_000) strings.push({ bytes, text: name.slice(0, 100).replace(/\s+/g, ' ') });
  }
  return {
    totalBytes,
    groups: [...groups.values()].sort((a, b) => b.selfBytes - a.selfBytes),
    largestStrings: strings.sort((a, b) => b.bytes - a.bytes).slice(0, 10),
  };
}

if (require.main === module) {
  const [path, topText = '25'] = process.argv.slice(2);
  if (!path) {
    console.error('usage: node -r tsx/cjs bench/heapSummary.ts <file.heapsnapshot> [top]');
    process.exit(2);
  }
  const { totalBytes, groups, largestStrings } = summariseHeap(JSON.parse(readFileSync(path, 'utf8')) as HeapSnapshot);
  const mib = (bytes: number) => (bytes / 2 ** 20).toFixed(1);
  console.log(`heap: ${mib(totalBytes)} MiB in the snapshot\n\n| type / constructor | count | self size (MiB) | share |\n|---|---|---|---|`);
  for (const group of groups.slice(0, Number(topText))) {
    console.log(`| ${group.key} | ${group.count} | ${mib(group.selfBytes)} | ${((100 * group.selfBytes) / totalBytes).toFixed(1)} % |`);
  }
  console.log('\nlargest strings:');
  for (const string of largestStrings) console.log(`  ${mib(string.bytes)} MiB  ${JSON.stringify(string.text)}`);
}

import type { Command } from 'commander';

/** Every subcommand registers itself here; order is the order of `aci-flow --help`. */
export const commands: Array<(program: Command) => void> = [];

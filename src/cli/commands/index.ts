import type { Command } from 'commander';
import { register as cancel } from './cancel';
import { register as codecServer } from './codecServer';
import { register as demo } from './demo';
import { register as emulator } from './emulator';
import { register as exited } from './exited';
import { register as list } from './list';
import { register as logs } from './logs';
import { register as prefectWorker } from './prefectWorker';
import { register as render } from './render';
import { register as start } from './start';
import { register as status } from './status';
import { register as sweep } from './sweep';
import { register as worker } from './worker';

/** Every subcommand registers itself here; order is the order of `aci-flow --help`. */
export const commands: Array<(program: Command) => void> = [
  start,
  cancel,
  exited,
  status,
  list,
  logs,
  render,
  sweep,
  worker,
  prefectWorker,
  codecServer,
  emulator,
  demo,
];

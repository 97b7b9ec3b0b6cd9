/** Emulator defaults the CLI shows in its help; kept apart so `aci-flow --help` never loads the emulator. */

/** Resource groups that exist when no --resource-group is given. */
export const DEFAULT_RESOURCE_GROUPS = ['aci-flow-demo', 'aci-flow-test'];

/** Emulator defaults the CLI shows in its help; kept apart so `aci-flow --help` never loads the emulator. */

/** Resource groups that exist when no --resource-group is given. */
export const DEFAULT_RESOURCE_GROUPS = ['aci-flow-demo', 'aci-flow-test'];

/** The token every call must carry when set; an environment variable keeps it out of the process list. */
export const EMULATOR_TOKEN_ENV = 'ACI_FLOW_EMULATOR_TOKEN';

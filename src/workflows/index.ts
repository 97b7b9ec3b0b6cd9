// The workflow bundle's entry point: every workflow the worker registers.
export { flowRunWorkflow } from './flowRun';
export { orphanSweeperWorkflow } from './sweeper';

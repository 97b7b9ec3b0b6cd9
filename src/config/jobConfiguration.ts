// Placeholder so shared definitions type-check until the config schema lands (issue 3).
export type JobConfiguration = Record<string, unknown>;

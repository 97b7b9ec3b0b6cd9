/**
 * The one error type for bad configuration: a malformed pool config, an unknown
 * variable, a value of the wrong type, a template aci-flow cannot prepare, a patch that
 * does not apply. It names the field so the user knows where to look.
 */
export class ConfigError extends Error {
  constructor(
    /** Where the problem is, e.g. `variables.cpu` or `arm_template_patches[2]`. */
    readonly field: string,
    /** What is wrong and what to do about it. */
    readonly problem: string,
  ) {
    super(field ? `${field}: ${problem}` : problem);
    this.name = 'ConfigError';
  }
}

/** Renders a path like `['resources', 0, 'name']` as `resources[0].name`. */
export function formatFieldPath(path: ReadonlyArray<PropertyKey>, prefix = ''): string {
  let out = prefix;
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out ? `.${String(part)}` : String(part);
  }
  return out;
}

interface IssueLike {
  code: string;
  path: ReadonlyArray<PropertyKey>;
  message: string;
  keys?: string[];
  errors?: IssueLike[][];
}

/**
 * One ConfigError for all of a zod error's issues, worded for people: missing fields are
 * "required", unknown keys are named. For a union, the branch that got furthest explains
 * the problem better than zod's generic "Invalid input".
 */
export function configErrorFromZod(error: { issues: readonly IssueLike[] }, fieldPrefix: string): ConfigError {
  return configErrorFromIssues(
    error.issues.flatMap((issue) => describeIssue(issue, [])),
    fieldPrefix,
  );
}

/** One ConfigError for several problems: the first names its field, the others follow as "also ...". */
export function configErrorFromIssues(issues: ReadonlyArray<{ path: ReadonlyArray<PropertyKey>; message: string }>, fieldPrefix: string): ConfigError {
  const [first, ...rest] = issues;
  if (!first) throw new Error('configErrorFromIssues needs at least one issue');
  const also = rest.map((line) => `${formatFieldPath(line.path, fieldPrefix)}: ${line.message}`);
  const problem = also.length > 0 ? `${first.message}; also ${also.join('; ')}` : first.message;
  return new ConfigError(formatFieldPath(first.path, fieldPrefix), problem);
}

function describeIssue(issue: IssueLike, parent: PropertyKey[]): Array<{ path: PropertyKey[]; message: string }> {
  const path = [...parent, ...issue.path];
  if (issue.code === 'invalid_union' && issue.errors && issue.errors.length > 0) {
    const closest = [...issue.errors].sort((a, b) => a.length - b.length)[0];
    if (closest && closest.length > 0) return closest.flatMap((inner) => describeIssue(inner, path));
  }
  if (issue.code === 'unrecognized_keys' && issue.keys) {
    return issue.keys.map((key) => ({ path: [...path, key], message: 'is not a known field here; check the spelling' }));
  }
  if (issue.code === 'invalid_type' && /received undefined$/.test(issue.message)) {
    return [{ path, message: 'is required' }];
  }
  return [{ path, message: issue.message.replace(/^Invalid input: /, '') }];
}

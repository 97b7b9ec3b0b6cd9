import { createHash } from 'node:crypto';
import { invalidTemplate } from '../errors';

/**
 * A small evaluator for the ARM template expressions deployment templates use:
 * `[parameters('x')]`, `[variables('x')]`, `[resourceGroup().location]`, `[uniqueString(...)]`,
 * `[concat(...)]`, `[format(...)]`, `[toLower(...)]`, string/number literals, nested calls,
 * property access `.x` and index access `[...]`. Anything else is an InvalidTemplate error.
 */
export interface ExpressionContext {
  parameter(name: string): unknown;
  variable(name: string): unknown;
  resourceGroup: { id: string; name: string; location: string };
  subscription: { id: string; subscriptionId: string };
  deployment: { name: string };
}

/** ARM's limit on one template expression. */
export const MAX_EXPRESSION_LENGTH = 24_576;
/** Nested calls and member accesses in one expression; evaluation recurses this deep, so it is bounded. */
export const MAX_EXPRESSION_DEPTH = 32;
/** ARM's limit on one resource definition (1 MB): no function result may grow beyond it. */
export const MAX_VALUE_LENGTH = 1024 * 1024;

type Node = { depth: number } & (
  | { kind: 'literal'; value: string | number | boolean }
  | { kind: 'call'; name: string; args: Node[] }
  | { kind: 'property'; target: Node; name: string }
  | { kind: 'index'; target: Node; index: Node }
);

/** Evaluates a template string value: `[expr]` is an expression, `[[...` an escaped literal. */
export function evaluateStringValue(value: string, context: ExpressionContext, where: string): unknown {
  if (!value.startsWith('[') || !value.endsWith(']')) return value;
  if (value.startsWith('[[')) return value.slice(1);
  const expression = value.slice(1, -1);
  if (expression.length > MAX_EXPRESSION_LENGTH) {
    throw invalidTemplate(
      `The language expression at ${where} is ${expression.length} characters long; a template expression can't exceed ${MAX_EXPRESSION_LENGTH} characters. Move parts of it into variables.`,
    );
  }
  const node = new Parser(expression, where).parseWhole();
  return evaluate(node, context, where);
}

class Parser {
  private position = 0;

  constructor(
    private readonly text: string,
    private readonly where: string,
  ) {}

  parseWhole(): Node {
    const node = this.parseExpression();
    this.skipSpace();
    if (this.position < this.text.length) this.fail(`unexpected '${this.text[this.position]}'`);
    return node;
  }

  private nesting = 0;

  private parseExpression(): Node {
    // counted on the way in, so a deeply nested expression fails before it can exhaust the stack
    if (++this.nesting > MAX_EXPRESSION_DEPTH) this.tooDeep();
    this.skipSpace();
    let node = this.parsePrimary();
    for (;;) {
      this.skipSpace();
      const next = this.text[this.position];
      if (next === '.') {
        this.position++;
        node = this.checked({ kind: 'property', target: node, name: this.parseIdentifier(), depth: node.depth + 1 });
      } else if (next === '[') {
        this.position++;
        const index = this.parseExpression();
        this.expect(']');
        node = this.checked({ kind: 'index', target: node, index, depth: Math.max(node.depth, index.depth) + 1 });
      } else {
        this.nesting--;
        return node;
      }
    }
  }

  private checked(node: Node): Node {
    if (node.depth > MAX_EXPRESSION_DEPTH) this.tooDeep();
    return node;
  }

  private tooDeep(): never {
    throw invalidTemplate(
      `The language expression at ${this.where} nests calls and member accesses more than ${MAX_EXPRESSION_DEPTH} levels deep (at position ${this.position}). Split it into variables.`,
    );
  }

  private parsePrimary(): Node {
    const char = this.text[this.position];
    if (char === "'") return { kind: 'literal', value: this.parseString(), depth: 1 };
    if (char !== undefined && /[-0-9]/.test(char)) {
      const match = /^-?\d+(\.\d+)?/.exec(this.text.slice(this.position));
      if (!match) this.fail('malformed number');
      this.position += match[0].length;
      return { kind: 'literal', value: Number(match[0]), depth: 1 };
    }
    const name = this.parseIdentifier();
    this.skipSpace();
    if (this.text[this.position] !== '(') {
      if (name === 'true' || name === 'false') return { kind: 'literal', value: name === 'true', depth: 1 };
      this.fail(`'${name}' must be followed by '('`);
    }
    this.position++;
    const args: Node[] = [];
    this.skipSpace();
    if (this.text[this.position] === ')') {
      this.position++;
      return { kind: 'call', name, args, depth: 1 };
    }
    for (;;) {
      args.push(this.parseExpression());
      this.skipSpace();
      if (this.text[this.position] === ',') {
        this.position++;
        continue;
      }
      this.expect(')');
      return this.checked({ kind: 'call', name, args, depth: Math.max(...args.map((arg) => arg.depth)) + 1 });
    }
  }

  private parseString(): string {
    this.position++;
    let result = '';
    while (this.position < this.text.length) {
      const char = this.text[this.position++];
      if (char !== "'") {
        result += char;
      } else if (this.text[this.position] === "'") {
        result += "'";
        this.position++;
      } else {
        return result;
      }
    }
    return this.fail('unterminated string literal');
  }

  private parseIdentifier(): string {
    this.skipSpace();
    const match = /^[A-Za-z_][A-Za-z0-9_]*/.exec(this.text.slice(this.position));
    if (!match) return this.fail('expected a function or property name');
    this.position += match[0].length;
    return match[0];
  }

  private expect(char: string): void {
    this.skipSpace();
    if (this.text[this.position] !== char) this.fail(`expected '${char}'`);
    this.position++;
  }

  private skipSpace(): void {
    while (this.text[this.position] === ' ') this.position++;
  }

  private fail(problem: string): never {
    throw invalidTemplate(
      `Unable to parse language expression '${this.text}' at ${this.where}: ${problem} at position ${this.position}. Check the expression syntax (https://aka.ms/arm-functions).`,
    );
  }
}

type TemplateFunction = (args: unknown[], context: ExpressionContext, where: string) => unknown;

const FUNCTIONS: Record<string, TemplateFunction> = {
  parameters: (args, context) => context.parameter(asString(args[0])),
  variables: (args, context) => context.variable(asString(args[0])),
  resourcegroup: (_args, context) => context.resourceGroup,
  subscription: (_args, context) => context.subscription,
  deployment: (_args, context) => context.deployment,
  uniquestring: (args) => uniqueString(args.map((arg) => asString(arg))),
  concat: (args, _context, where) =>
    args.every(Array.isArray) && args.length > 0
      ? (boundedParts(args as unknown[][], 'concat', where) as unknown[][]).flat()
      : boundedParts(args.map(asString), 'concat', where).join(''),
  format: (args, _context, where) => {
    // split with a capture group: the placeholders land at the odd indices
    const parts = asString(args[0])
      .split(/\{(\d+)\}/)
      .map((part, i) => {
        if (i % 2 === 0) return part;
        if (Number(part) + 1 >= args.length)
          throw invalidTemplate(`The template function 'format' at ${where} refers to argument {${part}}, but only ${args.length - 1} were given.`);
        return asString(args[Number(part) + 1]);
      });
    return boundedParts(parts, 'format', where).join('');
  },
  tolower: (args) => asString(args[0]).toLowerCase(),
  toupper: (args) => asString(args[0]).toUpperCase(),
  string: (args) => (typeof args[0] === 'string' ? args[0] : JSON.stringify(args[0])),
  int: (args) => Math.trunc(Number(args[0])),
};

function evaluate(node: Node, context: ExpressionContext, where: string): unknown {
  switch (node.kind) {
    case 'literal':
      return node.value;
    case 'call': {
      const fn = FUNCTIONS[node.name.toLowerCase()];
      if (!fn) {
        throw invalidTemplate(
          `The template function '${node.name}' at ${where} is not supported by the aci-flow emulator. Supported: ${Object.keys(FUNCTIONS).join(', ')}.`,
        );
      }
      return withinSizeLimit(
        fn(
          node.args.map((arg) => evaluate(arg, context, where)),
          context,
          where,
        ),
        node.name,
        where,
      );
    }
    case 'property': {
      const target = evaluate(node.target, context, where);
      return readMember(target, node.name, where);
    }
    case 'index': {
      const target = evaluate(node.target, context, where);
      return readMember(target, evaluate(node.index, context, where), where);
    }
  }
}

function readMember(target: unknown, key: unknown, where: string): unknown {
  if (typeof target === 'object' && target !== null && (typeof key === 'string' || typeof key === 'number')) {
    const record = target as Record<string, unknown>;
    // own properties only: `.constructor` or `.__proto__` must not reach JavaScript internals
    if (Object.hasOwn(record, key)) return record[key];
    const found = Object.keys(record).find((name) => name.toLowerCase() === String(key).toLowerCase());
    if (found) return record[found];
  }
  throw invalidTemplate(`The language expression property '${String(key)}' doesn't exist at ${where}.`);
}

/** Checks the total before joining, so a thousand copies of a large value are refused, not built. */
function boundedParts<T extends { length: number }>(parts: T[], functionName: string, where: string): T[] {
  withinSizeLimit({ length: parts.reduce((total, part) => total + part.length, 0) }, functionName, where);
  return parts;
}

/** Doubling a value through a chain of variables would otherwise grow it to gigabytes. */
function withinSizeLimit<T>(value: T, functionName: string, where: string): T {
  const length = typeof value === 'object' && value !== null && 'length' in value ? Number(value.length) : typeof value === 'string' ? value.length : 0;
  if (length > MAX_VALUE_LENGTH) {
    throw invalidTemplate(
      `The template function '${functionName}' at ${where} would produce a value of length ${length}; a resource definition can't exceed ${MAX_VALUE_LENGTH} characters. Make the value smaller.`,
    );
  }
  return value;
}

function asString(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return JSON.stringify(value);
}

/** Deterministic 13-character lowercase id like ARM's uniqueString (not the same hash as Azure's). */
function uniqueString(parts: string[]): string {
  const digest = createHash('sha256').update(parts.join('-')).digest();
  const alphabet = 'abcdefghijklmnopqrstuvwxyz234567';
  let result = '';
  for (let i = 0; i < 13; i++) result += alphabet[digest[i]! % 32]; // a sha256 digest has 32 bytes
  return result;
}

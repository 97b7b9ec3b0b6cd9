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

type Node =
  | { kind: 'literal'; value: string | number | boolean }
  | { kind: 'call'; name: string; args: Node[] }
  | { kind: 'property'; target: Node; name: string }
  | { kind: 'index'; target: Node; index: Node };

/** Evaluates a template string value: `[expr]` is an expression, `[[...` an escaped literal. */
export function evaluateStringValue(value: string, context: ExpressionContext, where: string): unknown {
  if (!value.startsWith('[') || !value.endsWith(']')) return value;
  if (value.startsWith('[[')) return value.slice(1);
  const node = new Parser(value.slice(1, -1), where).parseWhole();
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

  private parseExpression(): Node {
    this.skipSpace();
    let node = this.parsePrimary();
    for (;;) {
      this.skipSpace();
      const next = this.text[this.position];
      if (next === '.') {
        this.position++;
        node = { kind: 'property', target: node, name: this.parseIdentifier() };
      } else if (next === '[') {
        this.position++;
        const index = this.parseExpression();
        this.expect(']');
        node = { kind: 'index', target: node, index };
      } else {
        return node;
      }
    }
  }

  private parsePrimary(): Node {
    const char = this.text[this.position];
    if (char === "'") return { kind: 'literal', value: this.parseString() };
    if (char !== undefined && /[-0-9]/.test(char)) {
      const match = /^-?\d+(\.\d+)?/.exec(this.text.slice(this.position));
      if (!match) this.fail('malformed number');
      this.position += match[0].length;
      return { kind: 'literal', value: Number(match[0]) };
    }
    const name = this.parseIdentifier();
    this.skipSpace();
    if (this.text[this.position] !== '(') {
      if (name === 'true' || name === 'false') return { kind: 'literal', value: name === 'true' };
      this.fail(`'${name}' must be followed by '('`);
    }
    this.position++;
    const args: Node[] = [];
    this.skipSpace();
    if (this.text[this.position] === ')') {
      this.position++;
      return { kind: 'call', name, args };
    }
    for (;;) {
      args.push(this.parseExpression());
      this.skipSpace();
      if (this.text[this.position] === ',') {
        this.position++;
        continue;
      }
      this.expect(')');
      return { kind: 'call', name, args };
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
  concat: (args) => (args.every(Array.isArray) && args.length > 0 ? (args as unknown[][]).flat() : args.map(asString).join('')),
  format: (args) => asString(args[0]).replace(/\{(\d+)\}/g, (_match, index: string) => asString(args[Number(index) + 1])),
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
      return fn(
        node.args.map((arg) => evaluate(arg, context, where)),
        context,
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
    if (key in record) return record[key];
    const found = Object.keys(record).find((name) => name.toLowerCase() === String(key).toLowerCase());
    if (found) return record[found];
  }
  throw invalidTemplate(`The language expression property '${String(key)}' doesn't exist at ${where}.`);
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
  for (let i = 0; i < 13; i++) result += alphabet[digest[i] % 32];
  return result;
}

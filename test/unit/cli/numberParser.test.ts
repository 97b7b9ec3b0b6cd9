import { InvalidArgumentError } from 'commander';
import { isPositiveInteger, numberParser } from '../../../src/cli/commandSupport';

describe('numberParser (numeric flags of worker and prefect-worker)', () => {
  const positiveInteger = numberParser('a positive whole number, e.g. 4', isPositiveInteger);

  it('returns the number it accepts', () => {
    expect(positiveInteger('4')).toBe(4);
  });

  it.each(['0', '-1', '2.5', 'four', '', 'Infinity'])('refuses %j, saying what it expected', (value) => {
    expect(() => positiveInteger(value)).toThrow(InvalidArgumentError);
    expect(() => positiveInteger(value)).toThrow(`"${value}" is not a positive whole number, e.g. 4`);
  });
});

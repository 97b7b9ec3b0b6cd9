/**
 * Indexed reads in tests (noUncheckedIndexedAccess): a missing element fails the test with a
 * message naming it, instead of a TypeError further on or a `!` that hides the mistake.
 */
export function must<T>(value: T | undefined, what: string): T {
  if (value === undefined) throw new Error(`expected ${what}, found nothing`);
  return value;
}

// Generic over the array type, so an `any[]` (parsed JSON) yields `any`, not `unknown`.
export function nth<A extends readonly unknown[]>(items: A | undefined, index: number): A[number] {
  return must(items?.[index], `an element at index ${index} (of ${items?.length ?? 'no'} elements)`);
}

export function first<A extends readonly unknown[]>(items: A | undefined): A[number] {
  return nth(items, 0);
}

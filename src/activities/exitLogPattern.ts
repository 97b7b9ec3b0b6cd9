/**
 * exit_log_pattern (docs/configuration.md): a log line that shows the flow's process has ended.
 * `*` matches any text, everything else literally, anywhere in the line. Matched without
 * regular expressions: each literal piece is found after the previous one (the earliest place
 * is always the best for a pattern of literals and wildcards), so a line costs at most about
 * its length times the pattern's, whatever either holds.
 */

/** The end-of-run line is short; a longer line is judged on its start. */
export const MATCHED_LINE_CHARS = 2_000;

/** A predicate for lines, or undefined when the pattern is off (null, empty). */
export function exitLineMatcher(pattern: string | null | undefined): ((line: string) => boolean) | undefined {
  if (!pattern) return undefined;
  const pieces = pattern.split('*').filter((piece) => piece.length > 0);
  return (line) => {
    const text = line.slice(0, MATCHED_LINE_CHARS);
    let from = 0;
    for (const piece of pieces) {
      const at = text.indexOf(piece, from);
      if (at < 0) return false;
      from = at + piece.length;
    }
    return true;
  };
}

/**
 * The width --help is wrapped to. Terminal widths are snapped down to a few steps so that the build
 * can capture yargs' help at each of them (scripts/build.mjs) and src/main.ts can print it without
 * loading yargs. A terminal narrower than the smallest step gets yargs' layout at its exact width,
 * through yargs. Not a terminal (a pipe, a file): 100.
 */

export const PRECOMPUTED_HELP_WIDTHS: readonly number[] = [80, 100, 110];

export function helpWidth(columns: number | undefined): number {
  if (!columns) return 100;
  const step = PRECOMPUTED_HELP_WIDTHS.filter((width) => width <= columns).at(-1);
  return step ?? columns;
}

/** Small helpers for tests that edit generated projects before serving them. */

const PLACEHOLDERS = /^( +)# TODO: replace these placeholders with your model's outputs\.\n\1return \{\n(?:\1 {4}.*\n)*\1\}\n/m;

/**
 * model.py with compute()'s placeholder outputs replaced by `lines` (Python statements at compute's
 * body indentation): the first edit a user makes to a generated blank model.
 */
export function replaceCompute(source: string, lines: string[]): string {
  const match = PLACEHOLDERS.exec(source);
  if (!match) throw new Error("model.py has no placeholder block to replace (the template's compute changed)");
  const indent = match[1] as string;
  return source.replace(PLACEHOLDERS, lines.map((line) => `${indent}${line}\n`).join(''));
}

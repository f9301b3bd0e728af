/** Normalising yargs values: a repeated string flag arrives as an array, a single one as a string. */

import { EXIT, UserError } from '../ui/errors.js';

export const asList = (value: unknown): string[] | undefined =>
  value === undefined ? undefined : (Array.isArray(value) ? value : [value]).map(String);

export const asOne = (value: unknown, flag: string): string | undefined => {
  if (Array.isArray(value)) throw new UserError(`--${flag} was given ${value.length} times (give it once)`, EXIT.usage);
  return value === undefined ? undefined : String(value);
};

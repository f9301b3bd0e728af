/** Reading a parsed config.pbtxt for the rules (config.ts and the modules beside it): values by field name, positions, quoting. */

import { getField, lastValue, type ParsedMessage, type ParsedValue } from '../pbtxt/message.js';
import type { Position } from './findings.js';

/** -1 in dims: any size. */
export const WILDCARD = -1n;

export const valuesOf = (message: ParsedMessage, name: string): ParsedValue[] => getField(message, name)?.values ?? [];
export const messagesOf = (message: ParsedMessage, name: string) => valuesOf(message, name).map((value) => ({ value, message: value.value as ParsedMessage }));
export const stringOf = (message: ParsedMessage, name: string): string => (lastValue(message, name)?.value as string | undefined) ?? '';
export const numberOf = (message: ParsedMessage, name: string): number => {
  const value = lastValue(message, name)?.value;
  return value === undefined ? 0 : Number(value);
};
export const boolOf = (message: ParsedMessage, name: string): boolean => lastValue(message, name)?.value === true;
export const enumOf = (message: ParsedMessage, name: string, fallback: string): string | number => (lastValue(message, name)?.value as string | number | undefined) ?? fallback;
export const has = (message: ParsedMessage, name: string): boolean => valuesOf(message, name).length > 0;
export const messageOf = (message: ParsedMessage, name: string): ParsedMessage | undefined => lastValue(message, name)?.value as ParsedMessage | undefined;
export const numbersOf = (message: ParsedMessage, name: string) => valuesOf(message, name).map((value) => ({ number: Number(value.value), at: value.at }));
/** int64 dims, exactly: checked and printed as Triton sees them, however large. */
export const dimsOf = (message: ParsedMessage, name: string) => valuesOf(message, name).map((value) => ({ dim: BigInt(value.value as bigint | number), at: value.at }));
export const start = (value: ParsedValue | undefined): Position | undefined => value?.at;
export const TOP: Position = { line: 1, column: 1 };

export const quoted = (text: string) => `'${text}'`;

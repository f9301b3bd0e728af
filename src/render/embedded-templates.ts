/**
 * Every file of templates/ that render uses, embedded: render(spec) reads no file at run time.
 * This source is only a stand-in with the module's types: scripts/build.mjs (for the bundle) and the
 * vitest configs (for tests importing src/) replace it with the module scripts/embed-templates.mjs
 * writes from templates/ — the .ejs files compiled, the other files as text or base64 bytes.
 * Running src/ any other way finds these maps empty, and render says which template is missing.
 */

/** ejs client-mode function: (locals, escape, include) -> text. */
export type CompiledTemplate = (m: object, escapeFn: (text: unknown) => string, include: (path: string, data: object) => string) => string;

/** templates/<path>.ejs, compiled, by path relative to templates/. */
export const COMPILED_TEMPLATES: Readonly<Record<string, CompiledTemplate>> = {};
/** Files copied as they are (UTF-8 text), by path relative to templates/. */
export const TEXT_FILES: Readonly<Record<string, string>> = {};
/** Binary files copied as they are, base64, by path relative to templates/. */
export const BINARY_FILES: Readonly<Record<string, string>> = {};

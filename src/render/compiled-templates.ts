/**
 * The ejs templates compiled to functions at build time. In the published bundle scripts/build.mjs
 * replaces this module with one holding every templates/**\/*.ejs compiled once (so a run loads neither
 * ejs nor the template sources); running from source it is undefined and render compiles them itself.
 */

/** ejs client-mode function: (locals, escape, include) -> text. */
export type CompiledTemplate = (m: object, escapeFn: (text: unknown) => string, include: (path: string, data: object) => string) => string;

export const COMPILED_TEMPLATES: Record<string, CompiledTemplate> | undefined = undefined;

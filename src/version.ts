/** Replaced at build time with package.json's version (see scripts/build.mjs). */
declare const __VERSION__: string | undefined;
export const VERSION: string = typeof __VERSION__ === 'string' ? __VERSION__ : '0.0.0-dev';

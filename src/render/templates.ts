/**
 * The embedded templates (embedded-templates.ts), read by their path under templates/: an .ejs
 * template rendered with a view, a file's text, a file's bytes, the files under a folder.
 */

import { BINARY_FILES, COMPILED_TEMPLATES, TEXT_FILES, type CompiledTemplate } from './embedded-templates.js';

function missing(relativePath: string): Error {
  return new Error(`templates/${relativePath} is not embedded: src/ runs only through the build (scripts/build.mjs) or vitest, which embed templates/ (scripts/embed-templates.mjs)`);
}

/** `<%= %>` escaping as ejs does it; the templates use `<%- %>` (raw text), this only keeps the contract. */
const escapeXml = (text: unknown) =>
  String(text).replace(/[&<>'"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', "'": '&#39;', '"': '&#34;' })[c] as string);

/** Where an include points, relative to templates/: `/x` from templates/ itself (ejs' `root`), anything else beside the including template. */
function includedPath(from: string, included: string): string {
  if (included.startsWith('/')) return included.slice(1);
  const parts = from.split('/').slice(0, -1);
  for (const part of included.split('/')) {
    if (part === '..') parts.pop();
    else if (part !== '.') parts.push(part);
  }
  return parts.join('/');
}

/** templates/<relativePath> (an .ejs file) rendered with `data`, its includes resolved as ejs resolves them. */
export function renderTemplate(relativePath: string, data: object): string {
  const template: CompiledTemplate | undefined = COMPILED_TEMPLATES[relativePath];
  if (!template) throw missing(relativePath);
  // As ejs does at run time, an include sees the including template's locals plus what it passes.
  return template(data, escapeXml, (included, includedData) => renderTemplate(includedPath(relativePath, included), { ...data, ...includedData }));
}

/** The text of templates/<relativePath>, a file copied as it is. */
export function embeddedText(relativePath: string): string {
  const text = TEXT_FILES[relativePath];
  if (text === undefined) throw missing(relativePath);
  return text;
}

/** The bytes of templates/<relativePath>, text or binary. */
export function embeddedBytes(relativePath: string): Buffer {
  const base64 = BINARY_FILES[relativePath];
  if (base64 !== undefined) return Buffer.from(base64, 'base64');
  return Buffer.from(embeddedText(relativePath), 'utf8');
}

/** Paths of the embedded files (not templates) under `prefix` (`image-stub/assets/`), sorted. */
export function embeddedUnder(prefix: string): string[] {
  return [...Object.keys(TEXT_FILES), ...Object.keys(BINARY_FILES)].filter((file) => file.startsWith(prefix)).sort();
}

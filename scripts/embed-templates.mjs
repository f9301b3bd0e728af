// The source of the module that stands in for src/render/embedded-templates.ts: every file of
// templates/ that render uses (all but templates/serve/, which serve runs from disk), embedded so
// that render(spec) never reads the disk. *.ejs files are compiled once here, with the options
// render relies on (ejs' client mode: a run loads neither ejs nor the sources); other text files
// are embedded as strings, binary files (image.jpg) as base64.
// Used by scripts/build.mjs (an esbuild plugin) and by the vitest configs (a vite plugin), so the
// bundle and the tests, which import src/ directly, render from the same embedded files.
import ejs from 'ejs';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const TEMPLATES_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../templates');
/** The module this source replaces, matched by path (either separator). */
export const EMBEDDED_MODULE = /[\\/]src[\\/]render[\\/]embedded-templates\.ts$/;
/** Folders of templates/ that are not rendered: serve runs them as they are. */
const NOT_RENDERED = new Set(['serve']);

const isText = (bytes) => !bytes.includes(0) && Buffer.from(bytes.toString('utf8'), 'utf8').equals(bytes);

/** Every file under templates/ that render uses, relative, '/'-separated, sorted. */
function renderedFiles(root) {
  const files = [];
  const walk = (relative) => {
    for (const entry of fs.readdirSync(path.join(root, relative), { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const child = relative ? `${relative}/${entry.name}` : entry.name;
      if (entry.isDirectory()) {
        if (!(relative === '' && NOT_RENDERED.has(entry.name))) walk(child);
      } else files.push(child);
    }
  };
  walk('');
  return files;
}

/** JavaScript source of the embedded-templates module for the templates under `root`. */
export function embeddedTemplatesSource(root = TEMPLATES_ROOT) {
  const compiled = [];
  const texts = [];
  const binaries = [];
  for (const file of renderedFiles(root)) {
    const full = path.join(root, ...file.split('/'));
    const bytes = fs.readFileSync(full);
    const key = JSON.stringify(file);
    if (file.endsWith('.ejs')) {
      const template = ejs.compile(bytes.toString('utf8'), { filename: full, root, strict: true, localsName: 'm', _with: false, client: true, compileDebug: false });
      compiled.push(`  ${key}: ${template.toString()}`);
    } else if (isText(bytes)) texts.push(`  ${key}: ${JSON.stringify(bytes.toString('utf8'))}`);
    else binaries.push(`  ${key}: ${JSON.stringify(bytes.toString('base64'))}`);
  }
  const map = (entries) => `{\n${entries.join(',\n')}\n}`;
  return [
    `export const COMPILED_TEMPLATES = ${map(compiled)};`,
    `export const TEXT_FILES = ${map(texts)};`,
    `export const BINARY_FILES = ${map(binaries)};`,
    '',
  ].join('\n');
}

/** The vite (vitest) plugin: tests that import src/render get the same embedded templates as the bundle. */
export function embeddedTemplatesVitePlugin() {
  return {
    name: 'embedded-templates',
    load(id) {
      return EMBEDDED_MODULE.test(id.split('?')[0]) ? embeddedTemplatesSource() : undefined;
    },
  };
}

// Write schema/spec.schema.json from src/model-spec/json-schema.ts (bundled in memory with esbuild),
// so the shipped schema is always the one the CLI's rules describe.
import { build } from 'esbuild';
import fs from 'node:fs';
import path from 'node:path';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const result = await build({
  entryPoints: [path.join(root, 'src/model-spec/json-schema.ts')],
  bundle: true,
  format: 'esm',
  platform: 'node',
  write: false,
  logLevel: 'warning',
});
const { specJsonSchema } = await import(`data:text/javascript;base64,${Buffer.from(result.outputFiles[0].text).toString('base64')}`);
fs.mkdirSync(path.join(root, 'schema'), { recursive: true });
fs.writeFileSync(path.join(root, 'schema/spec.schema.json'), JSON.stringify(specJsonSchema(), null, 2) + '\n');

// Capture, from the yargs CLI just bundled, what src/precomputed.ts needs to answer without yargs:
// every command name and alias, and exactly what yargs prints for `--help` and `<command> --help`
// at every precomputed help width.
// Run by scripts/build.mjs in a child process:  node scripts/capture-yargs.mjs <bundle>/cli.js <out.json>
// Writes { commands: [...], help: { [width]: { [command, '' for the CLI itself]: stdout } } }.
// Fails (exit 1) when yargs answers a help request with anything but exit 0 and stdout only.
import fs from 'node:fs';
import { pathToFileURL } from 'node:url';

const [entry, out] = process.argv.slice(2);
if (!entry || !out) throw new Error('usage: node scripts/capture-yargs.mjs <bundle>/cli.js <out.json>');
const { buildCli, main, PRECOMPUTED_HELP_WIDTHS } = await import(pathToFileURL(entry).href);

// '$0' is the default command, whose help is the CLI's own.
const commands = buildCli([]).getInternalMethods().getCommandInstance().getCommands().filter((name) => name !== '$0');

/** Run argv through yargs with stdout `columns` wide; what it wrote to stdout and stderr. */
async function capture(argv, columns) {
  const written = { stdout: '', stderr: '' };
  const originals = { stdout: process.stdout.write, stderr: process.stderr.write };
  Object.defineProperty(process.stdout, 'columns', { value: columns, configurable: true });
  for (const name of ['stdout', 'stderr']) {
    process[name].write = (chunk, encoding, callback) => {
      written[name] += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString(typeof encoding === 'string' ? encoding : 'utf8');
      (typeof encoding === 'function' ? encoding : callback)?.();
      return true;
    };
  }
  try {
    const exitCode = await main(argv);
    return { ...written, exitCode };
  } finally {
    process.stdout.write = originals.stdout;
    process.stderr.write = originals.stderr;
  }
}

const help = {};
for (const width of PRECOMPUTED_HELP_WIDTHS) {
  help[width] = {};
  for (const command of ['', ...commands]) {
    const argv = command ? [command, '--help'] : ['--help'];
    const result = await capture(argv, width);
    if (result.exitCode !== 0 || result.stderr !== '' || result.stdout === '') {
      console.error(`capture-yargs: \`${argv.join(' ')}\` at width ${width} gave exit ${result.exitCode}, stderr ${JSON.stringify(result.stderr)}`);
      process.exit(1);
    }
    help[width][command] = result.stdout;
  }
}
fs.writeFileSync(out, JSON.stringify({ commands, help }));

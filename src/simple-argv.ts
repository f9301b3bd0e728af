/**
 * The default command's argv in its simplest forms, read without yargs: the command's name `create`
 * first or left out, at most one folder, and the switches --yes/-y, --force, --dry-run, --json, each
 * at most once, in any order. The most common runs
 * (`create-triton-model my-project [--yes]`) then skip loading and running yargs, about 30 ms.
 * Returns the arguments object yargs would hand the command's handler, or undefined for anything
 * else, which goes through yargs. test/unit/simple-argv.test.ts checks on generated argv that the
 * handler gets exactly what it gets through yargs.
 */

/** Switch as typed -> its key in yargs' arguments object. */
const SWITCHES: Record<string, string> = { '--yes': 'yes', '-y': 'yes', '--force': 'force', '--dry-run': 'dryRun', '--json': 'json' };

/**
 * A folder name yargs passes through as typed: not empty, not a flag, not true/false (yargs reads
 * `--yes false` as a switch value) and not a command name.
 */
function isPlainFolder(token: string, commandNames: readonly string[]): boolean {
  return token !== '' && !token.startsWith('-') && !/^(true|false)$/i.test(token) && !commandNames.includes(token);
}

/** The default command's own name: `create-triton-model create x` is `create-triton-model x`. */
const CREATE = 'create';

export function simpleCreateArgs(argv: readonly string[], commandNames: readonly string[]): Record<string, unknown> | undefined {
  const named = argv[0] === CREATE;
  const args: Record<string, unknown> = { _: named ? [CREATE] : [], $0: 'create-triton-model', yes: false, force: false, dryRun: false, json: false };
  const seen = new Set<string>();
  let directory: string | undefined;
  for (const token of named ? argv.slice(1) : argv) {
    const key = Object.hasOwn(SWITCHES, token) ? SWITCHES[token] : undefined;
    if (key !== undefined) {
      if (seen.has(key)) return undefined;
      seen.add(key);
      args[key] = true;
    } else if (directory === undefined && isPlainFolder(token, commandNames)) {
      directory = token;
    } else {
      return undefined;
    }
  }
  if (directory !== undefined) args.directory = directory;
  return args;
}

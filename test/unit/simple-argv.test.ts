/**
 * The default command read without yargs (src/commands/simple-argv.ts) must hand the command exactly
 * what yargs hands it. Generated argv mix the accepted switches and folders with the tokens yargs
 * reads differently (numbers, true/false, commands, negations, values, help/version...); whenever the
 * shortcut accepts an argv, the create command's work must receive the same arguments through both.
 * Through yargs, the CLI is built from its own command list with the create command's handler
 * recording what createCommand would get (createArgsFrom of yargs' arguments) instead of running it.
 * Seeded and reproducible (FC_SEED, FC_RUNS override).
 */

import fc from 'fast-check';
import type { CommandModule } from 'yargs';
import { beforeEach, describe, expect, it } from 'vitest';
import { buildCli, COMMANDS } from '../../src/cli.js';
import { createArgsFrom, createCommandModule } from '../../src/commands/create.js';
import { simpleCreateArgs } from '../../src/commands/simple-argv.js';

const received: unknown[] = [];
const RECORDING: CommandModule[] = COMMANDS.map((command) =>
  command === createCommandModule ? { ...command, handler: (args: Record<string, unknown>) => void received.push(createArgsFrom(args)) } : command,
);

const SEED = Number(process.env.FC_SEED ?? 20261126);
const RUNS = Number(process.env.FC_RUNS ?? 1000);

type Internals = { getInternalMethods(): { getCommandInstance(): { getCommands(): string[] } } };
const COMMAND_NAMES = (buildCli([]) as unknown as Internals).getInternalMethods().getCommandInstance().getCommands().filter((name) => name !== '$0');

/** What the create command's work receives when yargs parses argv (or yargs' refusal). */
async function throughYargs(argv: string[]): Promise<unknown[] | { refused: string }> {
  received.length = 0;
  try {
    await buildCli(argv, RECORDING).parseAsync();
  } catch (error) {
    return { refused: String(error) };
  }
  return [...received];
}

/** What it receives through the shortcut, or undefined when the shortcut leaves argv to yargs. */
async function throughShortcut(argv: string[]): Promise<unknown[] | undefined> {
  const args = simpleCreateArgs(argv, COMMAND_NAMES);
  if (args === undefined) return undefined;
  return [createArgsFrom(args)];
}

const ACCEPTED_TOKENS = ['--yes', '-y', '--force', '--dry-run', '--json', 'my-project', 'x', 'Demo_1', '_scratch', '/tmp/ctm-abs', 'a b', 'dir.with.dots', 'sub/dir'];
const TRICKY_TOKENS = [
  'true', 'false', 'TRUE', '1e3', '0x10', '.5', '007', '42', './rel', '../up', '-', '--', '-yf', '-Y',
  '--yes=false', '--json=true', '--no-force', '--no-yes', '--dryRun', '--dry-run=false', '--name', 'resnet', '--template=blank',
  '--help', '-h', '--version', '-v', '--bogus', '',
];

beforeEach(() => {
  received.length = 0;
});

describe('simpleCreateArgs', () => {
  it('accepts the common forms', () => {
    for (const argv of [[], ['x'], ['x', '--yes'], ['--yes', 'x'], ['-y', 'my-project', '--force', '--dry-run', '--json'], ['/tmp/abs', '--json'], ['../up', '-y'], ['1e3'], ['create'], ['create', 'x', '--yes'], ['create', '--yes']]) {
      expect(simpleCreateArgs(argv, COMMAND_NAMES), JSON.stringify(argv)).toBeDefined();
    }
  });

  it('leaves to yargs what yargs reads differently', () => {
    const others = COMMAND_NAMES.filter((c) => c !== 'create');
    expect(others.length).toBe(COMMAND_NAMES.length - 1);
    for (const argv of [['--yes', 'false'], ['x', '--yes', 'true'], [''], ['x', 'y'], ['x', '--yes', '--yes'], ['--no-force'], ['x', '--'], ['x', 'create'], ['create', 'create'], ...others.map((c) => [c, '--yes'])]) {
      expect(simpleCreateArgs(argv, COMMAND_NAMES), JSON.stringify(argv)).toBeUndefined();
    }
  });

  it(`hands the command exactly what yargs hands it (seed ${SEED}, ${RUNS} cases)`, async () => {
    // Accepted tokens, and in most cases one tricky token among them: where it is the only odd one
    // out, the shortcut must either refuse the argv or agree with yargs on it.
    const argvArbitrary = fc
      .tuple(fc.array(fc.constantFrom(...ACCEPTED_TOKENS), { maxLength: 5 }), fc.option(fc.constantFrom(...TRICKY_TOKENS, ...COMMAND_NAMES), { freq: 4 }), fc.nat(), fc.boolean())
      .map(([tokens, tricky, at, named]) => {
        const argv = tricky === null ? tokens : tokens.toSpliced(at % (tokens.length + 1), 0, tricky);
        // The default command named or not: `create x --yes` is `x --yes`.
        return named ? ['create', ...argv] : argv;
      });
    const cases = fc.sample(argvArbitrary, { seed: SEED, numRuns: RUNS });
    let accepted = 0;
    for (const argv of cases) {
      const shortcut = await throughShortcut(argv);
      if (shortcut === undefined) continue;
      accepted++;
      const yargs = await throughYargs(argv);
      expect(shortcut, JSON.stringify(argv)).toHaveLength(1);
      expect(shortcut, JSON.stringify(argv)).toStrictEqual(yargs);
    }
    // The check means something only if the shortcut took a fair share of the cases.
    expect(accepted).toBeGreaterThan(RUNS / 10);
  });
});

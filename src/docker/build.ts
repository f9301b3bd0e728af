/** docker build of a generated project, its output shown as it comes (behind a spinner unless verbose). */

import { UserError } from '../ui/errors.js';
import { color, Reporter } from '../ui/output.js';
import { Progress } from '../ui/progress.js';
import { onInterrupt } from '../ui/signals.js';
import { buildImage, dockerBuildArgs } from './container.js';
import { formatCommand, LineTail } from './exec.js';

/** Lines of a failed build shown when its output was hidden behind the spinner. */
const FAILED_BUILD_LINES = 40;
const OUTPUT_PREFIX = '  │ ';

/** Build `dir` into `tag`; throws a UserError when docker build fails. Docker has been checked by the caller. */
export async function buildProjectImage(dir: string, tag: string, options: { verbose: boolean }): Promise<void> {
  const report = new Reporter(false);
  report.line(color.dim(`$ ${formatCommand(dockerBuildArgs(dir, tag))}`));
  const progress = new Progress();
  const tail = new LineTail(FAILED_BUILD_LINES);
  progress.start(`Building image ${tag}`);
  const build = buildImage(dir, tag, (line) => {
    tail.push(line);
    if (options.verbose) progress.log(color.dim(OUTPUT_PREFIX) + line);
  });
  // Ctrl-C: docker build is ours to end; the CLI then exits 130 (143 for SIGTERM).
  const release = onInterrupt(() => build.kill());
  const result = await build.done;
  release();
  if (result.exitCode === 0) {
    progress.succeed(`Built image ${tag}`);
    return;
  }
  progress.stop();
  if (!options.verbose) {
    report.line(`Last lines of docker build:`);
    for (const line of tail.lines) report.line(color.dim(OUTPUT_PREFIX) + line);
  }
  if (result.timedOut) throw new UserError(`docker build of ${tag} did not finish in time`);
  throw new UserError(`docker build of ${tag} failed (exit code ${result.exitCode ?? 'unknown'}): see its output above`);
}

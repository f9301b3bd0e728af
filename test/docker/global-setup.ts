/**
 * vitest globalSetup of the docker suite (vitest.docker.config.ts): one daemon and one stand-in base
 * image for every test file, and a teardown that runs whatever happens (tests failing, setup failing
 * halfway, Ctrl-C, the process exiting) and fails the run if the host is not left as it was.
 */

import type { TestProject } from 'vitest/node';
import type { DockerSuiteContext } from './context.js';
import { checkPrerequisites, startDaemon, stopDaemon, sweepStaleRuns, type DockerDaemon } from './daemon.js';
import { acquireSuiteLock } from './lock.js';
import { buildStandInImage, STAND_IN_IMAGE } from './stand-in-image.js';

const log = (line: string) => process.stderr.write(`[docker suite] ${line}\n`);
const seconds = (since: number) => `${((Date.now() - since) / 1000).toFixed(1)} s`;

export default async function setup(project: TestProject): Promise<() => void> {
  const started = Date.now();
  checkPrerequisites();
  const releaseLock = await acquireSuiteLock(log);
  let daemon: DockerDaemon | undefined;
  let problems: string[] | undefined;

  const teardown = (): string[] => {
    if (problems) return problems;
    const since = Date.now();
    problems = daemon ? stopDaemon(daemon) : [];
    releaseLock();
    log(`teardown: ${seconds(since)}${problems.length === 0 ? ', host left as it was' : ''}`);
    return problems;
  };
  const onSignal = (signal: NodeJS.Signals) => {
    log(`${signal}: stopping the suite's daemon`);
    teardown();
    process.exit(signal === 'SIGINT' ? 130 : 143);
  };
  const signals: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];
  for (const signal of signals) process.once(signal, onSignal);
  process.once('exit', teardown);

  let phase = 'could not clean up after an earlier run';
  try {
    sweepStaleRuns();
    let since = Date.now();
    phase = 'could not start its Docker daemon';
    daemon = await startDaemon();
    log(`dockerd started in ${seconds(since)} (root ${daemon.root}, bridge ${daemon.bridge})`);
    since = Date.now();
    phase = 'could not build the stand-in Triton base image';
    const timings = buildStandInImage(daemon, log);
    log(
      `stand-in image in ${seconds(since)}: root filesystem ${timings.rootfsCached ? 'from cache' : 'debootstrapped'} + import ${timings.rootfsSeconds} s, CLI layer ${timings.imageSeconds} s`,
    );
  } catch (error) {
    const left = teardown();
    const failure = error instanceof Error ? error : new Error(String(error));
    failure.message = `The docker integration suite ${phase}: ${failure.message}`;
    if (left.length > 0) failure.message += `\nTeardown after the failure also found:\n${left.join('\n')}`;
    throw failure;
  }

  const context: DockerSuiteContext = { env: daemon.env, root: daemon.root, standInImage: STAND_IN_IMAGE };
  project.provide('dockerSuite', context);
  log(`setup done in ${seconds(started)}`);

  return () => {
    for (const signal of signals) process.off(signal, onSignal);
    const left = teardown();
    log(`whole suite: ${seconds(started)}`);
    if (left.length > 0) throw new Error(`The docker suite did not leave the host as it found it:\n${left.join('\n')}`);
  };
}

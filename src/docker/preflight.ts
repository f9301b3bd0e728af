/**
 * Before any work: is there a docker, is its daemon up, may we talk to it? Each failure is one
 * line saying which and what to do, so nobody reads a Go stack or a socket path to find out.
 */

import { UserError } from '../ui/errors.js';
import { firstErrorLine, runDocker, type DockerResult } from './exec.js';

const PREFLIGHT_TIMEOUT_MS = 30_000;

export type DockerProblem = 'not-installed' | 'not-executable' | 'daemon-down' | 'permission-denied' | 'no-answer' | 'other';

/** What went wrong talking to docker, judged from how `docker version` failed; undefined when it worked. */
export function dockerProblem(result: DockerResult): DockerProblem | undefined {
  if (result.notFound) return 'not-installed';
  if (result.notExecutable) return 'not-executable';
  if (result.timedOut) return 'no-answer';
  if (result.exitCode === 0) return undefined;
  const text = result.stderr.toLowerCase();
  // Checked first: the permission message also mentions "the Docker daemon socket".
  if (text.includes('permission denied')) return 'permission-denied';
  if (text.includes('cannot connect to the docker daemon') || text.includes('is the docker daemon running') || text.includes('error during connect')) return 'daemon-down';
  return 'other';
}

export function dockerProblemMessage(problem: DockerProblem, result: DockerResult): string {
  switch (problem) {
    case 'not-installed':
      return 'docker is not installed (no "docker" command on PATH): install Docker (https://docs.docker.com/get-docker/) and try again';
    case 'not-executable':
      return 'the "docker" command on PATH cannot be run (permission denied on the file): reinstall Docker or fix PATH';
    case 'daemon-down': {
      const where = /daemon at (\S+?)\.?(\s|$)/i.exec(result.stderr)?.[1];
      return `the Docker daemon is not running${where ? ` (nothing answers at ${where})` : ''}: start Docker Desktop, or "sudo systemctl start docker", and try again`;
    }
    case 'permission-denied':
      return 'permission denied talking to the Docker daemon: add your user to the "docker" group (sudo usermod -aG docker $USER, then log in again) or use rootless Docker';
    case 'no-answer':
      return `docker did not answer within ${PREFLIGHT_TIMEOUT_MS / 1000} s: is the Docker daemon stuck? (try "docker version")`;
    case 'other':
      return `docker is not working: ${firstErrorLine(result)}`;
  }
}

/** Throws a one-line UserError unless docker and its daemon answer; returns the server version. */
export async function checkDocker(): Promise<string> {
  const result = await runDocker(['version', '--format={{.Server.Version}}'], PREFLIGHT_TIMEOUT_MS);
  const problem = dockerProblem(result);
  if (problem) throw new UserError(dockerProblemMessage(problem, result));
  return result.stdout.trim();
}

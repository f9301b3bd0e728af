/**
 * A project run in docker: build the image if it is missing, start Triton in a container, wait
 * until every model is ready (src/triton/readiness.ts), send one test request per model
 * (src/triton/smoke.ts) and show the answer; then follow the log until Ctrl-C (which stops that
 * container, and only it), or with --detach leave it running. Any failure shows the end of the
 * container log, says what it means, stops the container and exits 1.
 */

import fs from 'node:fs';
import net from 'node:net';
import { KServeError, NoAnswerError } from '../triton/client.js';
import { waitUntilReady, type ReadinessState } from '../triton/readiness.js';
import { formatOutputLines, runSmokeTest, smokeRequestFor } from '../triton/smoke.js';
import { UserError } from '../ui/errors.js';
import { color, Reporter } from '../ui/output.js';
import { Progress } from '../ui/progress.js';
import { onInterrupt } from '../ui/signals.js';
import { buildProjectImage } from './build.js';
import { dockerRunArgs, followLogs, imageExists, projectMounts, startContainer, stopContainer, stopContainerSync, type ContainerSpec } from './container.js';
import { explainLog, explainRunFailure } from './diagnose.js';
import { firstErrorLine, formatCommand, LineTail, type StreamingDocker } from './exec.js';
import { checkPorts } from './ports.js';
import { checkDocker } from './preflight.js';
import type { ServedModel } from './project.js';

/** What a run does, every value judged (commands/run.ts). */
export interface RunOptions {
  tag: string;
  name: string;
  host: string;
  ports: { http: number; grpc: number; metrics: number };
  shmSize: string;
  gpus: string | undefined;
  mount: boolean;
  detach: boolean;
  timeoutMs: number;
  verbose: boolean;
}

function pollIntervalMs(): number {
  const fromEnv = Number(process.env.CREATE_TRITON_MODEL_TEST_POLL_MS);
  return Number.isFinite(fromEnv) && fromEnv > 0 ? fromEnv : 1000;
}

/** Where this machine reaches the published ports: a wildcard publish address is reached through loopback. */
function reachableHost(host: string): string {
  if (host === '0.0.0.0') return '127.0.0.1';
  if (host === '::') return '::1';
  return host;
}

const urlHost = (host: string) => (net.isIPv6(host) ? `[${host}]` : host);
const LOG_PREFIX = '  │ ';
const FAILED_LOG_LINES = 40;

function describeState(state: ReadinessState, total: number): string {
  if (state.phase === 'starting') return 'waiting for Triton to answer';
  return `loading models: ${state.ready.length} of ${total} ready${state.notReady.length > 0 ? ` (waiting for ${state.notReady.join(', ')})` : ''}`;
}

/** The run itself, for `run` and for `create --run`. Returns when detached; otherwise only through a signal or an error. */
export async function runProject(dir: string, models: ServedModel[], options: RunOptions): Promise<void> {
  const report = new Reporter(false);
  const { host, ports, name } = options;
  const published = [
    { label: 'HTTP', flag: '--port-http', port: ports.http },
    { label: 'gRPC', flag: '--port-grpc', port: ports.grpc },
    { label: 'metrics', flag: '--port-metrics', port: ports.metrics },
  ];
  // Before docker is called at all, and again after a build (minutes, in which a port may be taken).
  await checkPorts(published, host);
  await checkDocker();

  const image = await imageExists(options.tag);
  if (!image.exists) {
    if (!/no such image/i.test(image.result.stderr)) throw new UserError(`docker image inspect ${options.tag} failed: ${firstErrorLine(image.result)}`);
    report.line(`Image ${options.tag} does not exist yet: building it.`);
    await buildProjectImage(dir, options.tag, { verbose: options.verbose });
    await checkPorts(published, host);
  }

  let gpus = options.gpus;
  const gpuModels = models.filter((m) => m.wantsGpu).map((m) => m.name);
  if (gpus === undefined && gpuModels.length > 0) {
    gpus = 'all';
    report.line(`${gpuModels.join(', ')} ${gpuModels.length === 1 ? 'asks' : 'ask'} for KIND_GPU instances: adding --gpus=all.`);
  }
  let mounts: ContainerSpec['mounts'];
  if (options.mount) {
    mounts = projectMounts(dir).filter((m) => fs.existsSync(m.source));
    report.line(`Binding ${mounts.map((m) => `${m.source} -> ${m.target}`).join(', ')} (read-only; restart to load edits).`);
  }
  const spec: ContainerSpec = { image: options.tag, name, host, ports, shmSize: options.shmSize, ...(gpus === undefined ? {} : { gpus }), ...(mounts ? { mounts } : {}) };

  report.line(color.dim(`$ ${formatCommand(dockerRunArgs(spec))}`));
  let follower: StreamingDocker | undefined;
  // From here on the container may exist. Ctrl-C / SIGTERM stop it (this one, by its name) before the
  // CLI exits 130 / 143; synchronous because the process exits right after.
  const releaseSignal = onInterrupt(() => {
    follower?.kill();
    process.stderr.write(`\nStopping container ${name}…\n`);
    const stopped = stopContainerSync(name);
    if (stopped.exitCode === 0) process.stderr.write(`Stopped container ${name}.\n`);
    else process.stderr.write(`Could not stop container ${name}: ${firstErrorLine(stopped)} (docker stop ${name})\n`);
  });

  const started = await startContainer(spec);
  if (started.exitCode !== 0) {
    releaseSignal();
    const meaning = explainRunFailure(started.stderr);
    throw new UserError(`docker run failed: ${meaning ?? firstErrorLine(started)}`);
  }

  const tail = new LineTail(FAILED_LOG_LINES);
  let printLive = options.verbose;
  let exited = false;
  const progress = new Progress();
  follower = followLogs(name, (line) => {
    tail.push(line);
    if (printLive) progress.log(color.dim(LOG_PREFIX) + line);
  });
  // `docker logs --follow` ends by itself when the container stops (exit 0), or at once when it is
  // already gone; any other failure (a logging driver docker cannot read back) says nothing about it.
  const logsEnded = follower.done.then((result) => {
    exited = result.exitCode === 0 || tail.lines.some((line) => /no such container/i.test(line));
    return result;
  });

  const fail = async (problem: string, fallbackMeaning: string): Promise<never> => {
    progress.stop();
    if (!options.verbose) {
      report.line(`Last lines of the container log (docker logs ${name}):`);
      if (tail.lines.length === 0) report.line(color.dim(`${LOG_PREFIX}(empty)`));
      for (const line of tail.lines) report.line(color.dim(LOG_PREFIX) + line);
    }
    if (!exited) {
      follower?.kill();
      const stopped = await stopContainer(name);
      report.line(stopped.exitCode === 0 ? `Stopped container ${name}.` : `Could not stop container ${name}: ${firstErrorLine(stopped)}`);
    }
    releaseSignal();
    throw new UserError(`${problem}: ${explainLog(tail.lines) ?? fallbackMeaning}`);
  };

  const baseUrl = new URL(`http://${urlHost(reachableHost(host))}:${ports.http}`);
  const seconds = `${Number((options.timeoutMs / 1000).toFixed(3))} s`;
  progress.start(`Starting Triton in container ${name} (up to ${seconds})`);
  const outcome = await waitUntilReady({
    baseUrl,
    models: models.map((m) => m.name),
    timeoutMs: options.timeoutMs,
    intervalMs: pollIntervalMs(),
    onProgress: (state) => {
      if (state.phase !== 'ready') progress.update(describeState(state, models.length));
    },
    stopped: () => exited,
  });
  if (!outcome.ok) {
    if (outcome.reason === 'stopped') await fail(`container ${name} stopped before Triton was ready`, 'see the log above');
    if (outcome.state.phase === 'starting') await fail(`Triton did not answer on ${baseUrl.origin} within ${seconds}`, 'see the log above (raise --timeout if it starts slowly)');
    await fail(`not ready after ${seconds}: ${outcome.state.notReady.join(', ')}`, 'still loading or failed to load, see the log above (raise --timeout if it loads slowly)');
  }
  progress.succeed(`Triton is ready: ${models.map((m) => m.name).join(', ')}`);

  for (const model of models) {
    if (model.noConfig) {
      report.warn(`no test request to ${model.name}: ${model.configFile} does not exist (Triton built its configuration from model.py's auto_complete_config)`);
      continue;
    }
    const request = smokeRequestFor(model);
    if (request.kind === 'none') {
      report.warn(`no test request: ${request.reason}`);
      continue;
    }
    const sent = request.kind === 'infer' ? request.header.inputs.map((i) => `${i.name} ${i.datatype} [${i.shape.join(', ')}]`).join(', ') : JSON.stringify(request.body);
    const test = new Progress();
    test.start(`POST /v2/models/${model.name}/${request.kind} with ${sent}`);
    try {
      const result = await runSmokeTest(baseUrl, model, request, options.timeoutMs);
      test.succeed(`${model.name} answered`);
      if (result.endpoint === 'infer') for (const line of formatOutputLines(result.responses[0] ?? [])) report.line(line);
      else {
        report.line(`  ${result.responses.length} streamed response${result.responses.length === 1 ? '' : 's'}:`);
        result.responses.forEach((lines, index) => {
          for (const line of formatOutputLines(lines, `  #${index + 1}  `)) report.line(line);
        });
      }
      if (result.missing.length > 0) report.warn(`${model.name} did not answer ${result.missing.join(', ')} (declared in ${model.configFile})`);
    } catch (error) {
      test.stop();
      if (error instanceof KServeError) await fail(`the test request to ${model.name} failed (${error.message})`, 'model.py raised an error or rejected the request, see the log above');
      if (error instanceof NoAnswerError) await fail(`the test request to ${model.name} got no answer (${error.message})`, 'see the log above');
      throw error;
    }
  }

  const endpoints = `HTTP ${baseUrl.origin}, gRPC ${urlHost(reachableHost(host))}:${ports.grpc}, metrics http://${urlHost(reachableHost(host))}:${ports.metrics}/metrics`;
  if (options.detach) {
    follower.kill();
    releaseSignal();
    report.line();
    report.line(`Triton keeps running in container ${color.bold(name)} (${endpoints}).`);
    report.line(`  docker logs --follow ${name}    # follow its log`);
    report.line(`  docker stop ${name}             # stop it (--rm then removes it)`);
    return;
  }

  report.line();
  report.line(`Serving on ${endpoints}.`);
  report.line(`Following the log of container ${name} (Ctrl-C stops it):`);
  for (const line of options.verbose ? [] : tail.lines) report.line(color.dim(LOG_PREFIX) + line);
  printLive = true;
  const ended = await logsEnded;
  if (!exited) await fail(`cannot follow the log of container ${name} (docker logs: ${tail.lines.at(-1) ?? `exit code ${ended.exitCode ?? 'unknown'}`})`, 'run with --detach to leave it running without following');
  releaseSignal();
  throw new UserError(`container ${name} stopped: see the log above`);
}

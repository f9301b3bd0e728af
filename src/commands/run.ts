/**
 * `create-triton-model run [directory]`: every flag judged before any work (a mistake is one line
 * and exit 1, and docker is never called), the project's models read (src/docker/project.ts), then
 * the run itself (src/docker/run.ts, loaded only when it runs).
 */

import type { CommandModule } from 'yargs';
import { imageNameFor } from '../model-spec/image-name.js';
import { exitOnSignals } from '../ui/signals.js';
import { asOne } from './args.js';
import { imageTagFor, projectFolder } from './build.js';
import { parseContainerName, parseGpus, parseHostAddress, parsePort, parseShmSize, parseTimeoutSeconds } from './options.js';
import type { RunOptions } from '../docker/run.js';

export const RUN_DEFAULTS = {
  host: '127.0.0.1',
  portHttp: '8000',
  portGrpc: '8001',
  portMetrics: '8002',
  shmSize: '1g',
  timeout: '180',
} as const;

export interface RunArgs {
  directory?: string;
  tag?: string;
  name?: string;
  gpus?: string;
  portHttp?: string;
  portGrpc?: string;
  portMetrics?: string;
  host?: string;
  shmSize?: string;
  timeout?: string;
  detach: boolean;
  mount: boolean;
  verbose: boolean;
}

/**
 * Test hooks: the suite polls fast and, for `create --run` (which has no port flags), publishes on
 * free ports (CREATE_TRITON_MODEL_TEST_PORTS=http,grpc,metrics). Unset in normal use.
 */
function testDefaultPorts(): { portHttp?: string; portGrpc?: string; portMetrics?: string } {
  const [portHttp, portGrpc, portMetrics] = (process.env.CREATE_TRITON_MODEL_TEST_PORTS ?? '').split(',');
  return portHttp && portGrpc && portMetrics ? { portHttp, portGrpc, portMetrics } : {};
}

/** A fresh container name per run: `docker stop` on Ctrl-C must reach this container and no other. */
function containerName(dir: string): string {
  const hex = Array.from({ length: 6 }, () => Math.floor(Math.random() * 16).toString(16)).join('');
  return `${imageNameFor(dir)}-${hex}`;
}

/** Every flag judged before any work: a mistake is one line and exit 1, and docker is never called. */
export function runOptionsFrom(args: RunArgs, dir: string): RunOptions {
  const defaults = { ...RUN_DEFAULTS, ...testDefaultPorts() };
  return {
    tag: imageTagFor(dir, args.tag),
    name: args.name === undefined ? containerName(dir) : parseContainerName(args.name),
    host: parseHostAddress(args.host ?? RUN_DEFAULTS.host),
    ports: {
      http: parsePort(args.portHttp ?? defaults.portHttp, '--port-http'),
      grpc: parsePort(args.portGrpc ?? defaults.portGrpc, '--port-grpc'),
      metrics: parsePort(args.portMetrics ?? defaults.portMetrics, '--port-metrics'),
    },
    shmSize: parseShmSize(args.shmSize ?? RUN_DEFAULTS.shmSize),
    gpus: args.gpus === undefined ? undefined : parseGpus(args.gpus),
    mount: args.mount,
    detach: args.detach,
    timeoutMs: parseTimeoutSeconds(args.timeout ?? RUN_DEFAULTS.timeout) * 1000,
    verbose: args.verbose,
  };
}

export async function runCommand(args: RunArgs): Promise<void> {
  // Ctrl-C / SIGTERM exit 130 / 143 as everywhere in the CLI (and stop the container once it exists, see runProject).
  exitOnSignals();
  const { dir, shown } = projectFolder(args.directory);
  const options = runOptionsFrom(args, dir);
  const [{ checkBuildable, readServedModels }, { runProject }] = await Promise.all([import('../docker/project.js'), import('../docker/run.js')]);
  checkBuildable(dir, shown);
  await runProject(dir, readServedModels(dir, shown), options);
}


export const runCommandModule: CommandModule = {
  command: 'run [directory]',
  describe: 'Build if needed, start Triton in docker, wait until ready, send a test request',
  builder: (y) =>
    y
      .positional('directory', { type: 'string', describe: 'Project folder [default: .]' })
      .option('tag', { alias: 't', type: 'string', describe: 'Image to run (built if missing) [default: the folder name, as build names it]' })
      .option('name', { type: 'string', describe: 'Container name [default: <image>-<6 random hex digits>]' })
      .option('gpus', { type: 'string', describe: 'docker --gpus value, e.g. all [default: none; all when a model asks for KIND_GPU]' })
      .option('port-http', { type: 'string', describe: 'Host port for HTTP/REST (KServe v2) [default: 8000]' })
      .option('port-grpc', { type: 'string', describe: 'Host port for gRPC [default: 8001]' })
      .option('port-metrics', { type: 'string', describe: 'Host port for Prometheus metrics [default: 8002]' })
      .option('host', { type: 'string', describe: 'Address the ports are published on: 127.0.0.1 is this machine only, 0.0.0.0 every interface [default: 127.0.0.1]' })
      .option('shm-size', { type: 'string', describe: 'Shared memory for the Python backend [default: 1g]' })
      .option('mount', { type: 'boolean', default: false, describe: 'Bind models/ and assets/ over the image (read-only) to try edits without rebuilding' })
      .option('detach', { alias: 'd', type: 'boolean', default: false, describe: 'Leave the container running once it answered, and print how to follow and stop it' })
      .option('timeout', { type: 'string', describe: 'Seconds to wait for READY, and for the test request [default: 180]' })
      .option('verbose', { type: 'boolean', default: false, describe: "Stream docker build's output and the container log as they come" })
      .example('$0 run', 'the project in this folder on 127.0.0.1:8000-8002; Ctrl-C stops it')
      .example('$0 run my-project --gpus all --port-http 9000 --detach', 'on a GPU, another port, in the background')
      .example('$0 run --mount', 'try edited model.py files without rebuilding (restart to reload)')
      .epilogue(
        'Runs docker with an argument list, never through a shell. Exit codes, as for every command: 0 ready and answered (--detach), 1 docker missing or not running, a port taken, ' +
          'the build or the start failed, not ready in time or the test request failed (the container is stopped), 2 usage error, ' +
          '130 Ctrl-C (the container is stopped), 143 terminated (the container is stopped). Without --detach it follows the log until Ctrl-C.',
      ),
  handler: async (args) => {
    await runCommand({
      directory: asOne(args.directory, 'directory'),
      tag: asOne(args.tag, 'tag'),
      name: asOne(args.name, 'name'),
      gpus: asOne(args.gpus, 'gpus'),
      portHttp: asOne(args.portHttp, 'port-http'),
      portGrpc: asOne(args.portGrpc, 'port-grpc'),
      portMetrics: asOne(args.portMetrics, 'port-metrics'),
      host: asOne(args.host, 'host'),
      shmSize: asOne(args.shmSize, 'shm-size'),
      timeout: asOne(args.timeout, 'timeout'),
      detach: Boolean(args.detach),
      mount: Boolean(args.mount),
      verbose: Boolean(args.verbose),
    });
  },
};

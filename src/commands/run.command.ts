/** yargs definition of `run`; the work is in run.ts, loaded only when it runs. */

import type { CommandModule } from 'yargs';
import { asOne } from './args.js';

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
    const { runCommand } = await import('./run.js');
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

/** yargs definition of `serve`; the work is in serve.ts, loaded only when it runs. */

import type { CommandModule } from 'yargs';
import { asOne } from './args.js';

export const SERVE_LIMITS =
  'Not for production. Unlike Triton it has no GPU placement (KIND_GPU models run on CPU), no dynamic batching ' +
  '(one request per execute() call), one instance per model, no gRPC (decoupled models stream over generate_stream ' +
  'only), no metrics port, no shared memory. BLS (InferenceRequest(...).exec()) and pb_utils.is_model_ready work ' +
  'between the served models. The real server, in Docker: create-triton-model run.';

export const SERVE_EXIT =
  'Ctrl-C or SIGTERM stops it: no new requests, those in flight finish, every model runs finalize(), exit 0 ' +
  '(1 if a finalize failed; a second Ctrl-C kills the models, exit 130). Exit 1 before serving when the Python ' +
  'cannot import numpy or a model\'s imports (it says what to install), or no model loads (without --reload).';

export const serveCommandModule: CommandModule = {
  command: 'serve [project-or-models-dir]',
  describe: 'Run the models locally with a Triton-compatible HTTP API: no Docker, no GPU, seconds per edit',
  builder: (y) =>
    y
      .positional('project-or-models-dir', { type: 'string', describe: 'A project (with models/) or a model repository [default: .]' })
      .option('port', { type: 'string', describe: 'HTTP port; 0 picks a free one [default: 8000]' })
      .option('host', { type: 'string', describe: 'Address to listen on; any other than 127.0.0.1 exposes the models to the network [default: 127.0.0.1]' })
      .option('python', { type: 'string', describe: "Python for the models when the project has no .venv (its .venv/bin/python comes first) [default: python3]" })
      .option('http-max-input-size', {
        type: 'string',
        describe: "Most bytes a request body may have, and inflate to when gzip/deflate (Triton's flag) [default: 67108864, 64 MiB]",
      })
      .option('reload', { type: 'boolean', default: false, describe: 'Restart a model when its folder changes; the others keep serving' })
      .option('log-verbose', { type: 'boolean', default: false, describe: "Show pb_utils.Logger.log_verbose lines (Triton's --log-verbose=1)" })
      .example('$0 serve --reload', 'serve ./models on http://127.0.0.1:8000, restarting a model when you save its files')
      .example('$0 serve my-project --port 0 --python /usr/bin/python3', 'any free port; that interpreter unless the project has a .venv')
      .epilogue(`${SERVE_LIMITS}\n\n${SERVE_EXIT}`),
  handler: async (args) => {
    const { serveCommand } = await import('./serve.js');
    await serveCommand({
      directory: asOne(args.projectOrModelsDir, 'project-or-models-dir'),
      port: asOne(args.port, 'port'),
      host: asOne(args.host, 'host'),
      python: asOne(args.python, 'python'),
      httpMaxInputSize: asOne(args.httpMaxInputSize, 'http-max-input-size'),
      reload: Boolean(args.reload),
      logVerbose: Boolean(args.logVerbose),
    });
  },
};

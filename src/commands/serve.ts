/** `create-triton-model serve [project-or-models-dir]`: flags judged here, the server in src/serve/ (loaded only when it runs). */

import type { CommandModule } from 'yargs';
import { parseInteger } from '../model-spec/fields.js';
import { sourced } from '../model-spec/from-flags.js';
import { DEFAULT_MAX_INPUT_SIZE, SERVE_EXIT, SERVE_LIMITS } from '../serve/limits.js';
import { showValue, UserError } from '../ui/errors.js';
import { asOne } from './args.js';
import { parsePort } from './options.js';

const DEFAULT_PORT = 8000;
const DEFAULT_HOST = '127.0.0.1';
const parseMaxInputSize = (raw: unknown) => parseInteger(raw, 1, Number.MAX_SAFE_INTEGER, `a number of bytes greater than 0 (default ${DEFAULT_MAX_INPUT_SIZE}, 64 MiB)`);

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
    const port = asOne(args.port, 'port');
    const host = asOne(args.host, 'host') ?? DEFAULT_HOST;
    const maxInputSize = asOne(args.httpMaxInputSize, 'http-max-input-size');
    if (host.trim() === '') throw new UserError(`--host ${showValue(host)}: must be an address to listen on (e.g. 127.0.0.1, or 0.0.0.0 for every interface)`);
    const python = asOne(args.python, 'python');
    const { serveRepository } = await import('../serve/server.js');
    await serveRepository({
      directory: asOne(args.projectOrModelsDir, 'project-or-models-dir'),
      port: port === undefined ? DEFAULT_PORT : parsePort(port, '--port', { zeroPicksFree: true }),
      host,
      ...(python === undefined ? {} : { python }),
      maxInputSize: maxInputSize === undefined ? DEFAULT_MAX_INPUT_SIZE : sourced('--http-max-input-size', maxInputSize, parseMaxInputSize).value,
      reload: Boolean(args.reload),
      logVerbose: Boolean(args.logVerbose),
    });
  },
};

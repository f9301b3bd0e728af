/** serve's limits: what it is not and how it stops (shown in `serve --help` and when it listens), and its request size default. */

/** Triton's default for --http-max-input-size (HTTP_DEFAULT_MAX_INPUT_SIZE in its src/common.h): 64 MiB. */
export const DEFAULT_MAX_INPUT_SIZE = 2 ** 26;

export const SERVE_LIMITS =
  'Not for production. Unlike Triton it has no GPU placement (KIND_GPU models run on CPU), no max_queue_delay ' +
  '(its dynamic batcher batches the requests already waiting), one instance per model, no gRPC (decoupled models stream over generate_stream ' +
  'only), no metrics port, no shared memory. Ensembles (step by step), BLS (InferenceRequest(...).exec()) and ' +
  'pb_utils.is_model_ready work between the served models. The real server, in Docker: create-triton-model run.';

export const SERVE_EXIT =
  'Ctrl-C or SIGTERM stops it: no new requests, those in flight finish, every model runs finalize(), exit 0 ' +
  '(1 if a finalize failed; a second Ctrl-C kills the models, exit 130). Exit 1 before serving when the Python ' +
  'cannot import numpy or a model\'s imports (it says what to install), or no model loads (without --reload).';

// A small KServe v2 server on 127.0.0.1 standing in for Triton in tests: health and model readiness,
// /infer (JSON and the binary tensor extension), generate_stream (server-sent events), Triton's error
// shapes. Every request is recorded (one JSON line per request) so tests can assert what was sent.
//
// Used two ways:
// - imported: `await startKserveServer(config)` -> { port, url, requests(), close() }
// - as the "container" the fake docker starts: `node kserve-server.mjs`, config in FAKE_TRITON_CONFIG
//   (JSON); it prints a Triton-like log on stdout, stops on SIGTERM, and writes `<exitMarker>` when it
//   ends so the fake `docker logs --follow` / `docker stop` know it is gone.
//
// config = {
//   host = '127.0.0.1', port = 0,
//   readyAfterMs = 0,            // /v2/health/ready and model ready answer 400 until then
//   answerDelayMs = 0,           // every answer waits this long (a slow server)
//   exitAfterMs,                 // the container exits early (a model failed to load), with exitLog lines
//   exitAfterInferMs,            // ... or that long after it answered an inference request
//   exitLog = [...],
//   maxLifetimeMs = 60000,       // never outlive a test run
//   requestLog,                  // file to append one JSON line per request
//   exitMarker,                  // file written when the process ends
//   models: { <name>: { behaviour: 'ok' | 'never-ready' | 'infer-error' | 'stream-error', decoupled, responses = 3,
//                       inputs: [{name, datatype, shape}], outputs: [{name, datatype, shape}] } }
// }

import fs from 'node:fs';
import http from 'node:http';
import { pathToFileURL } from 'node:url';

const SIZES = { BOOL: 1, UINT8: 1, INT8: 1, UINT16: 2, INT16: 2, FP16: 2, BF16: 2, UINT32: 4, INT32: 4, FP32: 4, UINT64: 8, INT64: 8, FP64: 8 };

const json = (res, status, body) => {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
};
const empty = (res, status) => {
  res.writeHead(status, { 'content-length': 0 });
  res.end();
};

function sampleData(datatype, count, index = 0) {
  return Array.from({ length: count }, (_, i) => {
    if (datatype === 'BYTES') return `response ${index + 1}`;
    if (datatype === 'BOOL') return i % 2 === 0;
    return i;
  });
}

/** The output a model answers: the declared shape with any -1 resolved to 2. */
function outputTensor(output, binary) {
  const shape = output.shape.map((d) => (d === -1 ? 2 : d));
  const count = shape.reduce((a, b) => a * b, 1);
  if (binary) {
    const size = SIZES[output.datatype] ?? 1;
    return { header: { name: output.name, datatype: output.datatype, shape, parameters: { binary_data_size: count * size } }, blob: Buffer.alloc(count * size) };
  }
  return { header: { name: output.name, datatype: output.datatype, shape, data: sampleData(output.datatype, count) } };
}

/** Triton-like checks of a request's inputs against the declared ones; the error text or undefined. */
function checkInputs(modelName, model, inputs, binaryBytes) {
  if (!Array.isArray(inputs)) return 'Unable to parse \'inputs\': attempt to access non-existent or invalid member';
  let offset = 0;
  for (const input of inputs) {
    const declared = (model.inputs ?? []).find((d) => d.name === input.name);
    if (model.inputs && !declared) return `unexpected inference input '${input.name}' for model '${modelName}'`;
    if (declared && declared.datatype !== input.datatype) return `inference input '${input.name}' data-type is '${input.datatype}', but model '${modelName}' expects '${declared.datatype}'`;
    if (declared && declared.shape.length !== input.shape.length) return `unexpected shape for input '${input.name}' for model '${modelName}'. Expected [${declared.shape}], got [${input.shape}]`;
    const count = input.shape.reduce((a, b) => a * b, 1);
    const size = input.parameters?.binary_data_size;
    if (size !== undefined) {
      if (input.datatype !== 'BYTES' && size !== count * (SIZES[input.datatype] ?? 1)) return `unexpected size ${size} for input '${input.name}'`;
      offset += size;
    } else {
      if (input.datatype === 'FP16' || input.datatype === 'BF16') return `receiving ${input.datatype} data via JSON is not supported. Please use the binary data format for input '${input.name}'`;
      if (!Array.isArray(input.data) || input.data.flat(Infinity).length !== count) return `Shape does not match true shape of 'data' field for input '${input.name}'`;
    }
  }
  if (offset !== binaryBytes) return `unexpected additional input data for model '${modelName}'`;
  return undefined;
}

export function startKserveServer(config) {
  const started = Date.now();
  const models = config.models ?? {};
  const recorded = [];
  const record = (entry) => {
    recorded.push(entry);
    if (config.requestLog) fs.appendFileSync(config.requestLog, JSON.stringify(entry) + '\n');
  };
  const isReady = (name) => Date.now() - started >= (config.readyAfterMs ?? 0) && (models[name]?.behaviour ?? 'ok') !== 'never-ready';

  const server = http.createServer((req, res) => {
    const chunks = [];
    req.on('data', (chunk) => chunks.push(chunk));
    req.on('end', () => setTimeout(answer, config.answerDelayMs ?? 0));
    const answer = () => {
      const body = Buffer.concat(chunks);
      const url = new URL(req.url, 'http://x');
      const entry = { method: req.method, path: url.pathname, contentType: req.headers['content-type'] };
      const headerLength = req.headers['inference-header-content-length'];
      let parsed;
      let binary = Buffer.alloc(0);
      if (body.length > 0) {
        const jsonLength = headerLength === undefined ? body.length : Number(headerLength);
        entry.headerLength = headerLength === undefined ? undefined : jsonLength;
        try {
          parsed = JSON.parse(body.subarray(0, jsonLength).toString('utf8'));
        } catch {
          parsed = undefined;
        }
        binary = body.subarray(jsonLength);
        entry.json = parsed;
        entry.binary = binary.length > 0 ? binary.toString('base64') : undefined;
      }
      record(entry);

      const segments = url.pathname.split('/').filter(Boolean).map(decodeURIComponent);
      if (req.method === 'GET' && url.pathname === '/v2/health/live') return empty(res, 200);
      if (req.method === 'GET' && url.pathname === '/v2/health/ready') return empty(res, Object.keys(models).every(isReady) ? 200 : 400);
      if (segments[0] !== 'v2' || segments[1] !== 'models' || segments.length < 3) return json(res, 404, { error: 'Not Found' });
      const name = segments[2];
      const action = segments[3];
      const model = models[name];
      if (!model) return json(res, 400, { error: `Request for unknown model: '${name}' is not found` });
      if (req.method === 'GET' && action === 'ready') return isReady(name) ? empty(res, 200) : json(res, 400, { error: 'Model version not ready' });
      if (req.method !== 'POST' || (action !== 'infer' && action !== 'generate_stream')) return json(res, 404, { error: 'Not Found' });
      if (!isReady(name)) return json(res, 400, { error: `Request for unknown model: '${name}' has no available versions` });
      if (parsed === undefined) return json(res, 400, { error: 'failed to parse the request JSON buffer' });

      if (action === 'infer') {
        if (model.decoupled) return json(res, 400, { error: `ModelInfer RPC doesn't support models with decoupled transaction policy` });
        const problem = checkInputs(name, model, parsed.inputs, binary.length);
        if (problem) return json(res, 400, { error: problem });
        if (model.behaviour === 'infer-error') return json(res, 500, { error: 'Traceback (most recent call last): ValueError: the model is broken' });
        const wanted = new Map((parsed.outputs ?? []).map((o) => [o.name, o.parameters?.binary_data === true]));
        const outputs = (model.outputs ?? []).filter((o) => wanted.size === 0 || wanted.has(o.name)).map((o) => outputTensor(o, wanted.get(o.name) === true));
        const header = Buffer.from(JSON.stringify({ model_name: name, model_version: '1', outputs: outputs.map((o) => o.header) }));
        const blobs = outputs.filter((o) => o.blob).map((o) => o.blob);
        const headers = { 'content-type': blobs.length > 0 ? 'application/octet-stream' : 'application/json' };
        if (blobs.length > 0) headers['inference-header-content-length'] = header.length;
        const out = Buffer.concat([header, ...blobs]);
        headers['content-length'] = out.length;
        res.writeHead(200, headers);
        res.end(out);
        return config.onInfer?.();
      }

      // generate_stream: each input by name as a plain value; one event per response.
      for (const input of model.inputs ?? []) {
        if (!(input.name in parsed)) return json(res, 400, { error: `input '${input.name}' is required but not found in the generate request` });
      }
      if (model.behaviour === 'infer-error') return json(res, 500, { error: 'the model is broken' });
      res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8' });
      const total = model.responses ?? 3;
      let index = 0;
      const next = () => {
        if (index === total) return res.end();
        // Triton reports an error after a 200 status as an error event in the stream.
        if (index === 1 && model.behaviour === 'stream-error') {
          res.write(`data: ${JSON.stringify({ error: 'the model failed on its second response' })}\n\n`);
          return res.end();
        }
        const event = { model_name: name, model_version: '1' };
        for (const output of model.outputs ?? []) event[output.name] = output.datatype === 'BYTES' ? `response ${index + 1} of ${total}` : index;
        res.write(`data: ${JSON.stringify(event)}\n\n`);
        index++;
        setTimeout(next, 5);
      };
      next();
    };
  });

  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.port ?? 0, config.host ?? '127.0.0.1', () => {
      const { port } = server.address();
      resolve({
        port,
        url: `http://127.0.0.1:${port}`,
        requests: () => [...recorded],
        close: () => new Promise((done) => server.close(() => done())),
        server,
      });
    });
  });
}

// As a "container": Triton-like log lines, early exit, SIGTERM, bounded lifetime.
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const config = JSON.parse(process.env.FAKE_TRITON_CONFIG ?? '{}');
  const markExit = () => {
    if (config.exitMarker) fs.writeFileSync(config.exitMarker, String(process.exitCode ?? 0));
  };
  process.on('exit', markExit);
  const log = (line) => process.stdout.write(line + '\n');
  log('I1126 08:00:00.000000 1 server.cc:610] Initializing Triton (fake)');
  for (const name of Object.keys(config.models ?? {})) log(`I1126 08:00:00.100000 1 model_lifecycle.cc:473] loading: ${name}:1`);
  const lifetime = setTimeout(() => process.exit(0), config.maxLifetimeMs ?? 60_000);
  lifetime.unref();
  const running = await startKserveServer(config);
  log(`I1126 08:00:00.200000 1 http_server.cc:4713] Started HTTPService at 0.0.0.0:8000 (host port ${running.port})`);
  process.on('SIGTERM', () => {
    log('Signal (15) received.');
    running.close();
    process.exit(0);
  });
  const exitEarly = () => {
    for (const line of config.exitLog ?? []) log(line);
    process.exit(1);
  };
  if (config.exitAfterMs !== undefined) setTimeout(exitEarly, config.exitAfterMs);
  if (config.exitAfterInferMs !== undefined) config.onInfer = () => setTimeout(exitEarly, config.exitAfterInferMs);
  setTimeout(() => {
    for (const name of Object.keys(config.models ?? {})) {
      if ((config.models[name].behaviour ?? 'ok') !== 'never-ready') log(`I1126 08:00:01.000000 1 model_lifecycle.cc:849] successfully loaded '${name}'`);
    }
  }, config.readyAfterMs ?? 0).unref();
  // The HTTP server keeps the process alive; the lifetime timer is only a safety net.
}

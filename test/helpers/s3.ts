/**
 * An S3-compatible server on 127.0.0.1 for the tests: moto's server mode (`moto_server`, from the test
 * venv's moto[server]), in a process group of its own, stopped by the test that started it. Objects
 * are put with plain path-style HTTP requests (moto's default accepts them unsigned); Triton reads
 * them back with real S3 requests, signed with the credentials in `tritonEnv`.
 */

import { execa, type ResultPromise } from 'execa';
import fs from 'node:fs';
import path from 'node:path';
import { ROOT } from './cli.js';
import { freePorts } from './ports.js';

const MOTO_SERVER = path.join(ROOT, '.venv-test/bin/moto_server');
const START_TIMEOUT_MS = 60_000;
const STOP_TIMEOUT_MS = 10_000;

export interface S3Server {
  /** 127.0.0.1:<port>: Triton's s3:// form names the host and port before the bucket. */
  address: string;
  /** `s3://127.0.0.1:<port>/<bucket>/<prefix>`: what --model-repository takes. */
  uri(bucket: string, prefix: string): string;
  createBucket(bucket: string): Promise<void>;
  /** Every file under `folder`, as objects under `<prefix>/` of `bucket` (relative paths kept). */
  upload(folder: string, bucket: string, prefix: string): Promise<string[]>;
  /** The environment Triton needs to reach it: credentials (any value passes moto) and a region. */
  tritonEnv: Record<string, string>;
  log(): string;
  stop(): Promise<void>;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

function filesUnder(folder: string, relative = ''): string[] {
  return fs
    .readdirSync(path.join(folder, relative), { withFileTypes: true })
    .flatMap((entry) => {
      const child = relative ? `${relative}/${entry.name}` : entry.name;
      return entry.isDirectory() ? filesUnder(folder, child) : [child];
    })
    .sort();
}

export async function startS3Server(): Promise<S3Server> {
  const [port] = (await freePorts(1)) as [number];
  const base = `http://127.0.0.1:${port}`;
  const child: ResultPromise = execa(MOTO_SERVER, ['-H', '127.0.0.1', '-p', String(port)], { reject: false, stdin: 'ignore', all: true, buffer: false, detached: true });
  let log = '';
  let exited = false;
  child.all?.on('data', (chunk: Buffer) => (log += chunk.toString()));
  const done = child.then(() => {
    exited = true;
  });
  const pid = child.pid as number;

  const request = async (method: string, key: string, body?: Buffer) => {
    const answer = await fetch(`${base}/${key}`, {
      method,
      ...(body ? { body, headers: { 'content-type': 'application/octet-stream' } } : {}),
      signal: AbortSignal.timeout(30_000),
    });
    if (!answer.ok) throw new Error(`${method} /${key}: HTTP ${answer.status} ${await answer.text()}`);
  };
  const server: S3Server = {
    address: `127.0.0.1:${port}`,
    uri: (bucket, prefix) => `s3://127.0.0.1:${port}/${bucket}/${prefix}`,
    createBucket: (bucket) => request('PUT', bucket),
    async upload(folder, bucket, prefix) {
      const files = filesUnder(folder);
      for (const file of files) await request('PUT', `${bucket}/${prefix}/${file}`, fs.readFileSync(path.join(folder, file)));
      return files;
    },
    tritonEnv: { AWS_ACCESS_KEY_ID: 'test', AWS_SECRET_ACCESS_KEY: 'test', AWS_DEFAULT_REGION: 'us-east-1' },
    log: () => log,
    async stop() {
      try {
        process.kill(-pid, 'SIGTERM');
      } catch {
        // Already gone.
      }
      await Promise.race([done, sleep(STOP_TIMEOUT_MS)]);
      if (!exited) {
        try {
          process.kill(-pid, 'SIGKILL');
        } catch {
          // Gone meanwhile.
        }
        await Promise.race([done, sleep(STOP_TIMEOUT_MS)]);
      }
    },
  };

  const deadline = Date.now() + START_TIMEOUT_MS;
  while (Date.now() < deadline && !exited) {
    try {
      // Any answer means it listens (the root lists buckets).
      await fetch(`${base}/`, { signal: AbortSignal.timeout(2_000) });
      return server;
    } catch {
      await sleep(200);
    }
  }
  await server.stop();
  throw new Error(`moto_server did not answer on ${base} within ${START_TIMEOUT_MS} ms (${exited ? 'it exited' : 'still running'}):\n${log}`);
}

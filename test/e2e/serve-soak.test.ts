/**
 * A bounded soak of `serve`: 3 000 requests from 16 clients at once, mixed: good ones (JSON, binary,
 * gzip), bodies past --http-max-input-size, malformed gzip, requests to a model that raises
 * SystemExit and to one whose process dies (started again on the next request), and requests
 * whose client leaves early. At the end every good request was answered right, serve's peak
 * memory stayed under 300 MiB, and a Ctrl-C leaves no process behind.
 */

import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { makeTempDir } from '../helpers/cli.js';
import { writeEcho, writeFaulty, writeSlowCounter } from '../helpers/serve-models.js';
import { killAllServers, leftoverProcesses, peakResidentBytes, rawRequest, startServe, type RawAnswer, type Served } from '../helpers/serve.js';

const REQUESTS = 3000;
const CLIENTS = 16;
const LIMIT = 64 * 1024;
const MiB = 1024 * 1024;

let root: string;
let served: Served;
let marker: string;

beforeAll(async () => {
  root = makeTempDir('ctm-serve-soak-');
  const repository = path.join(root, 'models');
  writeEcho(repository);
  writeFaulty(repository, 'crash', 'os._exit(1)');
  writeFaulty(repository, 'exits', 'sys.exit(2)');
  writeSlowCounter(repository, 'slow', 0.2);
  marker = `soak-${process.pid}-${Date.now()}`;
  served = await startServe([repository, '--http-max-input-size', String(LIMIT)], { cwd: root, marker });
});

afterAll(() => {
  killAllServers();
  fs.rmSync(root, { recursive: true, force: true });
});

const json = (x: number[]) => Buffer.from(JSON.stringify({ inputs: [{ name: 'x', datatype: 'INT32', shape: [x.length], data: x }] }));

interface Planned {
  kind: string;
  send: () => Promise<RawAnswer | 'abandoned'>;
  /** What the answer must be; undefined for requests whose answer does not matter (only that serve survives them). */
  check?: (answer: RawAnswer | 'abandoned') => boolean;
}

function plan(i: number): Planned {
  const url = (model: string) => `${served.url}/v2/models/${model}/infer`;
  const x = [i, i % 7, -i];
  const expected = JSON.stringify(x.map((v) => v + 1));
  const good = (answer: RawAnswer | 'abandoned') => answer !== 'abandoned' && answer.status === 200 && JSON.stringify(JSON.parse(answer.body).outputs[0].data) === expected;
  const status = (code: number) => (answer: RawAnswer | 'abandoned') => answer !== 'abandoned' && answer.status === code;
  switch (i % 10) {
    case 6:
      return { kind: 'oversized', send: () => rawRequest(url('echo'), { body: Buffer.alloc(LIMIT + 1024, 32) }), check: status(400) };
    case 7:
      // One request in a hundred kills the crash model's process; the next one starts it again.
      if (i % 100 === 7) return { kind: 'crash', send: () => rawRequest(url('crash'), { body: json([1]) }), check: status(500) };
      return { kind: 'SystemExit', send: () => rawRequest(url('exits'), { body: json([1]) }), check: status(500) };
    case 8:
      return { kind: 'abandoned', send: () => rawRequest(url('slow'), { body: json([0]), abandonAfterMs: 20 }) };
    case 9:
      if (i % 20 === 9) return { kind: 'bad gzip', send: () => rawRequest(url('echo'), { headers: { 'content-encoding': 'gzip' }, body: Buffer.from('no gzip here') }), check: status(400) };
      return { kind: 'good gzip', send: () => rawRequest(url('echo'), { headers: { 'content-encoding': 'gzip' }, body: zlib.gzipSync(json(x)) }), check: good };
    case 5: {
      // Served, or failed as a request in flight on the process that died (Triton's 500 for it).
      const servedOrCrashed = (answer: RawAnswer | 'abandoned') =>
        answer !== 'abandoned' && (answer.status === 200 || (answer.status === 500 && JSON.parse(answer.body).error === "Stub process 'crash_0' is not healthy."));
      return { kind: 'beside a crash', send: () => rawRequest(url('crash'), { body: json([0]) }), check: servedOrCrashed };
    }
    default:
      return { kind: 'good', send: () => rawRequest(url('echo'), { body: json(x) }), check: good };
  }
}

it(`${REQUESTS} mixed requests from ${CLIENTS} clients: every good one answered, serve under 300 MiB, nothing left after Ctrl-C`, { timeout: 600_000 }, async () => {
  const wrong: string[] = [];
  const counts = new Map<string, number>();
  const answered = new Map<string, number>();
  let next = 0;
  const client = async () => {
    while (next < REQUESTS) {
      const planned = plan(next++);
      counts.set(planned.kind, (counts.get(planned.kind) ?? 0) + 1);
      const answer = await planned.send().catch((error: Error) => error);
      if (answer instanceof Error) wrong.push(`${planned.kind}: ${answer.message}`);
      else if (planned.check && !planned.check(answer)) wrong.push(`${planned.kind}: ${answer === 'abandoned' ? answer : `${answer.status} ${answer.body.slice(0, 200)}`}`);
      else if (answer !== 'abandoned' && answer.status === 200) answered.set(planned.kind, (answered.get(planned.kind) ?? 0) + 1);
    }
  };
  await Promise.all(Array.from({ length: CLIENTS }, client));
  expect(wrong).toEqual([]);
  expect(counts.get('good')).toBeGreaterThan(1000);
  expect(answered.get('beside a crash')).toBeGreaterThan(0);
  expect(counts.get('crash')).toBe(REQUESTS / 100);
  // Bound: Node's own ~100 MiB, plus at most 16 bodies of 64 KiB at once; leaks would show over 3 000 requests.
  expect(peakResidentBytes(served.pid)).toBeLessThan(300 * MiB);
  // Every death of the crash model's process (a crash request queued behind another one dies with
  // the first, so fewer than 30) is followed by a restart: the last one by this request.
  const last = await rawRequest(`${served.url}/v2/models/crash/infer`, { body: json([0]) });
  expect(last !== 'abandoned' && last.status).toBe(200);
  const deaths = served.stderr().match(/crash:1: the model's Python process ended \(exit code 1\); it will be started again on the next request/g)?.length ?? 0;
  expect(deaths).toBeGreaterThan(0);
  expect(served.stdout().match(/successfully restarted 'crash' version 1/g)?.length).toBe(deaths);
  const result = await served.stop('SIGINT');
  expect(result.exitCode).toBe(0);
  expect(await leftoverProcesses(marker)).toEqual([]);
});

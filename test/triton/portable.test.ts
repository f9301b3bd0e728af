/**
 * Portable model folders, in real Triton (2.51.0, the nvidia-pytriton wheel's build): everything a
 * generated model loads is inside its model folder (its files in <version>/assets/), so
 * - Triton serves a generated repository from an S3 bucket (moto's server on 127.0.0.1), which it reads
 *   by copying each model folder alone into a local temporary folder, the image-stub's picture included;
 * - one model folder copied alone into another repository serves as it is.
 * The control: a model laid out as projects made before were (its picture in the project's assets/,
 * found through ../../assets) fails to load from the bucket, where nothing outside the model folder
 * comes along. That is what the layout fixes.
 */

import { execa } from 'execa';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTempDir, runCli, TEST_PYTHON } from '../helpers/cli.js';
import { startS3Server, type S3Server } from '../helpers/s3.js';
import { showLogOnFailure, startTriton, type TritonServer } from '../helpers/triton.js';

let work: string;
let s3: S3Server | undefined;
let triton: TritonServer | undefined;
const BUCKET = 'portable';

showLogOnFailure(() => triton);

/** A JPEG of one colour, `height` x `width`: the answer's shape then tells which picture a model read. */
async function picture(file: string, height: number, width: number): Promise<string> {
  await execa(TEST_PYTHON, ['-c', 'import sys, cv2, numpy as np; cv2.imwrite(sys.argv[1], np.full((int(sys.argv[2]), int(sys.argv[3]), 3), 200, np.uint8))', file, String(height), String(width)]);
  return file;
}

async function create(args: string[]): Promise<void> {
  const result = await runCli(args, { cwd: work });
  expect(result.exitCode, result.stderr).toBe(0);
}

const prompt = { inputs: [{ name: 'prompt', datatype: 'BYTES', shape: [1], data: ['a lighthouse at dusk'] }] };

beforeAll(async () => {
  work = makeTempDir('ctm-portable-');
  // The bucket's project: the stub answering with a 5x7 picture of the user's.
  await create(['bucketed', '--yes', '--asset', await picture(path.join(work, 'image.jpg'), 5, 7)]);
  // The control, laid out as before: the picture in the project's assets/, model.py reaching it through ../../assets.
  await create(['old', '--yes', '--name', 'old_layout']);
  const oldModel = path.join(work, 'old/models/old_layout');
  fs.mkdirSync(path.join(work, 'old/assets'));
  fs.renameSync(path.join(oldModel, '1/assets/image.jpg'), path.join(work, 'old/assets/image.jpg'));
  const modelPy = path.join(oldModel, '1/model.py');
  const source = fs.readFileSync(modelPy, 'utf8');
  expect(source).toContain('resolve_assets_dir(args)');
  fs.writeFileSync(modelPy, source.replace('resolve_assets_dir(args)', 'os.path.normpath(os.path.join(args["model_repository"], "../../assets"))'));
  fs.renameSync(oldModel, path.join(work, 'bucketed/models/old_layout'));
  fs.cpSync(path.join(work, 'old/assets'), path.join(work, 'bucketed/assets'), { recursive: true });

  // One model folder copied alone into a repository of its own; the project it came from is gone.
  fs.mkdirSync(path.join(work, 'small'));
  await create(['alone', '--yes', '--name', 'stub_alone', '--asset', await picture(path.join(work, 'small/image.jpg'), 4, 6)]);
  fs.cpSync(path.join(work, 'alone/models/stub_alone'), path.join(work, 'elsewhere/stub_alone'), { recursive: true });
  fs.rmSync(path.join(work, 'alone'), { recursive: true });

  s3 = await startS3Server();
  await s3.createBucket(BUCKET);
  // The whole project goes up, assets/ beside models/ included: only the model folders come back down.
  await s3.upload(path.join(work, 'bucketed'), BUCKET, 'project');
  triton = await startTriton({
    repositories: [s3.uri(BUCKET, 'project/models'), path.join(work, 'elsewhere')],
    env: s3.tritonEnv,
    // The control fails to load; the others must still be served.
    args: ['--exit-on-error=false'],
    timeoutMs: 240_000,
  });
}, 360_000);

afterAll(async () => {
  await triton?.stop();
  await s3?.stop();
  if (work) fs.rmSync(work, { recursive: true, force: true });
});

describe('portable model folders in real Triton', () => {
  it('serves a generated model from s3://, its picture read from its own folder as Triton copied it', async () => {
    expect((await triton!.get('/v2/models/dumb_stub/ready')).status).toBe(200);
    const answer = await triton!.post('/v2/models/dumb_stub/infer', prompt);
    expect(answer.status, answer.body).toBe(200);
    expect(JSON.parse(answer.body).outputs).toEqual([expect.objectContaining({ name: 'image', datatype: 'UINT8', shape: [5, 7, 3] })]);
    // model.py logs where its assets are: Triton's local copy of the bucket's model folder, not this disk's project.
    const loaded = /dumb_stub version 1 loaded on CPU \(assets: (\S+)\)/.exec(triton!.log());
    expect(loaded, 'the load line of dumb_stub').not.toBeNull();
    expect(loaded![1]!.endsWith('/1/assets')).toBe(true);
    expect(loaded![1]!.startsWith(work)).toBe(false);
  });

  it('serves one model folder copied alone into another repository', async () => {
    expect((await triton!.get('/v2/models/stub_alone/ready')).status).toBe(200);
    const answer = await triton!.post('/v2/models/stub_alone/infer', prompt);
    expect(answer.status, answer.body).toBe(200);
    expect(JSON.parse(answer.body).outputs[0].shape).toEqual([4, 6, 3]);
  });

  it('the control: a model reaching outside its folder (../../assets) does not load from s3://', async () => {
    expect((await triton!.get('/v2/models/old_layout/ready')).status).toBe(400);
    // Triton's copy of the folder is /tmp/folderXXXXXX: ../../assets from it is /assets, which is not there.
    expect(triton!.log()).toMatch(/failed to load 'old_layout' version 1: .*cannot read the stub image \/assets\/image\.jpg/);
  });
});

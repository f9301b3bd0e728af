/** planAddition: which files adding a model writes, and how it changes the shared ones without losing the user's lines. */

import { describe, expect, it } from 'vitest';
import { planAddition, readmeModelSection, README_MODELS_END } from '../../src/render/addition.js';
import { baseImageVersion } from '../../src/repository/project.js';
import { render } from '../../src/render/index.js';
import { draftFromFlags } from '../../src/model-spec/from-flags.js';
import { finalizeSpec } from '../../src/model-spec/spec.js';

function renderedText(rendered: Awaited<ReturnType<typeof render>>, file: string): string {
  const found = rendered.files.find((f) => f.path === file);
  if (!found || !('content' in found)) throw new Error(`${file} not rendered as text`);
  return String(found.content);
}

async function renderedModel(flags: Parameters<typeof draftFromFlags>[0]) {
  const { spec } = finalizeSpec(draftFromFlags(flags, process.cwd()));
  return { spec, rendered: await render(spec, { projectName: 'demo' }) };
}

describe('planAddition', () => {
  it('adds the model folder and its assets, nothing else of the rendered project', async () => {
    const { spec, rendered } = await renderedModel({ name: 'stub2', template: 'image-stub' });
    const plan = planAddition(spec, rendered, { readme: undefined, requirements: 'opencv-python-headless==4.10.0.82\n', constraints: 'numpy<2\n', hasAssetsDir: true });
    expect(plan.files.map((f) => f.path)).toEqual(['assets/image.jpg', 'models/stub2/1/model.py', 'models/stub2/config.pbtxt']);
    expect(plan.updates).toEqual([]);
    expect(plan.notes).toEqual(['README.md: not found, not created']);
  });

  it('appends missing requirements after the user lines, keeps theirs (comments, options, other versions) as they are', async () => {
    const { spec, rendered } = await renderedModel({ name: 'second', template: 'image-stub', requirement: ['torch==2.4.0', 'Pillow>=10'] });
    const mine = '# my notes\n--extra-index-url https://example.invalid/simple\npillow==9.5.0  # pinned on purpose\nrequests';
    const plan = planAddition(spec, rendered, { readme: undefined, requirements: mine, constraints: '', hasAssetsDir: true });
    expect(plan.updates).toEqual([
      {
        path: 'requirements.txt',
        content: `${mine}\nopencv-python-headless==4.10.0.82\ntorch==2.4.0\n`,
        before: mine,
        summary: '+opencv-python-headless==4.10.0.82 +torch==2.4.0',
      },
    ]);
    expect(plan.notes).toContain('requirements.txt keeps "pillow==9.5.0" (the new model asked for "Pillow>=10")');
  });

  it('leaves requirements.txt alone when it has everything, and creates shared files only when missing', async () => {
    const { spec, rendered } = await renderedModel({ name: 'second', template: 'blank' });
    const plan = planAddition(spec, rendered, { readme: undefined, requirements: 'numpy\n', constraints: undefined, hasAssetsDir: false });
    expect(plan.updates).toEqual([]);
    expect(plan.files.map((f) => f.path).sort()).toEqual(['assets/.gitkeep', 'constraints.txt', 'models/second/1/model.py', 'models/second/config.pbtxt']);
  });

  it("puts the model's README section before the end marker, keeping everything else", async () => {
    const { spec, rendered } = await renderedModel({ name: 'second', template: 'blank', input: ['x:FP32:4'], output: ['y:INT64:-1'] });
    const readme = ['# demo', '', '<!-- create-triton-model: models (whatever) -->', '## The model `first`', '', 'My own notes.', README_MODELS_END, '', '## More of mine', ''].join('\n');
    const [update] = planAddition(spec, rendered, { readme, requirements: '', constraints: '', hasAssetsDir: true }).updates.filter((u) => u.path === 'README.md');
    const section = readmeModelSection(renderedText(rendered, 'README.md'));
    expect(section?.startsWith('## The model `second`')).toBe(true);
    expect(section).toContain('| `y` | output | `TYPE_INT64` | `INT64` | `[-1]` | `[-1]` |');
    expect(update?.content).toBe(['# demo', '', '<!-- create-triton-model: models (whatever) -->', '## The model `first`', '', 'My own notes.', '', section, README_MODELS_END, '', '## More of mine', ''].join('\n'));
    expect(update?.summary).toBe('section "The model `second`"');
  });

  it('appends the section at the end of a README without the markers, and says so', async () => {
    const { spec, rendered } = await renderedModel({ name: 'second', template: 'blank' });
    const plan = planAddition(spec, rendered, { readme: '# Mine\n\nNo markers here.', requirements: '', constraints: '', hasAssetsDir: true });
    const update = plan.updates.find((u) => u.path === 'README.md');
    expect(update?.content.startsWith('# Mine\n\nNo markers here.\n\n## The model `second`\n')).toBe(true);
    expect(update?.content.endsWith('\n')).toBe(true);
    expect(plan.notes).toEqual([`README.md has no "${README_MODELS_END}" line: the section of second was added at the end`]);
  });
});

describe('baseImageVersion', () => {
  it('reads the tag of the FROM line the Dockerfile template writes, and nothing else', () => {
    expect(baseImageVersion('# comment\nFROM nvcr.io/nvidia/tritonserver:25.10-py3\nRUN x\n')).toBe('25.10');
    expect(baseImageVersion('FROM nvcr.io/nvidia/tritonserver:24.05-py3-sdk\n')).toBeUndefined();
    expect(baseImageVersion('FROM my.registry/triton:25.10\n')).toBeUndefined();
  });
});

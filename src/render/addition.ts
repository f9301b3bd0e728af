/**
 * What adding a model changes in an existing project, in memory: the new model's folder and
 * assets (from the same render() as create), and the few shared files that need its lines —
 * requirements.txt (missing requirements appended; the user's lines never reordered or dropped),
 * constraints.txt (only when missing), README.md (the model's section added inside the generated
 * models section). Pure: the caller reads the project's files and writes the result.
 * The Dockerfile is never changed: it copies models/ and assets/ whole, and a model for another
 * base image is refused before anything is planned (repository/project.ts reads the Dockerfile's).
 */

import { requirementProject } from '../model-spec/fields.js';
import type { Spec } from '../model-spec/spec.js';
import type { RenderedFile, RenderedProject } from './rendered.js';

/** The generated README's models section: each model's section sits between these lines. */
export const README_MODELS_BEGIN = '<!-- create-triton-model: models';
export const README_MODELS_END = '<!-- create-triton-model: end of models -->';

export interface ExistingProject {
  /** Current text of the files an addition may change; undefined when the file is absent. */
  readme?: string;
  requirements?: string;
  constraints?: string;
  hasAssetsDir: boolean;
}

export interface FileUpdate {
  path: string;
  content: string;
  /** The text the plan was made from: the writer refuses if the file changed meanwhile. */
  before: string;
  /** What changed, for the report: `+torch==2.4.0`, `section "The model \`second\`"`. */
  summary: string;
}

export interface Addition {
  /** New files: the model folder, its assets, and shared files the project lacks. */
  files: RenderedFile[];
  updates: FileUpdate[];
  /** What was left as the user has it, and why. */
  notes: string[];
}

/** Distribution names of a requirements file's requirement lines (options, comments and blanks skipped). */
function requirementsIn(text: string): Map<string, string> {
  const found = new Map<string, string>();
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.replace(/(^|\s)#.*$/, '').trim();
    if (line === '' || line.startsWith('-')) continue;
    found.set(requirementProject(line), line);
  }
  return found;
}

const withFinalNewline = (text: string) => (text === '' || text.endsWith('\n') ? text : `${text}\n`);

function contentOf(rendered: RenderedProject, file: string): string | undefined {
  const found = rendered.files.find((f) => f.path === file);
  return found && 'content' in found ? String(found.content) : undefined;
}

/** The model's section of a rendered README: the lines between the models markers. */
export function readmeModelSection(readme: string): string | undefined {
  const lines = readme.split('\n');
  const begin = lines.findIndex((line) => line.startsWith(README_MODELS_BEGIN));
  const end = lines.findIndex((line) => line.trim() === README_MODELS_END);
  if (begin < 0 || end <= begin) return undefined;
  return lines.slice(begin + 1, end).join('\n').trim();
}

export function planAddition(spec: Spec, rendered: RenderedProject, existing: ExistingProject): Addition {
  const files: RenderedFile[] = [];
  const updates: FileUpdate[] = [];
  const notes: string[] = [];

  // The model folder and the assets the model brings; .gitkeep only where assets/ is missing.
  for (const file of rendered.files) {
    if (file.path.startsWith(`models/${spec.name}/`)) files.push(file);
    else if (file.path === 'assets/.gitkeep') {
      if (!existing.hasAssetsDir) files.push(file);
    } else if (file.path.startsWith('assets/')) files.push(file);
  }

  // requirements.txt: append what is missing, keep every line the user has.
  const renderedRequirements = contentOf(rendered, 'requirements.txt') ?? '';
  if (existing.requirements === undefined) {
    files.push({ path: 'requirements.txt', content: renderedRequirements });
  } else {
    const have = requirementsIn(existing.requirements);
    const added: string[] = [];
    for (const requirement of spec.requirements) {
      const kept = have.get(requirementProject(requirement));
      if (kept === undefined) {
        added.push(requirement);
        have.set(requirementProject(requirement), requirement);
      } else if (kept !== requirement) {
        notes.push(`requirements.txt keeps ${JSON.stringify(kept)} (the new model asked for ${JSON.stringify(requirement)})`);
      }
    }
    if (added.length > 0) {
      updates.push({
        path: 'requirements.txt',
        content: `${withFinalNewline(existing.requirements)}${added.join('\n')}\n`,
        before: existing.requirements,
        summary: added.map((r) => `+${r}`).join(' '),
      });
    }
  }

  // constraints.txt belongs to the base image, which does not change: created only when missing.
  if (existing.constraints === undefined) {
    const constraints = contentOf(rendered, 'constraints.txt');
    if (constraints !== undefined) files.push({ path: 'constraints.txt', content: constraints });
  }

  // README.md: the model's section, inside the generated models section (at the end without it).
  const section = readmeModelSection(contentOf(rendered, 'README.md') ?? '');
  if (existing.readme === undefined) {
    notes.push('README.md: not found, not created');
  } else if (section !== undefined) {
    const lines = existing.readme.split('\n');
    const end = lines.findIndex((line) => line.trim() === README_MODELS_END);
    const title = section.split('\n')[0]?.replace(/^#+\s*/, '') ?? spec.name;
    let content: string;
    if (end >= 0) {
      const before = lines.slice(0, end);
      content = [...before, ...(before.at(-1)?.trim() === '' ? [] : ['']), section, ...lines.slice(end)].join('\n');
    } else {
      content = `${withFinalNewline(existing.readme)}\n${section}\n`;
      notes.push(`README.md has no "${README_MODELS_END}" line: the section of ${spec.name} was added at the end`);
    }
    updates.push({ path: 'README.md', content, before: existing.readme, summary: `section "${title}"` });
  }
  return { files, updates, notes };
}

/** What the validator reports: one finding per problem, located like a compiler diagnostic. */

export type Severity = 'error' | 'warning';

export interface Finding {
  /** Path relative to the model repository, '/'-separated: `foo/config.pbtxt`, `foo/1/model.py`, `foo/1`, `foo`. */
  path: string;
  /** 1-based position of the offending token, when the finding is about one. */
  line?: number;
  column?: number;
  severity: Severity;
  /** Stable identifier of the rule, for scripts and for searching the docs (e.g. `name-mismatch`). */
  code: string;
  message: string;
}

export interface Position {
  line: number;
  column: number;
}

/** Collects findings for one file. */
export class FindingList {
  readonly items: Finding[] = [];

  constructor(private readonly path: string) {}

  error(at: Position | undefined, code: string, message: string): void {
    this.add('error', at, code, message);
  }

  warning(at: Position | undefined, code: string, message: string): void {
    this.add('warning', at, code, message);
  }

  add(severity: Severity, at: Position | undefined, code: string, message: string): void {
    this.items.push({ path: this.path, ...(at ? { line: at.line, column: at.column } : {}), severity, code, message });
  }
}

/** Findings in reading order: by path, then position (a finding without one first). */
export function sortFindings(findings: Finding[]): Finding[] {
  return findings
    .map((finding, index) => ({ finding, index }))
    .sort((a, b) => {
      if (a.finding.path !== b.finding.path) return a.finding.path < b.finding.path ? -1 : 1;
      const lineA = a.finding.line ?? 0;
      const lineB = b.finding.line ?? 0;
      if (lineA !== lineB) return lineA - lineB;
      const columnA = a.finding.column ?? 0;
      const columnB = b.finding.column ?? 0;
      return columnA !== columnB ? columnA - columnB : a.index - b.index;
    })
    .map(({ finding }) => finding);
}

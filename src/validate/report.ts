/**
 * How findings read: one line each, like a compiler's (`file:line:column: severity: message`, or
 * `file: severity: message` when the finding is about a file or folder as a whole), paths
 * relative to the current folder; then one summary line. The JSON form carries the same
 * findings with their rule codes.
 */

import path from 'node:path';
import { shownPath } from '../ui/paths.js';
import type { Finding } from './findings.js';

export interface Report {
  /** The model repository checked, as shown to the user. */
  repository: string;
  models: string[];
  findings: Finding[];
  strict: boolean;
  /** The NGC release checked for (YY.MM). */
  tritonVersion: string;
  /** Triton's auto-complete was assumed on (its default). */
  autoComplete: boolean;
}

export function findingFile(finding: Finding, repository: string, cwd: string): string {
  return shownPath(path.join(repository, ...finding.path.split('/')), cwd);
}

export function formatFinding(finding: Finding, file: string, paint: { error: (s: string) => string; warning: (s: string) => string } = { error: (s) => s, warning: (s) => s }): string {
  const where = finding.line !== undefined ? `${file}:${finding.line}:${finding.column ?? 1}` : file;
  return `${where}: ${paint[finding.severity](finding.severity)}: ${finding.message}`;
}

const plural = (count: number, word: string) => `${count} ${word}${count === 1 ? '' : 's'}`;

export function counts(findings: Finding[]): { errors: number; warnings: number } {
  return { errors: findings.filter((f) => f.severity === 'error').length, warnings: findings.filter((f) => f.severity === 'warning').length };
}

/** Errors fail the check; with --strict, warnings too. */
export function failed(report: Report): boolean {
  const { errors, warnings } = counts(report.findings);
  return errors > 0 || (report.strict && warnings > 0);
}

export function summaryLine(report: Report): string {
  const { errors, warnings } = counts(report.findings);
  const checked = `${plural(report.models.length, 'model')} checked in ${report.repository}`;
  if (errors === 0 && warnings === 0) return `${checked}: no problems found`;
  const parts = [...(errors > 0 ? [plural(errors, 'error')] : []), ...(warnings > 0 ? [plural(warnings, 'warning')] : [])];
  const strictNote = report.strict && warnings > 0 ? ' (--strict: warnings fail the check)' : '';
  return `${checked}: ${parts.join(', ')}${strictNote}`;
}

export interface JsonFinding {
  file: string;
  line: number | null;
  column: number | null;
  severity: Finding['severity'];
  code: string;
  message: string;
}

export function jsonReport(report: Report, repositoryAbsolute: string, cwd: string) {
  const { errors, warnings } = counts(report.findings);
  return {
    repository: report.repository,
    models: report.models,
    strict: report.strict,
    tritonVersion: report.tritonVersion,
    autoComplete: report.autoComplete,
    ok: !failed(report),
    errors,
    warnings,
    findings: report.findings.map(
      (finding): JsonFinding => ({
        file: findingFile(finding, repositoryAbsolute, cwd),
        line: finding.line ?? null,
        column: finding.line !== undefined ? (finding.column ?? 1) : null,
        severity: finding.severity,
        code: finding.code,
        message: finding.message,
      }),
    ),
  };
}

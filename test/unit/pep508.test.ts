/**
 * Requirement lines (`-r`, `--requirements-file`, `requirements` in a spec file) against PEP 508:
 * - the lines of issue 14, accepted or refused with the column of the fault;
 * - differential fuzzing against `packaging`, the parser pip reads requirements with: requirements
 *   generated from the grammar (names, extras, PEP 440 specifiers, URLs, markers with and/or/in/
 *   not in/parentheses and both quotes, spaces or none), a third of them with one character deleted
 *   or doubled. Both must accept and reject the same lines, read the same name, extras and URL,
 *   except where PEP 508 is stricter than pip (written down below). Seeded (FC_SEED, FC_RUNS override).
 */

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InvalidValue, parseRequirement } from '../../src/model-spec/fields.js';
import { parsePep508, RequirementSyntaxError } from '../../src/model-spec/pep508.js';
import { runPythonJson } from '../helpers/python.js';

const SEED = Number(process.env.FC_SEED ?? 20261207);
const RUNS = Number(process.env.FC_RUNS ?? 2000);

const refusal = (line: string): string => {
  try {
    parseRequirement(line);
  } catch (error) {
    if (error instanceof InvalidValue) return error.message;
    throw error;
  }
  throw new Error(`${line} was accepted`);
};

describe('requirement lines', () => {
  it('refuses what is not PEP 508, at the column of the fault', () => {
    expect(refusal('numpy; touch PWNED')).toMatch(/^not a PEP 508 requirement: column 8: expected a marker variable \(python_version, .*\) or a quoted string, found "touch"/);
    expect(refusal('numpy; foo bar')).toMatch(/^not a PEP 508 requirement: column 8: expected a marker variable .* found "foo"/);
    expect(refusal('numpy; python_version >= "3.10" rm -rf')).toMatch(/^not a PEP 508 requirement: column 33: expected "and", "or" or the end of the marker, found "rm"/);
    expect(refusal('numpy=1.0')).toMatch(/^not a PEP 508 requirement: column 6: expected "\[", a version specifier, "@", ";" or the end, found "="/);
    expect(refusal('numpy>=1.0.*')).toMatch(/^not a PEP 508 requirement: column 8: expected a PEP 440 version after >= \(.* only ends an == or != version\), found "1\.0\.\*"/);
    expect(refusal('torch~=2')).toMatch(/^not a PEP 508 requirement: column 8: expected a PEP 440 version after ~=, found "2"/);
    expect(refusal('pkg[a,]')).toMatch(/^not a PEP 508 requirement: column 7: expected an extra name/);
    expect(refusal('pkg @ https://h/p.whl; os_name == "nt"')).toMatch(/^not a PEP 508 requirement: column 24: expected a space, then ";" and a marker, or the end \(after the URL\) \(the ";" touching the URL is read as part of it: put a space before it\), found "os_name"/);
    expect(refusal('pkg @ /tmp/p.whl')).toMatch(/^not a PEP 508 requirement: column 7: expected a URL with a scheme/);
    expect(refusal('numpy; os_name == "posix')).toMatch(/^not a PEP 508 requirement: column 25: expected the closing " of the string opened at column 19, found the end/);
    expect(refusal('numpy; python_version not"3.8"')).toMatch(/column 26: expected a space after "not"/);
    // Columns count in the value as typed.
    expect(refusal('  numpy; foo')).toMatch(/^not a PEP 508 requirement: column 10: /);
    expect(refusal('  numpy; os_name == "x')).toMatch(/^not a PEP 508 requirement: column 23: expected the closing " of the string opened at column 21,/);
  });

  it('keeps refusing what is not one requirement line', () => {
    expect(refusal('numpy\n-r other.txt')).toMatch(/control character or line break/);
    expect(refusal('numpy\u0000')).toMatch(/control character/);
    expect(refusal('--index-url https://evil/simple')).toMatch(/pip options are not accepted/);
    expect(refusal('pkg @ https://user:secret@host/p.whl')).toMatch(/holds credentials in its URL/);
    expect(refusal('')).toBe('must not be empty');
  });

  it('accepts extras, specifiers, URLs and markers with and, or, in, not in and parentheses, in both quotes', () => {
    for (const line of [
      'scipy>=1.10; python_version >= "3.10" and platform_machine == "x86_64"',
      'numpy>=1.26,<2',
      'pkg[security, socks] (>= 1.0, < 2) ; (os_name == "posix" or sys_platform in "linux darwin") and python_version not in "3.8 3.9"',
      "torch @ https://download.pytorch.org/whl/cpu/torch-2.4.0%2Bcpu-cp312-cp312-linux_x86_64.whl ; platform_machine=='x86_64'",
      'mylib @ git+https://github.com/org/mylib.git@v1.2#egg=mylib',
      'local @ file:///opt/wheels/local-1.0-py3-none-any.whl',
      'Pillow==10.*',
      'a.b-c_d ===anything-goes',
      "x; extra == 'gpu' or implementation_name == \"cpython\" and platform_python_implementation != 'PyPy'",
      'x; ((python_version < "3.12"))',
      'torch==2.4.0+cpu',
      'v-prefixed>=v1.0.post1.dev2',
    ]) {
      expect(parseRequirement(line), line).toBe(line);
    }
    expect(parsePep508('pkg[a,b] (>=1.0, <2) ; os_name == "nt"')).toEqual({ name: 'pkg', extras: ['a', 'b'], specifiers: ['>=1.0', '<2'], marker: 'os_name == "nt"' });
  });
});

// ------------------------------------------------------------------------------------------------
// Differential fuzzing against packaging.

const spaces = fc.constantFrom('', '', ' ', '  ');
const someSpace = fc.constantFrom(' ', '  ');
const identifier = fc.constantFrom('numpy', 'torch', 'scipy', 'my-pkg', 'Pillow', 'a', 'zope.interface', 'typing_extensions', 'x1', 'A9', 'opencv-python-headless');
const extras = fc.array(fc.constantFrom('gpu', 'all', 'socks', 'test-extra', 'x.y'), { minLength: 0, maxLength: 3 }).chain((names) =>
  fc.tuple(spaces, spaces).map(([before, inside]) => `${before}[${inside}${names.join(`${inside},${inside}`)}${inside}]`),
);
const version = (operator: string): fc.Arbitrary<string> => {
  const plain = fc.constantFrom('1', '1.0', '2.4.0', '1!2.0', '1.0a1', '1.0.post2', '1.0.dev3', '1.0rc1', 'v1.0', '1.0-1', '1.0_b2', '1.0-r3', '10.2.0.dev0', '0.0', '3.10', '1.0c1', '1.0preview2');
  if (operator === '===') return fc.constantFrom('1.0', 'anything-goes', 'x.y.z', '1.0+local');
  if (operator === '==' || operator === '!=') return fc.oneof(plain, fc.constantFrom('1.0.*', '2.*', '1.0+cpu', '2.4.0+cu121.x', '1!1.*'));
  if (operator === '~=') return fc.oneof(plain, fc.constantFrom('1', '2'));
  return fc.oneof(plain, fc.constantFrom('1.0+local', '1.*'));
};
const specifier = fc.constantFrom('==', '!=', '<=', '>=', '<', '>', '~=').chain((operator) => fc.tuple(spaces, version(operator)).map(([space, v]) => `${operator}${space}${v}`));
const specifiers = fc
  .tuple(fc.array(specifier, { minLength: 1, maxLength: 3 }), fc.option(fc.constantFrom('===').chain((op) => version(op).map((v) => `${op}${v}`)), { freq: 5 }), spaces, fc.boolean())
  // `===` takes everything up to a space, ";" or ")" as its version (commas too): it only comes last here.
  .map(([list, identity, space, parenthesised]) => {
    const joined = [...list, ...(identity ? [identity] : [])].join(`${space},${space}`);
    return parenthesised ? `${space}(${space}${joined}${space})` : `${space}${joined}`;
  });
const url = fc.constantFrom(
  'https://download.example.com/pkgs/x-1.0-py3-none-any.whl',
  'git+https://github.com/org/repo.git@v1.0#egg=x',
  'http://localhost:8080/simple/x.zip',
  'file:///tmp/pkg-1.0.tar.gz',
  'https://h/p?x=1',
);
const markerValue = fc.oneof(
  fc.constantFrom('python_version', 'python_full_version', 'os_name', 'sys_platform', 'platform_release', 'platform_system', 'platform_version', 'platform_machine', 'platform_python_implementation', 'implementation_name', 'implementation_version', 'extra'),
  fc.tuple(fc.constantFrom('"', "'"), fc.constantFrom('3.10', 'linux', 'x86_64', 'CPython', 'posix', 'win32 darwin', '', 'a;b', "it's", 'x#y', '(1)')).map(([quote, text]) => (text.includes(quote) ? `"${text}"` : `${quote}${text}${quote}`)),
);
const markerOperator = fc.constantFrom('==', '!=', '<=', '>=', '<', '>', '~=', '===', 'in', 'not in', 'not  in');
const comparison = fc.tuple(markerValue, spaces, markerOperator, spaces, markerValue).map(([left, s1, op, s2, right]) => {
  // A word operator needs a space where a variable name would run into it.
  const wordy = /^[a-z]/.test(op);
  return `${left}${wordy && !s1 ? ' ' : s1}${op}${wordy && !s2 ? ' ' : s2}${right}`;
});
const { marker } = fc.letrec<{ marker: string; atom: string }>((tie) => ({
  atom: fc.oneof({ depthSize: 'small', withCrossShrink: true }, comparison, fc.tuple(spaces, tie('marker'), spaces).map(([a, m, b]) => `(${a}${m}${b})`)),
  marker: fc.tuple(tie('atom'), fc.array(fc.tuple(someSpace, fc.constantFrom('and', 'or'), someSpace, tie('atom')), { maxLength: 2 })).map(([first, rest]) => first + rest.map(([a, op, b, atom]) => `${a}${op}${b}${atom}`).join('')),
}));
const requirement = fc
  .tuple(identifier, fc.option(extras, { freq: 3 }), fc.oneof(fc.constant(''), specifiers, fc.tuple(spaces, url).map(([space, u]) => `${space}@${space === '' ? '' : ' '}${u}`)), fc.option(fc.tuple(spaces, marker, spaces), { freq: 2 }))
  .map(([name, extra, middle, tail]) => {
    const head = `${name}${extra ?? ''}${middle}`;
    if (!tail) return head;
    // After a URL, PEP 508 needs a space before ";".
    const before = middle.includes('@') ? ' ' : tail[0];
    return `${head}${before};${tail[2]}${tail[1]}`;
  });
const mutated = fc.tuple(requirement, fc.nat(), fc.nat(2)).map(([text, at, kind]) => {
  if (kind === 0 || text.length === 0) return text;
  const i = at % text.length;
  return kind === 1 ? text.slice(0, i) + text.slice(i + 1) : text.slice(0, i) + text.charAt(i) + text.slice(i);
});

interface Theirs {
  ok: boolean;
  name?: string;
  extras?: string[];
  url?: string | null;
  error?: string;
}

/**
 * Where pip (packaging) accepts what we refuse: a name or extra ending
 * in "_" (PEP 508's identifiers end with a letter or digit; packaging's pattern ends at a word
 * boundary), and a `===` version holding characters PEP 508 leaves out of versions (packaging takes
 * anything up to a space, ";" or ")").
 */
const STRICTER: { why: string; applies: (line: string) => boolean }[] = [
  { why: 'identifier ending in "_"', applies: (line) => /^[A-Za-z0-9._-]*_(?=[\s[(;@<>=!~]|$)|[[,]\s*[A-Za-z0-9._-]*_\s*[\],]/.test(line) },
  { why: '=== version with characters outside PEP 508 versions', applies: (line) => /===\s*[^\s;)]*[^A-Za-z0-9_.*+!\s;)-]/.test(line) },
  // PEP 508 takes any URI reference after "@", and packaging (23.2 on, vendored by pip 25) no longer
  // checks it; pip can only install from an absolute URL with a host (or file:///path), so we ask for one.
  { why: 'URL without a scheme and host', applies: (line) => line.includes('@') && !/^[^@]*@\s*(?:[A-Za-z][A-Za-z0-9+.-]*:\/\/[^/\s]|file:\/\/\/[^/\s])/.test(line) },
];

describe('PEP 508 against packaging (pip)', () => {
  it(`accepts and refuses the lines pip does, and reads the same name, extras and URL (seed ${SEED}, ${RUNS} lines)`, async () => {
    const lines = fc.sample(mutated, { seed: SEED, numRuns: RUNS });
    const theirs = await runPythonJson<Theirs[]>('pep508_packaging.py', lines);
    const disagreements: string[] = [];
    const stricter = new Map<string, number>();
    let accepted = 0;
    lines.forEach((line, index) => {
      const their = theirs[index]!;
      let ours: ReturnType<typeof parsePep508> | RequirementSyntaxError;
      try {
        ours = parsePep508(line);
      } catch (error) {
        if (!(error instanceof RequirementSyntaxError)) throw error;
        expect(error.column, line).toBeGreaterThanOrEqual(1);
        expect(error.column, line).toBeLessThanOrEqual(line.length + 1);
        ours = error;
      }
      const oursOk = !(ours instanceof RequirementSyntaxError);
      if (oursOk && their.ok) {
        accepted++;
        const read = ours as ReturnType<typeof parsePep508>;
        expect({ name: read.name, extras: [...new Set(read.extras)].sort(), url: read.url ?? null }, line).toEqual({ name: their.name, extras: their.extras, url: their.url });
      } else if (!oursOk && their.ok) {
        const reason = STRICTER.find((rule) => rule.applies(line));
        if (reason) stricter.set(reason.why, (stricter.get(reason.why) ?? 0) + 1);
        else disagreements.push(`we refuse, pip accepts: ${JSON.stringify(line)} (${(ours as Error).message})`);
      } else if (oursOk && !their.ok) {
        disagreements.push(`we accept, pip refuses: ${JSON.stringify(line)} (${their.error?.split('\n')[0]})`);
      }
    });
    expect(disagreements).toEqual([]);
    // Both verdicts must be well represented for the comparison to mean something.
    expect(accepted).toBeGreaterThan(RUNS / 3);
    expect(lines.length - accepted).toBeGreaterThan(RUNS / 10);
  });
});

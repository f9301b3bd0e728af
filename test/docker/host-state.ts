/**
 * What a Docker daemon may change on the host outside its own folders: firewall rules (iptables,
 * ip6tables, nftables), network interfaces and IP forwarding. Taken before the suite's daemon starts
 * and compared after it stopped; whatever it added is removed, and anything that still differs
 * fails the run by name.
 */

import fs from 'node:fs';
import { runSync, which } from './host.js';

export interface HostState {
  /** Normalised `<tool>-save` output per tool found (counters and comments removed). */
  iptables: Record<string, string>;
  /** Normalised `nft list ruleset`, when nft is installed. */
  nft: string | undefined;
  interfaces: string[];
  ipForward: string | undefined;
}

const IPTABLES = ['iptables', 'ip6tables'] as const;
const TIMEOUT_MS = 30_000;

/** Packet counters change with traffic; they are not rules. */
const normaliseSave = (text: string) =>
  text
    .split('\n')
    .filter((line) => line !== '' && !line.startsWith('#'))
    .map((line) => line.replace(/\s\[\d+:\d+\]$/, ''))
    .join('\n');
const normaliseNft = (text: string) => text.replace(/\bcounter packets \d+ bytes \d+/g, 'counter').trimEnd();

function readSysctl(file: string): string | undefined {
  try {
    return fs.readFileSync(file, 'utf8').trim();
  } catch {
    return undefined;
  }
}

export function snapshotHost(): HostState {
  const iptables: Record<string, string> = {};
  for (const tool of IPTABLES) {
    if (!which(`${tool}-save`)) continue;
    const ran = runSync(`${tool}-save`, [], { timeoutMs: TIMEOUT_MS });
    if (ran.status === 0) iptables[tool] = normaliseSave(ran.stdout);
  }
  const nft = which('nft') ? runSync('nft', ['list', 'ruleset'], { timeoutMs: TIMEOUT_MS }) : undefined;
  return {
    iptables,
    nft: nft?.status === 0 ? normaliseNft(nft.stdout) : undefined,
    interfaces: fs.readdirSync('/sys/class/net').sort(),
    ipForward: readSysctl('/proc/sys/net/ipv4/ip_forward'),
  };
}

/** Split one iptables-save rule into arguments: words, and double-quoted strings with backslash escapes. */
export function splitRule(line: string): string[] {
  const words: string[] = [];
  const pattern = /"((?:[^"\\]|\\.)*)"|(\S+)/g;
  for (let match = pattern.exec(line); match; match = pattern.exec(line)) {
    words.push(match[1] !== undefined ? match[1].replace(/\\(.)/g, '$1') : (match[2] as string));
  }
  return words;
}

interface Table {
  chains: string[];
  rules: string[];
}

function tablesOf(save: string): Map<string, Table> {
  const tables = new Map<string, Table>();
  let current: Table | undefined;
  for (const line of save.split('\n')) {
    if (line.startsWith('*')) tables.set(line.slice(1), (current = { chains: [], rules: [] }));
    else if (line.startsWith(':')) current?.chains.push(line.slice(1).split(' ')[0] as string);
    else if (line.startsWith('-A ')) current?.rules.push(line);
  }
  return tables;
}

/** Undo rules and chains present now but not in `before` (what dockerd's iptables setup adds). */
function removeAddedRules(tool: string, before: string): void {
  const now = runSync(`${tool}-save`, [], { timeoutMs: TIMEOUT_MS });
  if (now.status !== 0) return;
  const old = tablesOf(before);
  for (const [table, { chains, rules }] of tablesOf(normaliseSave(now.stdout))) {
    const oldRules = [...(old.get(table)?.rules ?? [])];
    // Rules that jump to an added chain must go before the chain can be deleted: delete every added rule first.
    for (const rule of rules) {
      const index = oldRules.indexOf(rule);
      if (index >= 0) oldRules.splice(index, 1);
      else runSync(tool, ['-t', table, '-D', ...splitRule(rule).slice(1)], { timeoutMs: TIMEOUT_MS });
    }
    for (const chain of chains.filter((c) => !(old.get(table)?.chains ?? []).includes(c))) {
      runSync(tool, ['-t', table, '-F', chain], { timeoutMs: TIMEOUT_MS });
      runSync(tool, ['-t', table, '-X', chain], { timeoutMs: TIMEOUT_MS });
    }
  }
}

/**
 * Put back what the daemon changed, then compare with `before`. Returns what still differs
 * (empty when the host is as it was). Interfaces other than the ones we created are reported,
 * never deleted: they may belong to someone else.
 */
export function restoreHost(before: HostState): string[] {
  for (const [tool, save] of Object.entries(before.iptables)) removeAddedRules(tool, save);
  const forward = readSysctl('/proc/sys/net/ipv4/ip_forward');
  if (before.ipForward !== undefined && forward !== before.ipForward) fs.writeFileSync('/proc/sys/net/ipv4/ip_forward', before.ipForward);

  const after = snapshotHost();
  const problems: string[] = [];
  for (const [tool, save] of Object.entries(before.iptables)) {
    if (after.iptables[tool] !== save) problems.push(`${tool} rules differ from before the suite:\n${lineDiff(save, after.iptables[tool] ?? '')}`);
  }
  if (before.nft !== after.nft) problems.push(`nft ruleset differs from before the suite:\n${lineDiff(before.nft ?? '', after.nft ?? '')}`);
  const added = after.interfaces.filter((name) => !before.interfaces.includes(name));
  if (added.length > 0) problems.push(`network interfaces left behind: ${added.join(', ')}`);
  if (after.ipForward !== before.ipForward) problems.push(`net.ipv4.ip_forward is ${after.ipForward}, was ${before.ipForward}`);
  return problems;
}

function lineDiff(before: string, after: string): string {
  const old = new Set(before.split('\n'));
  const now = new Set(after.split('\n'));
  return [...[...old].filter((l) => !now.has(l)).map((l) => `  - ${l}`), ...[...now].filter((l) => !old.has(l)).map((l) => `  + ${l}`)].join('\n');
}

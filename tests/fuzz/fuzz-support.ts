import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { type App, buildApp } from '../../src/app';
import { loadConfig } from '../../src/config/load-config';
import { createLogger } from '../../src/logger';

/**
 * Property-based fuzzing of the inbound surfaces against a real app on port 0 (loopback only). Each property is
 * bounded in runs and time so CI stays fast; the seed is printed, and FUZZ_SEED replays a failing run.
 */
export interface FuzzApp {
  app: App;
  baseUrl: string;
  /** Every line the app logged (debug level), to look for crashes it swallowed. */
  logLines: string[];
  close(): Promise<void>;
}

export async function startFuzzApp(env: Record<string, string>): Promise<FuzzApp> {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'trialguide-fuzz-'));
  const logLines: string[] = [];
  const config = loadConfig({ DATA_DIR: dataDir, LOG_LEVEL: 'debug', ...env });
  const app = await buildApp(config, { logger: createLogger('debug', (line) => logLines.push(line)), wechatReplyBudgetMs: 4000 });
  const baseUrl = `http://127.0.0.1:${await app.start(0)}`;
  return {
    app,
    baseUrl,
    logLines,
    close: async () => {
      await app.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** The seed of this run: FUZZ_SEED when set (to replay a failure), else a fresh one. Printed either way. */
export function fuzzSeed(surface: string): number {
  const fixed = Number(process.env.FUZZ_SEED);
  const seed = Number.isInteger(fixed) && fixed !== 0 ? fixed : Math.floor(Math.random() * 2 ** 31);
  console.info(`fuzz ${surface}: fast-check seed ${seed} (FUZZ_SEED=${seed} replays it)`);
  return seed;
}

/** Bounded: at most `numRuns`, stopped (as a pass, if nothing failed so far) after `timeLimitMs`. */
export function fuzzParameters(surface: string, numRuns: number, timeLimitMs: number): fc.Parameters<unknown> {
  return { seed: fuzzSeed(surface), numRuns, interruptAfterTimeLimit: timeLimitMs, verbose: 1 };
}

export interface Answer {
  status: number;
  body: string;
}

/** An HTTP call that never throws for the server's answer; a connection failure fails the property. */
export async function request(url: string, init: RequestInit): Promise<Answer> {
  const response = await fetch(url, { ...init, signal: AbortSignal.timeout(15_000) });
  return { status: response.status, body: await response.text() };
}

/** Counts answers by status, printed after a property so a run shows what it exercised. */
export class StatusCounts {
  private readonly counts = new Map<number, number>();
  add(status: number): void {
    this.counts.set(status, (this.counts.get(status) ?? 0) + 1);
  }
  toString(): string {
    return [...this.counts.entries()].sort(([a], [b]) => a - b).map(([status, count]) => `${status}×${count}`).join(' ');
  }
}

/** Never a 5xx, never a stack trace or an internal error's text in the body. */
export function isPoliteAnswer(answer: Answer): boolean {
  const noInternals = !/RangeError|TypeError|SyntaxError|ReferenceError|\bat .+:\d+:\d+\)?$/m.test(answer.body);
  // 503 "unavailable" is the catalogue's polite answer when the reply channel (an unreachable Emulator
  // serviceUrl) does not answer in time; every other 5xx is a defect.
  const unavailable = answer.status === 503 && /"code":"unavailable"/.test(answer.body);
  return (answer.status < 500 || unavailable) && noInternals;
}

/** Turns the app logged as crashed (onTurnError) or requests it failed: a fuzzed input must not cause either. */
export function crashesIn(logLines: readonly string[]): string[] {
  return logLines.filter((line) => /"msg":"(turn failed|request failed|direct line request failed|direct line turn failed|direct line stream upgrade failed)"/.test(line));
}

/** Text people (and attackers) type: any unicode, odd spaces, controls, surrogates, RTL marks, emoji, long runs. */
export const oddText: fc.Arbitrary<string> = fc.oneof(
  fc.string({ unit: 'grapheme', maxLength: 80 }),
  fc.string({ unit: 'binary', maxLength: 80 }),
  fc.constantFrom(
    '',
    ' ',
    '\u0000',
    '\uD800',
    '\uDFFF\uD800',
    '\u202E\u202Dhello',
    '\uFEFF',
    'delete my data',
    '删除我的信息',
    '刪除我的資料',
    'check my referral',
    'TG-7K3Q9',
    'ＴＧ－７Ｋ３Ｑ９',
    'talk to a person',
    '我想自杀',
    'I cannot breathe',
    '🙂'.repeat(500),
    'a'.repeat(2001),
    '<script>alert(1)</script>',
    '{{phone}}',
    '%s%s%n',
    '\r\n\t',
  ),
  fc.tuple(fc.constantFrom('a', '中', '😀', ' ', '\u0301'), fc.integer({ min: 1, max: 5000 })).map(([unit, times]) => unit.repeat(times)),
);

/** Any JSON value, nested up to `depth`. */
export const anyJson = (depth = 4): fc.Arbitrary<unknown> => fc.jsonValue({ maxDepth: depth });

/** A JSON text nested `depth` levels deep in arrays or objects: cheap to send, deadly to recursive code. */
export const deepJson: fc.Arbitrary<string> = fc
  .tuple(fc.integer({ min: 100, max: 30_000 }), fc.boolean())
  .map(([depth, objects]) => (objects ? `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}` : `${'['.repeat(depth)}${']'.repeat(depth)}`));

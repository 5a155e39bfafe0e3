/**
 * `npm run bench [-- --quick]`: figures for what people feel, from the real HTTP server (BENCHMARKS.md).
 *
 * 1. Connector: N concurrent conversations x 10 turns (half English, half Chinese: the start, a topic, the menu, a
 *    question, the pre-check and its answers) POSTed to /api/messages as the Bot Framework Emulator does, the
 *    bot's replies received by a loopback capture server (its serviceUrl). In the same run, the same driver
 *    against a minimal botbuilder echo bot (same restify, Node and CloudAdapter), for the ratios.
 * 2. Direct Line (self-hosted): token, conversation, POST each message, GET the replies since the watermark.
 * 3. Memory per idle stored conversation at 1k and 10k stored conversations, SQLite and PostgreSQL.
 * 4. Cold start of the production start (`node dist/src/main.js`, built first if stale) to /healthz and to the
 *    answer to a first message.
 * 5. Parts, in process (scripts/bench-parts.ts).
 *
 * Each server runs in a child process (scripts/bench-server.ts), one at a time, so its CPU and memory are its
 * own. Flags: --quick, --conversations=N, --stored=1000,10000, --cold-runs=5, --only=connector,directline,
 * memory,cold,parts, --log-level=info (the servers' log level; production's default is info), --json=FILE,
 * --cpu-prof=DIR (CPU profiles of the measured connector load, echo bot and TrialGuide), --show-replies (what the
 * bot said at each turn of one English and one Chinese conversation).
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { projectRoot } from '../src/config/load-config';
import { benchParts } from './bench-parts';
import type { BenchServerKind, FromBenchServer, ToBenchServer } from './bench-server';

// ------------------------------------------------------------------------------------- the turn list

type Language = 'en' | 'zh';

/**
 * What a person types, turn by turn, after the conversation starts (the start, a conversationUpdate, is the
 * first turn). Edit here when the dialogs change: both languages must hold the same number of turns, and a turn
 * the bot does not answer with at least one message counts as an error. `--show-replies` prints what the bot
 * said at each turn of one English and one Chinese conversation: check that each turn gets the reply it should
 * (a topic, the pre-check's next question), not a "please choose again".
 * The start: greeting and menu. '1': a topic (what the study is); back to the menu; a question; the menu; '2':
 * the pre-check, which first asks who is asking ('1': the patient); the age; a yes; a question.
 */
const scripts: Record<Language, { locale: string; texts: string[] }> = {
  en: { locale: 'en-US', texts: ['1', 'Back to menu', 'what is apatinib?', 'menu', '2', '1', '56', 'yes', 'what are the side effects?'] },
  zh: { locale: 'zh-CN', texts: ['1', '返回菜单', '阿帕替尼是什么？', '菜单', '2', '1', '56岁', '是', '有什么副作用？'] },
};
if (scripts.en.texts.length !== scripts.zh.texts.length) throw new Error('scripts/bench.ts: the English and Chinese turn lists must be equally long');

// ---------------------------------------------------------------------------------------------- options

const args = new Map(
  process.argv.slice(2).map((arg) => {
    const [name, value] = arg.replace(/^--/, '').split('=');
    return [name ?? '', value ?? 'true'] as const;
  }),
);
const quick = args.has('quick');
const options = {
  conversations: Number(args.get('conversations') ?? (quick ? 50 : 200)),
  warmupConversations: quick ? 10 : 40,
  stored: (args.get('stored') ?? (quick ? '200,1000' : '1000,10000')).split(',').map(Number),
  coldRuns: Number(args.get('cold-runs') ?? (quick ? 3 : 5)),
  sections: new Set((args.get('only') ?? 'connector,directline,memory,cold,parts').split(',')),
  logLevel: args.get('log-level') ?? 'info',
  json: args.get('json'),
  /** Writes CPU profiles of the measured connector load to this folder. */
  cpuProf: args.get('cpu-prof'),
  /** Prints the bot's replies, turn by turn, of one English and one Chinese conversation of the connector load. */
  showReplies: args.has('show-replies'),
};
const postgresUrl = 'postgres://postgres@127.0.0.1:5432/test';
/**
 * The V8 flags of the production start (`npm start` in package.json): both servers, TrialGuide and the echo bot,
 * run with them, so the ratios compare like with like. A larger young generation lets a turn's short-lived
 * objects die there instead of being copied and promoted (garbage collection was a tenth of a turn, issue 11).
 */
const productionNodeFlags = ['--max-semi-space-size=32'];
const productionStart = `node ${productionNodeFlags.join(' ')} dist/src/main.js`;

// ------------------------------------------------------------------------------------------- utilities

const out = (line = ''): void => void process.stdout.write(`${line}\n`);
const ms = (value: number): string => `${value.toFixed(1)} ms`;
const mb = (bytes: number): string => `${(bytes / 1024 / 1024).toFixed(1)} MB`;
const kb = (bytes: number): string => `${(bytes / 1024).toFixed(2)} kB`;

function percentile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] ?? 0;
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[middle] ?? 0) : ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2;
}

/** VmRSS of a process, in bytes. */
function rssOf(pid: number): number {
  const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return match ? Number(match[1]) * 1024 : 0;
}

const clockTicks = Number(spawnSync('getconf', ['CLK_TCK']).stdout?.toString().trim()) || 100;
/** CPU time (user + system) a process has used so far, in ms. */
function cpuMsOf(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / clockTicks;
}

const agent = new http.Agent({ keepAlive: true, maxSockets: Infinity });

interface HttpResult {
  status: number;
  body: string;
}

/**
 * One HTTP request over the keep-alive agent. A request on a reused socket that the server had just closed as
 * idle (its keep-alive timeout) fails with ECONNRESET before the server saw it: sent once more, as Node's
 * documentation advises; any other failure counts.
 */
function request(method: string, url: string, body?: unknown, headers: Record<string, string> = {}, retried = false): Promise<HttpResult> {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const req = http.request(url, { method, agent, headers: { ...(payload ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) } : {}), ...headers } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('error', (error: NodeJS.ErrnoException) => {
      if (!retried && req.reusedSocket && error.code === 'ECONNRESET') resolve(request(method, url, body, headers, true));
      else reject(error);
    });
    req.end(payload);
  });
}

async function mapConcurrently<T>(items: readonly T[], concurrency: number, run: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const item = items[next] as T;
      next += 1;
      await run(item);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
}

// ------------------------------------------------------------------------------------- child servers

interface BenchServer {
  readonly kind: BenchServerKind;
  readonly port: number;
  readonly pid: number;
  readonly startupMs: number;
  memory(): Promise<Extract<FromBenchServer, { type: 'memory' }>>;
  profile(action: 'start' | 'stop', file?: string): Promise<void>;
  stop(): Promise<void>;
}

async function startServer(kind: BenchServerKind, env: Record<string, string> = {}): Promise<BenchServer> {
  const child: ChildProcess = spawn(process.execPath, ['--expose-gc', ...productionNodeFlags, '--import', 'tsx', path.join(projectRoot, 'scripts', 'bench-server.ts'), kind], {
    cwd: projectRoot,
    env: { ...process.env, HOST: '127.0.0.1', LOG_LEVEL: options.logLevel, ...env },
    stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
  });
  // A driver that fails midway must not leave its servers running.
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  child.once('exit', () => process.removeListener('exit', killOnExit));
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-4000)));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const messages: Array<(message: FromBenchServer) => void> = [];
  child.on('message', (message: FromBenchServer) => messages.shift()?.(message));
  const next = () => new Promise<FromBenchServer>((resolve, reject) => {
    messages.push(resolve);
    void exited.then((code) => reject(new Error(`${kind} bench server exited (${String(code)}): ${stderr}`)));
  });
  const ready = await next();
  if (ready.type !== 'ready') throw new Error(`${kind} bench server did not start`);
  return {
    kind,
    port: ready.port,
    pid: child.pid ?? 0,
    startupMs: ready.startupMs,
    async memory() {
      const reply = next();
      child.send({ type: 'memory' } satisfies ToBenchServer);
      const message = await reply;
      if (message.type !== 'memory') throw new Error('unexpected reply');
      return message;
    },
    async profile(action, file = '') {
      const reply = next();
      child.send((action === 'start' ? { type: 'profile-start' } : { type: 'profile-stop', file }) satisfies ToBenchServer);
      await reply;
    },
    async stop() {
      child.send({ type: 'stop' } satisfies ToBenchServer);
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** Samples a process's RSS every 100 ms; `stop` gives the peak. */
function sampleRss(pid: number): { stop(): number } {
  let peak = rssOf(pid);
  const timer = setInterval(() => {
    peak = Math.max(peak, rssOf(pid));
  }, 100);
  return {
    stop() {
      clearInterval(timer);
      return Math.max(peak, rssOf(pid));
    },
  };
}

// --------------------------------------------------------------------------------- the conversations

const turnsPerConversation = 1 + scripts.en.texts.length;

/** The loopback stand-in for the channel's connector: counts the bot's replies per conversation. */
async function startCaptureServer(): Promise<{ url: string; replies(conversationId: string): number; texts(conversationId: string): string[]; said(conversationId: string, text: string): void; totals(): { messages: number; typing: number }; close(): Promise<void> }> {
  const counts = new Map<string, number>();
  /** What the bot said, for the conversations whose replies are shown (--show-replies). */
  const texts = new Map<string, string[]>();
  const shown = (id: string) => options.showReplies && /^load-trialguide-[01]$/.test(id);
  const totals = { messages: 0, typing: 0 };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const match = /\/v3\/conversations\/([^/]+)\/activities/.exec(req.url ?? '');
      if (match) {
        const activity = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as { type?: string; text?: string; suggestedActions?: { actions?: Array<{ title?: string }> } };
        const id = decodeURIComponent(match[1] ?? '');
        if (activity.type === 'message') counts.set(id, (counts.get(id) ?? 0) + 1);
        if (activity.type === 'message' && shown(id)) {
          const buttons = activity.suggestedActions?.actions?.map((action) => action.title).join(' | ');
          texts.set(id, [...(texts.get(id) ?? []), `  bot: ${(activity.text ?? '[no text]').replace(/\s+/g, ' ').slice(0, 110)}${buttons ? ` [${buttons}]` : ''}`]);
        }
        if (activity.type === 'message') totals.messages += 1;
        else if (activity.type === 'typing') totals.typing += 1;
      }
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"id":"captured"}');
    });
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    replies: (conversationId) => counts.get(conversationId) ?? 0,
    texts: (conversationId) => texts.get(conversationId) ?? [],
    said: (conversationId, text) => {
      if (shown(conversationId)) texts.set(conversationId, [...(texts.get(conversationId) ?? []), `user: ${text}`]);
    },
    totals: () => ({ ...totals }),
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

interface LoadResult {
  name: string;
  conversations: number;
  turns: number;
  seconds: number;
  turnsPerSecond: number;
  p50: number;
  p95: number;
  p99: number;
  errors: number;
  errorKinds: Record<string, number>;
  peakRss: number;
  rssPerConversation: number;
  cpuMsPerTurn: number;
  /** CPU time of this process (the driver, and the capture server over the connector) per turn. */
  driverCpuMsPerTurn: number;
  /** Over the connector: the bot's messages and typing indicators per turn (each one a POST to the connector). */
  messagesPerTurn?: number;
  typingPerTurn?: number;
  /** Over the connector: the bot's messages at each turn of the list, on average, per language. */
  messagesByTurn?: Record<Language, number[]>;
}

class Recorder {
  readonly latencies: number[] = [];
  readonly errorKinds: Record<string, number> = {};
  /** Over the connector: the bot's messages at each turn, summed over the conversations of each language. */
  readonly messagesByTurn: Record<Language, number[]> = { en: [], zh: [] };
  readonly conversationsByLanguage: Record<Language, number> = { en: 0, zh: 0 };
  error(kind: string): void {
    this.errorKinds[kind] = (this.errorKinds[kind] ?? 0) + 1;
  }
  async time<T>(run: () => Promise<T>): Promise<T> {
    const start = performance.now();
    const result = await run();
    this.latencies.push(performance.now() - start);
    return result;
  }
}

/** Runs `conversations` conversations at once, measuring the server's throughput, latency, memory and CPU. */
async function measure(name: string, server: BenchServer, conversations: number, run: (index: number, recorder: Recorder) => Promise<void>): Promise<LoadResult> {
  const recorder = new Recorder();
  const rssBefore = rssOf(server.pid);
  const cpuBefore = cpuMsOf(server.pid);
  const driverBefore = process.cpuUsage();
  const sampler = sampleRss(server.pid);
  const start = performance.now();
  await Promise.all(Array.from({ length: conversations }, (_, index) => run(index, recorder)));
  const seconds = (performance.now() - start) / 1000;
  const peakRss = sampler.stop();
  const cpuMs = cpuMsOf(server.pid) - cpuBefore;
  const driver = process.cpuUsage(driverBefore);
  const sorted = [...recorder.latencies].sort((a, b) => a - b);
  const errors = Object.values(recorder.errorKinds).reduce((sum, count) => sum + count, 0);
  return {
    name,
    conversations,
    turns: sorted.length,
    seconds,
    turnsPerSecond: sorted.length / seconds,
    p50: percentile(sorted, 0.5),
    p95: percentile(sorted, 0.95),
    p99: percentile(sorted, 0.99),
    errors,
    errorKinds: recorder.errorKinds,
    peakRss,
    rssPerConversation: (peakRss - rssBefore) / conversations,
    cpuMsPerTurn: cpuMs / sorted.length,
    driverCpuMsPerTurn: (driver.user + driver.system) / 1000 / sorted.length,
    messagesByTurn: {
      en: recorder.messagesByTurn.en.map((sum) => sum / Math.max(1, recorder.conversationsByLanguage.en)),
      zh: recorder.messagesByTurn.zh.map((sum) => sum / Math.max(1, recorder.conversationsByLanguage.zh)),
    },
  };
}

/** One conversation over the connector protocol (Emulator rules: channel "emulator", loopback serviceUrl). */
/** An activity as the Bot Framework Emulator sends it (auth off), its replies going to `serviceUrl`. */
function emulatorActivity(conversationId: string, id: string, serviceUrl: string, locale: string, activity: Record<string, unknown>): Record<string, unknown> {
  return {
    id,
    channelId: 'emulator',
    serviceUrl,
    conversation: { id: conversationId },
    from: { id: `user-${conversationId}`, name: 'User' },
    recipient: { id: 'bot', name: 'Bot' },
    locale,
    timestamp: new Date().toISOString(),
    ...activity,
  };
}

async function connectorConversation(server: BenchServer, capture: Awaited<ReturnType<typeof startCaptureServer>>, conversationId: string, language: Language, recorder: Recorder): Promise<void> {
  const { locale, texts } = scripts[language];
  let sequence = 0;
  recorder.conversationsByLanguage[language] += 1;
  const turn = async (activity: Record<string, unknown>, expectReply: boolean): Promise<void> => {
    const index = sequence;
    sequence += 1;
    const before = capture.replies(conversationId);
    const body = emulatorActivity(conversationId, `${conversationId}-${sequence}`, capture.url, locale, activity);
    try {
      const response = await recorder.time(() => request('POST', `http://127.0.0.1:${server.port}/api/messages`, body));
      const sent = capture.replies(conversationId) - before;
      recorder.messagesByTurn[language][index] = (recorder.messagesByTurn[language][index] ?? 0) + sent;
      if (response.status !== 200) recorder.error(`http ${response.status}`);
      else if (expectReply && sent === 0) recorder.error('no reply');
    } catch (error) {
      recorder.error((error as NodeJS.ErrnoException).code ?? 'request failed');
    }
  };
  capture.said(conversationId, '(starts the conversation)');
  await turn({ type: 'conversationUpdate', membersAdded: [{ id: `user-${conversationId}` }] }, true);
  for (const text of texts) {
    capture.said(conversationId, text);
    await turn({ type: 'message', text }, true);
  }
}

/** One conversation over the self-hosted Direct Line, as Web Chat's polling client would hold it. */
async function directLineConversation(server: BenchServer, secret: string, language: Language, recorder: Recorder): Promise<void> {
  const base = `http://127.0.0.1:${server.port}/v3/directline`;
  const { locale, texts } = scripts[language];
  const userId = `dl_${randomBytes(6).toString('hex')}`;
  const generated = await request('POST', `${base}/tokens/generate`, { user: { id: userId } }, { authorization: `Bearer ${secret}` });
  if (generated.status !== 200) return recorder.error(`token http ${generated.status}`);
  const auth = { authorization: `Bearer ${(JSON.parse(generated.body) as { token: string }).token}` };
  let watermark = '';
  const readReplies = async (): Promise<number> => {
    const page = await request('GET', `${base}/conversations/${conversationId}/activities?watermark=${watermark}`, undefined, auth);
    if (page.status !== 200) throw Object.assign(new Error('poll'), { code: `poll http ${page.status}` });
    const parsed = JSON.parse(page.body) as { activities: Array<{ type: string; from?: { role?: string } }>; watermark: string };
    watermark = parsed.watermark;
    return parsed.activities.filter((activity) => activity.type === 'message' && activity.from?.role !== 'user').length;
  };
  let conversationId = '';
  const turn = async (send: () => Promise<HttpResult>): Promise<void> => {
    try {
      const replies = await recorder.time(async () => {
        const sent = await send();
        if (sent.status !== 200 && sent.status !== 201) throw Object.assign(new Error('send'), { code: `http ${sent.status}` });
        if (!conversationId) conversationId = (JSON.parse(sent.body) as { conversationId: string }).conversationId;
        return readReplies();
      });
      if (replies === 0) recorder.error('no reply');
    } catch (error) {
      recorder.error((error as NodeJS.ErrnoException).code ?? 'request failed');
    }
  };
  await turn(() => request('POST', `${base}/conversations`, { locale }, auth));
  if (!conversationId) return;
  for (const text of texts) await turn(() => request('POST', `${base}/conversations/${conversationId}/activities`, { type: 'message', text, locale }, auth));
}

function printLoad(result: LoadResult, baseline?: LoadResult): void {
  const ratios = baseline
    ? `  | vs echo: ${(result.turnsPerSecond / baseline.turnsPerSecond).toFixed(2)}x turns/s, p99 ${(result.p99 / baseline.p99).toFixed(2)}x, CPU/turn ${(result.cpuMsPerTurn / baseline.cpuMsPerTurn).toFixed(2)}x`
    : '';
  out(
    `  ${result.name.padEnd(26)} ${String(result.turns).padStart(5)} turns in ${result.seconds.toFixed(1).padStart(5)} s = ${result.turnsPerSecond.toFixed(0).padStart(4)} turns/s  p50 ${ms(result.p50)}  p95 ${ms(result.p95)}  p99 ${ms(result.p99)}  errors ${result.errors}${result.errors ? ` ${JSON.stringify(result.errorKinds)}` : ''}`,
  );
  out(`  ${''.padEnd(26)} server CPU ${result.cpuMsPerTurn.toFixed(2)} ms/turn  peak RSS ${mb(result.peakRss)}  RSS growth per conversation ${kb(result.rssPerConversation)}${ratios}`);
  const sent = result.messagesPerTurn === undefined ? '' : `  bot messages ${result.messagesPerTurn.toFixed(2)}/turn, typing indicators ${(result.typingPerTurn ?? 0).toFixed(2)}/turn`;
  out(`  ${''.padEnd(26)} driver CPU ${result.driverCpuMsPerTurn.toFixed(2)} ms/turn${sent}`);
}

// ----------------------------------------------------------------------------------------- sections

const summary: Record<string, unknown> = {};

async function connectorSection(): Promise<void> {
  out(`Connector protocol (/api/messages, Emulator rules, replies to a loopback capture server): ${options.conversations} concurrent conversations x ${turnsPerConversation} turns, half English, half Chinese`);
  const capture = await startCaptureServer();
  const results: Partial<Record<BenchServerKind, LoadResult>> = {};
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'trialguide-bench-connector-'));
  try {
    for (const kind of ['echo', 'trialguide'] as const) {
      const server = await startServer(kind, { DATA_DIR: dataDir });
      const run = (prefix: string) => (index: number, recorder: Recorder) => connectorConversation(server, capture, `${prefix}-${kind}-${index}`, index % 2 === 0 ? 'en' : 'zh', recorder);
      // Warm-up: JIT, lazily loaded modules, prepared statements.
      await measure('warm-up', server, options.warmupConversations, run('warm'));
      if (options.cpuProf) {
        // The server writes the profile there; a missing folder would leave the driver waiting for its reply.
        mkdirSync(options.cpuProf, { recursive: true });
        await server.profile('start');
      }
      const sentBefore = capture.totals();
      const result = await measure(kind === 'echo' ? 'echo bot (botbuilder)' : 'TrialGuide', server, options.conversations, run('load'));
      const sentAfter = capture.totals();
      results[kind] = { ...result, messagesPerTurn: (sentAfter.messages - sentBefore.messages) / result.turns, typingPerTurn: (sentAfter.typing - sentBefore.typing) / result.turns };
      if (options.cpuProf) await server.profile('stop', path.resolve(options.cpuProf, `connector-${kind}.cpuprofile`));
      await server.stop();
    }
  } finally {
    await capture.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
  const echo = results.echo as LoadResult;
  const trialGuide = results.trialguide as LoadResult;
  printLoad(echo);
  printLoad(trialGuide, echo);
  for (const language of ['en', 'zh'] as const) {
    out(`  ${''.padEnd(26)} TrialGuide's messages at each turn (${language}): ${(trialGuide.messagesByTurn?.[language] ?? []).map((count) => count.toFixed(2)).join(' ')}`);
  }
  if (options.showReplies) {
    for (const [index, language] of [[0, 'en'], [1, 'zh']] as const) {
      const said = capture.texts(`load-trialguide-${index}`);
      out(`  Conversation load-trialguide-${index} (${language}), turn by turn:`);
      for (const line of said) out(`    ${line}`);
    }
  }
  summary.connector = { echo, trialGuide, throughputRatio: trialGuide.turnsPerSecond / echo.turnsPerSecond, p99Ratio: trialGuide.p99 / echo.p99 };
  out();
}

async function directLineSection(): Promise<void> {
  out(`Self-hosted Direct Line (token, conversation, POST each message, GET replies since the watermark): ${options.conversations} concurrent conversations x ${turnsPerConversation} turns`);
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'trialguide-bench-directline-'));
  const secret = randomBytes(32).toString('base64url');
  try {
    const server = await startServer('trialguide', { DATA_DIR: dataDir, DIRECTLINE_SECRET: secret });
    const run = (index: number, recorder: Recorder) => directLineConversation(server, secret, index % 2 === 0 ? 'en' : 'zh', recorder);
    await measure('warm-up', server, options.warmupConversations, run);
    const result = await measure('TrialGuide, Direct Line', server, options.conversations, run);
    await server.stop();
    const echo = (summary.connector as { echo?: LoadResult } | undefined)?.echo;
    printLoad(result, echo);
    if (echo) out('  (ratios against the echo bot over the connector: the echo bot has no Direct Line; a Direct Line turn is two requests)');
    summary.directLine = result;
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
  out();
}

async function memorySection(): Promise<void> {
  out(`Memory per idle stored conversation (each started and greeted, then left; heap after a full GC): ${options.stored.join(' and ')} stored conversations`);
  const capture = await startCaptureServer();
  const results: Record<string, Array<{ stored: number; heapUsed: number; heapPerConversation: number; rssPerConversation: number }>> = {};
  try {
    for (const backend of ['SQLite', 'PostgreSQL'] as const) {
      const dataDir = mkdtempSync(path.join(os.tmpdir(), 'trialguide-bench-memory-'));
      const schema = `bench_memory_${process.pid}`;
      const admin = backend === 'PostgreSQL' ? new pg.Client({ connectionString: postgresUrl }) : undefined;
      try {
        let env: Record<string, string> = { DATA_DIR: dataDir };
        if (admin) {
          await admin.connect();
          await admin.query(`CREATE SCHEMA ${schema}`);
          env = { ...env, DATABASE_URL: `${postgresUrl}?options=${encodeURIComponent(`-c search_path=${schema}`)}`, DATA_ENCRYPTION_KEY: randomBytes(32).toString('base64'), DIRECTLINE_SECRET: randomBytes(32).toString('base64url') };
        }
        const server = await startServer('trialguide', env);
        const greet = (prefix: string) => async (index: number) => {
          const recorder = new Recorder();
          const conversationId = `${prefix}-${index}`;
          await connectorConversation(server, capture, conversationId, index % 2 === 0 ? 'en' : 'zh', recorder).catch(() => recorder.error('conversation'));
        };
        // Warm-up with whole conversations, so every dialog and statement has run before the baseline.
        await mapConcurrently([...Array(options.warmupConversations).keys()], 20, greet(`${backend}-warm`));
        const base = await server.memory();
        let stored = 0;
        const rows: Array<{ stored: number; heapUsed: number; heapPerConversation: number; rssPerConversation: number }> = [];
        for (const target of options.stored) {
          const indexes = Array.from({ length: target - stored }, (_, offset) => stored + offset);
          await mapConcurrently(indexes, 50, (index) => startOnly(server, capture, `${backend}-idle-${index}`, index % 2 === 0 ? 'en' : 'zh'));
          stored = target;
          const now = await server.memory();
          const previous = rows.at(-1);
          // Marginal: what the conversations added since the previous step cost each (flat: about nothing).
          const marginal = previous ? (now.heapUsed - previous.heapUsed) / (stored - previous.stored) : undefined;
          rows.push({ stored, heapUsed: now.heapUsed, heapPerConversation: (now.heapUsed - base.heapUsed) / stored, rssPerConversation: (now.rss - base.rss) / stored });
          out(
            `  ${backend.padEnd(10)} ${String(stored).padStart(6)} stored: heap ${mb(now.heapUsed)} (${kb((now.heapUsed - base.heapUsed) / stored)} per conversation${marginal === undefined ? '' : `; ${marginal.toFixed(0)} bytes each for the last ${stored - (previous?.stored ?? 0)}`}), RSS ${mb(now.rss)} (${kb((now.rss - base.rss) / stored)} per conversation)`,
          );
        }
        results[backend] = rows;
        await server.stop();
      } finally {
        if (admin) {
          await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
          await admin.end();
        }
        rmSync(dataDir, { recursive: true, force: true });
      }
    }
  } finally {
    await capture.close();
  }
  summary.memory = results;
  out();
}

/** Starts a conversation (the greeting turn stores its state) and leaves it idle. */
async function startOnly(server: BenchServer, capture: Awaited<ReturnType<typeof startCaptureServer>>, conversationId: string, language: Language): Promise<void> {
  const response = await request(
    'POST',
    `http://127.0.0.1:${server.port}/api/messages`,
    emulatorActivity(conversationId, `${conversationId}-1`, capture.url, scripts[language].locale, { type: 'conversationUpdate', membersAdded: [{ id: `user-${conversationId}` }] }),
  );
  if (response.status !== 200) throw new Error(`greeting turn: HTTP ${response.status}`);
}

async function freePort(): Promise<number> {
  const server = http.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

interface StartTiming {
  /** Spawn to the first 200 from /healthz, and the process's CPU time then. */
  wallMs: number;
  cpuMs: number;
  /** Spawn to the answer to the first message ("hello" over the connector, its reply received), and CPU then. */
  firstReplyMs: number;
  firstReplyCpuMs: number;
  /** From sending the first message to its answer. */
  firstMessageLatencyMs: number;
}

/** CPU time of a spawned start (npm start: every process of its group), in ms. */
function cpuMsOfGroup(groupPid: number): number {
  const pids = spawnSync('pgrep', ['-g', String(groupPid)]).stdout.toString().trim().split('\n').map(Number).filter(Boolean);
  return pids.reduce((sum, pid) => sum + (() => { try { return cpuMsOf(pid); } catch { return 0; } })(), 0);
}

/**
 * Spawns a production start and times it to the first 200 from /healthz, then to the answer to a first message
 * (what a person feels after a restart: the recognizer and the safety checks must be ready by then); stops it
 * with SIGTERM.
 */
async function timeStart(command: string, commandArgs: string[], dataDir: string, capture: Awaited<ReturnType<typeof startCaptureServer>>, messageAfterMs = 0): Promise<StartTiming> {
  const port = await freePort();
  const start = performance.now();
  const child = spawn(command, commandArgs, { cwd: projectRoot, env: { ...process.env, PORT: String(port), HOST: '127.0.0.1', DATA_DIR: dataDir, LOG_LEVEL: 'warn' }, stdio: 'ignore', detached: true });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let healthy = false;
  while (!healthy) {
    if (performance.now() - start > 60_000) throw new Error(`${command} did not answer /healthz within 60 s`);
    healthy = await new Promise<boolean>((resolve) => {
      const req = http.get({ host: '127.0.0.1', port, path: '/healthz', agent: false }, (res) => {
        res.resume();
        resolve(res.statusCode === 200);
      });
      req.on('error', () => resolve(false));
    });
    if (!healthy) await new Promise((resolve) => setTimeout(resolve, 5));
  }
  const wallMs = performance.now() - start;
  const cpuMs = cpuMsOfGroup(child.pid ?? 0);
  const conversationId = `cold-${randomBytes(6).toString('hex')}`;
  if (messageAfterMs > 0) await new Promise((resolve) => setTimeout(resolve, messageAfterMs));
  const sentAt = performance.now();
  const answer = await request('POST', `http://127.0.0.1:${port}/api/messages`, emulatorActivity(conversationId, `${conversationId}-1`, capture.url, 'en-US', { type: 'message', text: 'hello' }));
  if (answer.status !== 200 || capture.replies(conversationId) === 0) throw new Error(`${command}: the first message was not answered (HTTP ${answer.status})`);
  const firstReplyMs = performance.now() - start;
  const firstReplyCpuMs = cpuMsOfGroup(child.pid ?? 0);
  process.kill(-(child.pid ?? 0), 'SIGTERM');
  await exited;
  return { wallMs, cpuMs, firstReplyMs, firstReplyCpuMs, firstMessageLatencyMs: firstReplyMs - (sentAt - start) };
}

async function coldStartSection(): Promise<void> {
  out(`Cold start of the production start to the first 200 from /healthz, and to the answer to a first message ("hello" over the connector, its reply received) right after (median of ${options.coldRuns}; a data folder from an earlier start):`);
  const build = spawnSync(process.execPath, [path.join(projectRoot, 'scripts', 'build-if-stale.mjs')], { cwd: projectRoot, encoding: 'utf8' });
  if (build.status !== 0) {
    // A type error in a working tree shared with other work: the last successful build is measured, and said so.
    if (!existsSync(path.join(projectRoot, 'dist', 'src', 'main.js'))) throw new Error(`build failed:\n${build.stdout}${build.stderr}`);
    out(`  (the build failed, so the last successful build of dist/ is measured: ${(build.stdout + build.stderr).split('\n').find((line) => /error/i.test(line))?.slice(0, 160) ?? 'see npm run build'})`);
  }
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'trialguide-bench-cold-'));
  const capture = await startCaptureServer();
  try {
    const first = await timeStart(process.execPath, [...productionNodeFlags, 'dist/src/main.js'], dataDir, capture);
    out(`  first start (creates the database and key): ${ms(first.wallMs)} (CPU ${ms(first.cpuMs)}), first message answered at ${ms(first.firstReplyMs)} (CPU ${ms(first.firstReplyCpuMs)})`);
    const rows: Record<string, { wallMs: number; cpuMs: number; runs: number[]; firstReplyMs: number; firstReplyCpuMs: number; firstReplyRuns: number[]; latencies: number[] }> = {};
    for (const [name, command, commandArgs] of [
      [productionStart, process.execPath, [...productionNodeFlags, 'dist/src/main.js']],
      ['tsx src/main.ts (npm run dev without watch)', process.execPath, ['--import', 'tsx', 'src/main.ts']],
    ] as const) {
      const runs: StartTiming[] = [];
      for (let i = 0; i < options.coldRuns; i += 1) runs.push(await timeStart(command, [...commandArgs], dataDir, capture));
      const row = {
        wallMs: median(runs.map((run) => run.wallMs)),
        cpuMs: median(runs.map((run) => run.cpuMs)),
        runs: runs.map((run) => Math.round(run.wallMs)),
        firstReplyMs: median(runs.map((run) => run.firstReplyMs)),
        firstReplyCpuMs: median(runs.map((run) => run.firstReplyCpuMs)),
        firstReplyRuns: runs.map((run) => Math.round(run.firstReplyMs)),
        latencies: runs.map((run) => run.firstMessageLatencyMs),
      };
      rows[name] = row;
      out(`  ${name.padEnd(46)} /healthz      median ${ms(row.wallMs)} (runs: ${row.runs.join(', ')} ms), CPU ${ms(row.cpuMs)}`);
      out(`  ${''.padEnd(46)} first message median ${ms(row.firstReplyMs)} (runs: ${row.firstReplyRuns.join(', ')} ms), CPU ${ms(row.firstReplyCpuMs)}`);
    }
    // A person rarely writes the moment /healthz first answers: the first message 2 s later (after the warm-up).
    const later: StartTiming[] = [];
    for (let i = 0; i < options.coldRuns; i += 1) later.push(await timeStart(process.execPath, [...productionNodeFlags, 'dist/src/main.js'], dataDir, capture, 2000));
    const laterMs = median(later.map((run) => run.firstMessageLatencyMs));
    out(`  ${productionStart}: the first message sent 2 s after /healthz answered in median ${ms(laterMs)} (runs: ${later.map((run) => Math.round(run.firstMessageLatencyMs)).join(', ')} ms); sent right after /healthz: ${ms(median((rows[productionStart]?.latencies ?? [])))}`);
    // `npm start` adds npm itself and the prestart check; the check is timed alone (an \`npm start\` here could
    // rebuild midway, as other work changes the sources).
    const checks: number[] = [];
    for (let i = 0; i < options.coldRuns; i += 1) {
      const start = performance.now();
      const check = spawnSync(process.execPath, [path.join(projectRoot, 'scripts', 'build-if-stale.mjs')], { cwd: projectRoot });
      if (check.status === 0) checks.push(performance.now() - start);
    }
    out(`  ${'prestart check, dist/ up to date'.padEnd(46)} median ${ms(median(checks))}`);
    summary.coldStart = { ...rows, prestartCheckMs: median(checks), firstMessageTwoSecondsLaterMs: laterMs };
  } finally {
    await capture.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
  out();
}

function targets(): void {
  out('Against the targets (issue 11):');
  const connector = summary.connector as { throughputRatio: number; p99Ratio: number; trialGuide: LoadResult } | undefined;
  const verdict = (ok: boolean) => (ok ? 'met' : 'NOT met');
  if (connector) {
    out(`  turns/s >= 0.5x the echo bot over the connector: ${connector.throughputRatio.toFixed(2)}x — ${verdict(connector.throughputRatio >= 0.5)}`);
    out(`  p99 <= 2x the echo bot's at ${options.conversations} concurrent conversations: ${connector.p99Ratio.toFixed(2)}x — ${verdict(connector.p99Ratio <= 2)}`);
    out(`  0 errors: ${connector.trialGuide.errors} — ${verdict(connector.trialGuide.errors === 0)}`);
  }
  const cold = summary.coldStart as Record<string, { wallMs: number; cpuMs: number; firstReplyMs: number }> | undefined;
  const compiled = cold?.[productionStart];
  if (compiled) {
    out(`  cold start of the production start <= 1.5 s: ${ms(compiled.wallMs)} to /healthz (its CPU time: ${ms(compiled.cpuMs)}; load average ${os.loadavg()[0]?.toFixed(1)}) — ${verdict(compiled.wallMs <= 1500)}`);
    out(`    (to the answer to a first message: ${ms(compiled.firstReplyMs)})`);
  }
  const memory = summary.memory as Record<string, Array<{ stored: number; heapUsed: number; heapPerConversation: number }>> | undefined;
  for (const [backend, rows] of Object.entries(memory ?? {})) {
    const first = rows[0];
    const last = rows.at(-1);
    if (!first || !last || last === first) continue;
    // Flat: conversations stored beyond the first step cost the process (almost) nothing each; their state
    // lives in the database. 256 bytes allows for the collector's noise.
    const marginal = (last.heapUsed - first.heapUsed) / (last.stored - first.stored);
    out(`  memory per idle stored conversation flat (${backend}): heap +${marginal.toFixed(0)} bytes per conversation from ${first.stored} to ${last.stored} stored — ${verdict(marginal <= 256)}`);
  }
}

async function main(): Promise<void> {
  const load = os.loadavg().map((value) => value.toFixed(1)).join(' ');
  out(`TrialGuide benchmark — ${new Date().toISOString()} — Node ${process.version}, ${os.cpus().length} x ${os.cpus()[0]?.model ?? 'CPU'}, load average ${load}${quick ? ' — QUICK run' : ''}`);
  out(`Servers log at "${options.logLevel}" to /dev/null; each runs alone in its own process (scripts/bench-server.ts, under tsx, node ${productionNodeFlags.join(' ')} as npm start), the driver in this one.`);
  out();
  if (options.sections.has('connector')) await connectorSection();
  if (options.sections.has('directline')) await directLineSection();
  if (options.sections.has('memory')) await memorySection();
  if (options.sections.has('cold')) await coldStartSection();
  targets();
  out();
  if (options.sections.has('parts')) await benchParts(quick ? 0.1 : 1);
  if (options.json) writeFileSync(options.json, `${JSON.stringify({ date: new Date().toISOString(), node: process.version, quick, options: { ...options, sections: [...options.sections] }, ...summary }, null, 2)}\n`);
  agent.destroy();
  process.exit(0);
}

main().catch((error: unknown) => {
  process.stderr.write(`bench failed: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});

/**
 * A server for `npm run bench` to drive, run as a child process so its CPU time, memory and garbage are its
 * own and not the driver's: `trialguide` (the real app: buildApp + start on port 0, configured by the
 * environment the driver passes) or `echo` (a minimal botbuilder echo bot: the same restify, Node and
 * CloudAdapter, auth off). It tells the driver its port over IPC and answers `memory` (after a full GC) and
 * `stop` messages.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { CloudAdapter, ConfigurationBotFrameworkAuthentication, type TurnContext } from 'botbuilder';
import restify, { type Request, type Response } from 'restify';

export type BenchServerKind = 'trialguide' | 'echo';

export type ToBenchServer = { type: 'memory' } | { type: 'stop' } | { type: 'profile-start' } | { type: 'profile-stop'; file: string };
export type FromBenchServer =
  | { type: 'ready'; port: number; startupMs: number }
  | { type: 'profiled' }
  | { type: 'memory'; heapUsed: number; rss: number; external: number; arrayBuffers: number; peakRss: number };

function peakRssBytes(): number {
  const match = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));
  return match ? Number(match[1]) * 1024 : 0;
}

async function startEcho(): Promise<{ port: number; stop: () => Promise<void> }> {
  const server = restify.createServer({ name: 'echo', handleUncaughtExceptions: false });
  server.use(restify.plugins.bodyParser({ mapParams: false }));
  const adapter = new CloudAdapter(new ConfigurationBotFrameworkAuthentication({ MicrosoftAppId: '', MicrosoftAppPassword: '', MicrosoftAppType: 'MultiTenant' }));
  const echo = async (context: TurnContext): Promise<void> => {
    if (context.activity.type === 'message') await context.sendActivity(`Echo: ${context.activity.text ?? ''}`);
    else if (context.activity.type === 'conversationUpdate') await context.sendActivity('Hello');
  };
  server.post('/api/messages', async (req: Request, res: Response) => {
    await adapter.process(req, res, echo);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  return { port: address.port, stop: () => new Promise((resolve) => server.close(() => resolve())) };
}

async function startTrialGuide(): Promise<{ port: number; stop: () => Promise<void> }> {
  // Loaded here, not at the top: the echo bot's process holds botbuilder and restify only.
  const [{ buildApp }, { loadConfig }, { createLogger }] = await Promise.all([import('../src/app.js'), import('../src/config/load-config.js'), import('../src/logger.js')]);
  const config = loadConfig();
  const app = await buildApp(config, { logger: createLogger(config.env.LOG_LEVEL) });
  const port = await app.start(0);
  // As the process entry (src/main.ts) does.
  app.warmUp();
  return { port, stop: () => app.stop() };
}

async function main(): Promise<void> {
  const kind = process.argv[2] as BenchServerKind;
  if (!process.send) throw new Error('bench-server runs as a child of scripts/bench.ts (it needs an IPC channel)');
  const send = (message: FromBenchServer): void => void process.send?.(message);
  const started = performance.now();
  const server = kind === 'echo' ? await startEcho() : await startTrialGuide();
  const inspector = new Session();
  process.on('message', (message: ToBenchServer) => {
    if (message.type === 'profile-start' || message.type === 'profile-stop') {
      // A CPU profile of the measured load only (node --cpu-prof would include start-up and warm-up).
      const done = message.type === 'profile-start'
        ? (async () => {
            inspector.connect();
            await inspector.post('Profiler.enable');
            await inspector.post('Profiler.start');
          })()
        : (async () => {
            const { profile } = await inspector.post('Profiler.stop');
            writeFileSync(message.file, JSON.stringify(profile));
            inspector.disconnect();
          })();
      done.then(
        () => send({ type: 'profiled' }),
        (error: unknown) => process.stderr.write(`profiling failed: ${String(error)}\n`),
      );
    } else if (message.type === 'memory') {
      // Two passes: the first may only queue finalizers.
      globalThis.gc?.();
      globalThis.gc?.();
      const usage = process.memoryUsage();
      send({ type: 'memory', heapUsed: usage.heapUsed, rss: usage.rss, external: usage.external, arrayBuffers: usage.arrayBuffers, peakRss: peakRssBytes() });
    } else if (message.type === 'stop') {
      server.stop().then(
        () => process.exit(0),
        (error: unknown) => {
          process.stderr.write(`bench server stop failed: ${String(error)}\n`);
          process.exit(1);
        },
      );
    }
  });
  send({ type: 'ready', port: server.port, startupMs: performance.now() - started });
}

main().catch((error: unknown) => {
  process.stderr.write(`bench server failed: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});

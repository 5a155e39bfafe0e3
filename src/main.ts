import { existsSync } from 'node:fs';
import path from 'node:path';
import { buildApp } from './app';
import { ConfigError, loadConfig } from './config/load-config';
import { projectRoot } from './content/project-root';
import { createLogger } from './logger';
import { createQuestionRecognizer } from './nlu/question-recognizer';
import { loadEmergencyNet } from './safety/emergency-detector';
import { loadMedicalDecisionDetector } from './safety/medical-decision-detector';

/**
 * `.env` in the working directory, when there is one (Node's own parser, as `node --env-file`). A variable
 * already in the real environment keeps its value: the container's or the service manager's settings win.
 */
function loadDotEnvFile(directory = process.cwd()): string | undefined {
  const file = path.join(directory, '.env');
  if (!existsSync(file)) return undefined;
  process.loadEnvFile(file);
  return file;
}

/** Process entry: load configuration, build the app, listen, and drain on SIGTERM / SIGINT. */
async function main(): Promise<void> {
  loadDotEnvFile();
  let config;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\nSee .env.example for every variable and its expected value.\n`);
      process.exit(78);
    }
    throw error;
  }
  const logger = createLogger(config.env.LOG_LEVEL);
  const app = await buildApp(config, { logger });
  await app.start();
  app.warmUp();

  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info('shutting down', { signal });
    const forceExit = setTimeout(() => process.exit(1), 10_000);
    forceExit.unref();
    app.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        logger.error('shutdown failed', { error });
        process.exit(1);
      },
    );
  };
  // A stray rejection (a library timer firing after its turn ended) must not take the service down for
  // everyone; it is logged with its name and code, never its data.
  process.on('unhandledRejection', (reason: unknown) => logger.error('unhandled rejection', { error: reason }));
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
}

/**
 * `node dist/src/main.js --prepare-caches`, run by the build (scripts/build-if-stale.mjs): trains the question
 * recognizer, the medical-decision classifier and the red-flag doubt tier and stores their weights (dist/nlu-cache, dist/safety-cache)
 * under the keys of this very build, so a start reads them instead of training. Needs no configuration.
 */
function prepareCaches(): void {
  createQuestionRecognizer(projectRoot);
  loadMedicalDecisionDetector(projectRoot);
  loadEmergencyNet(projectRoot);
}

if (process.argv.includes('--prepare-caches')) {
  prepareCaches();
  process.exit(0);
}

main().catch((error: unknown) => {
  process.stderr.write(`TrialGuide failed to start: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});

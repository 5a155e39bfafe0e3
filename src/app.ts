import { type BotAdapter, type TurnContext } from 'botbuilder';
import type { Request, Response, Server } from 'restify';
import type { DialogServices } from '../dialogs/dialog-services';
import { CheckReferralDialog } from '../dialogs/data/check-referral-dialog';
import { EraseDialog } from '../dialogs/data/erase-dialog';
import { HandoffDialog } from '../dialogs/handoff/handoff-dialog';
import { MainDialog } from '../dialogs/main/main-dialog';
import { PrecheckDialog } from '../dialogs/precheck/precheck-dialog';
import { createProfileAccessor } from '../dialogs/shared/profile';
import { createSafetyMiddleware } from './bot/safety-middleware';
import { TrialGuideBot } from './bot/trial-guide-bot';
import { TurnSerializer } from './bot/turn-serializer';
import { createTypingMiddleware } from './bot/typing-middleware';
import { createBotFrameworkAdapter, registerBotFrameworkRoutes } from './channels/bot-framework/bot-framework-routes';
import { type ChannelDependencies, conversationNamespaceOf, IngressConversationState, IngressUserState } from './channels/channel-dependencies';
import { registerDirectLineRoutes } from './channels/web/directline/directline-routes';
import { setUpTeams } from './channels/teams/teams-setup';
import { registerWeChatRoutes } from './channels/wechat/wechat-routes';
import { type Clock, systemClock } from './clock';
import type { AppConfig } from './config/load-config';
import { checkContentApproval } from './content/content-approval';
import { createTurnErrorHandler } from './errors/turn-error-reply';
import { createReferralLookup } from './handoff/referral-lookup';
import { createReferral } from './handoff/referral-service';
import { enabledSinks } from './handoff/sinks';
import { type OutboxWorker, startOutboxWorker } from './handoff/outbox-worker';
import { registerConsoleRoutes } from './console/console-routes';
import { oidcSignInAlternatives, registerOidcRoutes } from './console/oidc-routes';
import { createOidcSignIn, oidcSettingsFrom } from './console/oidc-sign-in';
import { registerCoordinatorApi } from './http/coordinator-api';
import { registerDirectLineTokenRoute } from './channels/web/directline-token-route';
import { registerWebPageRoutes } from './channels/web/web-page-routes';
import { close, createHttpServer, listen } from './http/server';
import { fanOutEvents, ignoreEvents, type StudyEventSink } from './events/study-events';
import { createTranslator } from './i18n/translator';
import { createLogger, type Logger } from './logger';
import { createFunnelRecorder } from './funnel/funnel-recorder';
import { funnelTimeZone } from './funnel/funnel-time-zone';
import { createAppMetrics, type StoreOperation } from './metrics/app-metrics';
import { registerMetricsRoute } from './metrics/metrics-route';
import { createQuestionRecognizer } from './nlu/question-recognizer';
import { createConversationEraser } from './privacy/erase-conversation';
import { detectEmergency } from './safety/emergency-detector';
import { detectMedicalDecisionRequest } from './safety/medical-decision-detector';
import { createStores } from './storage/create-stores';
import type { PrecheckSummary, Stores } from './storage/ports';
import { purgeExpiredData, purgeIdleChatState, purgeUnansweredQuestions } from './storage/retention';
import { createStorageMonitor } from './storage/storage-monitor';

export interface AppOptions {
  logger?: Logger;
  clock?: Clock;
  /** Test hooks: the WeChat reply budget and outbox polling. */
  wechatReplyBudgetMs?: number;
  outboxPollMs?: number;
  /** Where study events go (the funnel and the metrics listen); none: they are dropped. */
  events?: StudyEventSink;
}

export interface App {
  readonly server: Server;
  readonly stores: Stores;
  readonly config: AppConfig;
  readonly logger: Logger;
  /** The content version (hash of content/ and locales/) this process speaks, stamped on every referral. */
  readonly contentVersion: string;
  /** The bot's turn logic and the middleware every adapter gets: for extra adapters (terminal chat, tests). */
  readonly runtime: Pick<ChannelDependencies, 'botLogic' | 'prepareAdapter'>;
  /** Starts listening (PORT/HOST, or the given port) and the background workers; resolves with the port. */
  start(port?: number): Promise<number>;
  /**
   * After `start`: builds in the background what the first typed message would otherwise build (the process
   * entry calls it; tests need not pay for it).
   */
  warmUp(): void;
  /** The funnel's background writer: `flush` writes what is waiting now (tests; `stop` also does it). */
  readonly funnel: { flush(): Promise<void> };
  /** Stops taking requests, drains channels and workers, closes storage. */
  stop(): Promise<void>;
}

const retentionSweepMs = 6 * 60 * 60 * 1000;
/** How often storage is probed in the background (a failure is logged once; /readyz also probes on demand). */
const storageProbeMs = 30 * 1000;

/** The composition root: builds every part from configuration. It does not listen; `start` does. */
export async function buildApp(config: AppConfig, options: AppOptions = {}): Promise<App> {
  const logger = options.logger ?? createLogger(config.env.LOG_LEVEL);
  const clock = options.clock ?? systemClock;
  if (config.site.example) logger.warn('site configuration holds EXAMPLE values: set SITE_CONFIG_PATH to the hospital\'s own file before going live');
  // Before anything is opened: with REQUIRE_APPROVED_CONTENT=true, unapproved wording stops the start here.
  const { content } = checkContentApproval({ rootDir: config.rootDir, required: config.env.REQUIRE_APPROVED_CONTENT, logger });

  // Console single sign-on, when configured: a half-configured one stops startup before storage opens.
  const consoleOidc = oidcSettingsFrom(config);
  const stores = await createStores(config, logger);
  const storageMonitor = createStorageMonitor(stores, logger);
  // Counts in the background (record never waits); written every few seconds and on stop.
  const funnel = createFunnelRecorder({ store: stores.funnel, clock, logger, timeZone: funnelTimeZone(config.site) });
  const metrics = createAppMetrics({ outboxDepth: () => stores.outbox.countPending(), storageReady: async () => (storageMonitor.last() ?? (await storageMonitor.check())).ok });
  const i18n = createTranslator(config.rootDir);
  // Built at the first typed message, like the safety checks: a start (and /healthz) does not wait for its
  // model (about a tenth of a start's CPU, issue 11); the weights come from dist/nlu-cache either way.
  let recognizer: ReturnType<typeof createQuestionRecognizer> | undefined;
  const questionRecognizer = () => (recognizer ??= createQuestionRecognizer(config.rootDir));
  // A delivery attempt must end well inside its lease, or another worker could start the same one.
  const leaseMs = config.env.OUTBOX_LEASE_SECONDS * 1000;
  const botFrameworkAdapter = createBotFrameworkAdapter(config);
  const teams = setUpTeams({ adapter: botFrameworkAdapter, stores, config, logger, clock, announceReferrals: config.env.TEAMS_CHANNEL_NOTIFICATIONS });
  const sinks = enabledSinks(config, { timeoutMs: Math.min(10_000, leaseMs / 2), extraSinks: teams.sink ? [teams.sink] : [] });
  // Started with the server: a built-but-not-started app (tests, scripts) delivers nothing by itself.
  let worker: OutboxWorker | undefined;

  // Keyed by the ingress that ran the turn: /api/messages naming channel "wechat" never reaches a WeChat person's state.
  const conversationState = new IngressConversationState(stores.botState);
  const userState = new IngressUserState(stores.botState);
  const precheckProperty = conversationState.createProperty<PrecheckSummary | undefined>('precheckSummary');

  /** Dialogs answer storage failures politely; the operator still needs to hear about them (no personal data). */
  const logFailure = async <T>(operation: StoreOperation, run: () => Promise<T>): Promise<T> => {
    try {
      return await run();
    } catch (error) {
      logger.error(`${operation.replace(/_/g, ' ')} failed`, { error: error instanceof Error ? error.name : 'unknown' });
      metrics.storeError(operation, error);
      throw error;
    }
  };

  // Looking up and erasing by reference share one budget per conversation and per client address.
  const referralLookup = createReferralLookup({ stores, clock, logger, conversationKeyOf, observe: logFailure });

  const services: DialogServices = {
    i18n,
    site: config.site,
    clock,
    retention: { chatStateDays: config.env.CHAT_STATE_RETENTION_DAYS, referralDays: config.env.REFERRAL_RETENTION_DAYS },
    profile: createProfileAccessor(userState),
    precheckMemory: {
      get: (context) => precheckProperty.get(context),
      set: (context, summary) => precheckProperty.set(context, summary),
    },
    recognizeQuestion: (text, locale) => questionRecognizer().recognize(text, locale),
    isMedicalDecisionRequest: detectMedicalDecisionRequest,
    // The metrics and the funnel always listen; a test joins through options.events.
    events: fanOutEvents([metrics.events, funnel, options.events ?? ignoreEvents], (error) => logger.error('study event listener failed', { error })),
    conversationKeyOf,
    createReferral: (input) =>
      logFailure('create_referral', () => createReferral({ stores, sinkNames: sinks.names, clock, logger, worker: { nudge: () => worker?.nudge() }, onStorageFailure: () => void storageMonitor.check() }, { ...input, contentVersion: content.version })),
    findReferral: (reference, context) => referralLookup.find(reference, context),
    eraseConversation: createConversationEraser({
      stores,
      states: [conversationState, userState],
      conversationKeyOf,
      clock,
      markErased: (context) => TrialGuideBot.markErased(context),
      observe: (run) => logFailure('erase', run),
    }),
  };
  const mainDialog = new MainDialog(services, [new PrecheckDialog(services), new HandoffDialog(services, { retentionDays: config.env.REFERRAL_RETENTION_DAYS }), new EraseDialog(services, {
      eraseReferral: (reference, phone, context) => referralLookup.eraseByReference(reference, phone, context),
    }), new CheckReferralDialog(services)]);
  const bot = new TrialGuideBot(conversationState, userState, mainDialog, services);

  const safety = createSafetyMiddleware({ i18n, site: config.site, logger, events: services.events });
  const serializer = new TurnSerializer(conversationKeyOf);
  // Failed turns are answered in the person's language (their profile), storage failures with the study team's phone.
  const onTurnError = createTurnErrorHandler({ i18n, site: config.site, logger, conversationState, userState, countFailure: (error) => metrics.storeError('turn', error) });
  const prepareAdapter = (adapter: BotAdapter) => {
    // Counted and timed around everything, so turns the safety net ends early are counted too.
    adapter.use(metrics.turnMiddleware);
    // Safety first: it answers emergencies before anything else, and needs no storage.
    adapter.use(safety);
    adapter.use(serializer);
    adapter.use(createTypingMiddleware(logger, 500, 2000));
    adapter.onTurnError = onTurnError;
  };
  const botLogic = metrics.observeBot((context: TurnContext) => bot.run(context));
  const channelDeps: ChannelDependencies = { config, logger, stores, clock, prepareAdapter, botLogic };

  // Ready: storage takes durable writes, the delivery worker's loop ran recently, every migration is applied.
  const workerStaleMs = 3 * (options.outboxPollMs ?? config.env.OUTBOX_POLL_SECONDS * 1000) + leaseMs;
  const server = createHttpServer({
    config,
    logger,
    readinessChecks: {
      storage: async () => (await storageMonitor.check()).ok,
      outboxWorker: async () => {
        const at = worker?.lastLoopAt();
        return at !== undefined && Date.now() - at <= workerStaleMs;
      },
      migrations: () => stores.migrationsApplied(),
    },
  });
  // Mentions are stripped before the safety net and the dialogs read the text.
  botFrameworkAdapter.use(teams.middleware);
  registerBotFrameworkRoutes(server, channelDeps, botFrameworkAdapter);
  const directLine = registerDirectLineRoutes(server, channelDeps);
  const wechat = registerWeChatRoutes(server, channelDeps, { replyBudgetMs: options.wechatReplyBudgetMs });
  registerCoordinatorApi(server, { stores, config, logger, clock });
  const directLineTokens = registerDirectLineTokenRoute(server, { config, logger, clock });
  registerWebPageRoutes(server, { config, logger, i18n, tokenForPage: (req) => directLineTokens.tokenForPage(req) });
  const consoleRoutes = registerConsoleRoutes(server, { stores, config, logger, clock, i18n, ...(consoleOidc ? { signInAlternatives: oidcSignInAlternatives(i18n) } : {}) });
  if (consoleOidc) registerOidcRoutes(server, { signIn: createOidcSignIn(consoleOidc), sessions: consoleRoutes.sessions, keyValue: stores.keyValue, clock, logger, config, i18n });
  registerMetricsRoute(server, { metrics, logger, token: config.env.METRICS_TOKEN });

  // What the first typed message would otherwise build (about 0.8 s of CPU after a restart, issue 11): the
  // safety checks, the recognizer and Chinese folding. It starts shortly after listening, so the first health
  // check is answered first (a step that runs as a request arrives would hold it; 50 ms leaves room for it to
  // be read), then one step per macrotask, none while a request is being answered: a message that arrives
  // meanwhile waits for one step at most, and builds what it needs itself.
  const warmUpSteps = [
    () => detectEmergency('hello'),
    () => detectMedicalDecisionRequest('hello'),
    () => questionRecognizer().recognize('what is the study about?', 'en'),
    () => questionRecognizer().recognize('这个研究是什么？', 'zh-Hans'),
    () => detectEmergency('我头很痛'),
  ];
  let warmUpTimer: NodeJS.Timeout | undefined;
  let requestsInFlight = 0;
  server.pre((_req: Request, res: Response, next: () => void) => {
    requestsInFlight += 1;
    res.once('close', () => (requestsInFlight -= 1));
    return next();
  });
  const warmUp = (steps: ReadonlyArray<() => unknown>, delayMs = 0) => {
    const [step, ...rest] = steps;
    if (!step) return;
    warmUpTimer = setTimeout(() => {
      if (requestsInFlight > 0) return warmUp(steps, 20);
      try {
        step();
      } catch (error) {
        // The first message builds it again and answers with the turn's own error handling.
        logger.error('warm-up failed', { error });
        return;
      }
      warmUp(rest);
    }, delayMs);
  };

  let sweeper: NodeJS.Timeout | undefined;
  const sweep = async () => {
    try {
      const purged = await purgeExpiredData(stores, clock.now(), config.env.REFERRAL_RETENTION_DAYS);
      const chatStates = await purgeIdleChatState(stores, clock.now(), config.env.CHAT_STATE_RETENTION_DAYS);
      const unansweredQuestions = await purgeUnansweredQuestions(stores, clock.now(), config.env.CHAT_STATE_RETENTION_DAYS);
      if (purged.referrals > 0 || purged.conversationLogs > 0 || chatStates > 0 || unansweredQuestions > 0) logger.info('retention purge', { ...purged, chatStates, unansweredQuestions });
    } catch (error) {
      logger.error('retention purge failed', { error });
    }
  };

  return {
    server,
    stores,
    config,
    logger,
    contentVersion: content.version,
    runtime: { botLogic, prepareAdapter },
    funnel: { flush: () => funnel.flush() },
    async start(port = config.env.PORT) {
      const bound = await listen(server, port, config.env.HOST);
      worker = startOutboxWorker({
        // Its store failures are logged by the worker and counted here.
        stores: { referrals: metrics.observeStore('outbox_worker', stores.referrals), outbox: metrics.observeStore('outbox_worker', stores.outbox) },
        sinks: metrics.instrumentSinks(sinks.byName),
        clock,
        logger,
        pollMs: options.outboxPollMs ?? config.env.OUTBOX_POLL_SECONDS * 1000,
        leaseMs,
        backoff: { baseMs: config.env.OUTBOX_RETRY_BASE_SECONDS * 1000, minMs: Math.min(1000, config.env.OUTBOX_RETRY_BASE_SECONDS * 1000) },
      });
      await sweep();
      storageMonitor.start(storageProbeMs);
      sweeper = setInterval(() => void sweep(), retentionSweepMs);
      sweeper.unref();
      logger.info('TrialGuide listening', { port: bound, storage: stores.kind, sinks: sinks.names });
      return bound;
    },
    warmUp: () => warmUp(warmUpSteps, 50),
    async stop() {
      clearTimeout(warmUpTimer);
      if (sweeper) clearInterval(sweeper);
      storageMonitor.stop();
      directLine.close();
      await close(server);
      await wechat?.drain();
      await worker?.stop();
      sinks.close();
      await funnel.stop();
      await stores.close();
    },
  };
}

/** `<namespace>/<conversation id>`: the namespace is the ingress's (see conversationNamespaceOf). */
export function conversationKeyOf(context: TurnContext): string {
  return `${conversationNamespaceOf(context)}/${context.activity.conversation?.id ?? ''}`;
}

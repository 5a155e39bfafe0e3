import type { Clock } from '../clock';
import type { EventOrigin, StudyEvent, StudyEventSink } from '../events/study-events';
import { isLocale } from '../i18n/locales';
import type { Logger } from '../logger';
import type { FunnelCount, FunnelStage, FunnelStore, NewUnansweredQuestion } from '../storage/funnel-ports';
import { assertTimeZone, isoWeekOf } from './iso-week';
import { redactQuestionText } from './redact-question';

/**
 * Listens to the study events and keeps the funnel as counts per (ISO week, locale, channel, stage), plus the
 * text of questions the bot could not answer (redacted). `record` only adds to an in-memory batch and returns
 * at once: a turn never waits for the funnel, and a funnel that cannot write never fails a turn. The batch is
 * written every few seconds and on `stop`; counts of a failed write are kept for the next one.
 */
export interface FunnelRecorder extends StudyEventSink {
  /** Writes what is waiting now (tests, shutdown); never rejects. */
  flush(): Promise<void>;
  /** Stops the timer and writes what is waiting. */
  stop(): Promise<void>;
}

export interface FunnelRecorderOptions {
  readonly store: Pick<FunnelStore, 'add'>;
  readonly clock: Clock;
  readonly logger: Logger;
  /** IANA zone the weeks are counted in (the site's); default UTC. */
  readonly timeZone?: string;
  /** How often the batch is written (default 5 s). */
  readonly flushEveryMs?: number;
  /** Questions waiting beyond this are dropped (counted, logged): a store that is down must not fill memory. */
  readonly maxPendingQuestions?: number;
}

/** The stage an event moves, if it is one the funnel counts (safety and medical-decision events are not). */
export function funnelStageOf(event: StudyEvent): FunnelStage | undefined {
  switch (event.type) {
    case 'conversationStarted':
      return 'conversation-started';
    case 'topicViewed':
      return 'topic-viewed';
    case 'questionAsked':
      return event.outcome === 'confident' ? 'question-recognised' : 'question-not-recognised';
    case 'precheckStarted':
      return 'precheck-started';
    case 'precheckFinished':
      return `precheck-${event.outcome}`;
    case 'handoffConsented':
      return 'handoff-consented';
    default:
      return undefined;
  }
}

/** Channel ids are labels, not free text: anything unexpected (a made-up id on an open test rig) becomes 'other'. */
export function funnelChannelOf(channel: string): string {
  return /^[a-z][a-z0-9-]{0,31}$/.test(channel) ? channel : 'other';
}

export function createFunnelRecorder(options: FunnelRecorderOptions): FunnelRecorder {
  const { store, clock, logger } = options;
  const timeZone = options.timeZone ?? 'UTC';
  assertTimeZone(timeZone);
  const maxPendingQuestions = options.maxPendingQuestions ?? 500;
  let counts = new Map<string, FunnelCount>();
  let questions: NewUnansweredQuestion[] = [];
  let droppedQuestions = 0;
  let writing: Promise<void> = Promise.resolve();

  const addCount = (target: Map<string, FunnelCount>, row: FunnelCount) => {
    const key = `${row.week}\u0000${row.locale}\u0000${row.channel}\u0000${row.stage}`;
    const before = target.get(key);
    target.set(key, { ...row, count: (before?.count ?? 0) + row.count });
  };

  const keepQuestion = (question: NewUnansweredQuestion) => {
    if (questions.length < maxPendingQuestions) questions.push(question);
    else droppedQuestions += 1;
  };

  const writeBatch = async (): Promise<void> => {
    const batchCounts = counts;
    const batchQuestions = questions;
    counts = new Map();
    questions = [];
    if (batchCounts.size === 0 && batchQuestions.length === 0) return;
    try {
      await store.add([...batchCounts.values()], batchQuestions);
    } catch (error) {
      // Names only: a driver message could quote a value.
      const { name, code } = (error ?? {}) as { name?: string; code?: unknown };
      logger.error('funnel write failed; kept for the next try', { error: name ?? 'unknown', code: typeof code === 'string' ? code : undefined, counts: batchCounts.size, questions: batchQuestions.length });
      for (const row of batchCounts.values()) addCount(counts, row);
      for (const question of batchQuestions) keepQuestion(question);
    }
    if (droppedQuestions > 0) {
      logger.warn('funnel dropped unanswered questions while storage was failing', { dropped: droppedQuestions });
      droppedQuestions = 0;
    }
  };

  const flush = (): Promise<void> => {
    // One write at a time, in order; a write never rejects (writeBatch catches).
    writing = writing.then(writeBatch);
    return writing;
  };

  const timer = setInterval(() => void flush(), options.flushEveryMs ?? 5000);
  timer.unref();

  return {
    record(event: StudyEvent, origin: EventOrigin): void {
      const stage = funnelStageOf(event);
      if (!stage) return;
      const at = clock.now();
      const week = isoWeekOf(at, timeZone);
      const locale = isLocale(origin.locale) ? origin.locale : 'other';
      const channel = funnelChannelOf(origin.channel);
      addCount(counts, { week, locale, channel, stage, count: 1 });
      if (event.type === 'questionAsked' && event.outcome !== 'confident' && event.text) {
        const text = redactQuestionText(event.text);
        if (text !== '') keepQuestion({ text, outcome: event.outcome, week, locale, channel, at });
        // A burst of questions is written early rather than dropped (the cap is for a store that is failing).
        if (questions.length >= maxPendingQuestions / 2) void flush();
      }
    },
    flush,
    async stop() {
      clearInterval(timer);
      await flush();
    },
  };
}

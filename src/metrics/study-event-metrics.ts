import { Counter, type Registry } from 'prom-client';
import type { EventOrigin, StudyEvent, StudyEventSink } from '../events/study-events';
import { emergencyCategories } from '../safety/emergency-categories';
import { boundedIdentifierLabel, channelLabel, localeLabel, oneOf } from './labels';

const recognizerOutcome = oneOf(['confident', 'unsure', 'outOfScope']);
const precheckOutcome = oneOf(['may-fit', 'probably-not', 'cannot-tell']);
const safetyCategory = oneOf(emergencyCategories);
const certainty = oneOf(['clear', 'unclear']);

/**
 * Study events as Prometheus counters. Labels are channel, locale and the event's own fixed values; the free
 * text some events carry (an unrecognised question) and the recognizer's intent are never used.
 */
export function createStudyEventMetrics(registry: Registry, prefix: string): StudyEventSink {
  const registers = [registry];
  const counter = <L extends string>(name: string, help: string, labelNames: readonly L[]) => new Counter<L>({ name: `${prefix}${name}`, help, labelNames, registers });

  const conversations = counter('conversations_started_total', 'Conversations started, by channel and locale.', ['channel', 'locale']);
  const topics = counter('topics_viewed_total', 'Study topics shown, by topic id.', ['topic']);
  const questions = counter('recognizer_outcomes_total', 'Typed questions by recognizer outcome (confident: answered with a topic; unsure: "did you mean"; outOfScope: not about the study), by locale.', ['outcome', 'locale']);
  const safety = counter('safety_triggers_total', 'Safety-net replies, by emergency category, certainty (clear: happening now; unclear: "if this is happening now") and locale.', ['category', 'certainty', 'locale']);
  const deflected = counter('medical_decisions_deflected_total', 'Requests for a treatment decision sent to the doctor or study team, by locale.', ['locale']);
  const precheckStarted = counter('prechecks_started_total', 'Pre-checks started, by channel and locale.', ['channel', 'locale']);
  const precheckFinished = counter('prechecks_finished_total', 'Pre-checks finished, by outcome (may-fit, probably-not, cannot-tell), channel and locale.', ['outcome', 'channel', 'locale']);
  const handoffs = counter('handoffs_consented_total', 'Hand-offs the person consented to, by channel and locale.', ['channel', 'locale']);

  // Topic ids come from content/topics.json; bounded anyway, so a content mistake cannot flood the registry.
  const topicLabel = boundedIdentifierLabel(200);

  const record = (event: StudyEvent, origin: EventOrigin): void => {
    const channel = channelLabel(origin.channel);
    const locale = localeLabel(origin.locale);
    switch (event.type) {
      case 'conversationStarted':
        conversations.inc({ channel, locale });
        return;
      case 'topicViewed':
        topics.inc({ topic: topicLabel(event.topicId) });
        return;
      case 'questionAsked':
        questions.inc({ outcome: recognizerOutcome(event.outcome), locale });
        return;
      case 'safetyTriggered':
        safety.inc({ category: safetyCategory(event.category), certainty: certainty(event.certainty), locale });
        return;
      case 'medicalDecisionDeflected':
        deflected.inc({ locale });
        return;
      case 'precheckStarted':
        precheckStarted.inc({ channel, locale });
        return;
      case 'precheckFinished':
        precheckFinished.inc({ outcome: precheckOutcome(event.outcome), channel, locale });
        return;
      case 'handoffConsented':
        handoffs.inc({ channel, locale });
        return;
      default:
        // A new event type reaches here only until it gets its own series.
        return;
    }
  };
  return { record };
}

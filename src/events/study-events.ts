import type { Locale } from '../i18n/locales';
import type { PrecheckOutcome } from '../storage/ports';

/**
 * What happened in a conversation, as counts-to-be: the recruitment funnel (stored, no personal data) and
 * the Prometheus metrics both listen to these. Nothing here identifies a person; the only free text is an
 * unrecognised question, which a listener must strip of phone numbers and emails before keeping it.
 */
export type StudyEvent =
  | { readonly type: 'conversationStarted' }
  | { readonly type: 'topicViewed'; readonly topicId: string }
  | {
      readonly type: 'questionAsked';
      /** confident: answered with a topic; unsure: "did you mean"; outOfScope: not about the study. */
      readonly outcome: 'confident' | 'unsure' | 'outOfScope';
      readonly intent?: string;
      /** Only for unsure / outOfScope questions (the unanswered-questions list). */
      readonly text?: string;
    }
  | { readonly type: 'precheckStarted' }
  | { readonly type: 'precheckFinished'; readonly outcome: PrecheckOutcome }
  | { readonly type: 'handoffConsented' }
  | { readonly type: 'safetyTriggered'; readonly category: string; readonly certainty: 'clear' | 'unclear' }
  | { readonly type: 'medicalDecisionDeflected' };

/** Where an event happened: low-cardinality labels only. */
export interface EventOrigin {
  readonly locale: Locale;
  /** The Bot Framework channel id or ingress ('directline', 'wechat', 'msteams', 'emulator', ...). */
  readonly channel: string;
}

/** Records never throw and never delay a turn: a listener that stores events does so in the background. */
export interface StudyEventSink {
  record(event: StudyEvent, origin: EventOrigin): void;
}

export const ignoreEvents: StudyEventSink = { record: () => undefined };

/** One sink that hands every event to each listener; one listener failing does not stop the others. */
export function fanOutEvents(listeners: readonly StudyEventSink[], onError: (error: unknown) => void): StudyEventSink {
  return {
    record(event, origin) {
      for (const listener of listeners) {
        try {
          listener.record(event, origin);
        } catch (error) {
          onError(error);
        }
      }
    },
  };
}

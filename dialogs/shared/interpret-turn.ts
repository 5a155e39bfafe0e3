import type { Locale } from '../../src/i18n/locales';
import type { Recognition } from '../../src/nlu/question-recognizer';
import { type ChoiceItem, matchChoice, namesChoiceExactly } from './choices';
import { type Command, recognizeCommand } from './commands';

/**
 * The question the person is looking at, as the prompt publishes it: its choices (localized: labels, numbers
 * and synonyms all count) and, for typed answers, its parser. `kind: 'none'` when no question is open (a turn
 * that starts the conversation).
 */
export interface OpenQuestion {
  readonly kind: 'choice' | 'freeText' | 'none';
  readonly choices?: readonly ChoiceItem[];
  /** Parses a typed answer ("sixty-two", "能", "用过卡瑞利珠单抗"); undefined when the text is not one. */
  readonly parse?: (text: string, locale: Locale) => string | undefined;
}

/** What one typed message is, decided once per turn by `interpretTurn` (see the precedence table there). */
export type Interpretation =
  | { readonly kind: 'medicalDecision' }
  | { readonly kind: 'answer'; readonly value: string; readonly followUp?: string }
  | { readonly kind: 'command'; readonly command: Command }
  | { readonly kind: 'question'; readonly intent: string; readonly confidence: number; readonly alternatives: readonly string[] }
  | { readonly kind: 'smallTalk' }
  | { readonly kind: 'outOfScope' }
  | { readonly kind: 'unclear'; readonly alternatives: readonly string[] };

export interface TurnInterpreterServices {
  isMedicalDecisionRequest(text: string): boolean;
  recognizeQuestion(text: string, locale: Locale): Recognition;
}

/** A typed question rather than an answer: a question mark, or a question word at the start or end. */
export function looksLikeQuestion(text: string): boolean {
  return (
    /[?？]\s*$/u.test(text) ||
    /^(what|how|why|when|where|who|which|is|are|can|could|does|do|will|should|would)\b/i.test(text) ||
    /(吗|嗎|呢|什么|什麼|怎么|怎麼|为什么|為什麼|多少|幾多|点样|點樣|咩|邊個|哪)/u.test(text)
  );
}

/**
 * Reads one typed message against the open question. THE precedence table (an emergency sign never gets
 * here: the safety middleware answered it before any of this):
 *
 * | # | the message                                                        | interpretation   |
 * |---|--------------------------------------------------------------------|------------------|
 * | 1 | asks for a treatment decision ("should I stop my chemo?")          | medicalDecision  |
 * | 2 | names one of the open question's choices exactly (普通话)           | answer           |
 * | 3 | is a global command (menu, back, help, 中文, talk to a person)      | command          |
 * | 4 | is an answer the open question accepts (number, synonym, parser)    | answer           |
 * |   |   …also a short answer with a question after it ("yes, but …?")   | answer + followUp |
 * |   |   …except a free-text answer that reads as a question               |  (goes on to 5)  |
 * | 5 | is a question the recognizer is confident about                    | question         |
 * | 6 | is small talk / not about this study (recognizer confident)        | smallTalk / outOfScope |
 * | 7 | anything else                                                      | unclear (closest topics) |
 */
export function interpretTurn(services: TurnInterpreterServices, message: string, openQuestion: OpenQuestion, locale: Locale): Interpretation {
  const text = message.trim();
  if (services.isMedicalDecisionRequest(text)) return { kind: 'medicalDecision' };

  const choices = openQuestion.choices ?? [];
  if (choices.length > 0 && namesChoiceExactly(text, choices)) {
    const exact = matchChoice(text, choices);
    if (exact) return { kind: 'answer', value: exact.value };
  }

  const command = recognizeCommand(text);
  if (command) return { kind: 'command', command };

  if (openQuestion.kind !== 'none') {
    const answerOf = (part: string) => (choices.length > 0 ? (matchChoice(part, choices)?.value ?? openQuestion.parse?.(part, locale)) : openQuestion.parse ? openQuestion.parse(part, locale) : part.slice(0, 500));
    const answer = answerOf(text);
    // A free-text field takes anything typed, but "what is this for?" asks rather than answers.
    const asks = choices.length === 0 && looksLikeQuestion(text);
    if (answer !== undefined && !asks) return { kind: 'answer', value: answer };
    // "Yes, but what about the side effects?": the answer before the question counts, and the question follows.
    const followUp = choices.length > 0 ? questionAfterAnswer(text) : undefined;
    const head = followUp ? text.slice(0, text.lastIndexOf(followUp)).replace(/[\s,，;；。!！]+$/u, '').replace(/\s*(?:but|但是|不过|不過|但係|但系)$/iu, '') : undefined;
    const headAnswer = head ? answerOf(head) : undefined;
    if (headAnswer !== undefined && followUp) return { kind: 'answer', value: headAnswer, followUp };
  }

  const recognition = services.recognizeQuestion(text, locale);
  if (recognition.confident && recognition.kind === 'intent' && recognition.intent) {
    return { kind: 'question', intent: recognition.intent, confidence: recognition.score, alternatives: recognition.alternatives };
  }
  if (recognition.confident && recognition.kind === 'smallTalk') return { kind: 'smallTalk' };
  if (recognition.confident && recognition.kind === 'outOfScope') return { kind: 'outOfScope' };
  return { kind: 'unclear', alternatives: recognition.alternatives };
}

const answerThenQuestion = /^([^,，;；。!！?？]+?)(?:[,，;；。!！]+|\s+but\s+|但是|不过|不過|但係|但系)\s*(.+)$/iu;

/**
 * The question that follows a short answer in one message ("yes, but what about the side effects?",
 * "係，但係有咩副作用？"): the answer is recorded and this part answered too. Undefined when there is none.
 */
export function questionAfterAnswer(text: string): string | undefined {
  const found = answerThenQuestion.exec(text.trim());
  const rest = found?.[2]?.trim().replace(/^(?:but|and|also|不过|但是|但係)\s*/iu, '');
  return rest && looksLikeQuestion(rest) ? rest : undefined;
}

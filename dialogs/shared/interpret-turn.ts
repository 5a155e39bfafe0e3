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
  /** 'question': the prompt asks the person to type a question ("Ask a question"), so no answer is read. */
  readonly kind: 'choice' | 'freeText' | 'question' | 'none';
  readonly choices?: readonly ChoiceItem[];
  /** Parses a typed answer ("sixty-two", "能", "用过卡瑞利珠单抗"); undefined when the text is not one. */
  readonly parse?: (text: string, locale: Locale) => string | undefined;
}

/** What one typed message is, decided once per turn by `interpretTurn` (see the precedence table there). */
export type Interpretation =
  | { readonly kind: 'medicalDecision' }
  | { readonly kind: 'answer'; readonly value: string; readonly followUp?: FollowUp }
  | { readonly kind: 'command'; readonly command: Command }
  | { readonly kind: 'question'; readonly intent: string; readonly confidence: number; readonly alternatives: readonly string[] }
  | { readonly kind: 'smallTalk' }
  | { readonly kind: 'outOfScope' }
  | { readonly kind: 'unclear'; readonly alternatives: readonly string[]; readonly form: MessageForm };

/**
 * The shape of a message nobody could place: a question ("what is that?"), a sentence (three words or more, four
 * Chinese characters or more: at the menu it is taken as a question) or a fragment ("xyz": asked again).
 */
export type MessageForm = 'question' | 'sentence' | 'fragment';

/** The question after an answer in the same message ("yes, but what are the side effects?"), read as well. */
export interface FollowUp {
  readonly text: string;
  readonly interpretation: QuestionInterpretation;
}

/** The interpretations that are not an answer, a command or a medical decision: what a prompt may hand on. */
export type QuestionInterpretation = Extract<Interpretation, { kind: 'question' | 'smallTalk' | 'outOfScope' | 'unclear' }>;

export interface TurnInterpreterServices {
  isMedicalDecisionRequest(text: string): boolean;
  recognizeQuestion(text: string, locale: Locale): Recognition;
}

/**
 * A typed question rather than an answer: a question mark, or a question word at the start ("can't remember"
 * is not one) or a question particle. Only interpretTurn reads this: parsers never see a question.
 */
function looksLikeQuestion(text: string): boolean {
  return (
    /[?？]\s*$/u.test(text) ||
    /^(what|how|why|when|where|who|which|is|are|can|could|does|do|will|should|would)(?=\s|$)/i.test(text) ||
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
 * |   |   …a parser never reads a message that reads as a question        |  (goes on to 5)  |
 * |   |   …also a short answer with a question after it ("yes, but …?")   | answer + followUp |
 * | 5 | is a question the recognizer is confident about                    | question         |
 * | 6 | is small talk / not about this study (recognizer confident)        | smallTalk / outOfScope |
 * | 7 | is typed into a free-text field (a name, a time) and parses        | answer           |
 * | 8 | anything else                                                      | unclear (closest topics, form) |
 *
 * Waterfalls receive the outcome as a typed PromptResult (dialogs/shared/answer-prompt.ts), never a string
 * with a prefix; WeChat's typed numbers are read here too (rule 4: a number picks the open question's choice).
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

  const asks = looksLikeQuestion(text);
  let freeTextAnswer: string | undefined;
  if (openQuestion.kind === 'choice' || openQuestion.kind === 'freeText') {
    const parse = (part: string) => (openQuestion.parse ? openQuestion.parse(part, locale) : openQuestion.kind === 'freeText' ? part.slice(0, 500) : undefined);
    const answerOf = (part: string) => matchChoice(part, choices)?.value ?? (looksLikeQuestion(part) ? undefined : parse(part));
    const answer = answerOf(text);
    if (answer !== undefined) return { kind: 'answer', value: answer };
    // "Yes, but what about the side effects?": the answer before the question counts, and the question follows.
    const followUp = choices.length > 0 ? questionAfterAnswer(text) : undefined;
    const head = followUp ? text.slice(0, text.lastIndexOf(followUp)).replace(/[\s,，;；。!！]+$/u, '').replace(/\s*(?:but|但是|不过|不過|但係|但系)$/iu, '') : undefined;
    const headAnswer = head ? answerOf(head) : undefined;
    if (headAnswer !== undefined && followUp) {
      const asked = interpretTurn(services, followUp, { kind: 'question' }, locale);
      const interpretation = asked.kind === 'question' || asked.kind === 'smallTalk' || asked.kind === 'outOfScope' || asked.kind === 'unclear' ? asked : undefined;
      return { kind: 'answer', value: headAnswer, ...(interpretation ? { followUp: { text: followUp, interpretation } } : {}) };
    }
    // A free-text field takes a question it cannot place as its answer (rule 7), but "how much does it cost?" is asked.
    if (openQuestion.kind === 'freeText' && asks) freeTextAnswer = parse(text);
  }

  const recognition = services.recognizeQuestion(text, locale);
  if (recognition.confident && recognition.kind === 'intent' && recognition.intent) {
    return { kind: 'question', intent: recognition.intent, confidence: recognition.score, alternatives: recognition.alternatives };
  }
  if (recognition.confident && recognition.kind === 'smallTalk') return { kind: 'smallTalk' };
  if (recognition.confident && recognition.kind === 'outOfScope') return { kind: 'outOfScope' };
  if (freeTextAnswer !== undefined) return { kind: 'answer', value: freeTextAnswer };
  return { kind: 'unclear', alternatives: recognition.alternatives, form: asks ? 'question' : isSentence(text) ? 'sentence' : 'fragment' };
}

/** Three words or more, four Chinese characters or more, or a question mark anywhere: more than a stray word. */
function isSentence(text: string): boolean {
  const words = text.split(/\s+/u).length;
  const hanCharacters = (text.match(/\p{Script=Han}/gu) ?? []).length;
  return words >= 3 || hanCharacters >= 4 || /[?？]/u.test(text);
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

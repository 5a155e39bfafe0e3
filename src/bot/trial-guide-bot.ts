import { ActivityHandler, ActivityTypes, type ConversationState, type StatePropertyAccessor, type TurnContext, type UserState } from 'botbuilder';
import { ComponentDialog, type Dialog, type DialogContext, type DialogInstance, type DialogState, DialogSet, DialogTurnStatus } from 'botbuilder-dialogs';
import type { DialogServices } from '../../dialogs/dialog-services';
import { dialogIds } from '../../dialogs/ids';
import type { MainDialog, MainOptions } from '../../dialogs/main/main-dialog';
import { AnswerPrompt, type AnswerPromptSettings } from '../../dialogs/shared/answer-prompt';
import { type Command, localeOfSwitch } from '../../dialogs/shared/commands';
import { interpretTurn, type OpenQuestion } from '../../dialogs/shared/interpret-turn';
import type { Profile, ProfileAccessor } from '../../dialogs/shared/profile';
import { recordStudyEvent } from '../../dialogs/shared/study-events';
import { roleMentioned, roleOfChoice, roleStated } from '../../dialogs/shared/role-words';
import { type Role, setRoleInferred, setTurnInterpretation, setTurnProfile } from '../../dialogs/shared/turn-locale';
import { guessLocaleFromText, type Locale, negotiateLocale } from '../i18n/locales';

/** Longest message the bot reads; longer ones get a polite request to shorten (WeChat allows 2,048 bytes). */
export const maxMessageLength = 2000;

interface ConversationData {
  greeted?: boolean;
}

/** Events a channel can raise for the bot (WeChat unsubscribe). */
export const eraseEventName = 'trialguide.erase';

const erasedKey = Symbol('trialguide.erased');

/**
 * Where botbuilder-dialogs keeps, in turn state, the memory scopes and path resolvers every DialogStateManager of
 * the turn shares (`DIALOG_STATE_MANAGER_CONFIGURATION` in its dialogStateManager.js, not exported).
 */
export const dialogStateConfigurationKey = 'DialogStateManagerConfiguration';

/**
 * The turn logic shared by every channel: decide the language, handle global commands, continue the
 * active dialog or start the main one, and save state. Safety, serialisation and typing run before this
 * as adapter middleware.
 */
export class TrialGuideBot extends ActivityHandler {
  private readonly dialogs: DialogSet;
  private readonly profileProperty: StatePropertyAccessor<Profile>;
  private readonly conversationData: StatePropertyAccessor<ConversationData>;
  private readonly i18n: DialogServices['i18n'];
  private dialogStateConfiguration: unknown;

  constructor(
    private readonly conversationState: ConversationState,
    private readonly userState: UserState,
    mainDialog: MainDialog,
    private readonly services: Pick<DialogServices, 'i18n' | 'eraseConversation' | 'isMedicalDecisionRequest' | 'recognizeQuestion' | 'site' | 'events'>,
  ) {
    super();
    this.i18n = services.i18n;
    this.dialogs = new DialogSet(conversationState.createProperty<DialogState>('dialogState'));
    this.dialogs.add(mainDialog);
    this.profileProperty = userState.createProperty<Profile>('profile');
    this.conversationData = conversationState.createProperty<ConversationData>('conversationData');

    this.onMembersAdded(async (context, next) => {
      const joined = (context.activity.membersAdded ?? []).some((member) => member.id !== context.activity.recipient?.id);
      if (joined) {
        await this.prepareTurn(context);
        const dc = await this.dialogs.createContext(context);
        if (!dc.activeDialog) await this.beginMain(context, dc, { greet: true });
      }
      await next();
    });

    this.onMessage(async (context, next) => {
      await this.handleMessage(context);
      await next();
    });

    this.onEvent(async (context, next) => {
      if (context.activity.name === eraseEventName) {
        await this.services.eraseConversation(context);
        context.turnState.set(erasedKey, true);
      }
      await next();
    });
  }

  /** Profile reads and writes for dialogs. */
  readonly profile: ProfileAccessor = {
    get: async (context) => ({ ...(await this.profileProperty.get(context, {})) }),
    update: async (context, change) => {
      const current = await this.profileProperty.get(context, {});
      await this.profileProperty.set(context, { ...current, ...change });
    },
  };

  /**
   * The first dialog context of every turn builds botbuilder-dialogs' memory-scope configuration anew (a service
   * collection, nine memory scopes, five path resolvers and a failed zod parse of empty settings: about 2% of a
   * turn's CPU, issue 11) and keeps it in turn state for the turn's other contexts. It is the same every turn (no
   * turn adds scopes or resolvers) and its scopes keep no state of their own (they read the turn through the
   * dialog context), so the first turn's is kept and handed to every later turn.
   */
  override async run(context: TurnContext): Promise<void> {
    if (this.dialogStateConfiguration) context.turnState.set(dialogStateConfigurationKey, this.dialogStateConfiguration);
    try {
      // A message reads both states (the profile first, the dialog stack next): loaded together, one storage query.
      if (context.activity.type === (ActivityTypes.Message as string)) await Promise.all([this.conversationState.load(context), this.userState.load(context)]);
      await super.run(context);
    } finally {
      this.dialogStateConfiguration ??= context.turnState.get<unknown>(dialogStateConfigurationKey);
    }
    if (context.turnState.get(erasedKey)) return;
    await this.conversationState.saveChanges(context, false);
    await this.userState.saveChanges(context, false);
  }

  /** Marks the turn's state as erased so nothing is written back after "delete my data". */
  static markErased(context: TurnContext): void {
    context.turnState.set(erasedKey, true);
  }

  private async prepareTurn(context: TurnContext): Promise<Locale> {
    const profile = await this.profile.get(context);
    let locale = profile.locale;
    if (!locale) {
      locale = negotiateLocale(context.activity.locale);
      if (locale) await this.profile.update(context, { locale });
    }
    const turnLocale = locale ?? guessLocaleFromText(context.activity.text ?? '') ?? 'en';
    setTurnProfile(context, turnLocale, profile.role);
    return turnLocale;
  }

  private async handleMessage(context: TurnContext): Promise<void> {
    const locale = await this.prepareTurn(context);
    const t = this.i18n.getFixedT(locale);
    const text = (context.activity.text ?? '').trim();
    if (text.length > maxMessageLength) {
      await context.sendActivity(t('common:input.tooLong', { max: maxMessageLength }));
      return;
    }
    if (!text) {
      await context.sendActivity(t('common:input.textOnly'));
      return;
    }
    const dc = await this.dialogs.createContext(context);
    // Channel menus (WeChat's custom menu) send the words of a menu item plus the item itself: start it.
    const menuCommand = menuCommandOf(context.activity.value);
    if (menuCommand) {
      await this.restartAtMenu(dc, { start: menuCommand });
      return;
    }
    // One interpretation per turn, against the question the person is looking at (precedence table:
    // dialogs/shared/interpret-turn.ts). Prompts read it from turn state instead of deciding again.
    const interpretation = interpretTurn(this.services, text, openQuestionOf(dc), locale);
    setTurnInterpretation(context, interpretation);
    // "I'm the patient" / "no, I am asking for my mother": who is asking is set or corrected at any point (unless it
    // answers the open question, which is then "Who is asking?"), confirmed in one line before the open question again.
    const stated = interpretation.kind === 'medicalDecision' || interpretation.kind === 'command' ? undefined : roleStated(text);
    if (stated && !(interpretation.kind === 'answer' && roleOfChoice(interpretation.value) === stated)) {
      await this.restateRole(dc, stated, locale);
      return;
    }
    // "Can my father join?" says who is asking: never asked again, and confirmed lightly (an answer is only an answer).
    if (interpretation.kind !== 'answer' && interpretation.kind !== 'command') await this.inferRole(context, text, locale);
    if (interpretation.kind === 'medicalDecision') {
      // The bot never makes a treatment decision, in any dialog or menu; the open question is asked again.
      recordStudyEvent(this.services, context, { type: 'medicalDecisionDeflected' });
      await context.sendActivity(t('safety:medicalDecision', { coordinatorPhone: this.services.site.coordinator.phone }));
      if (dc.activeDialog) await repromptInnermost(dc);
      else {
        const data = await this.conversationData.get(context, {});
        await this.beginMain(context, dc, { greet: !data.greeted });
      }
      return;
    }
    if (interpretation.kind === 'command' && (await this.handleCommand(dc, interpretation.command, locale))) return;

    const result = await dc.continueDialog();
    if (result.status === DialogTurnStatus.empty) {
      const data = await this.conversationData.get(context, {});
      // A conversation that starts with a message (no join event) is greeted, then what was typed is handled.
      await this.beginMain(context, dc, data.greeted ? {} : { greet: true, firstMessage: text });
    }
  }

  /** Records the role a message states, then asks the open question again (or shows the menu) with the one-line confirmation. */
  private async restateRole(dc: DialogContext, role: Role, locale: Locale): Promise<void> {
    const { context } = dc;
    await this.profile.update(context, { role });
    setTurnProfile(context, locale, role);
    setRoleInferred(context);
    if (dc.activeDialog) await repromptInnermost(dc);
    else await this.beginMain(context, dc, { greet: !(await this.conversationData.get(context, {})).greeted });
  }

  /** Records the role a message implies ('family' for "my father", 我爸, 阿爸) while none is known. */
  private async inferRole(context: TurnContext, text: string, locale: Locale): Promise<void> {
    const profile = await this.profile.get(context);
    const role = profile.role ? undefined : roleMentioned(text);
    if (!role) return;
    await this.profile.update(context, { role });
    setTurnProfile(context, locale, role);
    setRoleInferred(context);
  }

  /** Returns true when the command took the whole turn; false lets the active dialog see it ("back"). */
  private async handleCommand(dc: DialogContext, command: Command, locale: Locale): Promise<boolean> {
    const { context } = dc;
    const switchTo = localeOfSwitch(command, locale);
    if (switchTo) {
      await this.profile.update(context, { locale: switchTo });
      const profile = await this.profile.get(context);
      setTurnProfile(context, switchTo, profile.role);
      await context.sendActivity(this.i18n.getFixedT(switchTo)('common:language.changed'));
      if (dc.activeDialog) await repromptInnermost(dc);
      else await this.beginMain(context, dc, {});
      return true;
    }
    switch (command) {
      case 'back':
        // The prompt reads "back" from the turn's interpretation and hands it to its waterfall.
        if (innermostAllowsBack(dc)) return false;
        return this.restartAtMenu(dc, {});
      case 'menu':
        return this.restartAtMenu(dc, {});
      case 'restart':
        await this.profile.update(context, { role: undefined });
        setTurnProfile(context, locale, undefined);
        return this.restartAtMenu(dc, { greet: true });
      case 'language':
        return this.restartAtMenu(dc, { chooseLanguage: true });
      case 'help':
        await context.sendActivity(this.i18n.getFixedT(locale)('common:help', { emergencyNumber: this.services.site.emergencyNumber }));
        if (dc.activeDialog) await repromptInnermost(dc);
        else await this.beginMain(context, dc, {});
        return true;
      case 'handoff':
        return this.restartAtMenu(dc, { start: 'handoff' });
      case 'erase':
        return this.restartAtMenu(dc, { start: 'erase' });
      case 'check-referral':
        return this.restartAtMenu(dc, { start: 'check-referral' });
      default:
        return false;
    }
  }

  private async restartAtMenu(dc: DialogContext, options: MainOptions): Promise<boolean> {
    await dc.cancelAllDialogs();
    await this.beginMain(dc.context, dc, options);
    return true;
  }

  private async beginMain(context: TurnContext, dc: DialogContext, options: MainOptions): Promise<void> {
    if (options.greet) {
      // Greeted once per conversation ("restart" greets again but starts nothing new).
      if (!(await this.conversationData.get(context, {})).greeted) recordStudyEvent(this.services, context, { type: 'conversationStarted' });
      await this.conversationData.set(context, { greeted: true });
    }
    await dc.beginDialog(dialogIds.main, options);
  }
}

const menuCommands = ['about', 'precheck', 'handoff'] as const;

function menuCommandOf(value: unknown): (typeof menuCommands)[number] | undefined {
  const command = (value as { command?: unknown } | undefined)?.command;
  return menuCommands.find((known) => known === command);
}

/**
 * Asks the open question again. From the innermost context, which keeps its parents: a dialog begun from
 * inside another (the hand-off started from the pre-check's outcome) is found through them, whereas
 * ComponentDialog.repromptDialog rebuilds inner contexts without parents and cannot find it.
 */
async function repromptInnermost(dc: DialogContext): Promise<void> {
  await innermostContext(dc).repromptDialog();
}

/**
 * The innermost dialog context. `DialogContext.child` builds a new context (with its own memory-scope manager) on
 * every read, so each level is read once (issue 11: the walk ran several times a turn, reading each level twice).
 */
function innermostContext(dc: DialogContext): DialogContext {
  let current: DialogContext = dc;
  for (let child = current.child; child; child = current.child) current = child;
  return current;
}

/** Where a ComponentDialog keeps its inner dialog stack in its instance state (botbuilder-dialogs' PERSISTED_DIALOG_STATE). */
const innerStateKey = 'dialogs';

/**
 * The innermost active dialog and its instance: what `innermostContext(dc).activeDialog` and its `findDialog` give,
 * read from the stored stacks instead of building a context per level (each with its own memory-scope manager),
 * for the question asked on every message (issue 11). As `DialogContext.child` does, a component's stack is
 * entered, and an id is looked up in the innermost dialog set first, then in those around it.
 */
function innermostActive(dc: DialogContext): { dialog: Dialog | undefined; instance: DialogInstance } | undefined {
  const sets: DialogSet[] = [];
  for (let current: DialogContext | undefined = dc; current; current = current.parent) sets.push(current.dialogs);
  let instance = dc.activeDialog;
  while (instance) {
    const id = instance.id;
    const dialog = sets.map((set) => set.find(id)).find((found) => found !== undefined);
    if (!(dialog instanceof ComponentDialog)) return { dialog, instance };
    const stack = (instance.state as Record<string, Partial<DialogState> | undefined>)[innerStateKey]?.dialogStack;
    if (!Array.isArray(stack)) return undefined;
    sets.unshift(dialog.dialogs);
    instance = stack.at(-1);
  }
  return undefined;
}

/** The question the person is looking at: the innermost waiting prompt's choices and parser, if any. */
function openQuestionOf(dc: DialogContext): OpenQuestion {
  const active = innermostActive(dc);
  const settings = promptSettingsOf(active?.instance);
  return active?.dialog instanceof AnswerPrompt && settings ? active.dialog.openQuestion(dc.context, settings) : { kind: 'none' };
}

/** The settings of the prompt waiting in the innermost context: the question the person sees now, if any. */
function promptSettingsOf(instance: DialogInstance | undefined): AnswerPromptSettings | undefined {
  const state = instance?.state as { options?: { validations?: AnswerPromptSettings } } | undefined;
  return state?.options?.validations;
}

/** True when the innermost waiting prompt offers "back" (e.g. inside the pre-check). */
function innermostAllowsBack(dc: DialogContext): boolean {
  return Boolean(promptSettingsOf(innermostActive(dc)?.instance)?.allowBack);
}

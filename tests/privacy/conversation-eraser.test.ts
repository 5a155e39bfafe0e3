import { TestAdapter, TurnContext } from 'botbuilder';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { IngressConversationState, IngressUserState, stampIngress } from '../../src/channels/channel-dependencies';
import { createReferral } from '../../src/handoff/referral-service';
import { createConversationEraser } from '../../src/privacy/erase-conversation';
import { createStores } from '../../src/storage/create-stores';
import type { Stores } from '../../src/storage/ports';
import { createCaptureLogger } from '../handoff/support/capture-logger';
import { ManualClock, newReferral, tempDataDir, testConfig } from '../handoff/support/fixtures';

const capture = createCaptureLogger();

/** A Direct Line turn of `conversation` from `user`, stamped as the Direct Line ingress stamps its turns. */
function directLineTurn(conversation: string, user: string): TurnContext {
  const context = new TurnContext(new TestAdapter(), { type: 'message', text: 'delete my data', channelId: 'directline', conversation: { id: conversation, isGroup: false, name: '', conversationType: '' }, from: { id: user, name: '' }, recipient: { id: 'bot', name: '' } });
  stampIngress(context, 'directline');
  return context;
}

describe('erasing the turn\'s own conversation (src/privacy/erase-conversation.ts)', () => {
  let data: ReturnType<typeof tempDataDir>;
  let stores: Stores;
  let conversationState: IngressConversationState;
  let userState: IngressUserState;
  const clock = new ManualClock();

  /** Saves conversation and user state for a turn of `conversation`, as a finished turn does. */
  async function savedTurn(conversation: string, user: string): Promise<void> {
    const context = directLineTurn(conversation, user);
    await conversationState.createProperty<string>('dialogState').set(context, `precheck of ${conversation}`);
    await userState.createProperty<{ locale: string }>('profile').set(context, { locale: 'zh-Hant' });
    await conversationState.saveChanges(context);
    await userState.saveChanges(context);
  }

  beforeEach(async () => {
    data = tempDataDir();
    stores = await createStores(testConfig({ DATA_DIR: data.dir }), capture.logger);
    conversationState = new IngressConversationState(stores.botState);
    userState = new IngressUserState(stores.botState);
  });
  afterEach(async () => {
    await stores.close();
    data.remove();
  });

  const eraserWith = (markErased: (context: TurnContext) => void, observe?: <T>(run: () => Promise<T>) => Promise<T>) =>
    createConversationEraser({ stores, states: [conversationState, userState], conversationKeyOf: (context) => `directline/${context.activity.conversation.id}`, clock, markErased, ...(observe ? { observe } : {}) });

  it('erases stored state, referrals, notifications and the Direct Line history; drops the turn\'s cached state; marks the turn', async () => {
    await savedTurn('conv-a', 'user-a');
    await savedTurn('conv-b', 'user-b');
    await createReferral({ stores, sinkNames: ['webhook'], clock, logger: capture.logger }, newReferral({ conversationKey: 'directline/conv-a' }));
    const other = await createReferral({ stores, sinkNames: ['webhook'], clock, logger: capture.logger }, newReferral({ conversationKey: 'directline/conv-b' }, 1));
    await stores.conversationLogs.append('conv-a', { type: 'message', text: 'hello' }, clock.now());

    const context = directLineTurn('conv-a', 'user-a');
    const dialogState = conversationState.createProperty<string>('dialogState');
    expect(await dialogState.get(context)).toBe('precheck of conv-a');
    const marked: TurnContext[] = [];

    expect(await eraserWith((turn) => marked.push(turn))(context)).toEqual({ referrals: 1 });

    expect(marked).toEqual([context]);
    expect(await stores.botState.read(['directline/conversations/conv-a/', 'directline/users/user-a/'])).toEqual({});
    expect(Object.keys(await stores.botState.read(['directline/conversations/conv-b/', 'directline/users/user-b/']))).toHaveLength(2);
    expect((await stores.referrals.list({ limit: 10 })).items.map((item) => item.id)).toEqual([other.id]);
    expect(await stores.outbox.countPending()).toBe(1);
    expect((await stores.conversationLogs.since('conv-a', 0)).activities).toEqual([]);
    // The turn's cached copy is gone too: a read in the same turn starts empty.
    expect(await dialogState.get(context)).toBeUndefined();
  });

  it('a storage failure leaves the turn unmarked and its state in place, and goes through the observer', async () => {
    await savedTurn('conv-a', 'user-a');
    const context = directLineTurn('conv-a', 'user-a');
    const marked: TurnContext[] = [];
    let observed = 0;
    const failing = eraserWith(
      (turn) => marked.push(turn),
      async () => {
        observed += 1;
        throw new Error('database down');
      },
    );
    await expect(failing(context)).rejects.toThrow('database down');
    expect({ observed, marked: marked.length }).toEqual({ observed: 1, marked: 0 });
    expect(await conversationState.createProperty<string>('dialogState').get(context)).toBe('precheck of conv-a');
    expect(Object.keys(await stores.botState.read(['directline/conversations/conv-a/']))).toHaveLength(1);
  });
});

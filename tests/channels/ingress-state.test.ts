import { type BotState, ConversationState, MemoryStorage, type StoreItems, TestAdapter, TurnContext, UserState } from 'botbuilder';
import { describe, expect, it } from 'vitest';
import { IngressConversationState, IngressUserState } from '../../src/channels/channel-dependencies';

/** MemoryStorage that records what is written and deleted, with the storage key's namespace left out. */
class RecordingStorage extends MemoryStorage {
  readonly log: string[] = [];

  override async write(changes: StoreItems): Promise<void> {
    for (const [key, value] of Object.entries(changes)) {
      const { eTag: _eTag, ...rest } = value as Record<string, unknown>;
      this.log.push(`write ${key.replace(/^unstamped:/u, '')} ${JSON.stringify(rest)}`);
    }
    await super.write(changes);
  }

  override async delete(keys: string[]): Promise<void> {
    this.log.push(`delete ${keys.map((key) => key.replace(/^unstamped:/u, '')).join(',')}`);
    await super.delete(keys);
  }
}

const turn = () =>
  new TurnContext(new TestAdapter(), { type: 'message', text: 'hi', channelId: 'test', conversation: { id: 'conv', isGroup: false, name: '', conversationType: '' }, from: { id: 'user', name: '' }, recipient: { id: 'bot', name: '' } });

type Step = (state: BotState, context: TurnContext) => Promise<unknown>;
const count = (state: BotState) => state.createProperty<{ n: number }>('count');

/** Each scenario: turns of steps; what a step returns is recorded too. */
const scenarios: Record<string, Step[][]> = {
  'load and save, unchanged': [[(state, context) => state.load(context), (state, context) => state.saveChanges(context)]],
  'a change, saved twice': [[(state, context) => count(state).set(context, { n: 1 }), (state, context) => state.saveChanges(context), (state, context) => state.saveChanges(context)]],
  'a change in a later turn, and none in the next': [
    [(state, context) => count(state).set(context, { n: 1 }), (state, context) => state.saveChanges(context)],
    [(state, context) => count(state).get(context), async (state, context) => ((await count(state).get(context)) as { n: number }).n++, (state, context) => state.saveChanges(context)],
    [(state, context) => count(state).get(context), (state, context) => state.saveChanges(context)],
  ],
  'only the eTag changed': [
    [(state, context) => count(state).set(context, { n: 1 }), (state, context) => state.saveChanges(context)],
    [async (state, context) => ((await state.load(context)).eTag = 'other'), (state, context) => state.saveChanges(context)],
  ],
  'save without a load, then forced': [[(state, context) => state.saveChanges(context), (state, context) => Promise.resolve(state.get(context)), (state, context) => state.saveChanges(context, true), (state, context) => Promise.resolve(state.get(context))]],
  'cleared, then saved': [
    [(state, context) => count(state).set(context, { n: 1 }), (state, context) => state.saveChanges(context)],
    [(state, context) => state.clear(context), (state, context) => Promise.resolve(state.get(context)), (state, context) => state.saveChanges(context), (state, context) => count(state).get(context, { n: 7 })],
  ],
  'deleted, then read again': [
    [(state, context) => count(state).set(context, { n: 1 }), (state, context) => state.saveChanges(context)],
    [(state, context) => state.load(context), (state, context) => state.delete(context), (state, context) => Promise.resolve(state.get(context)), (state, context) => count(state).get(context)],
  ],
  'a forced reload drops the turn\'s change': [
    [(state, context) => count(state).set(context, { n: 1 }), (state, context) => state.saveChanges(context)],
    [(state, context) => count(state).set(context, { n: 2 }), (state, context) => state.load(context, true), (state, context) => state.saveChanges(context), (state, context) => count(state).get(context)],
  ],
  'a property deleted': [
    [(state, context) => count(state).set(context, { n: 1 }), (state, context) => state.saveChanges(context)],
    [(state, context) => count(state).delete(context), (state, context) => state.saveChanges(context)],
  ],
};

async function run(makeState: (storage: RecordingStorage) => BotState, turns: Step[][]): Promise<string[]> {
  const storage = new RecordingStorage();
  const state = makeState(storage);
  const seen: string[] = [];
  for (const steps of turns) {
    const context = turn();
    for (const step of steps) {
      const result = await step(state, context);
      const { eTag: _eTag, ...shown } = (typeof result === 'object' && result !== null ? result : { value: result }) as Record<string, unknown>;
      seen.push(JSON.stringify(shown));
    }
  }
  return [...seen, ...storage.log];
}

describe('IngressConversationState and IngressUserState (state JSON compared once at load, once at save)', () => {
  it.each(Object.entries(scenarios))('%s: the same writes, deletes and answers as botbuilder\'s own state', async (_name, turns) => {
    expect(await run((storage) => new IngressConversationState(storage), turns)).toEqual(await run((storage) => new ConversationState(storage), turns));
    expect(await run((storage) => new IngressUserState(storage), turns)).toEqual(await run((storage) => new UserState(storage), turns));
  });

  it('keeps each state\'s turn cache apart', async () => {
    const storage = new MemoryStorage();
    const conversation = new IngressConversationState(storage);
    const user = new IngressUserState(storage);
    const context = turn();
    await count(conversation).set(context, { n: 1 });
    expect(user.get(context)).toBeUndefined();
    await count(user).set(context, { n: 2 });
    expect(conversation.get(context)).toEqual({ count: { n: 1 } });
    expect(user.get(context)).toEqual({ count: { n: 2 } });
  });
});

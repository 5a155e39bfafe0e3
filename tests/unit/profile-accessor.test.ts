import { MemoryStorage, TestAdapter, UserState } from 'botbuilder';
import { describe, expect, it } from 'vitest';
import { createProfileAccessor } from '../../dialogs/shared/profile';

describe('the profile accessor the composition root builds (dialogs/shared/profile.ts)', () => {
  it('merges updates, hands out copies, and keeps the profile under user state "profile" across turns', async () => {
    const storage = new MemoryStorage();
    const userState = new UserState(storage);
    const profile = createProfileAccessor(userState);
    const seen: unknown[] = [];
    let turn = 0;
    const adapter = new TestAdapter(async (context) => {
      turn += 1;
      if (turn === 1) {
        await profile.update(context, { locale: 'zh-Hant' });
        await profile.update(context, { role: 'family' });
        const copy = await profile.get(context);
        copy.locale = 'en';
      } else {
        seen.push(await profile.get(context), userState.get(context));
      }
      await userState.saveChanges(context);
      await context.sendActivity('ok');
    });
    await adapter.send('first').assertReply('ok').send('second').assertReply('ok');
    expect(seen[0]).toEqual({ locale: 'zh-Hant', role: 'family' });
    expect(seen[1]).toMatchObject({ profile: { locale: 'zh-Hant', role: 'family' } });
  });
});

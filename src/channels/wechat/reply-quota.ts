import type { Clock } from '../../clock';
import type { KeyValueStore } from '../../storage/ports';

/**
 * How many customer-service messages WeChat allows after the person's last action: a message opens a
 * 48-hour window for a few messages; a menu click or a follow opens a short one (about 3 within 1 minute).
 */
export const replyAllowance = {
  message: { count: 5, windowMs: 48 * 60 * 60 * 1000 },
  event: { count: 3, windowMs: 60 * 1000 },
} as const;

export type QuotaTrigger = keyof typeof replyAllowance;

interface QuotaState {
  remaining: number;
  expiresAt: number;
}

const keyFor = (openId: string) => `wechat:quota:${openId}`;

/** Tracks the allowance per person so the bot stops before WeChat refuses (turns of one person never overlap). */
export class ReplyQuota {
  constructor(
    private readonly store: KeyValueStore,
    private readonly clock: Clock,
  ) {}

  /** A new inbound message or event resets the allowance. */
  async grant(openId: string, trigger: QuotaTrigger): Promise<void> {
    const allowance = replyAllowance[trigger];
    const expiresAt = this.clock.now().getTime() + allowance.windowMs;
    const state: QuotaState = { remaining: allowance.count, expiresAt };
    await this.store.set(keyFor(openId), JSON.stringify(state), new Date(expiresAt));
  }

  /** Uses one message of the allowance; false when none is left or the window has closed. */
  async take(openId: string): Promise<boolean> {
    const raw = await this.store.get(keyFor(openId), this.clock.now());
    if (!raw) return false;
    const state = JSON.parse(raw) as QuotaState;
    if (state.remaining <= 0) return false;
    await this.store.set(keyFor(openId), JSON.stringify({ ...state, remaining: state.remaining - 1 }), new Date(state.expiresAt));
    return true;
  }
}

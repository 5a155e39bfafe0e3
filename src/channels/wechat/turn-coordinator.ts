import type { Clock } from '../../clock';
import type { Logger } from '../../logger';
import type { KeyValueStore } from '../../storage/ports';
import { deliveryKey, type WeChatInbound } from './inbound-message';

/** What the HTTP handler answers WeChat with. */
export type PassiveOutcome = { kind: 'reply'; content: string } | { kind: 'success' };

export interface TurnCoordinatorOptions {
  keyValue: KeyValueStore;
  clock: Clock;
  logger: Logger;
  /** How long a request waits for its turn before answering `success` (WeChat gives up after 5 s). */
  replyBudgetMs: number;
  /** Runs the bot for one inbound push; resolves with the WeChat text messages to send. */
  runTurn(inbound: WeChatInbound): Promise<string[]>;
  /** Sends messages through the customer-service API (after a late turn, or messages beyond the passive one). */
  sendLater(inbound: WeChatInbound, messages: string[]): Promise<void>;
}

/** WeChat retries over about 15 s; a day's memory also absorbs replays of old pushes. */
const deliveryMemoryMs = 24 * 60 * 60 * 1000;
/** Local memory of a finished turn, so a retry whose original response was lost gets the same reply. */
const localMemoryMs = 60_000;

interface Delivery {
  readonly inbound: WeChatInbound;
  /** Set when the turn has finished (empty when it failed). */
  messages?: string[];
  readonly finished: Promise<void>;
  /** Who sends the answer; decided once. */
  owner: 'pending' | 'passive' | 'customer-service';
  passiveContent?: string;
  /** HTTP requests (the original and any retries) currently waiting for this turn. */
  waiters: number;
}

const success: PassiveOutcome = { kind: 'success' };

/**
 * The 5-second rule. Each push (identified across retries) runs its turn at most once, turns of one person
 * run one after the other, and the answer goes out either as the passive reply of a request still waiting
 * for it or, once no request waits any more, through the customer-service API.
 */
export class TurnCoordinator {
  private readonly deliveries = new Map<string, Promise<Delivery | undefined>>();
  private readonly queues = new Map<string, Promise<void>>();
  private readonly background = new Set<Promise<void>>();

  constructor(private readonly options: TurnCoordinatorOptions) {}

  async handle(inbound: WeChatInbound): Promise<PassiveOutcome> {
    const key = deliveryKey(inbound);
    let entry = this.deliveries.get(key);
    if (!entry) {
      // Stored synchronously so a concurrent retry on this instance joins it instead of racing the claim.
      entry = this.claim(key, inbound);
      this.deliveries.set(key, entry);
      setTimeout(() => this.deliveries.delete(key), localMemoryMs).unref();
    }
    const delivery = await entry;
    if (!delivery) return success;
    return this.wait(delivery);
  }

  /** Resolves when every background send has finished (tests, graceful shutdown). */
  async drain(): Promise<void> {
    while (this.background.size > 0) await Promise.allSettled([...this.background]);
  }

  private async claim(key: string, inbound: WeChatInbound): Promise<Delivery | undefined> {
    const { keyValue, clock, logger } = this.options;
    let fresh: boolean;
    try {
      fresh = await keyValue.setIfAbsent(`wechat:delivery:${key}`, 'claimed', new Date(clock.now().getTime() + deliveryMemoryMs));
    } catch (error) {
      // Answering matters more than cross-instance de-duplication; this instance still de-duplicates locally.
      logger.error('wechat delivery claim failed, running the turn anyway', { error });
      fresh = true;
    }
    if (!fresh) {
      logger.info('wechat delivery already handled', { kind: inbound.kind });
      return undefined;
    }
    return this.start(inbound);
  }

  private start(inbound: WeChatInbound): Delivery {
    const previous = this.queues.get(inbound.openId) ?? Promise.resolve();
    const delivery: Delivery = {
      inbound,
      owner: 'pending',
      waiters: 0,
      finished: previous.then(async () => {
        try {
          delivery.messages = await this.options.runTurn(inbound);
        } catch (error) {
          this.options.logger.error('wechat turn failed', { kind: inbound.kind, error });
          delivery.messages = [];
        }
      }),
    };
    this.queues.set(inbound.openId, delivery.finished);
    this.track(
      delivery.finished.then(async () => {
        if (this.queues.get(inbound.openId) === delivery.finished) this.queues.delete(inbound.openId);
        await this.settle(delivery);
      }),
    );
    return delivery;
  }

  /** A request waits up to the budget; if the turn is ready by then it owns the passive reply. */
  private async wait(delivery: Delivery): Promise<PassiveOutcome> {
    const decided = this.decidedOutcome(delivery);
    if (decided) return decided;
    delivery.waiters += 1;
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([delivery.finished, new Promise<void>((resolve) => (timer = setTimeout(resolve, this.options.replyBudgetMs)))]);
    } finally {
      clearTimeout(timer);
      delivery.waiters -= 1;
    }
    if (delivery.messages && delivery.owner === 'pending') {
      delivery.owner = 'passive';
      const [first, ...rest] = delivery.messages;
      delivery.passiveContent = first;
      if (rest.length > 0) this.track(this.options.sendLater(delivery.inbound, rest));
      return first ? { kind: 'reply', content: first } : success;
    }
    // Not ready: the turn's own completion hands the answer to the customer-service API.
    return this.decidedOutcome(delivery) ?? success;
  }

  /** A retry of a push already answered passively gets the same reply (its original response may have been lost). */
  private decidedOutcome(delivery: Delivery): PassiveOutcome | undefined {
    if (delivery.owner === 'passive') return delivery.passiveContent ? { kind: 'reply', content: delivery.passiveContent } : success;
    if (delivery.owner === 'customer-service') return success;
    return undefined;
  }

  /** Once the turn is done and no request is waiting for it, the answer goes out through the customer-service API. */
  private async settle(delivery: Delivery): Promise<void> {
    if (!delivery.messages || delivery.owner !== 'pending' || delivery.waiters > 0) return;
    delivery.owner = 'customer-service';
    if (delivery.messages.length > 0) await this.options.sendLater(delivery.inbound, delivery.messages);
  }

  private track(task: Promise<void>): void {
    const tracked = task.catch((error: unknown) => this.options.logger.error('wechat background send failed', { error }));
    this.background.add(tracked);
    void tracked.finally(() => this.background.delete(tracked));
  }
}

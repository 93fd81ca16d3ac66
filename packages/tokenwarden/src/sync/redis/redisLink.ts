import { keyId } from '../../keys';
import type { AcquireContext, CoordinatorHost, CoordinatorLink, TimerProvider, TokenKey, TokenRecord } from '../../types';
import { type RedisMessage, type SharedRecord, readMessage, readTime, tokenMessage, unlockMessage } from './messages';
import type { RedisArgument, RedisClient } from './redisClient';
import { RedisCoordinatorError } from './redisCoordinatorError';
import { RedisHealth } from './redisHealth';
import type { RedisNames } from './redisNames';
import { CLAIM, EPOCH, INVALIDATE, type LuaScript, PUBLISH, RELEASE, RENEW, runScript } from './scripts';
import { type TimedToken, compareTimed, timeRecord, timeShared } from './sharedToken';
import { type Subscription, listen } from './sharedSubscriber';
import { withTimeout } from './withTimeout';
import { unrefTimer } from '../../timers';

export interface RedisLinkSettings {
  redis: RedisClient;
  names: RedisNames;
  /** Per Redis call, ms. */
  timeout: number;
  /** Lock expiry, ms: how long a crashed refresher can block the others. */
  lockTtl: number;
  /** Longest wait for another instance's token before fetching anyway, ms. */
  waitTimeout: number;
  /** Pause after a Redis failure before trying Redis again, ms. */
  retryInterval: number;
  /** Longest random pause before a background refresh claims its key, ms. */
  refreshSpread: number;
  /** The client's refresh margin (seconds before `exp`), to tell a fresh token from a due one. */
  refreshMargin: (ttlSeconds: number) => number;
  timers: TimerProvider;
  random: () => number;
  /** Announce with SPUBLISH and listen with SSUBSCRIBE (sharded pub/sub, Redis >= 7). */
  sharded: boolean;
}

/** The freshest token this client is known to hold for a key (it published or adopted it). */
type Known = TimedToken;

/** The refresh lock this instance holds for one key. */
interface Holding {
  readonly fence: string;
  /**
   * The share in progress, which also frees the lock when it stores the token: resolves true when
   * it did (nothing left to release), false when the release must still be done.
   */
  sharing: Promise<boolean> | undefined;
}

/** One acquire's wait for news about its key: a token, a released lock, a sign-out. */
interface Waiter {
  wake(): void;
  readonly woken: Promise<void>;
}

interface Claim {
  epoch: number;
  stored: SharedRecord | undefined;
  state: 'stored' | 'won' | 'held';
  pttl: number;
}

/** A few ms past the lock's expiry, so the retry does not find it still there. */
const LOCK_EXPIRY_SLACK = 5;
/** Stored tokens judged in a row before giving up on Redis for this attempt (two is the normal worst case). */
const MAX_STORED_READS = 3;
/**
 * While the pub/sub subscription is not confirmed (start-up, reconnect), announcements may be
 * missed: a waiter asks Redis again this often (ms) instead of sleeping until the lock expires.
 */
const UNSUBSCRIBED_POLL = 100;
/**
 * Pace of background claims when many keys fall due at once, ms per key: keys fetched together
 * refresh together, and thousands of claims sent in the same `refreshSpread` would queue behind
 * each other past `timeout` (then every one of them fetches alone). Spread over at least
 * (keys in the wave x this), still within a quarter of the tokens' remaining servable time.
 */
const WAVE_PACE = 0.5;

function noop(): void {}

function createWaiter(): Waiter {
  let wake!: () => void;
  const woken = new Promise<void>((resolve) => {
    wake = resolve;
  });
  return { wake, woken };
}

function randomId(): string {
  const crypto = globalThis.crypto;
  if (crypto && typeof crypto.randomUUID === 'function') return crypto.randomUUID();
  return `${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}`;
}

function readClaim(reply: unknown): Claim {
  if (Array.isArray(reply) && reply.length === 6) {
    const [epoch, token, state, pttl, expiresAt, issuedAt] = reply as unknown[];
    if (
      typeof epoch === 'number' &&
      (token === null || typeof token === 'string') &&
      (state === 'stored' || state === 'won' || state === 'held') &&
      typeof pttl === 'number'
    ) {
      const stored = typeof token === 'string' ? { token, expiresAt: readTime(expiresAt), issuedAt: readTime(issuedAt) } : undefined;
      return { epoch, stored, state, pttl };
    }
  }
  throw new RedisCoordinatorError('claim', 'Redis answered claim with an unexpected reply', false);
}

/** Whether a claim's raw reply (possibly a late one nobody waited for) took the lock. */
function claimWon(reply: unknown): boolean {
  return Array.isArray(reply) && reply[2] === 'won';
}

/**
 * One token client's connection to the fleet through Redis. Before a fetch it reads the shared
 * token and, in the same atomic step, takes the key's lock if nobody refreshed yet; a loser waits
 * for the winner's token on pub/sub (bounded). Fetched tokens are stored with their remaining
 * servable time as expiry and announced; tokens from others come in through `host.offer`. Every
 * Redis call is bounded by `timeout`; any failure leaves the client fetching on its own.
 */
export class RedisLink implements CoordinatorLink {
  readonly #host: CoordinatorHost;
  readonly #settings: RedisLinkSettings;
  /** Tells our own sign-out announcements apart from the others'. */
  readonly #id = randomId();
  readonly #health: RedisHealth;
  readonly #subscription: Subscription;
  readonly #known = new Map<string, Known>();
  readonly #waiters = new Map<string, Set<Waiter>>();
  readonly #holdings = new Map<string, Holding>();
  /** The namespace epoch as last seen in Redis; undefined until Redis answered once. */
  #epoch: number | undefined;
  /** Our own sign-out on its way to Redis: reads and writes wait for it, so none uses the old epoch. */
  #bumping: Promise<void> = Promise.resolve();
  #fences = 0;
  /** Background refreshes in their spread pause right now: the size of the current wave. */
  #spreading = 0;
  readonly #publishCommand: 'PUBLISH' | 'SPUBLISH';
  /** Times the pub/sub connection dropped: a waiter that sees it change stops waiting for news. */
  #losses = 0;
  #sweepAt = 1024;
  #closed = false;
  /** Stops for the renewals of the locks we hold (see {@link RedisLink.#renew}). */
  readonly #renewals = new Set<() => void>();
  /** A retry of the epoch read after the subscription was confirmed, when that read failed. */
  #catchUpRetry: ReturnType<TimerProvider['setTimeout']> | undefined;

  constructor(host: CoordinatorHost, settings: RedisLinkSettings) {
    this.#host = host;
    this.#settings = settings;
    this.#publishCommand = settings.sharded ? 'SPUBLISH' : 'PUBLISH';
    this.#health = new RedisHealth(settings.timers, settings.retryInterval, (event) => host.emit(event));
    let subscription: Subscription;
    try {
      subscription = listen(settings.redis, settings.names.channel, this.#onMessage, this.#onSubscription, settings.sharded);
    } catch (error) {
      this.#health.failed(RedisCoordinatorError.from('subscribe', error));
      subscription = { ready: Promise.resolve(), confirmed: false, close: noop };
    }
    this.#subscription = subscription;
    // Off the getToken() path, so bounded by the longest wait for a message rather than `timeout`
    // (a process still booting is often slower than that). Reconnects resubscribe on their own.
    withTimeout(settings.timers, Math.max(settings.timeout, settings.waitTimeout), 'subscribe', () => subscription.ready).catch(
      (error: unknown) => this.#health.warn(error),
    );
  }

  async acquire(key: TokenKey, signal: AbortSignal, context?: AcquireContext): Promise<() => void> {
    if (signal.aborted) throw signal.reason;
    if (this.#closed || !this.#health.available) return noop;
    // Only a proactive refresh leaves callers served meanwhile: nothing else may be spread.
    const background = (context?.reason ?? 'refresh') === 'refresh';
    try {
      return await this.#coordinate(key, keyId(key), signal, background);
    } catch (error) {
      if (signal.aborted) throw signal.reason;
      // Coordination is an optimisation: without Redis this client simply fetches on its own.
      const failure = RedisCoordinatorError.from('claim', error);
      // A background claim that was only slow (a busy refresh wave, nobody waiting for it) is not
      // an outage: resting would send every other key due in the next `retryInterval` to its own
      // fetch. Errors, and slowness that a caller waited for, do make the link rest.
      if (background && failure.timedOut) this.#health.warn(failure);
      else this.#health.failed(failure);
      return noop;
    }
  }

  publish(key: TokenKey, record: TokenRecord): void {
    if (this.#closed) return;
    const timed = timeRecord(record);
    if (!timed) return;
    const id = keyId(key);
    this.#remember(id, timed);
    if (!this.#health.available) return;
    const holding = this.#holdings.get(id);
    const sharing = this.#bumping.then(() => this.#share(key, timed, holding?.fence ?? ''));
    if (holding) holding.sharing = sharing;
  }

  invalidate(): void {
    if (this.#closed) return;
    this.#forget();
    const { names } = this.#settings;
    this.#bumping = this.#bumping.then(() =>
      this.#call('invalidate', INVALIDATE, [names.epoch], [this.#epoch ?? '', names.channel, this.#id, this.#publishCommand]).then(
        (bumped) => {
          this.#health.succeeded();
          if (typeof bumped === 'number') this.#epoch = Math.max(this.#epoch ?? 0, bumped);
        },
        // The others are not told; their tokens run out on their own (see README, failure behaviour).
        (error: unknown) => this.#health.failed(error),
      ),
    );
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#subscription.close();
    for (const stop of this.#renewals) stop();
    if (this.#catchUpRetry !== undefined) this.#settings.timers.clearTimeout(this.#catchUpRetry);
    this.#health.stop();
    this.#wakeAll();
  }

  /** The acquire protocol; throws only on Redis failures and aborts. */
  async #coordinate(key: TokenKey, id: string, signal: AbortSignal, mayWait: boolean): Promise<() => void> {
    await this.#bumping;
    const { timers, waitTimeout, lockTtl } = this.#settings;
    const startJwt = this.#known.get(id)?.token;
    // The stored token we have already looked at (or hold): finding it again means "not refreshed yet".
    let judged = startJwt ?? '';
    // A background refresh (the client still serves its token) first waits a random moment: every
    // instance reaches the refresh point of a shared token at the same instant, and the first to
    // claim usually delivers before the others' turn, so they never touch Redis for this key.
    const spread = mayWait ? this.#spread(id) : 0;
    if (spread > 0) {
      const waiter = createWaiter();
      this.#addWaiter(id, waiter);
      this.#spreading++;
      try {
        await this.#wait(waiter, this.#settings.random() * spread, signal);
      } finally {
        this.#spreading--;
        this.#removeWaiter(id, waiter);
      }
      if (this.#delivered(id, startJwt) || this.#closed) return noop;
    }
    let current: Waiter | undefined;
    let deadlinePassed = false;
    const deadline = timers.setTimeout(() => {
      deadlinePassed = true;
      current?.wake();
    }, waitTimeout);
    try {
      for (let reads = 0; ; ) {
        const waiter = createWaiter();
        current = waiter;
        // Listening before the claim: a token announced while the claim travels is not missed.
        this.#addWaiter(id, waiter);
        try {
          const fence = `${this.#id}:${++this.#fences}`;
          const claim = await this.#claim(key, judged, fence);
          if (claim.state === 'won') {
            if (signal.aborted || this.#closed) {
              this.#release(key, fence, true);
              if (signal.aborted) throw signal.reason;
              return noop;
            }
            return this.#hold(key, id, fence, signal);
          }
          if (signal.aborted) throw signal.reason;
          if (this.#closed) return noop;
          if (claim.state === 'stored') {
            // Read before a sign-out this link has applied since (its announcement or the epoch
            // read overtook the reply): the token belongs to the ended session.
            if (claim.epoch < (this.#epoch ?? claim.epoch)) return noop;
            const stored = claim.stored as SharedRecord;
            this.#adopt(key, id, stored);
            if (this.#delivered(id, startJwt)) return noop;
            judged = stored.token;
            if (++reads >= MAX_STORED_READS) return noop;
            continue;
          }
          // Another instance is refreshing: wait for its token, its release, or its lock's expiry.
          // Until our subscription is confirmed its announcement could be missed: ask again soon.
          const untilExpiry = claim.pttl > 0 ? claim.pttl + LOCK_EXPIRY_SLACK : lockTtl;
          const losses = this.#losses;
          await this.#wait(waiter, this.#subscription.confirmed ? untilExpiry : Math.min(untilExpiry, UNSUBSCRIBED_POLL), signal);
          if (this.#delivered(id, startJwt) || deadlinePassed || this.#closed) return noop;
          // Redis went away meanwhile (the holder's token would not reach us): fetch now, not at expiry.
          if (this.#losses !== losses || !this.#health.available) return noop;
          judged = this.#known.get(id)?.token ?? judged;
        } finally {
          this.#removeWaiter(id, waiter);
        }
      }
    } finally {
      timers.clearTimeout(deadline);
    }
  }

  /** One atomic read-or-lock. A sign-out seen in its answer is applied before anything else. */
  async #claim(key: TokenKey, judged: string, fence: string): Promise<Claim> {
    const { names, lockTtl, redis, timers, timeout } = this.#settings;
    let late: Promise<unknown> | undefined;
    let reply: unknown;
    try {
      reply = await withTimeout(timers, timeout, 'claim', (abandoned) => {
        late = runScript(redis, CLAIM, [names.token(key), names.lock(key), names.epoch], [this.#epoch ?? '', judged, fence, lockTtl], abandoned);
        return late;
      });
    } catch (error) {
      // The claim may still run late (clients queue commands while reconnecting, a cluster
      // redirects them after a failover): if it took the lock after all, release it behind the
      // claim's own answer, so the release can never overtake it.
      late?.then((lateReply) => {
        if (claimWon(lateReply)) this.#release(key, fence, true);
      }, noop);
      throw error;
    }
    const claim = readClaim(reply);
    this.#health.succeeded();
    this.#syncEpoch(claim.epoch, false);
    return claim;
  }

  /**
   * The lock is ours until the client's fetch settles or the attempt is aborted, and is renewed
   * until it is freed (see {@link RedisLink.#renew}).
   */
  #hold(key: TokenKey, id: string, fence: string, signal: AbortSignal): () => void {
    const holding: Holding = { fence, sharing: undefined };
    this.#holdings.set(id, holding);
    const stopRenewing = this.#renew(key, fence);
    let released = false;
    const release = () => {
      if (released) return;
      released = true;
      signal.removeEventListener('abort', release);
      if (this.#holdings.get(id) === holding) this.#holdings.delete(id);
      const sharing = holding.sharing;
      if (!sharing) {
        stopRenewing();
        // No token to share (the fetch failed, or was skipped): the waiters must hear the lock is
        // free, so one of them takes over at once instead of at the lock's expiry.
        this.#release(key, fence, true);
        return;
      }
      // Stored and announced, the waiters have the token; the lock went with the same script.
      void sharing.then((freed) => {
        stopRenewing();
        if (!freed) this.#release(key, fence, true);
      });
    };
    signal.addEventListener('abort', release, { once: true });
    return release;
  }

  /**
   * Keeps a lock we hold alive while we work: every third of `lockTtl` it is extended, up to
   * `waitTimeout` from the claim in all (as long as the others would wait for us anyway). A holder
   * that is alive but slow (a slow token endpoint, a host busy with a refresh wave) would otherwise
   * lose its lock mid-fetch, and the next claimant would fetch the same key a second time; one that
   * crashed or froze stops renewing, and its lock expires within `lockTtl` as before. Returns the
   * stop, called once the lock is freed.
   */
  #renew(key: TokenKey, fence: string): () => void {
    const { timers, lockTtl, waitTimeout, names } = this.#settings;
    const step = lockTtl / 3;
    const claimedAt = this.#host.now();
    // When the lock runs out, ms after the claim, as last set.
    let expiresAt = lockTtl;
    let stopped = false;
    let timer: ReturnType<TimerProvider['setTimeout']> | undefined;
    const schedule = () => {
      if (stopped || this.#closed || expiresAt >= waitTimeout) return;
      timer = timers.setTimeout(tick, step);
      unrefTimer(timer);
    };
    const tick = () => {
      timer = undefined;
      if (stopped || this.#closed) return;
      // Timers fire late and replies take time: the horizon is read on the clock, not counted in steps.
      const elapsed = this.#host.now() - claimedAt;
      const ttl = Math.ceil(Math.min(lockTtl, waitTimeout - elapsed));
      if (ttl <= 0) return;
      expiresAt = elapsed + ttl;
      this.#call('renew', RENEW, [names.lock(key)], [fence, ttl]).then(
        (renewed) => {
          this.#health.succeeded();
          // 0: the lock is not ours any more (it expired and was taken, or was freed).
          if (renewed === 1) schedule();
        },
        (error: unknown) => {
          // Only slow: the next renewal may still land in time. An error leaves the lock to expire.
          if (this.#writeFailed('renew', error).timedOut) schedule();
        },
      );
    };
    const stop = () => {
      stopped = true;
      this.#renewals.delete(stop);
      if (timer !== undefined) timers.clearTimeout(timer);
    };
    this.#renewals.add(stop);
    schedule();
    return stop;
  }

  #release(key: TokenKey, fence: string, announce: boolean): void {
    const { names } = this.#settings;
    const message = announce ? unlockMessage(key) : '';
    this.#call('release', RELEASE, [names.lock(key)], [fence, names.channel, message, this.#publishCommand]).then(
      () => this.#health.succeeded(),
      (error: unknown) => this.#writeFailed('release', error),
    );
  }

  /**
   * Stores the token for the fleet until its cutoff, announces it, and frees our lock (`fence`) in
   * the same step. Resolves true when the token was stored (and so the lock freed).
   */
  async #share(key: TokenKey, timed: TimedToken, fence: string): Promise<boolean> {
    const epoch = this.#epoch;
    // Never spoken to Redis: the first acquire learns the epoch; sharing waits for that.
    if (epoch === undefined || this.#closed) return false;
    const px = Math.floor(timed.expiresAt - this.#host.minValidity * 1000 - this.#host.now());
    // Redis must never hand out a token that is already below the cutoff.
    if (px <= 0) return false;
    const { names } = this.#settings;
    const { token, expiresAt, issuedAt } = timed;
    try {
      const reply = await this.#call(
        'publish',
        PUBLISH,
        [names.token(key), names.epoch, names.lock(key)],
        [epoch, token, px, names.channel, tokenMessage(epoch, key, { token, expiresAt, issuedAt }), fence, expiresAt, issuedAt, this.#publishCommand],
      );
      this.#health.succeeded();
      const [current, stored] = Array.isArray(reply) ? (reply as unknown[]) : [];
      if (typeof current === 'number') this.#syncEpoch(current, false);
      return stored === 1;
    } catch (error) {
      this.#writeFailed('publish', error);
      return false;
    }
  }

  /**
   * A store-and-announce, a release or a renewal that failed (returned, classified). Nobody waits on these writes: one that was only
   * slow (a refresh wave queueing thousands of scripts) is a busy Redis, not an outage, and resting
   * would send every key due in the next `retryInterval` to its own fetch, making the wave bigger.
   * Errors, and slow claims a caller waited for, still make the link rest.
   */
  #writeFailed(operation: string, error: unknown): RedisCoordinatorError {
    const failure = RedisCoordinatorError.from(operation, error);
    if (failure.timedOut) this.#health.warn(failure);
    else this.#health.failed(failure);
    return failure;
  }

  /**
   * Offers a token from another instance to the client, if it is news: fresher than what the client
   * is known to hold and still above the cutoff. The client's door validates and keeps it monotonic.
   */
  #adopt(key: TokenKey, id: string, shared: SharedRecord): void {
    const timed = timeShared(shared);
    if (!timed) return;
    if (timed.expiresAt - this.#host.now() <= this.#host.minValidity * 1000) return;
    const known = this.#known.get(id);
    // Re-offering the token the client already has would look like a delivery to a forced refresh.
    if (known && (known.token === timed.token || compareTimed(timed, known) <= 0)) return;
    let accepted = false;
    try {
      accepted = this.#host.offer(key, { token: timed.token, expiresAt: timed.expiresAt, issuedAt: timed.issuedAt || undefined });
    } catch {
      accepted = false;
    }
    if (accepted) this.#remember(id, timed);
  }

  /**
   * Whether the client now holds a token for `id` that came after `startJwt` and is not yet due:
   * the client re-checks its cache after `acquire` and skips its fetch exactly then. A due token
   * (inside its refresh window) does not count, or the client would fetch without the lock.
   */
  #delivered(id: string, startJwt: string | undefined): boolean {
    const known = this.#known.get(id);
    if (!known || known.token === startJwt) return false;
    const { expiresAt, issuedAt } = known;
    const now = this.#host.now();
    // Without an issue time, count the life from now (the margin is then at most what is left).
    const lifetime = (expiresAt - (issuedAt > 0 ? issuedAt : now)) / 1000;
    const refreshAt = expiresAt - this.#settings.refreshMargin(lifetime) * 1000;
    return now < refreshAt && now < expiresAt - this.#host.minValidity * 1000;
  }

  /**
   * How long a refresh of `id` may be spread, ms: `refreshSpread`, or longer in a wave of many keys
   * ({@link WAVE_PACE} per key), and at most a quarter of the time the client's token is still
   * served (none when it has none: someone is waiting).
   */
  #spread(id: string): number {
    const known = this.#known.get(id);
    if (!known || this.#settings.refreshSpread <= 0) return 0;
    const servedFor = known.expiresAt - this.#host.minValidity * 1000 - this.#host.now();
    if (servedFor <= 0) return 0;
    return Math.min(Math.max(this.#settings.refreshSpread, (this.#spreading + 1) * WAVE_PACE), servedFor / 4);
  }

  #remember(id: string, timed: TimedToken): void {
    this.#known.set(id, timed);
    if (this.#known.size < this.#sweepAt) return;
    // Keys the client stopped reading leave their entries behind; drop the expired ones.
    const now = this.#host.now();
    for (const [knownId, known] of this.#known) if (known.expiresAt <= now) this.#known.delete(knownId);
    this.#sweepAt = Math.max(1024, this.#known.size * 2);
  }

  /**
   * Applies the namespace epoch seen in Redis. Higher than ours means another instance signed out:
   * sign out here too. The first reading only sets the baseline (unless it arrives as a live
   * announcement, which is a sign-out happening now).
   */
  #syncEpoch(remote: number, announced: boolean): void {
    const mine = this.#epoch;
    if (mine !== undefined && remote <= mine) return;
    this.#epoch = remote;
    if (mine === undefined && !announced) return;
    this.#forget();
    try {
      this.#host.signOut();
    } catch {
      // The client is being destroyed; nothing left to sign out.
    }
  }

  #forget(): void {
    this.#known.clear();
    this.#wakeAll();
  }

  readonly #onMessage = (raw: string): void => {
    if (this.#closed) return;
    const message: RedisMessage | undefined = readMessage(raw);
    if (!message) return;
    if (message.type === 'epoch') {
      if (message.from !== this.#id) this.#syncEpoch(message.epoch, true);
      return;
    }
    const id = keyId(message.key);
    if (message.type === 'unlock') {
      this.#wakeKey(id);
      return;
    }
    if (this.#epoch === undefined || message.epoch < this.#epoch) return;
    if (message.epoch > this.#epoch) {
      // Stored after a sign-out we missed (Redis was away when it was announced).
      this.#syncEpoch(message.epoch, true);
      return;
    }
    // Only keys this client uses: a token for a key it never read would only fill its cache.
    if (!this.#known.has(id) && !this.#waiters.has(id)) return;
    this.#adopt(message.key, id, message.shared);
    this.#wakeKey(id);
  };

  /**
   * The pub/sub connection dropped: announcements are lost from now on, so nobody may sit waiting
   * for one. The waiters wake and, Redis being away, fetch on their own at once.
   */
  readonly #onSubscription = (up: boolean): void => {
    if (this.#closed) return;
    if (up) {
      this.#catchUp();
      return;
    }
    this.#losses++;
    this.#health.warn(new RedisCoordinatorError('subscribe', 'Redis pub/sub connection lost', false));
    this.#wakeAll();
  };

  /**
   * The subscription was just confirmed (at start-up, or again after the pub/sub connection
   * dropped): a sign-out announced before this moment was not heard, and the epoch this link read
   * with its claims may predate it. A key whose token is cached claims again only at its refresh,
   * so without this read such an instance would keep serving the ended session's tokens for up to
   * a token lifetime. Reading the epoch once the subscription is confirmed closes the gap: a bump
   * after the read is announced to us, one before it is in the reply. Behind our own sign-out in
   * progress, so its bump is not taken for someone else's.
   */
  #catchUp(): void {
    if (this.#catchUpRetry !== undefined) {
      this.#settings.timers.clearTimeout(this.#catchUpRetry);
      this.#catchUpRetry = undefined;
    }
    const { names, retryInterval, timers } = this.#settings;
    void this.#bumping
      .then(() => this.#call('subscribe', EPOCH, [names.epoch], [this.#epoch ?? '']))
      .then(
        (current) => {
          if (this.#closed) return;
          this.#health.succeeded();
          if (typeof current === 'number') this.#syncEpoch(current, false);
        },
        (error: unknown) => {
          if (this.#closed) return;
          // Off the getToken() path: reported, and tried again while the subscription holds.
          this.#health.warn(RedisCoordinatorError.from('subscribe', error));
          this.#catchUpRetry = timers.setTimeout(() => {
            this.#catchUpRetry = undefined;
            if (!this.#closed && this.#subscription.confirmed) this.#catchUp();
          }, Math.max(retryInterval, 100));
          unrefTimer(this.#catchUpRetry);
        },
      );
  }

  #wait(waiter: Waiter, ms: number, signal: AbortSignal): Promise<void> {
    return new Promise((resolve, reject) => {
      const { timers } = this.#settings;
      let settled = false;
      const finish = (outcome: () => void) => {
        if (settled) return;
        settled = true;
        timers.clearTimeout(timer);
        signal.removeEventListener('abort', onAbort);
        outcome();
      };
      const onAbort = () => finish(() => reject(signal.reason));
      const timer = timers.setTimeout(() => finish(resolve), ms);
      signal.addEventListener('abort', onAbort, { once: true });
      void waiter.woken.then(() => finish(resolve));
    });
  }

  #call(operation: string, script: LuaScript, keys: string[], args: RedisArgument[]): Promise<unknown> {
    const { redis, timers, timeout } = this.#settings;
    return withTimeout(timers, timeout, operation, () => runScript(redis, script, keys, args));
  }

  #addWaiter(id: string, waiter: Waiter): void {
    let waiters = this.#waiters.get(id);
    if (!waiters) {
      waiters = new Set();
      this.#waiters.set(id, waiters);
    }
    waiters.add(waiter);
  }

  #removeWaiter(id: string, waiter: Waiter): void {
    const waiters = this.#waiters.get(id);
    if (!waiters) return;
    waiters.delete(waiter);
    if (waiters.size === 0) this.#waiters.delete(id);
  }

  #wakeKey(id: string): void {
    for (const waiter of this.#waiters.get(id) ?? []) waiter.wake();
  }

  #wakeAll(): void {
    for (const waiters of this.#waiters.values()) for (const waiter of waiters) waiter.wake();
  }
}

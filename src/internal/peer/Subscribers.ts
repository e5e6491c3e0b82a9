import type * as Chunk from "effect/Chunk"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Mailbox from "effect/Mailbox"
import type * as Scheduler from "effect/Scheduler"
import { PeerError } from "../../peer/PeerError.js"

interface Subscriber<A> {
  readonly tags: ReadonlySet<string> | undefined
  readonly mailbox: Mailbox.Mailbox<A, PeerError>
  /**
   * Sizes of the messages in the mailbox, oldest first: `sizes[head..tail)`. Once drained, a small
   * array is kept and written over rather than replaced: a new one per message grew a fresh backing
   * store that lived until the next message, one object per subscriber outliving every young GC in
   * between. One grown past `KEEP_SIZES` by a burst is dropped, so an idle subscriber does not pin it.
   */
  sizes: Array<number>
  head: number
  tail: number
  bytes: number
  /** The consumer parked in `next` on an empty mailbox: resumed (with the mailbox's `takeAll`) by the next offer or end. */
  waiting: ((take: Effect.Effect<Batch<A>, PeerError>) => void) | undefined
}

/** The most sizes a drained subscriber keeps room for (see `Subscriber.sizes`). */
const KEEP_SIZES = 64

/** What a mailbox's `takeAll` gives: every message buffered, and whether the mailbox is done. */
type Batch<A> = readonly [messages: Chunk.Chunk<A>, done: boolean]

/**
 * A subscription: `next` takes every message buffered (waiting for one),
 * `taken(n)` when the consumer took the `n` oldest messages, `remove` to end it.
 */
export interface Subscription<A> {
  /** The mailbox's `takeAll`, with a cheaper wait when it is empty (see `Subscribers`). */
  readonly next: Effect.Effect<Batch<A>, PeerError>
  readonly taken: (count: number) => void
  readonly remove: () => void
}

/**
 * Fan-out of received messages to subscribers, each with its own bounded
 * buffer. Publishing never waits: a subscriber whose buffer is full (in
 * messages: the mailbox's capacity; or in bytes: `maxBytes`) is cut off (its
 * stream fails with `SubscriberLagged` after the buffered messages), so one
 * slow consumer can stall neither the reader, nor pings, nor the other
 * subscribers, and it learns that it missed messages. Used by each peer and
 * by the network-wide dispatcher (which counts messages only: it publishes
 * with no size).
 *
 * The byte count needs the consumer's help: the stream that drains a
 * mailbox reports what it took (`taken`), and the oldest sizes are dropped.
 * A message alone in an empty buffer is always taken, whatever its size.
 *
 * Waiting: a consumer that finds its mailbox empty parks in an `Effect.async`
 * that `publish` (or the end) resumes at once with the mailbox's `takeAll`,
 * rather than parking in `takeAll` itself. The mailbox wakes its
 * own takers from a scheduled task, and its wait is an interruptible async
 * with a finalizer: per message a subscriber that keeps up (a broadcast inv,
 * one per peer) paid ~3 µs more of main-thread CPU that way (200 parked
 * fibers woken once each: ~6.5 µs against ~3.5 µs per wake). The mailbox still
 * holds the messages, bounds them and ends or fails the stream. A second
 * consumer of the same subscription, running while the first waits, waits in
 * `takeAll` as before.
 *
 * @internal
 */
export class Subscribers<A> {
  private readonly subs = new Set<Subscriber<A>>()
  constructor(private readonly tagOf: (a: A) => string, private readonly maxBytes = Number.POSITIVE_INFINITY) {}

  /** How many subscribers there are (for tests: a subscription ended is removed). */
  get size(): number {
    return this.subs.size
  }

  add(tags: ReadonlySet<string> | undefined, mailbox: Mailbox.Mailbox<A, PeerError>): Subscription<A> {
    const sub: Subscriber<A> = { tags, mailbox, sizes: [], head: 0, tail: 0, bytes: 0, waiting: undefined }
    this.subs.add(sub)
    // No canceler: an interrupted wait leaves `waiting` behind (holding its fiber until the next
    // wake or the end), and the next wake calls it for nothing (Effect ignores a resume after the
    // interruption); a canceler costs an interruptible region per wait.
    // The check is made again here: the fiber may yield between `next`'s check and this register,
    // and a publish or end in between would find no waiter to wake. Whoever finds the slot taken
    // (a stale or a second consumer) or the mailbox not empty goes on to `takeAll` at once.
    // Resumed with `takeAll` itself (not resumed, then `takeAll`): one step fewer per wake.
    const waitThenTake = Effect.async<Batch<A>, PeerError>((resume) => {
      if (sub.waiting === undefined && isOpenAndEmpty(mailbox)) sub.waiting = resume
      else resume(mailbox.takeAll)
    })
    return {
      next: Effect.suspend(() => sub.waiting === undefined && isOpenAndEmpty(mailbox) ? waitThenTake : mailbox.takeAll),
      taken: (count) => {
        const sizes = sub.sizes
        const end = Math.min(sub.head + count, sub.tail)
        for (let i = sub.head; i < end; i++) sub.bytes -= sizes[i]!
        sub.head = end
        if (end === sub.tail) {
          sub.head = 0
          sub.tail = 0
          if (sizes.length > KEEP_SIZES) sub.sizes = []
        } else if (end > 1024 && end * 2 > sub.tail) {
          sizes.copyWithin(0, end, sub.tail)
          sub.tail -= end
          sub.head = 0
        }
      },
      remove: () => {
        this.subs.delete(sub)
        mailbox.unsafeDone(Exit.void)
        wake(sub)
      }
    }
  }

  /** Offers `a` (of `bytes`, if it has a size) to every subscriber of its tag. */
  publish(a: A, bytes?: number): void {
    if (this.subs.size === 0) return
    const tag = this.tagOf(a)
    for (const sub of this.subs) {
      if (sub.tags !== undefined && !sub.tags.has(tag)) continue
      if (bytes !== undefined && sub.bytes > 0 && sub.bytes + bytes > this.maxBytes) {
        this.cutOff(sub, `${sub.bytes} bytes buffered, ${this.maxBytes} allowed; ${tag} and later messages missed`)
      } else if (!sub.mailbox.unsafeOffer(a)) {
        this.cutOff(sub, `buffer full; ${tag} and later messages missed`)
      } else {
        if (bytes !== undefined) {
          sub.sizes[sub.tail++] = bytes
          sub.bytes += bytes
        }
        wake(sub)
      }
    }
  }

  endAll(): void {
    for (const sub of this.subs) {
      sub.mailbox.unsafeDone(Exit.void)
      wake(sub)
    }
    this.subs.clear()
  }

  private cutOff(sub: Subscriber<A>, detail: string): void {
    this.subs.delete(sub)
    sub.mailbox.unsafeDone(Exit.fail(new PeerError({ reason: "SubscriberLagged", detail })))
    wake(sub)
  }
}

/** Resumes the consumer waiting for `sub`'s mailbox, if one is. */
const wake = <A>(sub: Subscriber<A>): void => {
  const waiting = sub.waiting
  if (waiting === undefined) return
  sub.waiting = undefined
  waiting(sub.mailbox.takeAll)
}

/** Open with nothing buffered: a taker would wait. (A done mailbox has no size.) */
const isOpenAndEmpty = <A, E>(mailbox: Mailbox.Mailbox<A, E>): boolean => {
  const size = mailbox.unsafeSize()
  return size._tag === "Some" && size.value === 0
}

/**
 * Runs a task at once. A subscription's mailbox schedules a task on every
 * offer to wake its takers; its consumer waits outside it (above), so the
 * task nearly always finds none, and a scheduled one cost a promise and its
 * reaction per offer. A taker it does find (a second consumer) is resumed
 * through its own fiber's scheduler, not run here.
 */
const atOnce: Scheduler.Scheduler = {
  scheduleTask: (task) => task(),
  shouldYield: () => false
}

/** A subscriber's mailbox: `capacity` messages, dropping (`publish` cuts off a subscriber it cannot take). @internal */
export const makeMailbox = <A>(capacity: number): Effect.Effect<Mailbox.Mailbox<A, PeerError>> =>
  Effect.withScheduler(Mailbox.make<A, PeerError>({ capacity, strategy: "dropping" }), atOnce)

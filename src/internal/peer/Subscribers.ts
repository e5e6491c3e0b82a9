import * as Exit from "effect/Exit"
import * as Mailbox from "effect/Mailbox"
import { PeerError } from "../../peer/PeerError.js"

interface Subscriber<A> {
  readonly tags: ReadonlySet<string> | undefined
  readonly mailbox: Mailbox.Mailbox<A, PeerError>
  /** Sizes of the messages in the mailbox, oldest first (from `head`). */
  sizes: Array<number>
  head: number
  bytes: number
}

/** A subscription: `taken(n)` when the consumer took the `n` oldest messages, `remove` to end it. */
export interface Subscription {
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
 * @internal
 */
export class Subscribers<A> {
  private readonly subs = new Set<Subscriber<A>>()
  constructor(private readonly tagOf: (a: A) => string, private readonly maxBytes = Number.POSITIVE_INFINITY) {}

  /** How many subscribers there are (for tests: a subscription ended is removed). */
  get size(): number {
    return this.subs.size
  }

  add(tags: ReadonlySet<string> | undefined, mailbox: Mailbox.Mailbox<A, PeerError>): Subscription {
    const sub: Subscriber<A> = { tags, mailbox, sizes: [], head: 0, bytes: 0 }
    this.subs.add(sub)
    return {
      taken: (count) => {
        const end = Math.min(sub.head + count, sub.sizes.length)
        for (let i = sub.head; i < end; i++) sub.bytes -= sub.sizes[i]!
        sub.head = end
        if (sub.head === sub.sizes.length) {
          sub.sizes = []
          sub.head = 0
        } else if (sub.head > 1024 && sub.head * 2 > sub.sizes.length) {
          sub.sizes = sub.sizes.slice(sub.head)
          sub.head = 0
        }
      },
      remove: () => {
        this.subs.delete(sub)
        mailbox.unsafeDone(Exit.void)
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
      } else if (bytes !== undefined) {
        sub.sizes.push(bytes)
        sub.bytes += bytes
      }
    }
  }

  endAll(): void {
    for (const sub of this.subs) sub.mailbox.unsafeDone(Exit.void)
    this.subs.clear()
  }

  private cutOff(sub: Subscriber<A>, detail: string): void {
    this.subs.delete(sub)
    sub.mailbox.unsafeDone(Exit.fail(new PeerError({ reason: "SubscriberLagged", detail })))
  }
}

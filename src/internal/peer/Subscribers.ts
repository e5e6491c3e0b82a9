import * as Exit from "effect/Exit"
import * as Mailbox from "effect/Mailbox"
import { PeerError } from "../../peer/PeerError.js"

interface Subscriber<A> {
  readonly tags: ReadonlySet<string> | undefined
  readonly mailbox: Mailbox.Mailbox<A, PeerError>
}

/**
 * Fan-out of received messages to subscribers, each with its own bounded
 * buffer. Publishing never waits: a subscriber whose buffer is full is cut
 * off (its stream fails with `SubscriberLagged` after the buffered messages),
 * so one slow consumer can stall neither the reader, nor pings, nor the
 * other subscribers, and it learns that it missed messages. Used by each
 * peer and by the network-wide dispatcher.
 *
 * @internal
 */
export class Subscribers<A> {
  private readonly subs = new Set<Subscriber<A>>()
  constructor(private readonly tagOf: (a: A) => string) {}

  add(tags: ReadonlySet<string> | undefined, mailbox: Mailbox.Mailbox<A, PeerError>): () => void {
    const sub: Subscriber<A> = { tags, mailbox }
    this.subs.add(sub)
    return () => {
      this.subs.delete(sub)
      mailbox.unsafeDone(Exit.void)
    }
  }

  publish(a: A): void {
    if (this.subs.size === 0) return
    const tag = this.tagOf(a)
    for (const sub of this.subs) {
      if (sub.tags !== undefined && !sub.tags.has(tag)) continue
      if (!sub.mailbox.unsafeOffer(a)) {
        this.subs.delete(sub)
        sub.mailbox.unsafeDone(
          Exit.fail(new PeerError({ reason: "SubscriberLagged", detail: `buffer full; ${tag} and later messages missed` }))
        )
      }
    }
  }

  endAll(): void {
    for (const sub of this.subs) sub.mailbox.unsafeDone(Exit.void)
    this.subs.clear()
  }
}

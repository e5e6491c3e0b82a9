import * as Exit from "effect/Exit"
import * as Mailbox from "effect/Mailbox"
import { PeerError } from "../../DisconnectReason.js"
import type { NetworkMessage } from "../../Message.js"

interface Subscriber {
  readonly tags: ReadonlySet<string> | undefined
  readonly mailbox: Mailbox.Mailbox<NetworkMessage, PeerError>
}

/**
 * Fan-out of received messages to subscribers, each with its own bounded
 * buffer. Publishing never waits: a subscriber whose buffer is full is cut
 * off (its stream fails with `SubscriberLagged` after the buffered messages),
 * so one slow consumer can stall neither the reader, nor pings, nor the
 * other subscribers, and it learns that it missed messages.
 *
 * @internal
 */
export class Subscribers {
  private readonly subs = new Set<Subscriber>()

  add(tags: ReadonlySet<string> | undefined, mailbox: Mailbox.Mailbox<NetworkMessage, PeerError>): () => void {
    const sub: Subscriber = { tags, mailbox }
    this.subs.add(sub)
    return () => {
      this.subs.delete(sub)
      mailbox.unsafeDone(Exit.void)
    }
  }

  publish(m: NetworkMessage): void {
    for (const sub of this.subs) {
      if (sub.tags !== undefined && !sub.tags.has(m._tag)) continue
      if (!sub.mailbox.unsafeOffer(m)) {
        this.subs.delete(sub)
        sub.mailbox.unsafeDone(
          Exit.fail(new PeerError({ reason: "SubscriberLagged", detail: `buffer full; ${m._tag} and later messages missed` }))
        )
      }
    }
  }

  endAll(): void {
    for (const sub of this.subs) sub.mailbox.unsafeDone(Exit.void)
    this.subs.clear()
  }
}

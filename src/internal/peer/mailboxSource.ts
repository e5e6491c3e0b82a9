/**
 * A subscription stream that also carries how to take from its subscription, so that an
 * internal consumer can take from the mailbox directly instead of running the
 * stream. The registry runs every connected peer's handlers this way: running
 * a `Stream` sets up a channel executor per run, which for a connection that
 * lives a few milliseconds and receives a handful of messages cost more than
 * everything else the network layer does for it (churn, measured: ~500 µs of
 * main-thread CPU per connection). Any other stream, or this one piped
 * further, is run as a stream.
 *
 * @internal
 */
import * as Channel from "effect/Channel"
import * as Chunk from "effect/Chunk"
import * as Effect from "effect/Effect"
import * as Stream from "effect/Stream"

const MailboxSourceKey: unique symbol = Symbol.for("effect-bitcoin-p2p/internal/MailboxSource")

/** How to take from the mailbox behind a subscription stream, and what to tell the subscription when messages are taken. */
export interface MailboxSource<A, E> {
  /** Every message buffered, waiting for one (a mailbox's `takeAll`, or a subscription's `next`), and whether it ended. */
  readonly next: Effect.Effect<readonly [messages: Chunk.Chunk<A>, done: boolean], E>
  /** Called with how many messages were taken, before they are handled (as the stream does). */
  readonly taken: (count: number) => void
}

/** `stream`, marked as reading `source`: the stream itself is unchanged. */
export const withMailboxSource = <A, E>(stream: Stream.Stream<A, E>, source: MailboxSource<A, E>): Stream.Stream<A, E> =>
  Object.assign(stream, { [MailboxSourceKey]: source })

/**
 * A subscription's stream: every batch the mailbox holds, reported `taken`
 * and emitted as one chunk; ends when the mailbox is done and drained, fails
 * as it fails; carries its source (`runForEach`). The channel reads the
 * mailbox itself rather than mapping `Mailbox.toStream`'s chunks: a stream
 * run pays per pull for every channel layer an element crosses, and a
 * subscriber that keeps up pulls once per message (a broadcast inv to 200
 * peers: one pull each).
 */
export const subscriptionStream = <A, E>(source: MailboxSource<A, E>): Stream.Stream<A, E> => {
  const { next: take, taken } = source
  const next = (): Channel.Channel<Chunk.Chunk<A>, unknown, E, unknown, void, unknown> => loop
  const loop: Channel.Channel<Chunk.Chunk<A>, unknown, E, unknown, void, unknown> = Channel.flatMap(
    Channel.fromEffect(take),
    ([chunk, done]) => {
      taken(chunk.length)
      if (!done) return Channel.flatMap(Channel.write(chunk), next)
      return chunk.length === 0 ? Channel.void : Channel.write(chunk)
    }
  )
  return withMailboxSource(Stream.fromChannel(loop), source)
}

/**
 * `Stream.runForEach`, taking from the mailbox directly when `stream` carries
 * one: each batch the mailbox holds is reported taken, then handled in order;
 * ends when the mailbox is done and drained, fails as it fails.
 *
 * A loop of `flatMap`s built once, not a generator: a consumer that keeps up
 * takes one message per wake (a broadcast inv), and a generator's step
 * allocated an iterator per `yield*` and kept its last batch alive in its
 * suspended frame while it waited, so that every message a parked consumer
 * had handled outlived the young GCs until the next one came.
 */
export const runForEach = <A, E, E2 = never, R = never>(
  stream: Stream.Stream<A, E>,
  f: (a: A) => Effect.Effect<void, E2, R>
): Effect.Effect<void, E | E2, R> => {
  const source = (stream as { readonly [MailboxSourceKey]?: MailboxSource<A, E> })[MailboxSourceKey]
  if (source === undefined) return Stream.runForEach(stream, f)
  const { next, taken } = source
  // `Effect.forEach` passes each element's index too: a handler with optional parameters
  // (`Effect.log`) would see it, where `Stream.runForEach` passes the element alone.
  const handle = (a: A) => f(a)
  const again = (): Effect.Effect<void, E | E2, R> => loop
  const loop: Effect.Effect<void, E | E2, R> = Effect.flatMap(next, (batch) => {
    const chunk = batch[0]
    taken(chunk.length)
    const handled = chunk.length === 1 ? f(Chunk.unsafeHead(chunk)) : Effect.forEach(chunk, handle, { discard: true })
    return batch[1] ? handled : Effect.flatMap(handled, again)
  })
  return loop
}

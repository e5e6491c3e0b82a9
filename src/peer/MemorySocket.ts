/**
 * An in-memory `Socket` pair: what one side writes, the other reads. It
 * behaves like a TCP connection where it matters to a peer: writes suspend
 * when the reader falls `capacity` chunks behind (backpressure), ending the
 * writer ends the other side's reads, and a `CloseEvent` tears both
 * directions down. Used by the deterministic tests (with `TestClock`) and
 * useful to anyone simulating a network in one process.
 *
 * @since 0.1.0
 */
import * as Socket from "@effect/platform/Socket"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Mailbox from "effect/Mailbox"

const encoder = new TextEncoder()

const makeSide = (inbox: Mailbox.Mailbox<Uint8Array>, outbox: Mailbox.Mailbox<Uint8Array>): Socket.Socket => {
  const run = <_, E, R>(
    handler: (data: Uint8Array) => Effect.Effect<_, E, R> | void,
    options?: { readonly onOpen?: Effect.Effect<void> | undefined }
  ): Effect.Effect<void, Socket.SocketError | E, R> =>
    Effect.gen(function*() {
      if (options?.onOpen) yield* options.onOpen
      for (;;) {
        const [chunks, done] = yield* inbox.takeAll
        for (const chunk of chunks) {
          const result = handler(chunk)
          if (Effect.isEffect(result)) yield* result
        }
        if (done) return
      }
    })

  const write = (chunk: Uint8Array | string | Socket.CloseEvent): Effect.Effect<void, Socket.SocketError> => {
    if (Socket.isCloseEvent(chunk)) {
      return Effect.sync(() => {
        outbox.unsafeDone(Exit.void)
        inbox.unsafeDone(Exit.void)
      })
    }
    const bytes = typeof chunk === "string" ? encoder.encode(chunk) : chunk
    return Effect.flatMap(outbox.offer(bytes), (accepted) =>
      accepted ? Effect.void : Effect.fail(new Socket.SocketGenericError({ reason: "Write", cause: new Error("socket closed") })))
  }

  return Socket.Socket.of({
    [Socket.TypeId]: Socket.TypeId,
    run,
    runRaw: run as Socket.Socket["runRaw"],
    writer: Effect.acquireRelease(Effect.succeed(write), () => Effect.sync(() => outbox.unsafeDone(Exit.void)))
  })
}

/**
 * Two connected sockets. `capacity` bounds the chunks in flight per direction
 * (default 64); a writer beyond it waits for the reader.
 *
 * @since 0.1.0
 * @category constructors
 */
export const makePair = (options: { readonly capacity?: number } = {}): Effect.Effect<readonly [Socket.Socket, Socket.Socket]> =>
  Effect.gen(function*() {
    const aToB = yield* Mailbox.make<Uint8Array>({ capacity: options.capacity ?? 64 })
    const bToA = yield* Mailbox.make<Uint8Array>({ capacity: options.capacity ?? 64 })
    return [makeSide(bToA, aToB), makeSide(aToB, bToA)] as const
  })

import * as Socket from "@effect/platform/Socket"
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import type * as Fiber from "effect/Fiber"
import * as FiberId from "effect/FiberId"
import * as Runtime from "effect/Runtime"
import type * as Scope from "effect/Scope"
import type * as Net from "node:net"
import { DirectClose, DirectRead, DirectWrite } from "../peer/DirectWrite.js"
import { isPieces, type Pieces } from "../peer/pieces.js"

const ignoreError = (): void => {}

/** The empty write that reports when the stream is done with the writes before it. */
const NO_BYTES = new Uint8Array(0)

/**
 * The `@effect/platform` `Socket` over one connected `node:net` socket, with
 * nothing per connection but this object and four listeners while it runs.
 *
 * `NodeSocket.fromDuplex` gives the same interface, but builds a scope, a
 * `FiberSet`, its runtime and a latch for every `run`, and forks a fiber
 * for every effect a handler returns; for a peer that lives a few
 * milliseconds (a handshake, a refused inbound) that was most of the cost
 * of the connection. Here:
 *
 * - `run` is one `Effect.async`: `data` calls the handler in the callback;
 *   the remote's orderly end (FIN) completes it, an `error` fails it
 *   (`Read`, with Node's error: `ECONNRESET` for a reset), a `close`
 *   without either fails it (`Close`, 1006 after an error, else 1000).
 *   Interrupting it detaches the listeners and leaves the connection open.
 * - Backpressure: while an effect returned by the handler is pending, the
 *   connection is paused, at once, in the data callback (no more reads, so
 *   TCP pushes back on the sender); it resumes when the last one is done. A
 *   failing handler effect fails the run.
 * - `writer`'s write of bytes fails (`Write`) on a connection that has
 *   ended rather than waiting; a `CloseEvent` destroys the connection (with
 *   an error for a code above 1000). Closing the writer's scope ends our
 *   side (FIN) if it still can.
 * - `DirectRead`, `DirectWrite` and `DirectClose`: a peer reads, writes
 *   and closes with no fiber for its read loop, a write or its close.
 *   `DirectWrite` takes `Pieces` (a large v2 packet) corked, so they leave
 *   in one `writev` without being joined.
 *
 * A no-op `error` listener stays for the connection's life: a late error
 * (a write after the remote reset, while nothing runs) is reported through
 * the write's callback and must not become an uncaught exception.
 *
 * @internal
 */
export class TcpSocket implements Socket.Socket, DirectRead, DirectWrite, DirectClose {
  readonly [Socket.TypeId]: Socket.TypeId = Socket.TypeId

  constructor(readonly conn: Net.Socket) {
    conn.on("error", ignoreError)
  }

  // `run`, `runRaw` and `writer` are the prototype's, not built per connection: a peer over this
  // socket uses the direct capabilities below, and an accepted connection a peer refuses uses nothing.
  run<_, E = never, R = never>(
    handler: (data: Uint8Array) => Effect.Effect<_, E, R> | void,
    options?: { readonly onOpen?: Effect.Effect<void> | undefined }
  ): Effect.Effect<void, Socket.SocketError | E, R> {
    const read = Effect.flatMap(Effect.runtime<R>(), (runtime) => this.read(handler, Runtime.runFork(runtime)))
    return options?.onOpen === undefined ? read : Effect.zipRight(options.onOpen, read)
  }

  /** Node delivers bytes only (no encoding is set): the same as `run`. */
  runRaw<_, E = never, R = never>(
    handler: (data: string | Uint8Array) => Effect.Effect<_, E, R> | void,
    options?: { readonly onOpen?: Effect.Effect<void> | undefined }
  ): Effect.Effect<void, Socket.SocketError | E, R> {
    return this.run(handler, options)
  }

  get writer(): Effect.Effect<(chunk: Uint8Array | string | Socket.CloseEvent) => Effect.Effect<void, Socket.SocketError>, never, Scope.Scope> {
    return Effect.acquireRelease(
      Effect.succeed((chunk: Uint8Array | string | Socket.CloseEvent) => this.write(chunk)),
      () =>
        Effect.sync(() => {
          if (!this.conn.destroyed && !this.conn.writableEnded) this.conn.end()
        })
    )
  }

  /**
   * With nothing buffered in the stream, the bytes go without a callback: a
   * write the kernel takes at once then completes inside `write` (the
   * stream's length is back to 0) with no tick scheduled for it. One that
   * was buffered instead (the kernel's buffer is full) or failed is told
   * through an empty write queued behind it, whose callback runs once the
   * stream is done with both.
   *
   * `Pieces` (a large BIP324 packet) go corked, so out in one `writev` when
   * uncorked; `done` rides on the last (Node calls every write's callback, in
   * order, with the error if the gathered write failed).
   */
  readonly [DirectWrite] = (bytes: Uint8Array | Pieces, done: (error?: Error | null) => void): boolean => {
    const conn = this.conn
    if (conn.destroyed || conn.writableEnded) {
      done(new Error("socket closed"))
      return false
    }
    if (isPieces(bytes)) {
      const pieces = bytes.pieces
      const last = pieces.length - 1
      conn.cork()
      for (let i = 0; i < last; i++) conn.write(pieces[i]!)
      conn.write(pieces[last]!, done)
      conn.uncork()
      return false
    }
    if (conn.writableLength !== 0) {
      conn.write(bytes, done)
      return false
    }
    conn.write(bytes)
    if (conn.writableLength === 0 && conn.errored == null) return true
    conn.write(NO_BYTES, done)
    return false
  }

  /** Writes `chunk`, or fails at once on a connection that has ended (rather than waiting). */
  private send(chunk: Uint8Array | string, done: (error?: Error | null) => void): void {
    const conn = this.conn
    if (conn.destroyed || conn.writableEnded) return done(new Error("socket closed"))
    conn.write(chunk, done)
  }

  /** As a `CloseEvent` with code 1000 does. */
  readonly [DirectClose] = (): void => {
    this.conn.destroy()
  }

  private write(chunk: Uint8Array | string | Socket.CloseEvent): Effect.Effect<void, Socket.SocketError> {
    const conn = this.conn
    if (Socket.isCloseEvent(chunk)) {
      return Effect.sync(() => {
        conn.destroy(chunk.code > 1000 ? new Error(`closed with code ${chunk.code}`) : undefined)
      })
    }
    return Effect.async<void, Socket.SocketError>((resume) =>
      this.send(chunk, (cause) =>
        resume(cause == null ? Effect.void : Effect.fail(new Socket.SocketGenericError({ reason: "Write", cause }))))
    )
  }

  private read<E, R>(
    handler: (data: Uint8Array) => Effect.Effect<unknown, E, R> | void,
    runFork: (effect: Effect.Effect<unknown, E, R>) => Fiber.RuntimeFiber<unknown, E>
  ): Effect.Effect<void, Socket.SocketError | E> {
    return Effect.async<void, Socket.SocketError | E>((resume) => Effect.sync(this.listen(handler, runFork, resume)))
  }

  readonly [DirectRead] = (
    handler: (data: Uint8Array) => Effect.Effect<void> | void,
    runFork: (effect: Effect.Effect<void>) => Fiber.RuntimeFiber<void>,
    onEnd: (exit: Exit.Exit<void, Socket.SocketError>) => void
  ): () => void => this.listen(handler, runFork, onEnd)

  /** The read loop on callbacks (see the class doc); returns the function that detaches it. */
  private listen<E, R>(
    handler: (data: Uint8Array) => Effect.Effect<unknown, E, R> | void,
    runFork: (effect: Effect.Effect<unknown, E, R>) => Fiber.RuntimeFiber<unknown, E>,
    onEnd: (exit: Exit.Exit<void, Socket.SocketError | E>) => void
  ): () => void {
    const conn = this.conn
    // Handler effects in flight (only while the connection is paused: none on an idle one).
    let waiting: Set<Fiber.RuntimeFiber<unknown, E>> | undefined
    let done = false
    const finish = (exit: Exit.Exit<void, Socket.SocketError | E>) => {
      if (done) return
      detach()
      onEnd(exit)
    }
    const onData = (chunk: Uint8Array) => {
      const result = handler(chunk)
      if (result === undefined || !Effect.isEffect(result)) return
      if (waiting === undefined || waiting.size === 0) {
        waiting ??= new Set()
        conn.pause()
      }
      const fiber = runFork(result)
      waiting.add(fiber)
      fiber.addObserver((exit) => {
        waiting!.delete(fiber)
        if (Exit.isFailure(exit) && !Cause.isInterruptedOnly(exit.cause)) return finish(Exit.failCause(exit.cause))
        if (waiting!.size === 0 && !done) conn.resume()
      })
    }
    const onEndOfStream = () => finish(Exit.void)
    const onError = (cause: Error) => finish(Exit.fail(new Socket.SocketGenericError({ reason: "Read", cause })))
    const onClose = (hadError: boolean) =>
      finish(Exit.fail(new Socket.SocketCloseError({ reason: "Close", code: hadError ? 1006 : 1000 })))
    const detach = () => {
      if (done) return
      done = true
      conn.off("data", onData)
      conn.off("end", onEndOfStream)
      conn.off("error", onError)
      conn.off("close", onClose)
      if (waiting !== undefined) for (const fiber of waiting) fiber.unsafeInterruptAsFork(FiberId.none)
    }
    // Ended before anyone listened (the remote closed or reset first): the events are gone, the state is not.
    if (conn.destroyed) {
      done = true
      onEnd(Exit.fail(new Socket.SocketCloseError({ reason: "Close", code: conn.errored ? 1006 : 1000 })))
      return detach
    }
    if (conn.readableEnded) {
      done = true
      onEnd(Exit.void)
      return detach
    }
    conn.on("end", onEndOfStream)
    conn.on("error", onError)
    conn.on("close", onClose)
    conn.on("data", onData)
    return detach
  }
}

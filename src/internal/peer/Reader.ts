import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import type * as Fiber from "effect/Fiber"
import * as FiberId from "effect/FiberId"
import type * as Frame from "../../wire/Frame.js"
import type { ReceiveError } from "../../peer/MessageTransport.js"
import { onMicrotask } from "./microtask.js"

/** Where received bytes become messages: the connection's `MessageTransport`. */
export interface Decoder {
  /** Appends the messages `chunk` completes to `out`; returns the error that ends the stream. */
  readonly push: (chunk: Uint8Array, out: Array<Frame.Received>) => ReceiveError | undefined
  /** Bytes received and held, not yet part of a message (what the transport has not worked on yet). */
  readonly bufferedBytes: number
  /** Bytes still to arrive before the message being received completes (0 when unknown): a shorter chunk completes nothing. */
  readonly awaitingBytes?: number | undefined
}

/**
 * Bytes the transport works on (decodes, decrypts, drops) in one turn of the
 * event loop before the reader lets other work run (a message is decoded
 * whole: the one that crosses it completes first). Bytes the transport only
 * holds, a chunk extending a message still arriving, are counted when that
 * message completes: holding them costs next to nothing.
 */
const READ_SLICE = 256 * 1024

/**
 * The most received bytes a peer holds unread (waiting for the decoder). A
 * socket that cannot be made to stop reading past it ends the peer
 * (`ReadOverflow`) rather than let a remote fill our memory.
 *
 * 4 MiB, one maximum protocol message (Bitcoin Core's cap is 4,000,000 bytes;
 * its default per-peer receive buffer is 5 MB). A block stream arrives in
 * bursts of several MB, read while the reader waits for its next turn; with
 * 1 MiB the socket was paused and resumed once per 1 MB block, which cost
 * ~15-25% of the main thread's CPU per block over loopback (issue 15).
 */
export const MAX_UNREAD_BYTES = 4 * 1024 * 1024

/**
 * Unread bytes at which the socket is asked to stop reading, below the bound
 * by more than a socket delivers between being asked and stopping (Node: one
 * 64 KiB chunk).
 */
const PAUSE_AT = MAX_UNREAD_BYTES - 256 * 1024

/** Unread bytes at which a paused socket reads again. */
const RESUME_AT = PAUSE_AT / 2

/**
 * A readable stream that can stop reading. `@effect/platform-node`'s sockets
 * (`NodeSocket.makeNet`, `fromDuplex`, the sockets of `NodeSocketServer`) run
 * a handler's effect with the Node stream in its context under this key
 * (their `NetSocket` tag), but do not wait for the effect before reading on.
 * Looking it up by key keeps the peer free of any Node import; any other
 * socket can offer the same service to get the same backpressure.
 */
const PausableStream = Context.GenericTag<{ readonly pause: () => unknown; readonly resume: () => unknown }>(
  "@effect/platform-node/NodeSocket/NetSocket"
)

/**
 * The inbound side of a peer, with no fiber of its own: bytes are decoded and
 * their messages handled in the socket's data callback, where they arrive. A
 * message costs no fiber hop, and an idle peer holds no reader fiber.
 *
 * Two budgets keep one busy remote from hurting the others:
 * - messages of at most `READ_SLICE` bytes are decoded per turn of the event
 *   loop (plus the one that crosses it); past it, the reader takes a
 *   macrotask turn (other sockets and timers run) before going on;
 * - at most `messageSlice` messages are published without a microtask turn,
 *   so subscribers that keep up take what they were given before a burst
 *   fills their buffers (a burst cuts off only the slow ones).
 *
 * While the reader waits for its turn, later chunks queue behind it in
 * order, except a chunk that only extends the message being received (it
 * completes nothing, with nothing queued or waiting before it: see
 * `holds`), which goes to the transport at once. Near `MAX_UNREAD_BYTES`
 * queued, the handler returns an effect that waits for room (see
 * `askForRoom`): the socket stops reading, and TCP pushes back on the
 * remote. A socket that reads on regardless past `MAX_UNREAD_BYTES` ends the
 * peer: the bound holds over every socket.
 *
 * @internal
 */
export class Reader {
  private readonly decoded: Array<Frame.Received> = []
  /** Frames decoded but not yet handled (a message budget ran out part way through a chunk). */
  private pending: Array<Frame.Received> = []
  private pendingError: ReceiveError | undefined
  /** Chunks that arrived while the reader waited for its turn. */
  private backlog: Array<Uint8Array> = []
  private backlogHead = 0
  private backlogBytes = 0
  private turnBytes = 0
  private turnMessages = 0
  private bytesMarker = false
  private messagesMarker = false
  private drainer: Fiber.RuntimeFiber<void, never> | undefined
  /** Cancels the macrotask turn the reader waits for, while it waits for one. */
  private cancelTurn: (() => void) | undefined
  private room: Effect.Latch | undefined
  /** Waits for room, stopping the socket meanwhile if it can be stopped. */
  private waitForRoom: Effect.Effect<void> | undefined
  private ended: (() => void) | undefined
  private stopped = false
  /** Messages in a turn from which the turn's end is marked (see `handle`). */
  private readonly markMessagesAt: number

  constructor(
    private readonly decoder: Decoder,
    private readonly messageSlice: number,
    private readonly now: () => number,
    /** Handles one message (protocol duties, publishing); `false` when the peer has ended. */
    private readonly onMessage: (r: Frame.Received, now: number) => boolean,
    /** A handled batch took `millis` of our own time (not to be blamed on the remote). */
    private readonly onBusy: (millis: number) => void,
    private readonly onError: (error: ReceiveError) => void,
    /** Handling threw (a bug on our side, or in a user's `request` matcher): the reader has stopped. */
    private readonly onDefect: (cause: unknown) => void,
    /** Starts an effect in a fiber of its own, on the next microtask. */
    private readonly fork: (effect: Effect.Effect<void>) => Fiber.RuntimeFiber<void, never>,
    /** More than `MAX_UNREAD_BYTES` arrived unread: the socket did not stop reading when asked; the reader has stopped. */
    private readonly onOverflow: (unreadBytes: number) => void = () => {},
    /** A chunk was decoded and its messages handled (the peer checks what it holds). */
    private readonly onDecoded: () => void = () => {}
  ) {
    this.markMessagesAt = Math.max(1, messageSlice >> 2)
  }

  /** Bytes received and waiting for the decoder. */
  get unreadBytes(): number {
    return this.backlogBytes
  }

  /** The socket's data handler. */
  readonly onChunk = (chunk: Uint8Array): Effect.Effect<void> | void => {
    if (this.stopped) return
    if (this.draining || this.turnBytes >= READ_SLICE) {
      if (!this.holds(chunk)) return this.queue(chunk)
    }
    // This runs in the socket's callback (for Node, an event listener): an exception must not
    // escape into it, where it would be uncaught.
    try {
      this.decode(chunk)
    } catch (cause) {
      return this.defect(cause)
    }
    // Frames left for a later microtask turn need the drainer now. A spent byte budget does not:
    // the next chunk, if it comes before the turn ends and completes something, is queued and
    // starts it then (a large message that spends the budget is usually followed by a quiet turn,
    // or by chunks that only extend the next one, and a drainer is a fork).
    if (this.pending.length > 0 && !this.draining && !this.stopped) this.startDrain()
  }

  /**
   * Whether a chunk that arrives while the reader waits for its turn can go to
   * the transport at once: nothing is queued before it, and it only extends
   * the message being received (see `extendsOnly`). Without this, the chunks
   * of a large message (a 1 MB block arrives in 64 KiB reads) queued behind a
   * spent budget until the backlog paused the socket, once per block.
   */
  private holds(chunk: Uint8Array): boolean {
    return this.backlogHead === this.backlog.length && this.extendsOnly(chunk)
  }

  /**
   * Whether `chunk`, next in line for the transport, completes nothing there,
   * so that it is no work to take now and needs no turn. Only with no frame
   * waiting for its turn: the transport's `awaitingBytes` is trusted to say
   * the chunk completes nothing, but one that overstated it would have the
   * chunk's messages handled ahead of those frames (and the frames replaced),
   * so order rests on the reader alone.
   */
  private extendsOnly(chunk: Uint8Array): boolean {
    return this.pending.length === 0 && chunk.length < (this.decoder.awaitingBytes ?? 0)
  }

  /** Keeps a chunk for the drainer (started if need be), asking for room past `PAUSE_AT`. */
  private queue(chunk: Uint8Array): Effect.Effect<void> | void {
    this.backlog.push(chunk)
    this.backlogBytes += chunk.length
    if (!this.draining) this.startDrain()
    if (this.backlogBytes < PAUSE_AT) return
    if (this.backlogBytes > MAX_UNREAD_BYTES) {
      const unread = this.backlogBytes
      this.stop()
      this.onOverflow(unread)
      return
    }
    return this.askForRoom()
  }

  /**
   * The effect the socket's handler returns while the backlog is too large. A
   * socket that waits for it (`MemorySocket`, `NodeTransport`'s) stops reading
   * meanwhile; one that runs it with a pausable stream in context
   * (`NodeSocket`) has that stream paused until there is room again.
   */
  private askForRoom(): Effect.Effect<void> {
    if (this.room === undefined) {
      const room = Effect.unsafeMakeLatch(false)
      this.room = room
      this.waitForRoom = Effect.flatMap(Effect.serviceOption(PausableStream), (stream) => {
        if (stream._tag === "None") return room.await
        stream.value.pause()
        return Effect.ensuring(room.await, Effect.sync(() => stream.value.resume()))
      })
    }
    this.room.unsafeClose()
    return this.waitForRoom!
  }

  private defect(cause: unknown): void {
    if (this.stopped) return
    this.stop()
    this.onDefect(cause)
  }

  /**
   * Calls `then` once every chunk received so far was handled (the socket
   * ended: messages already read still count).
   */
  whenDrained(then: () => void): void {
    if (!this.draining || this.stopped) then()
    else this.ended = then
  }

  /** Ends reading: later chunks are dropped, a drain in progress is interrupted. */
  stop(): void {
    this.stopped = true
    this.backlog = []
    this.backlogHead = 0
    this.backlogBytes = 0
    this.pending = []
    this.room?.unsafeOpen()
    this.drainer?.unsafeInterruptAsFork(FiberId.none)
    this.drainer = undefined
    this.cancelTurn?.()
    this.cancelTurn = undefined
  }

  private decode(chunk: Uint8Array): void {
    this.decoded.length = 0
    const held = this.decoder.bufferedBytes
    const error = this.decoder.push(chunk, this.decoded)
    const decoded = this.decoded
    // The budget counts the bytes the transport consumed, where the work is: decoded (checksum,
    // decoding), decrypted, or dropped after that work (v2 decoys and unknown ids complete no
    // message and cost the same). A chunk that only extends a large message being received is
    // held, costs next to nothing, and counts when the message completes: counting it on arrival
    // spent the budget four times over a 1 MB block.
    const consumed = chunk.length + held - this.decoder.bufferedBytes
    if (consumed > 0) this.countBytes(consumed)
    if (decoded.length > 0) this.handle(decoded, 0)
    if (error === undefined) {
      if (!this.stopped) this.onDecoded()
      return
    }
    if (this.pending.length > 0) this.pendingError = error
    else this.fail(error)
  }

  /** Handles `frames[from..]` until the message budget runs out; the rest waits in `pending`. */
  private handle(frames: ReadonlyArray<Frame.Received>, from: number): void {
    const start = this.now()
    let i = from
    while (i < frames.length && !this.stopped) {
      if (!this.onMessage(frames[i++]!, start)) break
      // Mark the end of this microtask turn only once the count matters (a quarter of the budget),
      // not for every small message: until then counts from earlier turns carry over, which can
      // only end a turn's budget early (one more yield), never let it run long.
      if (++this.turnMessages >= this.markMessagesAt && !this.messagesMarker) {
        this.messagesMarker = true
        onMicrotask(this.resetMessages)
      }
      if (this.turnMessages >= this.messageSlice && i < frames.length) {
        this.pending = frames.slice(i)
        break
      }
    }
    // Our own processing time must not count against the remote's stall deadlines.
    if (!this.stopped) this.onBusy(this.now() - start)
  }

  private fail(error: ReceiveError): void {
    if (this.stopped) return
    this.stop()
    this.onError(error)
  }

  private needsTurn(): boolean {
    return !this.stopped && (this.pending.length > 0 || this.turnBytes >= READ_SLICE)
  }

  private countBytes(n: number): void {
    this.turnBytes += n
    // Mark the end of this macrotask turn only once it matters, not for every small message.
    if (!this.bytesMarker && this.turnBytes >= READ_SLICE / 4) {
      this.bytesMarker = true
      afterTurn(this.resetBytes)
    }
  }

  private readonly resetBytes = (): void => {
    this.bytesMarker = false
    this.turnBytes = 0
  }

  private readonly resetMessages = (): void => {
    this.messagesMarker = false
    this.turnMessages = 0
  }

  /**
   * Waits for the turn the budgets need, then goes on. The socket keeps reading meanwhile: into
   * the backlog, up to `MAX_UNREAD_BYTES`, but for chunks that only extend the message being
   * received, which go to the transport at once (`holds`). Pausing a TCP socket for every turn
   * would stall a fast sender.
   *
   * Out of messages for this microtask turn only: a fiber of the reader's own yields, so that
   * subscribers' fibers take theirs first, and goes on while that is all it needs. Out of bytes:
   * a macrotask turn, and only that starts a new byte budget; it is waited for with a plain
   * callback rather than a fiber, since there is nothing to yield to in the fiber scheduler, and
   * forking a fiber for it (once or more per large message) cost more than the wait.
   */
  private startDrain(): void {
    if (this.turnBytes >= READ_SLICE) this.cancelTurn = afterTurn(this.onTurn)
    else this.drainer = this.fork(this.drain)
  }

  /** Whether the reader waits for a turn (later chunks queue behind it). */
  private get draining(): boolean {
    return this.drainer !== undefined || this.cancelTurn !== undefined
  }

  private readonly onTurn = (): void => {
    this.cancelTurn = undefined
    if (this.stopped) return
    this.resetBytes()
    this.resetMessages()
    try {
      this.step()
    } catch (cause) {
      return this.defect(cause)
    }
    if (this.stopped) return
    if (this.pending.length === 0 && this.backlogHead === this.backlog.length) this.drained()
    else this.startDrain()
  }

  private readonly drain: Effect.Effect<void> = Effect.suspend(() => {
    if (this.stopped) return Effect.void
    if (this.pending.length === 0 && this.backlogHead === this.backlog.length) {
      this.drainer = undefined
      this.drained()
      return Effect.void
    }
    if (this.turnBytes >= READ_SLICE) {
      this.drainer = undefined
      this.startDrain()
      return Effect.void
    }
    return Effect.zipRight(Effect.yieldNow(), Effect.sync(() => {
      this.resetMessages()
      try {
        this.step()
      } catch (cause) {
        this.defect(cause)
      }
    })).pipe(Effect.zipRight(this.drain))
  })

  /** Everything received so far was handled: the socket may read on, an end waiting for that is told. */
  private drained(): void {
    this.room?.unsafeOpen()
    const ended = this.ended
    this.ended = undefined
    ended?.()
  }

  /** One turn's worth: pending frames first, then queued chunks, while the budgets last. */
  private step(): void {
    if (this.pending.length > 0) {
      const frames = this.pending
      this.pending = []
      this.handle(frames, 0)
      if (this.pending.length > 0 || this.stopped) return
      if (this.pendingError !== undefined) return this.fail(this.pendingError)
    }
    while (this.backlogHead < this.backlog.length && !this.stopped) {
      const chunk = this.backlog[this.backlogHead]!
      // Out of budget, a chunk that only extends the message being received is still taken (it is no work).
      if (this.needsTurn() && !this.extendsOnly(chunk)) break
      this.backlog[this.backlogHead++] = EMPTY
      if (this.backlogHead === this.backlog.length) {
        this.backlog = []
        this.backlogHead = 0
      }
      this.backlogBytes -= chunk.length
      if (this.backlogBytes <= RESUME_AT) this.room?.unsafeOpen()
      this.decode(chunk)
    }
  }
}

const EMPTY = new Uint8Array(0)

/** Runs `f` on the next macrotask turn (I/O and timers run first); returns what cancels it. */
const afterTurn = (f: () => void): () => void => {
  if (typeof setImmediate === "function") {
    const handle = setImmediate(f)
    return () => clearImmediate(handle)
  }
  const handle = setTimeout(f, 0)
  return () => clearTimeout(handle)
}

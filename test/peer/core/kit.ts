/**
 * A protocol core with its actions recorded: no socket, no runtime, no
 * clock. Time is whatever the test passes with each event.
 */
import type { DisconnectReason } from "../../../src/peer/DisconnectReason.js"
import type { HandshakeInfo } from "../../../src/peer/Peer.js"
import * as PeerConfig from "../../../src/peer/PeerConfig.js"
import type { PeerError } from "../../../src/peer/PeerError.js"
import * as ChainParams from "../../../src/wire/ChainParams.js"
import * as Frame from "../../../src/wire/Frame.js"
import * as Message from "../../../src/wire/Message.js"
import { ourVersion, ZERO_ADDRESS } from "../../../src/internal/peer/handshake.js"
import { PeerCore } from "../../../src/internal/peer/core/PeerCore.js"
import type { Request, StallHandle } from "../../../src/internal/peer/core/Requests.js"

export type Action =
  | { readonly _tag: "send"; readonly message: Message.NetworkMessage }
  | { readonly _tag: "deliver"; readonly message: Message.NetworkMessage }
  | { readonly _tag: "handshakeComplete"; readonly info: HandshakeInfo }
  | { readonly _tag: "completeRequest"; readonly request: string; readonly value: unknown }
  | { readonly _tag: "failRequest"; readonly request: string; readonly error: PeerError }
  | { readonly _tag: "dieRequest"; readonly request: string; readonly cause: unknown }
  | { readonly _tag: "pingAnswered"; readonly millis: number }
  | { readonly _tag: "wakeAt"; readonly at: number }
  | { readonly _tag: "disconnect"; readonly reason: DisconnectReason }

export const T0 = 1_700_000_000_000
export const OUR_NONCE = 0x1234n

/** The remote's version (protocol 70016 unless told otherwise). */
export const theirVersion = (fields: Partial<Message.MessageOf<"Version">> = {}) =>
  Message.Version.make({
    version: 70016,
    services: 0n,
    timestamp: BigInt(Math.floor(T0 / 1000)),
    addrRecv: ZERO_ADDRESS,
    addrFrom: ZERO_ADDRESS,
    nonce: 0xabcdn,
    userAgent: "/them/",
    startHeight: 7,
    relay: true,
    ...fields
  })

/** A received message as the transport hands it over. */
export const rx = (message: Message.NetworkMessage): Frame.Received => ({
  command: Message.commandOf(message),
  payloadSize: Frame.encode(ChainParams.regtest.magic, message).length - Frame.HEADER_SIZE,
  message
})

export const makeCore = (options: {
  readonly direction?: "outbound" | "inbound"
  readonly config?: Partial<PeerConfig.PeerConfigShape>
  /** Sends fail with this (a full queue, say). */
  readonly sendError?: () => PeerError | undefined
  /** Steps the engine takes without an effect (the default spacings'): the core takes them when due. */
  readonly immediateSteps?: boolean
} = {}) => {
  const config = PeerConfig.make({
    params: ChainParams.regtest,
    // Fixed schedules, stepped by the fake stepper below: ping every 120 s, trickle every 10 s.
    announceSendAddrV2: true,
    ...options.config
  })
  const actions: Array<Action> = []
  const core: PeerCore<string> = new PeerCore<string>({
    config,
    direction: options.direction ?? "outbound",
    connectedAt: T0,
    ourVersion: ourVersion(config, ZERO_ADDRESS, OUR_NONCE, 0, T0),
    isOurNonce: (nonce) => nonce === OUR_NONCE,
    transport: () => ({ name: "v1", sessionId: undefined }),
    pingSeed: 42n,
    stepPing: Object.assign((now: number) => now + 120_000, { immediate: options.immediateSteps ?? false }),
    stepTrickle: Object.assign((now: number) => now + 10_000, { immediate: options.immediateSteps ?? false })
  }, {
    send: (message) => {
      const error = options.sendError?.()
      if (error === undefined) actions.push({ _tag: "send", message })
      return error
    },
    deliver: (message) => actions.push({ _tag: "deliver", message }),
    handshakeComplete: (info) => actions.push({ _tag: "handshakeComplete", info }),
    completeRequest: (request, value) => actions.push({ _tag: "completeRequest", request, value }),
    failRequest: (request, error) => actions.push({ _tag: "failRequest", request, error }),
    dieRequest: (request, cause) => actions.push({ _tag: "dieRequest", request, cause }),
    pingAnswered: (millis) => actions.push({ _tag: "pingAnswered", millis }),
    wakeAt: (at) => actions.push({ _tag: "wakeAt", at }),
    disconnect: (reason) => actions.push({ _tag: "disconnect", reason })
  })
  /** The actions recorded since the last call. */
  const take = (): Array<Action> => actions.splice(0)
  /** Commands sent since the last `take`, without removing anything. */
  const sent = (list: ReadonlyArray<Action>) =>
    list.flatMap((a) => (a._tag === "send" ? [Message.commandOf(a.message)] : []))
  /** Feeds the frames we sent as written at `now` (their stall deadlines start). */
  const written = (list: ReadonlyArray<Action>, now: number) => {
    for (const a of list) {
      if (a._tag !== "send") continue
      const m = a.message
      core.sent(Message.commandOf(m), 0, m._tag === "GetData" ? m.inventory.length : 1, stalls.get(m), now)
    }
  }
  const stalls = new Map<Message.NetworkMessage, StallHandle>()
  /** A user request, named `name`, for `message`, answered by `match`. */
  const request = (name: string, message: Message.NetworkMessage, match: (m: Message.NetworkMessage) => unknown, now: number, timeoutMillis = 30_000) => {
    const stall: StallHandle = { withdrawn: false, deadline: undefined }
    stalls.set(message, stall)
    const r: Request<string> = { match, handle: name, command: Message.commandOf(message), timeoutMillis, due: now + timeoutMillis, stall }
    return { r, error: core.request(r, message) }
  }
  /** Runs the outbound handshake to completion at T0 (our version, theirs, verack both ways). */
  const handshake = (version = theirVersion()) => {
    core.start()
    core.received(rx(version), T0)
    core.received(rx(Message.Verack.make({})), T0)
    return take()
  }
  return { core, config, take, sent, written, request, handshake }
}

export const tags = (list: ReadonlyArray<Action>) => list.map((a) => a._tag)
export const disconnects = (list: ReadonlyArray<Action>) => list.flatMap((a) => (a._tag === "disconnect" ? [a.reason] : []))

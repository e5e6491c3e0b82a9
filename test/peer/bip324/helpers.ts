/**
 * In-memory v2 sessions for the tests: an initiator and a responder whose
 * bytes are carried by hand, in chunks the test chooses.
 */
import * as ChainParams from "../../../src/wire/ChainParams.js"
import * as V2Transport from "../../../src/peer/V2Transport.js"
import type { ChaChaSuite } from "../../../src/internal/peer/v2/cipher.js"
import { Session } from "../../../src/internal/peer/v2/session.js"

export const params = ChainParams.mainnet

/** Bytes still to deliver in each direction, and what each side received. */
export interface Pair {
  readonly initiator: V2Transport.V2Session
  readonly responder: V2Transport.V2Session
  readonly toResponder: Array<Uint8Array>
  readonly toInitiator: Array<Uint8Array>
  readonly atInitiator: Array<V2Transport.RawMessage>
  readonly atResponder: Array<V2Transport.RawMessage>
  /** Delivers everything pending both ways (split into chunks by `split`) until neither side has more to say. */
  readonly pump: (split?: (bytes: Uint8Array) => Array<Uint8Array>) => void
}

/** A session's options; `suite` picks the crypto implementation, which the public `make` does not expose. */
export type SessionOptions = Partial<V2Transport.Options> & { readonly suite?: ChaChaSuite }

/** Through the public `V2Transport.make`, unless a crypto suite is chosen. */
const makeSession = (initiating: boolean, { suite, ...options }: SessionOptions): V2Transport.V2Session => {
  if (suite === undefined) return V2Transport.make({ initiating, params, ...options })
  const p = options.params ?? params
  return new Session({
    initiating,
    magic: p.magic,
    maxMessageSize: p.maxMessageSize,
    garbage: options.garbage,
    decoys: options.decoys,
    suite
  })
}

export const makePair = (initiatorOptions: SessionOptions = {}, responderOptions: SessionOptions = {}): Pair => {
  const initiator = makeSession(true, initiatorOptions)
  const responder = makeSession(false, responderOptions)
  const toResponder: Array<Uint8Array> = [initiator.initialBytes]
  const toInitiator: Array<Uint8Array> = []
  const atInitiator: Array<V2Transport.RawMessage> = []
  const atResponder: Array<V2Transport.RawMessage> = []
  const deliver = (
    session: V2Transport.V2Session,
    queue: Array<Uint8Array>,
    replies: Array<Uint8Array>,
    received: Array<V2Transport.RawMessage>,
    split: (bytes: Uint8Array) => Array<Uint8Array>
  ) => {
    for (const bytes of queue.splice(0)) {
      for (const chunk of split(bytes)) {
        const r = session.receive(chunk)
        if (r.error) throw r.error
        if (r.v1) throw new Error("unexpected v1")
        received.push(...r.messages)
        if (r.bytesToWrite.length > 0) replies.push(r.bytesToWrite)
      }
    }
  }
  const pump = (split: (bytes: Uint8Array) => Array<Uint8Array> = (b) => [b]) => {
    while (toResponder.length > 0 || toInitiator.length > 0) {
      deliver(responder, toResponder, toInitiator, atResponder, split)
      deliver(initiator, toInitiator, toResponder, atInitiator, split)
    }
  }
  return { initiator, responder, toResponder, toInitiator, atInitiator, atResponder, pump }
}

/** A completed handshake. */
export const connectedPair = (initiatorOptions: SessionOptions = {}, responderOptions: SessionOptions = {}): Pair => {
  const pair = makePair(initiatorOptions, responderOptions)
  pair.pump()
  if (!pair.initiator.ready || !pair.responder.ready) throw new Error("handshake did not complete")
  return pair
}

export const concat = (parts: ReadonlyArray<Uint8Array>): Uint8Array => Buffer.concat(parts)

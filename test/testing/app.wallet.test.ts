/**
 * The testing kit used as an app developer would, through the package's
 * entry points only: a wallet-like client that fetches the transactions it
 * cares about with one `getdata` and must tell found from `notfound`, and
 * must say why when the peer never answers. The scripted peer serves a
 * mempool with `TestChain.serve`.
 */
import { describe, expect, it } from "@effect/vitest"
import { Data, Effect, Fiber, Option, Stream, TestClock } from "effect"
import { DisconnectReason, Hash, InvVector, Message, type Peer, Transaction } from "../../src/index.js"
import { TestChain, TestPeer } from "../../src/testing/index.js"

// --- the app ------------------------------------------------------------------

/** The peer ended before it answered for every transaction asked for. */
class FetchFailed extends Data.TaggedError("FetchFailed")<{
  readonly unanswered: ReadonlyArray<string>
  readonly reason: DisconnectReason.DisconnectReason | undefined
}> {}

/** What a peer answered: the transactions it had (by txid, hex), and the txids it said it has not. */
interface Fetched {
  readonly found: ReadonlyMap<string, Transaction.Transaction>
  readonly missing: ReadonlyArray<string>
}

/**
 * Asks `peer` for `txids` (with witnesses) in one `getdata` and collects the
 * answers: a `tx` each, or a `notfound` naming them. Subscribes before it
 * sends, so no answer is missed.
 */
const fetchTransactions = (peer: Peer.Peer, txids: ReadonlyArray<Uint8Array>) =>
  Effect.scoped(Effect.gen(function*() {
    const replies = yield* peer.subscribe("Tx", "NotFound")
    const waiting = new Set(txids.map(Hash.toHex))
    const found = new Map<string, Transaction.Transaction>()
    const missing: Array<string> = []
    yield* peer.send(Message.GetData.make({ inventory: txids.map((hash) => ({ type: InvVector.InvType.WitnessTx, hash })) }))
    yield* Stream.runForEachWhile(replies, (m) =>
      Effect.sync(() => {
        if (m._tag === "Tx") {
          const id = Hash.toHex(Transaction.txid(m.tx))
          if (waiting.delete(id)) found.set(id, m.tx)
        } else {
          for (const item of m.inventory) if (waiting.delete(Hash.toHex(item.hash))) missing.push(Hash.toHex(item.hash))
        }
        return waiting.size > 0
      }))
    // The subscription ends quietly with the peer: what is still waiting was never answered.
    if (waiting.size > 0) return yield* new FetchFailed({ unanswered: [...waiting], reason: yield* peer.disconnectReason })
    return { found, missing } satisfies Fetched
  }))

// --- its tests ----------------------------------------------------------------

/**
 * An unconfirmed transaction: it spends the output of the transaction that
 * block `height` confirmed besides its coinbase (a segwit chain has one from
 * height 101 on, paying a P2WSH of OP_TRUE, which the witness `[OP_TRUE]`
 * spends; see TestChain).
 */
const spending = (chain: TestChain.TestChain, height: number, fee: bigint): Transaction.Transaction => {
  const parent = chain.blocks[height]!.transactions[1]!
  return {
    version: 2,
    inputs: [{ prevout: { hash: Transaction.txid(parent), index: 0 }, script: new Uint8Array(0), sequence: 0xfffffffd, witness: [Uint8Array.of(0x51)] }],
    outputs: [{ value: parent.outputs[0]!.value - fee, script: parent.outputs[0]!.script }],
    lockTime: 0
  }
}

describe("testing kit, as an app uses it: a wallet fetching its transactions", () => {
  const chain = TestChain.make({ length: 120, segwit: true })
  const mempool = [spending(chain, 111, 1000n), spending(chain, 112, 2000n)]
  const [a, b] = mempool.map(Transaction.txid)
  // Confirmed (in block 110), so not in the peer's mempool: nodes answer notfound for it.
  const confirmed = Transaction.txid(chain.blocks[110]!.transactions[1]!)

  it.scoped("gets the transactions the peer has, with their witnesses, and learns which it has not", () =>
    Effect.gen(function*() {
      const { peer, remote } = yield* TestPeer.connect()
      yield* remote.respond("GetData", (request) => chain.serve(request, { transactions: mempool }))
      const { found, missing } = yield* fetchTransactions(peer, [a!, confirmed, b!])
      expect([...found.keys()]).toEqual([Hash.toHex(a!), Hash.toHex(b!)])
      expect(found.get(Hash.toHex(a!))!.inputs[0]!.witness).toEqual([Uint8Array.of(0x51)])
      expect(missing).toEqual([Hash.toHex(confirmed)])
      // One request for all three, and our peer did not hold the notfound against the remote.
      const asked = yield* remote.expect("GetData")
      expect(asked.inventory.map((i) => i.type)).toEqual([InvVector.InvType.WitnessTx, InvVector.InvType.WitnessTx, InvVector.InvType.WitnessTx])
      expect(yield* peer.disconnectReason).toBeUndefined()
    }))

  it.scoped("one at a time with peer.getData: a tx, or the notfound that names it; a plain tx item is served without witnesses", () =>
    Effect.gen(function*() {
      const { peer, remote } = yield* TestPeer.connect()
      yield* remote.respond("GetData", (request) => chain.serve(request, { transactions: mempool }))
      const got = yield* peer.getData({ type: InvVector.InvType.Tx, hash: b! })
      expect(got._tag === "Tx" && Hash.equals(Transaction.txid(got.tx), b!)).toBe(true)
      expect(got._tag === "Tx" && Transaction.hasWitness(got.tx)).toBe(false)
      // BIP-0339: by wtxid.
      const byWtxid = yield* peer.getData({ type: InvVector.InvType.WTx, hash: Transaction.wtxid(mempool[0]!) })
      expect(byWtxid._tag === "Tx" && Hash.equals(Transaction.txid(byWtxid.tx), a!)).toBe(true)
      // A wtx item is served with its witnesses (BIP-0339: as witnesstx).
      expect(byWtxid._tag === "Tx" && Transaction.hasWitness(byWtxid.tx)).toBe(true)
      const none = yield* peer.getData({ type: InvVector.InvType.WitnessTx, hash: confirmed })
      expect(none._tag).toBe("NotFound")
    }))

  it.scoped("a peer that never answers: our peer gives up on it after getdata's 30 s, and the app says why", () =>
    Effect.gen(function*() {
      const { peer, remote } = yield* TestPeer.connect()
      yield* remote.respond("GetData", () => undefined)
      const fetching = yield* Effect.fork(fetchTransactions(peer, [a!, b!]))
      yield* remote.expect("GetData")
      yield* TestClock.adjust("29 seconds")
      expect(Option.isNone(yield* Fiber.poll(fetching))).toBe(true)
      yield* TestClock.adjust("2 seconds")
      const error = yield* Effect.flip(Fiber.join(fetching))
      if (error._tag !== "FetchFailed") return expect.unreachable(`${error._tag}: ${error.message}`)
      expect(error.unanswered).toEqual([Hash.toHex(a!), Hash.toHex(b!)])
      expect(error.reason).toEqual(DisconnectReason.DisconnectReason.Stall({ command: "getdata" }))
    }))
})

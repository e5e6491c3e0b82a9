/**
 * An independent Bitcoin Cash node for interop tests: bcash 1.1.1 (the bcoin
 * team's Bitcoin Cash full node, https://github.com/bcoin-org/bcash) run
 * in-process in regtest on 127.0.0.1, kept on loopback exactly as the bcoin
 * node is (see bcoinNode.ts for why each switch is needed): `memory: true`,
 * `workers: false`, no seeds, no outbound, no UPnP, no DNS, no external
 * address discovery, and a `createSocket` that refuses anything off
 * loopback. bcash's database binding (`bdb`) is a native addon; it runs in
 * memory here.
 *
 *   const bch = await startBcash({ blocks: 300 })
 *   // connect to bch.host:bch.port with ChainParams.bchRegtest …
 *   await bch.stop()
 *
 * or `yield* bcashScoped({ blocks: 300 })` inside an Effect.
 *
 * bcash's regtest is BCHN's: magic dab5bffa on the wire (`0xfabfb5da` read
 * little-endian), Bitcoin regtest's genesis, no segwit. It speaks protocol
 * version 70015.
 *
 * @internal test support, not part of the library
 */
import * as Effect from "effect/Effect"
import type * as Scope from "effect/Scope"
import { fromRevHex, lazyRequire, onFreePort, openLoopbackNode, scopedNode, type StartOptions } from "./bcoinNode.js"

/** bcash has no type declarations; it is used through `any`. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Bcash = any

/** Loads bcash lazily, with the pure-JS crypto backend unless one is set. */
export const loadBcash = lazyRequire("bcash")

export type { StartOptions }

export interface Spend {
  /** Internal byte order, as on the wire. */
  readonly txid: Uint8Array
  /** The bcash TX object. */
  readonly tx: Bcash
}

export interface BcashNode {
  readonly host: string
  readonly port: number
  readonly node: Bcash
  /** Mines `n` blocks on the tip (mempool transactions included); returns their hashes, internal byte order. */
  mine(n: number): Promise<Array<Uint8Array>>
  bestHash(): Uint8Array
  height(): number
  /** Puts a P2PKH spend of the oldest mature coinbase into the mempool (needs height >= 101). */
  addSpend(): Promise<Spend>
  /** Inbound peers bcash holds (bcash Peer objects). */
  peers(): Array<Bcash>
  /** Hosts bcash banned (as `host` strings). */
  banned(): Array<string>
  stop(): Promise<void>
}

/** Starts a bcash regtest node on 127.0.0.1 and mines `blocks` blocks. */
export const startBcash = (options: StartOptions = {}): Promise<BcashNode> => onFreePort((port) => startOnce(options, port))

const startOnce = async (options: StartOptions, p2pPort: number): Promise<BcashNode> => {
  const bcash = loadBcash()
  const key: Bcash = bcash.KeyRing.generate()
  const base = await openLoopbackNode(bcash, "bcash", options, p2pPort, key)
  const { node } = base

  const addSpend = async (): Promise<Spend> => {
    const coin = base.takeMatureCoinbase()
    const mtx = new bcash.MTX()
    mtx.addCoin(coin)
    const other = bcash.KeyRing.generate()
    const value: number = coin.value
    mtx.addOutput(other.getAddress(), Math.floor((value - 20_000) / 2))
    mtx.addOutput(other.getAddress(), value - 20_000 - Math.floor((value - 20_000) / 2))
    const signed = mtx.sign(key)
    if (signed !== 1) throw new Error(`signed ${signed} inputs`)
    const tx = mtx.toTX()
    await node.mempool.addTX(tx)
    return { txid: fromRevHex(tx.txid()), tx }
  }

  return {
    host: base.host,
    port: base.port,
    node,
    mine: base.mine,
    bestHash: base.bestHash,
    height: base.height,
    addSpend,
    peers: base.peers,
    banned: () => Array.from(node.pool.hosts.banned.keys()) as Array<string>,
    stop: base.stop
  }
}

/** `startBcash` as a scoped Effect: the node stops when the scope closes. */
export const bcashScoped = (options: StartOptions = {}): Effect.Effect<BcashNode, Error, Scope.Scope> => scopedNode(() => startBcash(options))

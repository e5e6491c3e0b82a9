/**
 * Deterministic regtest chains to serve to the code under test.
 *
 * `TestChain.make({ length, seed })` mines `length` blocks on top of the real
 * regtest genesis block. The same seed always gives the same chain; two
 * seeds give two chains that share only the genesis block (use `fork` for
 * chains that share a longer prefix, to test reorganisations). Every block is
 * well formed the way a node checks it:
 *
 * - proof of work at regtest difficulty (`bits` 0x207fffff: about one nonce in
 *   two), linked by `prevBlock`, timestamps ten minutes apart;
 * - a coinbase first, carrying its height (BIP-0034) and paying the regtest
 *   subsidy (50 BTC halving every 150 blocks) plus fees to a P2WSH of `OP_TRUE`;
 * - with `segwit: true`, from height 101 on (coinbase maturity is 100 blocks)
 *   one transaction per block spends the coinbase of 100 blocks before with a
 *   witness that satisfies its script, and the coinbase commits to the
 *   witness merkle root (BIP-0141);
 * - the merkle root of its transactions in its header.
 *
 * Answering requests is one call: `chain.headersAfter(getheaders)` follows a
 * block locator as a node does; `chain.serve(getdata)` gives the blocks asked
 * for. `TestPeer.respond("GetHeaders", …)` plugs them into a scripted peer.
 *
 * @since 0.1.0
 */
import * as internal from "../internal/testing/chain.js"
import type * as Block from "../wire/Block.js"
import type * as BlockHeader from "../wire/BlockHeader.js"
import type * as ChainParams from "../wire/ChainParams.js"
import type * as Message from "../wire/Message.js"
import type * as Transaction from "../wire/Transaction.js"

/**
 * A chain from genesis (height 0) to its tip. Immutable: `extend` and `fork`
 * return new chains.
 *
 * @since 0.1.0
 * @category models
 */
export interface TestChain {
  /** Regtest. */
  readonly params: ChainParams.ChainParams
  /** What the blocks after genesis were derived from. */
  readonly seed: string
  /** Height of the tip (genesis alone: 0). */
  readonly height: number
  /** Blocks by height; `blocks[0]` is the regtest genesis block. */
  readonly blocks: ReadonlyArray<Block.Block>
  /** Headers by height. */
  readonly headers: ReadonlyArray<BlockHeader.BlockHeader>
  /** Block hashes (internal byte order, as on the wire) by height. */
  readonly hashes: ReadonlyArray<Uint8Array>
  /** The tip's hash. */
  readonly tip: Uint8Array
  /** Height of the block with this hash, if it is in the chain. */
  readonly heightOf: (hash: Uint8Array) => number | undefined
  /** The block with this hash, if it is in the chain. */
  readonly block: (hash: Uint8Array) => Block.Block | undefined
  /**
   * A block locator from `height` (default: the tip) back to genesis: the ten
   * latest hashes, then doubling steps, as nodes build them.
   */
  readonly locator: (height?: number) => ReadonlyArray<Uint8Array>
  /**
   * The headers a node answers a `getheaders` (or `getblocks`) with: after the
   * first locator hash it knows (genesis if none), up to and including
   * `stopHash`, at most `max` (2,000, the protocol's limit).
   */
  readonly headersAfter: (
    request: { readonly locator: ReadonlyArray<Uint8Array>; readonly stopHash: Uint8Array },
    max?: number
  ) => ReadonlyArray<BlockHeader.BlockHeader>
  /**
   * Answers a `getheaders` with a `headers` message (an empty one when the
   * requester is at our tip).
   */
  readonly answerGetHeaders: (request: Message.MessageOf<"GetHeaders">) => Message.MessageOf<"Headers">
  /**
   * Answers a `getdata` as a node does: a `block` for each block asked for
   * that we have, a `tx` for each transaction asked for that is among
   * `options.transactions` (the peer's mempool: none by default), in the
   * order asked, then one `notfound` for the transactions it does not have. A
   * block it does not have is not answered at all, as Bitcoin Core (its
   * `notfound` names transactions only): a peer asking for one waits until
   * its own stall timeout. A transaction is found by
   * txid for `tx` and `witnesstx` items and by wtxid for `wtx` (BIP-0339).
   * A plain `block` or `tx` item gets its transactions without witnesses, as
   * Bitcoin Core sends them to a peer that did not ask for them (`witnessblock`,
   * `witnesstx`, `wtx`: with them). A confirmed transaction is not served
   * (nodes serve only their mempool).
   */
  readonly serve: (
    request: Message.MessageOf<"GetData">,
    options?: ServeOptions
  ) => ReadonlyArray<Message.NetworkMessage>
  /** The same chain with `count` more blocks (same seed and options). */
  readonly extend: (count: number) => TestChain
  /**
   * A competing chain: the blocks up to `height` are shared, then `count`
   * blocks derived from `seed` follow.
   */
  readonly fork: (height: number, count: number, seed: string) => TestChain
}

/**
 * What `TestChain.serve` can answer besides the chain's blocks.
 *
 * @since 0.2.0
 * @category models
 */
export interface ServeOptions {
  /** Transactions the peer has unconfirmed (its mempool), served to `getdata` by txid or wtxid. */
  readonly transactions?: ReadonlyArray<Transaction.Transaction>
}

/**
 * How to build a chain.
 *
 * @since 0.1.0
 * @category models
 */
export interface Options {
  /** Blocks after genesis. */
  readonly length: number
  /** Different seeds give different blocks (coinbase script, hence hashes). Default "test-chain". */
  readonly seed?: string
  /** One witness-spending transaction per block from height 101 on, with the coinbase's witness commitment. Default false. */
  readonly segwit?: boolean
}

/**
 * Mines a chain on top of the regtest genesis block. Pure and deterministic;
 * a thousand blocks take a few milliseconds.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make: (options: Options) => TestChain = internal.make

/**
 * The regtest genesis block (the real one: its hash is
 * `ChainParams.regtest.genesisHash`).
 *
 * @since 0.1.0
 * @category constants
 */
export const genesis: Block.Block = internal.genesis

/**
 * Whether a header's hash meets the target its `bits` encode (the proof of
 * work check every node runs on every header).
 *
 * @since 0.1.0
 * @category predicates
 */
export const meetsTarget: (header: BlockHeader.BlockHeader) => boolean = internal.meetsTarget

/**
 * The 256-bit target that compact `bits` encode (negative or overflowing
 * encodings give 0: nothing meets them).
 *
 * @since 0.1.0
 * @category utils
 */
export const targetOf: (bits: number) => bigint = internal.targetOf

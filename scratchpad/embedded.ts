/**
 * An embedded local network for the example: a few of our own nodes on
 * 127.0.0.1 (regtest parameters) that listen, gossip addresses, keep a small
 * fake mempool, answer `mempool` with an `inv` of it and now and then
 * announce a new transaction. No internet needed.
 */
import { Context, Duration, Effect, Exit, Layer, Random, Schedule, Scope, Stream } from "effect"
import * as AddressBook from "../src/network/AddressBook.js"
import * as ChainParams from "../src/wire/ChainParams.js"
import { Connector } from "../src/network/Connector.js"
import { Dispatcher } from "../src/network/Dispatcher.js"
import * as InvVector from "../src/wire/InvVector.js"
import * as Message from "../src/wire/Message.js"
import * as NetAddress from "../src/wire/NetAddress.js"
import * as ServiceFlags from "../src/wire/ServiceFlags.js"
import * as NodeNetwork from "../src/node/NodeNetwork.js"

/** One embedded node: its address and a handle to stop it. */
export interface EmbeddedNode {
  readonly name: string
  readonly address: NetAddress.NetAddressFields
  readonly stop: Effect.Effect<void>
}

const randomHash = Effect.map(Effect.all(Array.from({ length: 32 }, () => Random.nextIntBetween(0, 256))), (bytes) =>
  Uint8Array.from(bytes))

/** What a node does besides being a node: a fake mempool, served and announced. */
const behave = Effect.gen(function*() {
  const dispatcher = yield* Dispatcher
  const mempool: Array<InvVector.InvVector> = []
  for (let i = 0; i < 5; i++) mempool.push({ type: InvVector.InvType.Tx, hash: yield* randomHash })
  const serve = dispatcher.messages("Mempool").pipe(
    Stream.runForEach(({ peer }) => Effect.ignore(peer.send(Message.Inv.make({ inventory: mempool.slice(-50) }))))
  )
  const announce = Effect.gen(function*() {
    const tx = { type: InvVector.InvType.Tx, hash: yield* randomHash }
    mempool.push(tx)
    yield* dispatcher.broadcast(Message.Inv.make({ inventory: [tx] }))
  }).pipe(Effect.repeat(Schedule.spaced(Duration.seconds(2)).pipe(Schedule.jittered)))
  yield* Effect.all([serve, announce], { concurrency: 2, discard: true })
})

const SERVICES = ServiceFlags.make(ServiceFlags.NODE_NETWORK, ServiceFlags.NODE_WITNESS, ServiceFlags.NODE_BLOOM)

/**
 * Starts `count` nodes on 127.0.0.1; node 0 is the seed the others join through.
 * Between our own nodes every connection is BIP-0324 v2 (encrypted): in "auto" mode (the default)
 * they dial v2 to addresses that advertise NODE_P2P_V2, which they all do; v1 clients are still served.
 */
export const startEmbeddedNetwork = (count: number): Effect.Effect<ReadonlyArray<EmbeddedNode>, unknown, Scope.Scope> =>
  Effect.gen(function*() {
    const nodes: Array<EmbeddedNode> = []
    let seed: NetAddress.NetAddressFields | undefined
    for (let i = 0; i < count; i++) {
      const scope = yield* Scope.make()
      const layer = NodeNetwork.layer({
        peer: {
          params: ChainParams.regtest,
          userAgentName: `embedded-node-${i}`,
          // NODE_BLOOM: these nodes answer `mempool` (see `behave`), which peers only ask of NODE_BLOOM nodes.
          services: SERVICES,
          trickleSchedule: Schedule.spaced(Duration.millis(500))
        },
        listen: { host: "127.0.0.1", port: 0 },
        targetOutbound: 2,
        retrySchedule: Schedule.spaced(Duration.millis(300)),
        // getaddr answers carry at most 23% of a book (0 of a 4-entry one), so in a network this
        // small, addresses travel by announcement: re-announce often (about daily by default).
        advertiseSchedule: Schedule.spaced(Duration.seconds(2)),
        addressBook: { allowLocal: true }
      })
      // Its log lines (`--log-level debug`) say which embedded node wrote them, apart from the client's.
      const context = yield* Layer.buildWithScope(layer, scope).pipe(Effect.annotateLogs("node", `embedded-node-${i}`))
      const connector = Context.get(context, Connector)
      // Known with the services the node advertises (NODE_P2P_V2 among them), so that peers in
      // "auto" mode dial it over v2 from the start.
      const address = { ...connector.listenAddress!, services: SERVICES | ServiceFlags.NODE_P2P_V2 }
      if (seed === undefined) seed = address
      else {
        const book = Context.get(context, AddressBook.AddressBook)
        yield* book.add([{ ...seed, time: Math.floor(Date.now() / 1000) }], "user")
      }
      yield* Effect.forkIn(Effect.provide(behave, context).pipe(Effect.annotateLogs("node", `embedded-node-${i}`)), scope)
      nodes.push({ name: `node-${i}`, address, stop: Scope.close(scope, Exit.void) })
      yield* Effect.addFinalizer(() => Scope.close(scope, Exit.void))
    }
    return nodes
  })

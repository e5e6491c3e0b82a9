// Peer-pair adapter for effect-bitcoin-p2p (EBP2P_DIST=<clone>/dist/bench/src): two of its Peers over
// 127.0.0.1 through NodeTransport.make, in this process, as the bcoin pair is.
// ping = sequential peer.ping (each awaits its pong); flood = one-way tx via peer.send, counted on receipt.
import { load, loadDep } from './_ebp2p-load.mjs';
const { Effect, Queue, Scope, Exit, Stream } = await loadDep('effect');
const NodeTransport = await load('NodeTransport.js');
const Peer = await load('Peer.js');
const ChainParams = await load('ChainParams.js');
const Frame = await load('Frame.js');
const PeerConfig = await load('PeerConfig.js');

const nowMs = () => Number(process.hrtime.bigint()) / 1e6;
export default async function createPair({ corpus }) {
  const scope = Effect.runSync(Scope.make());
  // Two nodes in one process: each side its own nonce registry (else the handshake is a self-connection).
  const config = { params: ChainParams.mainnet, nonceRegistry: PeerConfig.makeNonceRegistry() };
  const outConfig = { params: ChainParams.mainnet, nonceRegistry: PeerConfig.makeNonceRegistry() };
  const transport = NodeTransport.make();
  const accepted = Effect.runSync(Queue.unbounded());
  const address = await Effect.runPromise(Scope.extend(transport.listen('127.0.0.1', 0, ({ remote, socket }) =>
    Effect.gen(function* () {
      const peer = yield* Peer.make(socket, { direction: 'inbound', remote, config });
      yield* Queue.offer(accepted, peer);
      yield* peer.awaitDisconnect;
    }).pipe(Effect.tapErrorCause((c) => Effect.sync(() => process.env.DBG && console.error('inbound failed', String(c)))), Effect.ignore)), scope));
  const out = await Effect.runPromise(Scope.extend(Effect.flatMap(transport.dial(address), (s) => Peer.make(s, { direction: 'outbound', remote: address, config: outConfig })), scope));
  const inb = await Effect.runPromise(Queue.take(accepted));
  let txMsg; { const d = new Frame.FrameDecoder({ params: ChainParams.mainnet }); const o = []; d.push(corpus.by.tx.raw, o); txMsg = o[0].message; }
  let recvTx = 0, onTx = null;
  Effect.runFork(Stream.runForEach(inb.messages('Tx'), () => Effect.sync(() => { recvTx++; onTx?.(recvTx); })));
  const pingOnce = out.ping;
  return {
    name: 'effect-bitcoin-p2p Peer pair (NodeTransport.make)',
    // The loop runs inside one fiber, as an Effect program would (no runPromise per ping).
    ping: (ms) => Effect.runPromise(Effect.gen(function* () {
      let n = 0; const t0 = nowMs();
      while (nowMs() - t0 < ms) { for (let i = 0; i < 32; i++) yield* pingOnce; n += 32; }
      return (n * 1000) / (nowMs() - t0);
    })),
    async flood(ms) {
      const start = recvTx; let sent = 0; const t0 = nowMs();
      while (nowMs() - t0 < ms) {
        for (let i = 0; i < 255; i++) Effect.runSync(out.send(txMsg));
        await Effect.runPromise(out.sendAndAwait(txMsg));
        sent += 256;
      }
      if (recvTx - start < sent) await new Promise((r) => { onTx = (c) => { if (c - start >= sent) { onTx = null; r(); } }; });
      return (sent * 1000) / (nowMs() - t0);
    },
    close() { Effect.runFork(Scope.close(scope, Exit.void)); },
  };
}

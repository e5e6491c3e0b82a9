// Variant of the shared ebp2p codec adapter: reads what a user reads (inventory vectors and block transactions built).
import { load } from './_ebp2p-load.mjs';
const Frame = await load('Frame.js');
const ChainParams = await load('ChainParams.js');
const opts = { params: ChainParams.mainnet };
const count = (m) => m.inventory?.length ?? m.addresses?.length ?? m.headers?.length ?? m.locator?.length ?? m.transactions?.length;
const touch = (m) => { if (m.inventory) void m.inventory.length; if (m.transactions) void m.transactions.length; };
export default function create() {
  const dec = new Frame.FrameDecoder(opts); const out = [];
  return {
    name: 'effect-bitcoin-p2p (everything read)',
    decodeMsg(raw) { out.length = 0; const err = dec.push(raw, out); if (err) throw err; const m = out[0].message; touch(m); return m; },
    decodeStream(chunks) { const d = new Frame.FrameDecoder(opts); const o = []; let n = 0; for (const c of chunks) { o.length = 0; const err = d.push(c, o); if (err) throw err; n += o.length; for (const r of o) touch(r.message); } return n; },
    encode: (m) => Frame.encode(ChainParams.mainnet.magic, m),
    count,
  };
}

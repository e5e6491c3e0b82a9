// bcoin 1.0.2 as a codec candidate that reads what a user reads: the reference for `ebp2p-codec-read.mjs`.
// The harness's own bcoin candidate leaves a `block` packet as a lazy MemBlock (header only), also inside the
// streams; a user who reads a block's transactions calls `toBlock()` first (as the harness's `+toBlock()` row does
// for the block alone). This candidate does that wherever a block arrives, and reads every field of every item,
// the same fields `ebp2p-codec-read.mjs` reads of ours, so the two "everything read" columns do the same work.
// Same parser, same native hashing as the harness's bcoin candidate.
export default function create({ requireDep }) {
  const Parser = requireDep('bcoin/lib/net/parser');
  const Framer = requireDep('bcoin/lib/net/framer');
  const hash256 = requireDep('bcrypto/lib/hash256');
  const framer = new Framer('main');
  let sink = 0;
  const hashBytes = (h) => (typeof h === 'string' ? h.charCodeAt(0) ^ h.charCodeAt(63) : h[0] ^ h[31]);
  const readTx = (tx) => {
    let x = tx.version ^ tx.locktime;
    const inputs = tx.inputs, outputs = tx.outputs;
    for (let i = 0; i < inputs.length; i++) {
      const input = inputs[i], witness = input.witness.items;
      x ^= hashBytes(input.prevout.hash) ^ input.prevout.index ^ input.script.raw.length ^ input.sequence;
      for (let j = 0; j < witness.length; j++) x ^= witness[j].length;
    }
    for (let i = 0; i < outputs.length; i++) x ^= (outputs[i].value > 0 ? 1 : 0) ^ outputs[i].script.raw.length;
    return x;
  };
  /** Reads every field of every item of a packet; builds a block's transactions first. */
  const read = (p) => {
    let x = 0;
    switch (p.cmd) {
      case 'inv': case 'getdata': case 'notfound':
        for (let i = 0; i < p.items.length; i++) x ^= p.items[i].type ^ hashBytes(p.items[i].hash);
        break;
      case 'headers':
        for (let i = 0; i < p.items.length; i++) {
          const h = p.items[i];
          x ^= h.version ^ hashBytes(h.prevBlock) ^ hashBytes(h.merkleRoot) ^ h.time ^ h.bits ^ h.nonce;
        }
        break;
      case 'addr':
        for (let i = 0; i < p.items.length; i++) {
          const a = p.items[i];
          x ^= a.time ^ a.services ^ a.raw[0] ^ a.port;
        }
        break;
      case 'getheaders': case 'getblocks':
        for (let i = 0; i < p.locator.length; i++) x ^= hashBytes(p.locator[i]);
        break;
      case 'tx':
        x ^= readTx(p.tx);
        break;
      case 'block': {
        const txs = p.block.toBlock().txs;
        for (let i = 0; i < txs.length; i++) x ^= readTx(txs[i]);
        break;
      }
    }
    sink ^= x;
  };
  let last = null;
  const parser = new Parser('main');
  parser.on('packet', (p) => { last = p; });
  parser.on('error', (e) => { throw e; });
  return {
    name: `bcoin@1.0.2${hash256.native === 2 ? '' : '(js-hash)'} (everything read)`,
    decodeMsg(raw) { parser.feed(raw); const m = last; last = null; read(m); return m; },
    decodeStream(chunks) {
      let n = 0;
      const p = new Parser('main');
      p.on('packet', (m) => { n++; read(m); });
      p.on('error', (e) => { throw e; });
      for (const c of chunks) p.feed(c);
      return n;
    },
    encode: (p) => framer.packet(p.cmd, p.toRaw()),
    count: (p) => p.items?.length ?? p.locator?.length ?? (p.block ? (p.block.txs ?? p.block.toBlock().txs).length : undefined),
  };
}

/**
 * Which received message answers a request: the pairing behind
 * `Peer.getData` (and its stall rule, which counts any reply).
 *
 * @internal
 */
import * as BlockHeader from "../../wire/BlockHeader.js"
import * as Hash from "../../wire/Hash.js"
import * as InvVector from "../../wire/InvVector.js"
import type * as Message from "../../wire/Message.js"
import * as Transaction from "../../wire/Transaction.js"

/** A message that can answer a `getdata`. @internal */
export type GetDataReply = Message.MessageOf<"Block" | "Tx" | "MerkleBlock" | "NotFound">

/**
 * The message, if it answers a `getdata` for `inv`: the block, merkle block
 * or transaction with that hash (txid or wtxid, by the inventory type), or a
 * `notfound` that lists it.
 *
 * @internal
 */
export const answersGetData = (inv: InvVector.InvVector) => (m: Message.NetworkMessage): GetDataReply | undefined => {
  const wanted = inv.hash
  switch (m._tag) {
    case "Block":
    case "MerkleBlock":
      return Hash.equals(BlockHeader.hash(m.header), wanted) ? m : undefined
    case "Tx":
      return Hash.equals(inv.type === InvVector.InvType.WTx ? Transaction.wtxid(m.tx) : Transaction.txid(m.tx), wanted) ? m : undefined
    case "NotFound":
      return m.inventory.some((v) => Hash.equals(v.hash, wanted)) ? m : undefined
    default:
      return undefined
  }
}

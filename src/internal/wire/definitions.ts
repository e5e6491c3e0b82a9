/**
 * Every message definition in one list, and the lookups the codecs use. Kept
 * apart from the public `Message` module so that `Frame` can reach the byte
 * codecs without them being public.
 */
import { Addr } from "../../wire/messages/Addr.js"
import { AddrV2 } from "../../wire/messages/AddrV2.js"
import { BlockMessage } from "../../wire/messages/Block.js"
import { BlockTxn } from "../../wire/messages/BlockTxn.js"
import { CFCheckpt } from "../../wire/messages/CFCheckpt.js"
import { CFHeaders } from "../../wire/messages/CFHeaders.js"
import { CFilter } from "../../wire/messages/CFilter.js"
import { CmpctBlock } from "../../wire/messages/CmpctBlock.js"
import { FeeFilter } from "../../wire/messages/FeeFilter.js"
import { FilterAdd } from "../../wire/messages/FilterAdd.js"
import { FilterClear } from "../../wire/messages/FilterClear.js"
import { FilterLoad } from "../../wire/messages/FilterLoad.js"
import { GetAddr } from "../../wire/messages/GetAddr.js"
import { GetBlocks } from "../../wire/messages/GetBlocks.js"
import { GetBlockTxn } from "../../wire/messages/GetBlockTxn.js"
import { GetCFCheckpt } from "../../wire/messages/GetCFCheckpt.js"
import { GetCFHeaders } from "../../wire/messages/GetCFHeaders.js"
import { GetCFilters } from "../../wire/messages/GetCFilters.js"
import { GetData } from "../../wire/messages/GetData.js"
import { GetHeaders } from "../../wire/messages/GetHeaders.js"
import { Headers } from "../../wire/messages/Headers.js"
import { Inv } from "../../wire/messages/Inv.js"
import { Mempool } from "../../wire/messages/Mempool.js"
import { MerkleBlock } from "../../wire/messages/MerkleBlock.js"
import { NotFound } from "../../wire/messages/NotFound.js"
import { Ping } from "../../wire/messages/Ping.js"
import { Pong } from "../../wire/messages/Pong.js"
import { Reject } from "../../wire/messages/Reject.js"
import { SendAddrV2 } from "../../wire/messages/SendAddrV2.js"
import { SendCmpct } from "../../wire/messages/SendCmpct.js"
import { SendHeaders } from "../../wire/messages/SendHeaders.js"
import { Tx } from "../../wire/messages/Tx.js"
import { Verack } from "../../wire/messages/Verack.js"
import { Version } from "../../wire/messages/Version.js"
import { WtxidRelay } from "../../wire/messages/WtxidRelay.js"
import { entry, type Entry } from "./messageCodec.js"

/** @internal */
export const definitions = [
  Version, Verack, Ping, Pong, GetAddr, Addr, AddrV2, SendAddrV2, Inv, GetData, NotFound, GetBlocks, GetHeaders,
  Headers, BlockMessage, Tx, Mempool, Reject, SendHeaders, FeeFilter, SendCmpct, CmpctBlock, GetBlockTxn, BlockTxn,
  WtxidRelay, FilterLoad, FilterAdd, FilterClear, MerkleBlock, GetCFilters, CFilter, GetCFHeaders, CFHeaders,
  GetCFCheckpt, CFCheckpt
] as const

/** @internal */
export const byCommand = new Map<string, Entry>(definitions.map((d) => [d.command, entry(d as any)]))
/** @internal */
export const byTag = new Map<string, Entry>(definitions.map((d) => [d._tag, entry(d as any)]))

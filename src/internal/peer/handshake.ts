/**
 * The rules of the version/verack handshake, as pure functions: what we
 * send, what we accept, what comes when. The peer (`make.ts`) keeps the
 * state and does the sending.
 *
 * @internal
 */
import { DisconnectReason, type ViolationRule } from "../../peer/DisconnectReason.js"
import * as ChainParams from "../../wire/ChainParams.js"
import * as ServiceFlags from "../../wire/ServiceFlags.js"
import * as Message from "../../wire/Message.js"
import * as NetAddress from "../../wire/NetAddress.js"
import type { HandshakeInfo } from "../../peer/Peer.js"
import * as PeerConfig from "../../peer/PeerConfig.js"
import * as ProtocolVersion from "../../wire/ProtocolVersion.js"

/** The unspecified address: shown for a peer made without one, and sent where an address cannot be. @internal */
export const ZERO_ADDRESS: NetAddress.NetAddressFields = { services: 0n, network: NetAddress.NetworkId.IPv4, address: new Uint8Array(4), port: 0 }

/** Messages a remote may send between its `version` and its `verack`. */
const PRE_VERACK = new Set<string>(["Version", "Verack", "WtxidRelay", "SendAddrV2", "Unknown"])

/** `version` carries a legacy (16-byte IP) address: only IPv4, IPv6 and CJDNS fit. */
const isLegacyEncodable = (a: NetAddress.NetAddressFields): boolean =>
  (a.network === NetAddress.NetworkId.IPv4 && a.address.length === 4) ||
  ((a.network === NetAddress.NetworkId.IPv6 || a.network === NetAddress.NetworkId.CJDNS) && a.address.length === 16)

/**
 * The family rules of the handshake, in one place: on a network without
 * segwit (Bitcoin Cash, Dogecoin) NODE_WITNESS is never announced (it is
 * cleared from the services we advertise) and `wtxidrelay` is never sent.
 *
 * @internal
 */
export const advertisedServices = (config: PeerConfig.PeerConfigShape): bigint =>
  ChainParams.hasSegwit(config.params) ? config.services : config.services & ~ServiceFlags.NODE_WITNESS

const mayAnnounceWtxidRelay = (config: PeerConfig.PeerConfigShape, negotiated: number): boolean =>
  config.announceWtxidRelay && ProtocolVersion.hasWtxidRelay(negotiated) && ChainParams.hasSegwit(config.params)

/** Our `version` for a connection to `remote`. @internal */
export const ourVersion = (
  config: PeerConfig.PeerConfigShape,
  remote: NetAddress.NetAddressFields,
  nonce: bigint,
  startHeight: number,
  nowMillis: number
): Message.MessageOf<"Version"> =>
  Message.Version.make({
    version: config.protocolVersion,
    services: advertisedServices(config),
    timestamp: BigInt(Math.floor(nowMillis / 1000)),
    // A Tor, I2P or unknown-network remote cannot be written in `version`: send the
    // unspecified address, as Bitcoin Core does.
    addrRecv: isLegacyEncodable(remote) ? remote : ZERO_ADDRESS,
    addrFrom: { ...ZERO_ADDRESS, services: advertisedServices(config) },
    nonce,
    userAgent: PeerConfig.userAgent(config),
    startHeight,
    relay: config.relay
  })

/**
 * The remote's `version` accepted (what the connection speaks), or why not:
 * our own nonce come back (a self-connection), or a version below our minimum.
 *
 * @internal
 */
export const negotiate = (
  config: PeerConfig.PeerConfigShape,
  v: Message.MessageOf<"Version">,
  nowMillis: number,
  isOurNonce: (nonce: bigint) => boolean,
  transport: { readonly name: string; readonly sessionId: Uint8Array | undefined }
): HandshakeInfo | DisconnectReason => {
  if (isOurNonce(v.nonce)) return DisconnectReason.SelfConnection()
  if (v.version < config.minProtocolVersion) {
    return DisconnectReason.ObsoleteVersion({ version: v.version, minimum: config.minProtocolVersion })
  }
  return {
    version: v.version,
    negotiatedVersion: Math.min(config.protocolVersion, v.version),
    services: v.services,
    userAgent: v.userAgent,
    startHeight: v.startHeight,
    relay: v.relay,
    timeOffset: Number(v.timestamp) - Math.floor(nowMillis / 1000),
    nonce: v.nonce,
    transport: transport.name,
    sessionId: transport.sessionId
  }
}

/** Whether `negotiate` refused. @internal */
export const isRefusal = (r: HandshakeInfo | DisconnectReason): r is DisconnectReason => "_tag" in r

/** What we send once we have the remote's version: BIP-0339 and BIP-0155 go before our verack. @internal */
export const afterVersion = (config: PeerConfig.PeerConfigShape, negotiated: number): Array<Message.NetworkMessage> => {
  const out: Array<Message.NetworkMessage> = []
  if (mayAnnounceWtxidRelay(config, negotiated)) out.push(Message.WtxidRelay.make({}))
  // As Core: BIP-0155 allows sendaddrv2 at any version, but older software may drop a peer for an
  // unknown message, and none below 70016 speaks addrv2.
  if (config.announceSendAddrV2 && negotiated >= ProtocolVersion.WTXID_RELAY) out.push(Message.SendAddrV2.make({}))
  out.push(Message.Verack.make({}))
  return out
}

/** What we send once we have the remote's verack. @internal */
export const afterVerack = (config: PeerConfig.PeerConfigShape, negotiated: number): Array<Message.NetworkMessage> => {
  const out: Array<Message.NetworkMessage> = []
  if (config.announceSendHeaders && ProtocolVersion.hasSendHeaders(negotiated)) out.push(Message.SendHeaders.make({}))
  if (config.feeFilter !== undefined && ProtocolVersion.hasFeeFilter(negotiated)) out.push(Message.FeeFilter.make({ feeRate: config.feeFilter }))
  return out
}

/**
 * The rule a message breaks by arriving before the handshake allows it, if
 * any. (A verack before version passes here: the peer tells it apart as
 * `VerackBeforeVersion`.)
 *
 * @internal
 */
export const outOfOrder = (
  m: Message.NetworkMessage,
  command: string,
  versionReceived: boolean,
  verackReceived: boolean
): { readonly rule: ViolationRule; readonly detail: string } | undefined => {
  if (verackReceived) return undefined
  if (!versionReceived && m._tag !== "Version" && m._tag !== "Verack" && m._tag !== "Unknown") {
    return { rule: "MessageBeforeHandshake", detail: `${command} before version` }
  }
  if (!PRE_VERACK.has(m._tag)) return { rule: "MessageBeforeHandshake", detail: `${command} before verack` }
  return undefined
}

/**
 * `version`: the first message of every connection. Fields after `addrFrom`
 * exist from protocol 106 on; `relay` (BIP-0037) from 70001, and may be absent
 * even then (older nodes), in which case it reads as `true`. Bytes after
 * `relay` are tolerated, as Bitcoin Core does, so that future fields do not
 * break the handshake.
 *
 * @since 0.1.0
 */
import * as Schema from "effect/Schema"
import { asciiVarStringLength } from "../../internal/wire/ByteWriter.js"
import { define } from "../../internal/wire/MessageDef.js"
import * as AddressCodec from "../../internal/wire/netAddressCodec.js"
import * as NetAddress from "../NetAddress.js"
import * as ProtocolVersion from "../ProtocolVersion.js"
import { ServiceFlags } from "../ServiceFlags.js"
import { Int32, Int64, UInt64, VarString } from "../Fields.js"

/**
 * Longest user agent accepted (bytes), as btcd and Bitcoin Core.
 *
 * @since 0.1.0
 * @category constants
 */
export const MAX_USER_AGENT = 256

/**
 * The `version` message.
 *
 * @since 0.1.0
 * @category messages
 */
export const Version = define({
  tag: "Version",
  command: "version",
  fields: {
    version: Int32,
    services: ServiceFlags,
    timestamp: Int64,
    addrRecv: NetAddress.LegacyNetAddress,
    addrFrom: NetAddress.LegacyNetAddress,
    nonce: UInt64,
    userAgent: VarString(MAX_USER_AGENT),
    startHeight: Int32,
    relay: Schema.Boolean
  },
  // Fixed fields plus a full user agent plus room for future fields.
  maxPayload: () => 1024,
  read: (r) => {
    const version = r.i32le()
    const services = r.u64le()
    const timestamp = r.i64le()
    const addrRecv = AddressCodec.readLegacy(r)
    if (version < ProtocolVersion.VERSION_FULL && r.remaining === 0) {
      return { version, services, timestamp, addrRecv, addrFrom: addrRecv, nonce: 0n, userAgent: "", startHeight: 0, relay: true }
    }
    const addrFrom = AddressCodec.readLegacy(r)
    const nonce = r.u64le()
    const userAgent = r.varString(MAX_USER_AGENT, "user agent")
    const startHeight = r.i32le()
    const relay = r.remaining > 0 ? r.bool() : true
    r.offset = r.end
    return { version, services, timestamp, addrRecv, addrFrom, nonce, userAgent, startHeight, relay }
  },
  write: (w, m) => {
    w.i32le(m.version).u64le(m.services).i64le(m.timestamp)
    AddressCodec.writeLegacy(w, m.addrRecv)
    AddressCodec.writeLegacy(w, m.addrFrom)
    w.u64le(m.nonce).varString(m.userAgent, MAX_USER_AGENT, "user agent").i32le(m.startHeight)
    // The relay byte exists from BIP-0037 (70001) on. Below that it is written only when false, as the
    // decoder reads one wherever it is present (as Bitcoin Core does): so every value round trips.
    if (m.version >= ProtocolVersion.BIP0037 || !m.relay) w.bool(m.relay)
  },
  size: (m) => {
    const userAgent = asciiVarStringLength(m.userAgent)
    // version, services, timestamp, two 26-byte addresses, nonce, user agent, start height, relay.
    return userAgent < 0 ? -1 : 4 + 8 + 8 + 26 + 26 + 8 + userAgent + 4 + (m.version >= ProtocolVersion.BIP0037 || !m.relay ? 1 : 0)
  }
})

/**
 * @since 0.1.0
 * @category models
 */
export type Version = ReturnType<typeof Version.make>

/**
 * SOCKS5 (RFC 1928) with username/password authentication (RFC 1929), the
 * client side, sans I/O: `start` gives the first bytes to write, `receive`
 * takes whatever the proxy sent and says what to write next, or that the
 * tunnel is open (with any bytes that came after the proxy's reply: a
 * Bitcoin node may speak first), or why it failed. No sockets, clocks or
 * resolvers: a host name is sent to the proxy as a name (address type 3),
 * never looked up here, which is what keeps a proxied dial from leaking DNS.
 *
 * What we accept from the proxy is bounded before it is buffered: the
 * longest message a proxy may send before the tunnel opens is a CONNECT reply
 * with a 255-byte name (262 bytes).
 *
 * @since 0.2.0
 */
import * as Data from "effect/Data"
import * as NetAddress from "../../wire/NetAddress.js"

/**
 * Why a dial through a SOCKS5 proxy failed. The first eight reasons are the
 * proxy's CONNECT reply codes 1 to 8 (RFC 1928 §6); `UnknownReply` is any
 * other code (kept in `code`).
 *
 * @since 0.2.0
 * @category errors
 */
export class Socks5Error extends Data.TaggedError("Socks5Error")<{
  readonly reason:
    | "GeneralFailure"
    | "NotAllowed"
    | "NetworkUnreachable"
    | "HostUnreachable"
    | "ConnectionRefused"
    | "TtlExpired"
    | "CommandNotSupported"
    | "AddressTypeNotSupported"
    | "UnknownReply"
    /** The proxy rejected our username/password (RFC 1929 status not 0). */
    | "AuthFailed"
    /** The proxy answered with another protocol version: not a SOCKS5 proxy. */
    | "BadVersion"
    /** The proxy accepts none of the methods we offered (0xFF), or chose one we did not offer. */
    | "NoAcceptableMethod"
    /** A reply that breaks the protocol (reserved byte set, unknown address type). */
    | "MalformedReply"
    /** The TCP connection to the proxy could not be opened. */
    | "ProxyUnreachable"
    /** The proxy closed the connection (or it failed) before the tunnel was open. */
    | "ProxyClosed"
    /** The whole dial (connect to the proxy + negotiation) took longer than the dial timeout. */
    | "Timeout"
    /** Ours: a name or credential that does not fit SOCKS5 (1 to 255 bytes), or a network SOCKS cannot carry. */
    | "InvalidRequest"
  /** The proxy, `host:port`. */
  readonly proxy: string
  /** Where we asked the proxy to connect, `host:port`. */
  readonly target: string
  /** The reply code or status byte, when the proxy sent one. */
  readonly code?: number | undefined
  readonly cause?: unknown
}> {
  override get message(): string {
    const code = this.code === undefined ? "" : ` (code ${this.code})`
    return `SOCKS5 ${this.reason}${code}: ${this.target} via ${this.proxy}`
  }
}

/**
 * The RFC 1928 reply codes 1 to 8, by code.
 *
 * @since 0.2.0
 */
export const replyReasons: ReadonlyArray<Socks5Error["reason"]> = [
  "GeneralFailure", // 0x00 is success and never looked up
  "GeneralFailure",
  "NotAllowed",
  "NetworkUnreachable",
  "HostUnreachable",
  "ConnectionRefused",
  "TtlExpired",
  "CommandNotSupported",
  "AddressTypeNotSupported"
]

/** Where to connect: the address types of RFC 1928 §5. */
export type Destination =
  | { readonly _tag: "IPv4"; readonly address: Uint8Array }
  | { readonly _tag: "IPv6"; readonly address: Uint8Array }
  | { readonly _tag: "Name"; readonly name: string }

/** RFC 1929 credentials, each 1 to 255 bytes of UTF-8. */
export interface Credentials {
  readonly username: string
  readonly password: string
}

export const VERSION = 0x05
export const METHOD_NO_AUTH = 0x00
export const METHOD_USERNAME_PASSWORD = 0x02
export const METHOD_NONE_ACCEPTABLE = 0xff
export const AUTH_VERSION = 0x01
export const CMD_CONNECT = 0x01
export const ATYP_IPV4 = 0x01
export const ATYP_NAME = 0x03
export const ATYP_IPV6 = 0x04
/** The longest reply a proxy may send before the tunnel opens: a CONNECT reply with a 255-byte name. */
export const MAX_REPLY = 4 + 1 + 255 + 2

const utf8 = new TextEncoder()

/**
 * How a `NetAddress` is asked for: IPv4 and IPv6 by address, Tor v3 and I2P
 * by their names (`….onion`, `….b32.i2p`) for the proxy to resolve. CJDNS
 * is its own network (a tun device, not a proxy): `undefined`.
 */
export const destinationOf = (a: { readonly network: number; readonly address: Uint8Array }): Destination | undefined => {
  switch (a.network) {
    case NetAddress.NetworkId.IPv4:
      return a.address.length === 4 ? { _tag: "IPv4", address: a.address } : undefined
    case NetAddress.NetworkId.IPv6:
      return a.address.length === 16 ? { _tag: "IPv6", address: a.address } : undefined
    case NetAddress.NetworkId.TorV3:
    case NetAddress.NetworkId.I2P: {
      const name = NetAddress.hostToString(a)
      return name.endsWith(".onion") || name.endsWith(".i2p") ? { _tag: "Name", name } : undefined
    }
    default:
      return undefined
  }
}

/** `host:port` of a destination, for errors and logs. */
export const destinationToString = (d: Destination, port: number): string =>
  d._tag === "Name"
    ? `${d.name}:${port}`
    : NetAddress.toString({ network: d._tag === "IPv4" ? NetAddress.NetworkId.IPv4 : NetAddress.NetworkId.IPv6, address: d.address, port })

const fieldOf = (text: string): Uint8Array | undefined => {
  const bytes = utf8.encode(text)
  return bytes.length >= 1 && bytes.length <= 255 ? bytes : undefined
}

/** The greeting: version 5 and the methods we offer (no authentication, and username/password when we have credentials, as Core). */
export const encodeGreeting = (withCredentials: boolean): Uint8Array =>
  withCredentials
    ? Uint8Array.of(VERSION, 2, METHOD_NO_AUTH, METHOD_USERNAME_PASSWORD)
    : Uint8Array.of(VERSION, 1, METHOD_NO_AUTH)

/** The RFC 1929 request, or `undefined` when a field is empty or longer than 255 bytes. */
export const encodeCredentials = (credentials: Credentials): Uint8Array | undefined => {
  const user = fieldOf(credentials.username)
  const pass = fieldOf(credentials.password)
  if (user === undefined || pass === undefined) return undefined
  const out = new Uint8Array(3 + user.length + pass.length)
  out[0] = AUTH_VERSION
  out[1] = user.length
  out.set(user, 2)
  out[2 + user.length] = pass.length
  out.set(pass, 3 + user.length)
  return out
}

/** The CONNECT request, or `undefined` when a name is empty or longer than 255 bytes. */
export const encodeConnect = (destination: Destination, port: number): Uint8Array | undefined => {
  let address: Uint8Array
  let atyp: number
  let prefix = 0
  switch (destination._tag) {
    case "IPv4":
      address = destination.address
      atyp = ATYP_IPV4
      break
    case "IPv6":
      address = destination.address
      atyp = ATYP_IPV6
      break
    case "Name": {
      const name = fieldOf(destination.name)
      if (name === undefined) return undefined
      address = name
      atyp = ATYP_NAME
      prefix = 1
      break
    }
  }
  const out = new Uint8Array(4 + prefix + address.length + 2)
  out[0] = VERSION
  out[1] = CMD_CONNECT
  out[2] = 0x00
  out[3] = atyp
  if (prefix === 1) out[4] = address.length
  out.set(address, 4 + prefix)
  out[out.length - 2] = (port >>> 8) & 0xff
  out[out.length - 1] = port & 0xff
  return out
}

/**
 * A negotiation in progress: which reply we wait for, and the bytes of it
 * received so far.
 */
export interface Negotiation {
  readonly step: "method" | "auth" | "connect"
  readonly buffered: Uint8Array
  readonly credentials: Uint8Array | undefined
  readonly connect: Uint8Array
}

/** What to do after `receive`. */
export type Step =
  | { readonly _tag: "Continue"; readonly state: Negotiation; readonly write: Uint8Array | undefined }
  | { readonly _tag: "Open"; readonly rest: Uint8Array }
  | { readonly _tag: "Failed"; readonly reason: Socks5Error["reason"]; readonly code?: number }

/**
 * Starts a negotiation. `undefined` when the request cannot be expressed in
 * SOCKS5 (see `encodeConnect`, `encodeCredentials`).
 */
export const start = (
  destination: Destination,
  port: number,
  credentials: Credentials | undefined
): { readonly state: Negotiation; readonly write: Uint8Array } | undefined => {
  const connect = encodeConnect(destination, port)
  const auth = credentials === undefined ? undefined : encodeCredentials(credentials)
  if (connect === undefined || (credentials !== undefined && auth === undefined)) return undefined
  return {
    state: { step: "method", buffered: new Uint8Array(0), credentials: auth, connect },
    write: encodeGreeting(auth !== undefined)
  }
}

const concat = (a: Uint8Array, b: Uint8Array): Uint8Array => {
  if (a.length === 0) return b
  const out = new Uint8Array(a.length + b.length)
  out.set(a)
  out.set(b, a.length)
  return out
}

const failed = (reason: Socks5Error["reason"], code?: number): Step =>
  code === undefined ? { _tag: "Failed", reason } : { _tag: "Failed", reason, code }

/** Bytes the CONNECT reply needs in all, once its first five are known; `undefined` for an unknown address type. */
const replyLength = (head: Uint8Array): number | undefined => {
  switch (head[3]) {
    case ATYP_IPV4:
      return 4 + 4 + 2
    case ATYP_IPV6:
      return 4 + 16 + 2
    case ATYP_NAME:
      return 4 + 1 + head[4]! + 2
    default:
      return undefined
  }
}

/**
 * Feeds bytes from the proxy. Checks each reply as soon as its deciding byte
 * is in (version, then method / status / reply code), so a failure is
 * reported without waiting for bytes that may never come.
 */
export const receive = (state: Negotiation, chunk: Uint8Array): Step => {
  const bytes = concat(state.buffered, chunk)
  const wait = (): Step => ({ _tag: "Continue", state: { ...state, buffered: bytes }, write: undefined })
  const next = (step: Negotiation["step"], consumed: number, write: Uint8Array): Step => {
    const rest = bytes.subarray(consumed)
    // The proxy must wait for our next request before sending more.
    if (rest.length > 0) return failed("MalformedReply")
    return { _tag: "Continue", state: { ...state, step, buffered: rest }, write }
  }
  if (bytes.length === 0) return wait()
  switch (state.step) {
    case "method": {
      if (bytes[0] !== VERSION) return failed("BadVersion", bytes[0])
      if (bytes.length < 2) return wait()
      const method = bytes[1]!
      if (method === METHOD_NO_AUTH) return next("connect", 2, state.connect)
      if (method === METHOD_USERNAME_PASSWORD && state.credentials !== undefined) return next("auth", 2, state.credentials)
      return failed("NoAcceptableMethod", method)
    }
    case "auth": {
      if (bytes[0] !== AUTH_VERSION) return failed("BadVersion", bytes[0])
      if (bytes.length < 2) return wait()
      if (bytes[1] !== 0x00) return failed("AuthFailed", bytes[1])
      return next("connect", 2, state.connect)
    }
    case "connect": {
      if (bytes[0] !== VERSION) return failed("BadVersion", bytes[0])
      if (bytes.length < 2) return wait()
      const code = bytes[1]!
      if (code !== 0x00) return failed(code < replyReasons.length ? replyReasons[code]! : "UnknownReply", code)
      if (bytes.length < 5) return wait()
      if (bytes[2] !== 0x00) return failed("MalformedReply")
      const length = replyLength(bytes)
      if (length === undefined) return failed("MalformedReply", bytes[3])
      if (bytes.length < length) return wait()
      return { _tag: "Open", rest: bytes.subarray(length) }
    }
  }
}

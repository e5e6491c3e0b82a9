/**
 * The BIP324 v2 transport as a sans-I/O state machine: bytes in, messages
 * and bytes to write out. No socket, no clock, no fiber: the caller feeds
 * what the socket read (`receive`), writes what comes back, and frames
 * outgoing messages with `send`.
 *
 * Receive states, in order:
 * - `prefix` (responder only): the first 16 bytes are compared with a v1
 *   `version` header (magic + "version\0\0\0\0\0"); a full match hands the
 *   connection over to v1 with every byte received, a mismatch starts v2.
 * - `key`: the remote's 64-byte ElligatorSwift key; then (a responder) the
 *   admission check and our key and garbage (a v1 peer, or a remote that
 *   stops short of a key, never sees them), ECDH, keys, and we send our
 *   garbage terminator, decoys, the version packet and anything queued by
 *   `send` meanwhile.
 * - `garbage`: up to 4095 bytes of garbage then the remote's 16-byte
 *   terminator, looked for in a fixed 4111-byte buffer: never more.
 * - `version`: decoys, then the version packet (contents ignored); the first
 *   of them is authenticated together with the garbage (AAD).
 * - `app`: packets carry messages; decoys are dropped.
 *
 * Every length a remote announces is checked against the network's cap
 * before anything is allocated for it, and nothing is allocated from it
 * before the bytes arrive: a packet that spans reads is decrypted piece by
 * piece as it arrives, or (a large one, on the native suite) gathered into
 * a free buffer of a process-wide pool (`ciphertextPool.ts`) and decrypted
 * in one call; its plaintext is held until the tag checks. Memory per
 * session is bounded by the largest packet plus 4 KiB, beside the pool's
 * own bound. Large packets leave `sendPieces` in
 * `Pieces`, as the cipher made them, for a writer that takes them without
 * joining.
 *
 * @internal
 */
import { randomBytes } from "@noble/hashes/utils.js"
import { joined, type Pieces } from "../pieces.js"
import { type ChaChaSuite, defaultSuite, type Opener, TAG_SIZE } from "./cipher.js"
import { type Ecdh, defaultEcdh, ELLSWIFT_SIZE, type EllSwiftKeyPair, generateKeyPair, sharedSecret } from "./ellswift.js"
import { V2TransportError } from "./error.js"
import { LENGTH_FIELD_SIZE } from "./fschacha.js"
import { defaultHkdf, deriveKeys, type Hkdf } from "./hkdf.js"
import { commandOfShortId, LONG_COMMAND_SIZE, shortIdOf } from "./messageIds.js"
import { HEADER_SIZE, IGNORE_BIT, PacketCipher } from "./packetCipher.js"

/** Most garbage either side may send. @internal */
export const MAX_GARBAGE = 4095

/** Size of a garbage terminator. @internal */
export const TERMINATOR_SIZE = 16

/** Bytes of a v1 `version` header that identify a v1 peer: magic + command. @internal */
export const V1_PREFIX_SIZE = 16

/** Core's rule: a v1 peer disconnects once it has a full (bad) 24-byte header from us. @internal */
export const V1_HEADER_SIZE = 24

const VERSION_COMMAND = new TextEncoder().encode("version\0\0\0\0\0")

/**
 * Whether `bytes` starts with a whole v1 `version` header prefix (`magic` +
 * "version\0\0\0\0\0"): what a responder's `prefix` state looks for, for a
 * caller that sees the first read before any session exists. @internal
 */
export const startsWithV1Version = (magic: Uint8Array, bytes: Uint8Array): boolean => {
  if (bytes.length < V1_PREFIX_SIZE) return false
  for (let i = 0; i < 4; i++) if (bytes[i] !== magic[i]) return false
  for (let i = 4; i < V1_PREFIX_SIZE; i++) if (bytes[i] !== VERSION_COMMAND[i - 4]) return false
  return true
}

const EMPTY = new Uint8Array(0)

/** Options of a session. @internal */
export interface SessionOptions {
  /** Whether we opened the connection. */
  readonly initiating: boolean
  /** The network's magic: keys differ per network; a v1 header is recognised by it. */
  readonly magic: Uint8Array
  /** Largest message payload accepted (`ChainParams.maxMessageSize`). */
  readonly maxMessageSize: number
  /** Our ephemeral key; a fresh one by default. */
  readonly keyPair?: EllSwiftKeyPair | undefined
  /** The garbage we send after our key; 0–4095 random bytes by default. */
  readonly garbage?: Uint8Array | undefined
  /** Contents sizes of decoy packets to send before the version packet. */
  readonly decoys?: ReadonlyArray<number> | undefined
  /**
   * Responder: asked once, when the remote's whole key has arrived, before
   * our key is sent or the ECDH is done; false refuses the handshake
   * (`HandshakeRefused`). For admission control. Admits by default.
   */
  readonly admit?: (() => boolean) | undefined
  readonly suite?: ChaChaSuite | undefined
  readonly ecdh?: Ecdh | undefined
  readonly hkdf?: Hkdf | undefined
}

/** A message as carried by a packet: its command and raw payload. @internal */
export interface RawMessage {
  readonly command: string
  readonly payload: Uint8Array
}

/** What one `receive` produced. @internal */
export interface ReceiveResult {
  /** Messages decoded from complete packets, in order. */
  readonly messages: ReadonlyArray<RawMessage>
  /** Bytes to write to the remote now (empty when none). */
  readonly bytesToWrite: Uint8Array
  /** Set when the session failed: disconnect with it. Messages before the failure are still delivered. */
  readonly error?: V2TransportError | undefined
  /**
   * Set (responder only) when the remote is a v1 peer: every byte received
   * so far, to feed to a v1 frame decoder. The session takes no more bytes.
   */
  readonly v1?: Uint8Array | undefined
}

type State = "prefix" | "key" | "garbage" | "version" | "app" | "v1" | "failed"

const concat = (parts: ReadonlyArray<Uint8Array>): Uint8Array => {
  if (parts.length === 0) return EMPTY
  if (parts.length === 1) return parts[0]!
  let size = 0
  for (const p of parts) size += p.length
  const out = new Uint8Array(size)
  let at = 0
  for (const p of parts) {
    out.set(p, at)
    at += p.length
  }
  return out
}

const isPrintable = (c: number): boolean => c >= 0x20 && c <= 0x7e

/** @internal */
export class Session {
  readonly initiating: boolean
  /** What to write as soon as the connection opens: our key and garbage (initiator), nothing (responder). */
  readonly initialBytes: Uint8Array

  private state: State
  private readonly magic: Uint8Array
  private readonly maxContents: number
  /** Ours, made when first needed: a responder that meets a v1 remote never pays for one (~1 ms). */
  private ownKeyPair: EllSwiftKeyPair | undefined
  private get keyPair(): EllSwiftKeyPair {
    return (this.ownKeyPair ??= generateKeyPair())
  }
  /** Ours, made when first needed, as the key pair: a responder that meets a v1 remote never draws it (up to 4 KiB of randomness). */
  private ownGarbage: Uint8Array | undefined
  private get garbage(): Uint8Array {
    return (this.ownGarbage ??= randomBytes(randomGarbageLength()))
  }
  private readonly decoys: ReadonlyArray<number>
  private readonly admit: (() => boolean) | undefined
  private readonly suite: ChaChaSuite
  private readonly ecdh: Ecdh
  private readonly hkdf: Hkdf

  private received = 0
  private failure: V2TransportError | undefined
  // prefix and key
  private readonly theirKey = new Uint8Array(ELLSWIFT_SIZE)
  private keyFill = 0
  // garbage
  private garbageBuf: Uint8Array | undefined
  private garbageFill = 0
  private receivedGarbage: Uint8Array = EMPTY
  private recvTerminator: Uint8Array = EMPTY
  // packets
  private cipher: PacketCipher | undefined
  private readonly lengthBuf = new Uint8Array(LENGTH_FIELD_SIZE)
  private lengthFill = 0
  private contentsSize = -1
  /** The packet in progress when it spans reads (see `readPacket`), and its bytes taken so far. */
  private opener: Opener | undefined
  private packetFill = 0
  private readonly tag = new Uint8Array(TAG_SIZE)
  // sending before the keys exist
  private queued: Array<RawMessage> = []
  private _sessionId: Uint8Array | undefined
  private _droppedMessages = 0
  /** Initiator: the remote's first bytes were a v1 `version` header (a v1 node that talks first, as bcoin). */
  private v1Remote = false

  constructor(options: SessionOptions) {
    this.initiating = options.initiating
    this.magic = options.magic
    this.maxContents = 1 + LONG_COMMAND_SIZE + options.maxMessageSize
    this.ownKeyPair = options.keyPair
    this.ownGarbage = options.garbage
    if (options.garbage !== undefined && options.garbage.length > MAX_GARBAGE) throw new RangeError(`garbage above ${MAX_GARBAGE} bytes`)
    this.decoys = options.decoys ?? []
    this.admit = options.admit
    this.suite = options.suite ?? defaultSuite
    this.ecdh = options.ecdh ?? defaultEcdh
    this.hkdf = options.hkdf ?? defaultHkdf
    this.state = this.initiating ? "key" : "prefix"
    this.initialBytes = this.initiating ? concat([this.keyPair.ellswift, this.garbage]) : EMPTY
  }

  /** The session id (32 bytes), once the keys are derived: compare it out of band to rule out a man in the middle. */
  get sessionId(): Uint8Array | undefined {
    return this._sessionId
  }

  /**
   * Authentic packets whose one-byte message id we do not know: dropped
   * without failing, as Bitcoin Core does (its V2Transport marks the message
   * rejected and net.cpp drops it and keeps the peer), so that ids assigned
   * later by BIPs do not disconnect us from newer nodes.
   */
  get droppedMessages(): number {
    return this._droppedMessages
  }

  /** True once the remote's version packet arrived: the v2 handshake is complete. */
  get ready(): boolean {
    return this.state === "app"
  }

  /** Bytes received and held, not yet part of a message: key, garbage, or a packet in progress. */
  get bufferedBytes(): number {
    return (this.state === "prefix" || this.state === "key" ? this.keyFill : 0) + this.garbageFill * (this.state === "garbage" ? 1 : 0) +
      this.lengthFill + this.packetFill
  }

  /** True once the keys exist and `send` returns bytes at once (before that it queues). */
  get canSend(): boolean {
    return this.cipher !== undefined
  }

  /**
   * Core's rule for retrying an outbound connection over v1: we initiated,
   * we are still waiting for the remote's key, nothing at all was received,
   * and `bytesSent` (what the socket took of `initialBytes`) is at least a
   * v1 header, so a v1 peer has had enough to reject us.
   */
  shouldReconnectV1(bytesSent: number): boolean {
    if (!this.initiating) return false
    // Beyond Core's rule: a v1 node that sends its `version` without waiting for ours (bcoin does)
    // answers our key with a v1 header; a v2 key starts with those 16 bytes with probability 2^-128.
    if (this.v1Remote) return true
    return this.state === "key" && this.received === 0 && bytesSent >= V1_HEADER_SIZE
  }

  /**
   * Frames a message. Before the keys exist the message is queued and comes
   * out, in order, in the `bytesToWrite` of the `receive` that derives them;
   * then the result is empty.
   */
  send(command: string, payload: Uint8Array): Uint8Array {
    return joined(this.sendPieces(command, payload))
  }

  /**
   * `send`, with a large packet left in the `Pieces` its cipher made (for
   * a writer that takes them: no copy, no second buffer of the packet's size).
   */
  sendPieces(command: string, payload: Uint8Array): Uint8Array | Pieces {
    if (this.cipher === undefined) {
      this.queued.push({ command, payload })
      return EMPTY
    }
    return this.encode(this.cipher, command, payload)
  }

  /** A decoy packet of `size` zero bytes, which the remote discards. Needs the keys. */
  decoy(size: number): Uint8Array {
    if (this.cipher === undefined) throw new Error("v2 decoy before the keys exist")
    return this.cipher.encrypt(new Uint8Array(size), EMPTY, true)
  }

  /**
   * The remote closed the connection: a failure when it stopped inside its
   * key, garbage or a packet; `undefined` otherwise (including an initiator
   * that received nothing: see `shouldReconnectV1`).
   */
  end(): V2TransportError | undefined {
    if (this.state === "failed") return this.failure
    if (this.state === "v1" || this.received === 0) return undefined
    if (this.state === "prefix" || this.state === "key") {
      return this.fail("TruncatedKey", `${this.keyFill} of ${ELLSWIFT_SIZE} bytes`)
    }
    if (this.state === "garbage" || this.lengthFill > 0 || this.contentsSize >= 0) {
      return this.fail("TruncatedPacket", `in ${this.state}`)
    }
    return undefined
  }

  /** Takes the next bytes read from the socket. */
  receive(chunk: Uint8Array): ReceiveResult {
    const messages: Array<RawMessage> = []
    const out: Array<Uint8Array> = []
    if (this.state === "failed" || this.state === "v1") {
      return { messages, bytesToWrite: EMPTY, error: this.failure ?? new V2TransportError({ reason: "Closed" }) }
    }
    this.received += chunk.length
    let at = 0
    while (at < chunk.length) {
      switch (this.state) {
        case "prefix": {
          // Always at the start of a chunk: the bytes before it are the first `earlier` of theirKey.
          const earlier = this.keyFill
          at = this.readPrefix(chunk, at)
          if ((this.state as State) === "v1") {
            // The usual case, the whole prefix in the first read: that read is handed over as it is.
            return { messages, bytesToWrite: EMPTY, v1: earlier === 0 ? chunk : concat([this.theirKey.slice(0, earlier), chunk]) }
          }
          break
        }
        case "key":
          at = this.readKey(chunk, at, out)
          break
        case "garbage":
          at = this.readGarbage(chunk, at)
          break
        default:
          at = this.readPacket(chunk, at, messages)
      }
      if ((this.state as State) === "failed") return { messages, bytesToWrite: concat(out), error: this.failure }
    }
    return { messages, bytesToWrite: concat(out) }
  }

  private fail(reason: V2TransportError["reason"], detail?: string): V2TransportError {
    this.state = "failed"
    this.failure = new V2TransportError({ reason, detail })
    this.garbageBuf = undefined
    this.opener = undefined
    this.queued = []
    return this.failure
  }

  private readPrefix(chunk: Uint8Array, at: number): number {
    // theirKey doubles as the prefix buffer: on a mismatch these bytes are the start of the key.
    while (at < chunk.length && this.keyFill < V1_PREFIX_SIZE) {
      const b = chunk[at++]!
      this.theirKey[this.keyFill] = b
      const expected = this.keyFill < 4 ? this.magic[this.keyFill] : VERSION_COMMAND[this.keyFill - 4]
      this.keyFill++
      if (b !== expected) {
        // A v2 initiator: our key goes out once its own is whole (readKey).
        this.state = "key"
        return at
      }
    }
    if (this.keyFill === V1_PREFIX_SIZE) this.state = "v1"
    return at
  }

  private readKey(chunk: Uint8Array, at: number, out: Array<Uint8Array>): number {
    const before = this.keyFill
    const take = Math.min(ELLSWIFT_SIZE - this.keyFill, chunk.length - at)
    this.theirKey.set(chunk.subarray(at, at + take), this.keyFill)
    this.keyFill += take
    at += take
    if (this.initiating && before < V1_PREFIX_SIZE && this.keyFill >= V1_PREFIX_SIZE && this.isV1VersionHeader()) {
      this.v1Remote = true
      this.fail("V1Remote", "the remote answered with a v1 version header")
      return at
    }
    if (this.keyFill < ELLSWIFT_SIZE) return at
    if (!this.initiating) {
      if (sameBytes(this.theirKey.subarray(4, V1_PREFIX_SIZE), VERSION_COMMAND)) {
        this.fail("V1WrongNetwork", "a v1 version header with another network's magic")
        return at
      }
      // Admission is asked here, with the remote's whole key in and the ECDH about to run, and
      // nothing of ours sent yet (a refusal is closed unanswered, which BIP-0324's initiator takes
      // for a v1 node). Asked at its first byte, a remote that sent one byte and stalled held an
      // admission slot until its handshake deadline: four such sockets kept every v2 initiator out.
      if (this.admit !== undefined && !this.admit()) {
        this.fail("HandshakeRefused", "inbound v2 handshakes over their limits")
        return at
      }
      out.push(this.keyPair.ellswift, this.garbage)
    }
    const secret = sharedSecret(this.keyPair.privateKey, this.theirKey, this.keyPair.ellswift, this.initiating, this.ecdh)
    const keys = deriveKeys(secret, this.magic, this.hkdf)
    secret.fill(0)
    this._sessionId = keys.sessionId
    const cipher = new PacketCipher(keys, this.initiating, this.suite)
    // The ciphers hold copies; wipe the initial keys (forward secrecy, as the BIP's memory_cleanse).
    for (const k of [keys.initiatorL, keys.initiatorP, keys.responderL, keys.responderP]) k.fill(0)
    this.cipher = cipher
    this.recvTerminator = this.initiating ? keys.responderTerminator : keys.initiatorTerminator
    out.push(this.initiating ? keys.initiatorTerminator : keys.responderTerminator)
    // The first packet after the terminator authenticates the garbage we sent.
    let aad = this.garbage
    for (const size of this.decoys) {
      out.push(cipher.encrypt(new Uint8Array(size), aad, true))
      aad = EMPTY
    }
    out.push(cipher.encrypt(EMPTY, aad))
    for (const m of this.queued) out.push(joined(this.encode(cipher, m.command, m.payload)))
    this.queued = []
    this.state = "garbage"
    this.garbageBuf = new Uint8Array(MAX_GARBAGE + TERMINATOR_SIZE)
    return at
  }

  private isV1VersionHeader(): boolean {
    return startsWithV1Version(this.magic, this.theirKey)
  }

  private readGarbage(chunk: Uint8Array, at: number): number {
    const buf = this.garbageBuf!
    const before = this.garbageFill
    const take = Math.min(buf.length - before, chunk.length - at)
    buf.set(chunk.subarray(at, at + take), before)
    const after = before + take
    const t = this.recvTerminator
    for (let end = Math.max(TERMINATOR_SIZE, before + 1); end <= after; end++) {
      if (endsWith(buf, end, t)) {
        this.receivedGarbage = buf.slice(0, end - TERMINATOR_SIZE)
        this.garbageBuf = undefined
        this.state = "version"
        return at + (end - before)
      }
    }
    this.garbageFill = after
    if (after === buf.length) this.fail("NoGarbageTerminator", `none in ${buf.length} bytes`)
    return at + take
  }

  private readPacket(chunk: Uint8Array, at: number, messages: Array<RawMessage>): number {
    const cipher = this.cipher!
    if (this.contentsSize < 0) {
      while (this.lengthFill < LENGTH_FIELD_SIZE && at < chunk.length) this.lengthBuf[this.lengthFill++] = chunk[at++]!
      if (this.lengthFill < LENGTH_FIELD_SIZE) return at
      this.lengthFill = 0
      const size = cipher.decryptLength(this.lengthBuf, 0)
      if (size > this.maxContents) {
        this.fail("OversizedPacket", `${size} bytes of contents, cap ${this.maxContents}`)
        return at
      }
      this.contentsSize = size
    }
    const sealedSize = HEADER_SIZE + this.contentsSize + TAG_SIZE
    const aad = this.state === "version" ? this.receivedGarbage : EMPTY
    let plaintext: Uint8Array | undefined
    if (this.opener === undefined && chunk.length - at >= sealedSize) {
      // The whole packet is in this chunk: decrypted where it lies, no copy.
      plaintext = cipher.decrypt(chunk, aad, at, at + sealedSize)
      at += sealedSize
    } else {
      if (at === chunk.length) return at
      // Spread over reads: each piece is decrypted as it comes, so the ciphertext is never gathered
      // into a packet buffer; the plaintext is held (up to the checked size) until the tag checks.
      const ciphertextSize = sealedSize - TAG_SIZE
      const opener = (this.opener ??= cipher.decryptPieces(ciphertextSize, aad))
      if (this.packetFill < ciphertextSize) {
        const take = Math.min(ciphertextSize - this.packetFill, chunk.length - at)
        opener.update(chunk.subarray(at, at + take))
        this.packetFill += take
        at += take
      }
      if (this.packetFill >= ciphertextSize && at < chunk.length) {
        const take = Math.min(sealedSize - this.packetFill, chunk.length - at)
        this.tag.set(chunk.subarray(at, at + take), this.packetFill - ciphertextSize)
        this.packetFill += take
        at += take
      }
      if (this.packetFill < sealedSize) return at
      plaintext = opener.final(this.tag)
      this.opener = undefined
      this.packetFill = 0
    }
    this.contentsSize = -1
    if (plaintext === undefined) {
      this.fail("BadTag", this.state === "version" ? "first packet (garbage authentication)" : undefined)
      return at
    }
    if (this.state === "version") this.receivedGarbage = EMPTY
    if ((plaintext[0]! & IGNORE_BIT) !== 0) return at
    if (this.state === "version") {
      // The version packet: its contents are reserved for future versions and ignored.
      this.state = "app"
      return at
    }
    const message = this.parseContents(plaintext)
    if (message !== undefined) messages.push(message)
    return at
  }

  /** The message in a packet's plaintext (header byte, then contents); one view is made, the payload's. */
  private parseContents(plaintext: Uint8Array): RawMessage | undefined {
    if (plaintext.length === HEADER_SIZE) {
      this.fail("BadMessageType", "empty contents")
      return undefined
    }
    const id = plaintext[HEADER_SIZE]!
    if (id !== 0) {
      const command = commandOfShortId(id)
      if (command === undefined) {
        this._droppedMessages++
        return undefined
      }
      return { command, payload: plaintext.subarray(HEADER_SIZE + 1) }
    }
    const contents = plaintext.subarray(HEADER_SIZE)
    if (contents.length < 1 + LONG_COMMAND_SIZE) {
      this.fail("BadMessageType", "long-form command cut short")
      return undefined
    }
    let command = ""
    let i = 1
    for (; i <= LONG_COMMAND_SIZE && contents[i] !== 0; i++) {
      const c = contents[i]!
      if (!isPrintable(c)) {
        this.fail("BadMessageType", `byte ${c} in command`)
        return undefined
      }
      command += String.fromCharCode(c)
    }
    for (; i <= LONG_COMMAND_SIZE; i++) {
      if (contents[i] !== 0) {
        this.fail("BadMessageType", "command not NUL-padded")
        return undefined
      }
    }
    if (command.length === 0) {
      this.fail("BadMessageType", "empty command")
      return undefined
    }
    return { command, payload: contents.subarray(1 + LONG_COMMAND_SIZE) }
  }

  private encode(cipher: PacketCipher, command: string, payload: Uint8Array): Uint8Array | Pieces {
    const id = shortIdOf(command)
    const typeSize = id === undefined ? 1 + LONG_COMMAND_SIZE : 1
    const size = typeSize + payload.length
    if (size > this.maxContents) throw new RangeError(`v2 message too large: ${command} of ${payload.length} bytes`)
    if (id !== undefined) return cipher.encryptShort(id, payload)
    // The long form: a zero byte, then the command NUL-padded to 12 bytes.
    if (command.length === 0 || command.length > LONG_COMMAND_SIZE) throw new RangeError(`bad command: ${command}`)
    const type = new Uint8Array(typeSize)
    for (let i = 0; i < command.length; i++) {
      const c = command.charCodeAt(i)
      if (!isPrintable(c)) throw new RangeError(`bad command: ${command}`)
      type[1 + i] = c
    }
    return cipher.encryptParts(type, payload)
  }
}

const randomGarbageLength = (): number => {
  const r = randomBytes(2)
  return (r[0]! | (r[1]! << 8)) % (MAX_GARBAGE + 1)
}

const sameBytes = (a: Uint8Array, b: Uint8Array): boolean => {
  if (a.length !== b.length) return false
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false
  return true
}

const endsWith = (buf: Uint8Array, end: number, t: Uint8Array): boolean => {
  const start = end - t.length
  for (let i = 0; i < t.length; i++) if (buf[start + i] !== t[i]) return false
  return true
}

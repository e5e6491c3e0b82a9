import * as Duration from "effect/Duration"
import { DisconnectReason, remoteClosedDuringHandshake, type ViolationRule } from "../../../peer/DisconnectReason.js"
import type { Direction, HandshakeInfo } from "../../../peer/Peer.js"
import type { PeerConfigShape } from "../../../peer/PeerConfig.js"
import { PeerError } from "../../../peer/PeerError.js"
import * as ChainParams from "../../../wire/ChainParams.js"
import * as Frame from "../../../wire/Frame.js"
import type * as InvVector from "../../../wire/InvVector.js"
import * as Magic from "../../../wire/Magic.js"
import * as Message from "../../../wire/Message.js"
import type * as NetAddress from "../../../wire/NetAddress.js"
import * as ProtocolVersion from "../../../wire/ProtocolVersion.js"
import * as handshakeRules from "../handshake.js"
import { StallTable } from "../StallTable.js"
import type { Actions } from "./Actions.js"
import { Counters } from "./Counters.js"
import { PingState } from "./Ping.js"
import { Recurring, type Step } from "./Recurring.js"
import { Relay } from "./Relay.js"
import { type Request, Requests, type StallHandle } from "./Requests.js"

/** A config's timeouts in milliseconds, read once per config object (the peers of a node share one). */
interface Millis {
  readonly pongTimeout: number
  readonly handshakeTimeout: number
  readonly idleTimeout: number
  readonly stallTickInterval: number
}

const millisByConfig = new WeakMap<PeerConfigShape, Millis>()

const millisOf = (config: PeerConfigShape): Millis => {
  let millis = millisByConfig.get(config)
  if (millis === undefined) {
    millis = {
      pongTimeout: Duration.toMillis(config.pongTimeout),
      handshakeTimeout: Duration.toMillis(config.handshakeTimeout),
      idleTimeout: Duration.toMillis(config.idleTimeout),
      stallTickInterval: Duration.toMillis(config.stallTickInterval)
    }
    millisByConfig.set(config, millis)
  }
  return millis
}

/**
 * What a core is made from: the peer's settings, and what the engine decided
 * when the peer started (our `version`, random seeds, the clock's reading).
 *
 * @internal
 */
export interface CoreOptions {
  readonly config: PeerConfigShape
  readonly direction: Direction
  /** When the connection was made (the engine's clock, milliseconds). */
  readonly connectedAt: number
  /** Our `version` message (sent first outbound, in answer inbound). */
  readonly ourVersion: Message.MessageOf<"Version">
  /** Whether a version nonce is one we sent (a self-connection). */
  readonly isOurNonce: (nonce: bigint) => boolean
  /** The message transport's name and session id, recorded in the handshake info. */
  readonly transport: () => { readonly name: string; readonly sessionId: Uint8Array | undefined }
  /** Seeds the ping nonces. */
  readonly pingSeed: bigint
  /** Steps the ping and trickle schedules at `now`: the next recurrence, or undefined when done. */
  readonly stepPing: Step
  readonly stepTrickle: Step
}

/**
 * The peer protocol as a state machine without I/O: events in (a message
 * received, a timer, a frame written, the user's sends, requests and pings,
 * the end), actions out through `Actions` (frames to queue, messages to
 * deliver, requests to complete or fail, when to wake, disconnect). No
 * socket, fiber, runtime or clock: `now` comes with every event, so unit
 * tests drive it by hand (test/peer/core).
 *
 * The rules it keeps:
 * - the handshake (BIP-0031 ping, BIP-0130 sendheaders, BIP-0133 feefilter,
 *   BIP-0155 sendaddrv2, BIP-0339 wtxidrelay) and the order rules around it;
 * - keep-alive pings and pong timeouts;
 * - the handshake, idle and stall deadlines (the stall table), request
 *   matching and request timeouts;
 * - the inventory trickle and the known-inventory / known-address filters;
 * - the counters behind `peer.stats`.
 *
 * The state is this object's fields, changed in place by each event (no
 * copy per message: the received message is the hot path).
 *
 * @internal
 */
export class PeerCore<R> {
  /** Why the peer ended; undefined while it runs. */
  reason: DisconnectReason | undefined = undefined
  negotiatedVersion = 0
  handshake: HandshakeInfo | undefined = undefined
  versionReceived = false
  verackReceived = false
  remoteWantsHeaders = false
  remoteWantsAddrV2 = false
  remoteWantsWtxid = false
  remoteFeeFilter: bigint | undefined = undefined
  lastBlock = 0
  readonly counters = new Counters()
  readonly ping: PingState
  readonly requests = new Requests<R>()
  private readonly stalls: StallTable
  private readonly relay: Relay
  private readonly pinging: Recurring
  private readonly trickling: Recurring
  private readonly config: PeerConfigShape
  private readonly handshakeDue: number
  private readonly idleMillis: number
  private readonly tickMillis: number
  private nextTick: number

  constructor(readonly options: CoreOptions, private readonly actions: Actions<R>) {
    const config = options.config
    this.config = config
    this.stalls = new StallTable(config.stallRules)
    this.relay = new Relay(config.knownInventorySize, config.maxInvPerBatch)
    const millis = millisOf(config)
    this.ping = new PingState(options.pingSeed, millis.pongTimeout)
    this.pinging = new Recurring(options.stepPing)
    this.trickling = new Recurring(options.stepTrickle)
    this.handshakeDue = options.connectedAt + millis.handshakeTimeout
    this.idleMillis = millis.idleTimeout
    this.tickMillis = millis.stallTickInterval
    this.nextTick = options.connectedAt + this.tickMillis
  }

  /** The version messages are encoded and decoded at: the negotiated one, ours until then. */
  get codecVersion(): number {
    return this.negotiatedVersion === 0 ? this.config.protocolVersion : this.negotiatedVersion
  }

  // --- events: the start and the end ---

  /** The peer starts: outbound, our version goes first. Returns when to wake first. */
  start(): void {
    if (this.options.direction === "outbound") this.sendOrDisconnect(this.options.ourVersion)
    this.actions.wakeAt(Math.min(this.handshakeDue, this.options.connectedAt + this.idleMillis, this.nextTick))
  }

  /**
   * The peer ends for `reason`, from wherever it came (a rule here, the
   * socket, the user, the scope). Only the first counts; returns whether it
   * was the first.
   */
  end(reason: DisconnectReason): boolean {
    if (this.reason !== undefined) return false
    this.reason = reason
    this.actions.disconnect(reason)
    return true
  }

  // --- events: bytes became a message ---

  /**
   * A message arrived at `now`. Protocol duties first (handshake rules, pong,
   * filters, stall bookkeeping), then waiting requests, then subscribers.
   * Returns whether the peer is still connected.
   */
  received(r: Frame.Received, now: number): boolean {
    // Ended (a violation earlier in this read, or in one before the engine stopped reading):
    // what the remote sent after that is neither counted, answered nor delivered.
    if (this.reason !== undefined) return false
    const m = r.message
    this.counters.onReceived(r.command, r.payloadSize, now)
    const early = handshakeRules.outOfOrder(m, r.command, this.versionReceived, this.verackReceived)
    if (early !== undefined) return this.violation(early.rule, early.detail)
    switch (m._tag) {
      case "Version":
        this.onVersion(m, now)
        break
      case "Verack":
        this.onVerack(now)
        break
      case "WtxidRelay":
      case "SendAddrV2":
        if (this.verackReceived) return this.violation("FeatureAfterVerack", `${r.command} after verack`)
        if (m._tag === "WtxidRelay") this.remoteWantsWtxid = true
        else this.remoteWantsAddrV2 = true
        break
      case "SendHeaders":
        this.remoteWantsHeaders = true
        break
      case "FeeFilter":
        // As Core (net_processing: `if (MoneyRange(newFeeFilter))`): a rate outside 0..MAX_MONEY,
        // negative or above the network's money bound, is ignored; the last valid one stands.
        if (ChainParams.inMoneyRange(this.options.config.params, m.feeRate)) this.remoteFeeFilter = m.feeRate
        break
      case "Ping":
        if (ProtocolVersion.hasPong(this.negotiatedVersion)) this.sendOrDisconnect(Message.Pong.make({ nonce: m.nonce }))
        break
      case "Pong":
        this.onPong(m.nonce, now)
        break
      case "Inv":
        this.relay.remoteHasInventory(m)
        break
      case "Addr":
      case "AddrV2":
        this.relay.remoteKnowsAddresses(m.addresses)
        break
    }
    if (this.reason !== undefined) return false
    this.stalls.received(r.command, m._tag === "NotFound" ? m.inventory.length : 1)
    if (this.requests.size > 0) this.matchRequests(m)
    this.actions.deliver(m, r.payloadSize + Frame.HEADER_SIZE)
    return this.reason === undefined
  }

  /** Handling a batch took `millis` of our own time: not to be blamed on the remote's deadlines. */
  busy(millis: number): void {
    this.stalls.extend(millis)
  }

  /**
   * The remote closed the connection (once what it sent before was handled);
   * `reset`: by a TCP reset. Before the handshake completed, say how far it
   * got: a node on another network (wrong magic), one that bans us, or one
   * that refuses our version usually closes without a word.
   */
  remoteClosed(reset = false): void {
    if (this.verackReceived) {
      this.end(DisconnectReason.RemoteClosed({ reset }))
      return
    }
    const params = this.options.config.params
    this.end(remoteClosedDuringHandshake(
      this.versionReceived
        ? "after its version, before its verack: it refused our version or our network's features"
        : `before sending its version: is it on ${params.name} (magic ${Magic.toHex(params.magic)})? ` +
          "A node of another network, one that banned us, or this node itself (a self-connection) hangs up like this",
      reset
    ))
  }

  // --- events: a frame was written ---

  /** A batch of `bytes` went to the socket at `now`. */
  wrote(bytes: number, now: number): void {
    this.counters.onWrote(bytes, now)
  }

  /**
   * One message of that batch: counted, and a request's stall deadline starts
   * now (`expects` replies owed; a `getdata` owes one per item).
   */
  sent(command: string, payloadSize: number, expects: number, stall: StallHandle | undefined, now: number): void {
    this.counters.onSent(command, payloadSize)
    if (stall === undefined) this.stalls.expect(command, now, expects)
    else if (!stall.withdrawn) stall.deadline = this.stalls.expect(command, now, expects)
  }

  // --- events: time ---

  /** Whether the stall check is due at `now` (the engine first lets a reader that is behind catch up). */
  stallCheckDue(now: number): boolean {
    return now >= this.nextTick
  }

  /** The timer fired at `now`: everything due happens; returns when to wake next. */
  timer(now: number): number {
    if (this.reason !== undefined) return Number.POSITIVE_INFINITY
    const idleDue = (this.counters.lastReceive ?? this.options.connectedAt) + this.idleMillis
    if (!this.verackReceived && now >= this.handshakeDue) return this.endAt(DisconnectReason.HandshakeTimeout())
    if (now >= idleDue) return this.endAt(DisconnectReason.IdleTimeout())
    const ping = this.ping.pending
    if (ping !== undefined && now >= ping.due) return this.endAt(DisconnectReason.PingTimeout({ nonce: ping.nonce }))
    if (now >= this.nextTick) {
      const command = this.stalls.overdue(now)
      if (command !== undefined) return this.endAt(DisconnectReason.Stall({ command }))
      this.nextTick = now + this.tickMillis
    }
    if (this.requests.size > 0) {
      for (const w of this.requests) if (w.due <= now) this.timeOut(w)
    }
    if (this.verackReceived) {
      const pinging = this.pinging
      pinging.stepIfDue()
      if (pinging.isDue(now)) {
        pinging.next = undefined
        if (!ProtocolVersion.hasPong(this.negotiatedVersion)) {
          // Before BIP-0031 a ping has no nonce and no answer: it only keeps the connection alive.
          this.sendOrDisconnect(Message.Ping.make({ nonce: 0n }))
          pinging.stepDueAt(now)
        } else if (this.ping.pending !== undefined) this.ping.scheduledOut = true
        else if (this.startPing(now) === undefined) this.ping.scheduledOut = true
        else pinging.stepDueAt(now)
      }
      const trickling = this.trickling
      trickling.stepIfDue()
      if (trickling.isDue(now)) {
        for (const inventory of this.relay.flush()) this.sendOrDisconnect(Message.Inv.make({ inventory }))
        trickling.advance(now)
      }
    }
    if (this.reason !== undefined) return Number.POSITIVE_INFINITY
    return this.nextWake(now)
  }

  // --- events: the user ---

  /**
   * The user pings at `now`: undefined if a ping is out (the new one or one
   * already out: wait for `pingAnswered`), or why not.
   */
  pingNow(now: number): PeerError | undefined {
    if (this.ping.pending !== undefined) return undefined
    if (this.reason !== undefined) return this.disconnected()
    if (this.verackReceived && !ProtocolVersion.hasPong(this.negotiatedVersion)) {
      return new PeerError({ reason: "Unsupported", command: "ping", detail: `protocol ${this.negotiatedVersion} predates BIP-0031 pong` })
    }
    return this.startPing(now)
  }

  /** The user makes a request at `now`; undefined if it is waiting, or why it could not be sent. */
  request(request: Request<R>, message: Message.NetworkMessage): PeerError | undefined {
    if (this.reason !== undefined) return this.disconnected()
    this.requests.add(request)
    const error = this.actions.send(message, request.stall)
    if (error !== undefined) {
      this.requests.remove(request)
      return error
    }
    // The timer fails the request when it times out: no timer per request.
    this.actions.wakeAt(request.due)
    return undefined
  }

  /** The user stopped waiting for a request (interrupted). */
  cancel(request: Request<R>): void {
    if (this.requests.remove(request)) this.giveUp(request)
  }

  /** Inventory for the remote: blocks now, the rest at the next trickle. */
  queueInventory(inventory: ReadonlyArray<InvVector.InvVector>): PeerError | undefined {
    if (this.reason !== undefined) return this.disconnected()
    const now = this.relay.queue(inventory)
    return now.length === 0 ? undefined : this.actions.send(Message.Inv.make({ inventory: now }))
  }

  /** Of `addresses`, those worth sending to the remote. */
  freshAddresses<A extends NetAddress.NetAddressFields>(addresses: ReadonlyArray<A>): Array<A> {
    return this.relay.freshAddresses(addresses, this.remoteWantsAddrV2)
  }

  /** Sends our own addresses, after forgetting which addresses the remote knows (see `Relay.forgetKnownAddresses`). */
  advertiseAddresses(addresses: ReadonlyArray<NetAddress.TimedNetAddressFields>): PeerError | undefined {
    if (this.reason !== undefined) return this.disconnected()
    this.relay.forgetKnownAddresses()
    return this.sendAddresses(addresses)
  }

  /** Sends addresses (chosen from `freshAddresses`), as `addrv2` if the remote asked for it. */
  sendAddresses(addresses: ReadonlyArray<NetAddress.TimedNetAddressFields>): PeerError | undefined {
    if (addresses.length === 0) return undefined
    this.relay.sendingAddresses(addresses)
    return this.actions.send(this.remoteWantsAddrV2 ? Message.AddrV2.make({ addresses }) : Message.Addr.make({ addresses }))
  }

  /** The remote's best height, as far as we know, if higher. */
  updateLastBlock(height: number): void {
    if (height > this.lastBlock) this.lastBlock = height
  }

  // --- the rules ---

  private onVersion(v: Message.MessageOf<"Version">, now: number): void {
    if (this.versionReceived) return void this.violation("DuplicateVersion", "second version message")
    this.versionReceived = true
    const accepted = handshakeRules.negotiate(this.config, v, now, this.options.isOurNonce, this.options.transport())
    if (handshakeRules.isRefusal(accepted)) return void this.end(accepted)
    this.handshake = accepted
    this.negotiatedVersion = accepted.negotiatedVersion
    this.lastBlock = accepted.startHeight
    if (this.options.direction === "inbound") this.sendOrDisconnect(this.options.ourVersion)
    for (const m of handshakeRules.afterVersion(this.config, this.negotiatedVersion)) this.sendOrDisconnect(m)
  }

  private onVerack(now: number): void {
    if (!this.versionReceived) return void this.violation("VerackBeforeVersion", "verack before version")
    if (this.verackReceived) return void this.violation("DuplicateVerack", "second verack message")
    this.verackReceived = true
    for (const m of handshakeRules.afterVerack(this.config, this.negotiatedVersion)) this.sendOrDisconnect(m)
    if (this.reason !== undefined) return
    this.actions.handshakeComplete(this.handshake!)
    // Keep-alive and trickle start now.
    this.pinging.stepDueAt(now)
    this.trickling.stepDueAt(now)
    this.actions.wakeAt(this.nextWake(now))
  }

  private onPong(nonce: bigint, now: number): void {
    const rtt = this.ping.answer(nonce, now)
    if (rtt === undefined) return
    this.actions.pingAnswered(rtt)
    if (this.ping.scheduledOut) {
      // The next scheduled ping is timed from this answer.
      this.ping.scheduledOut = false
      this.pinging.stepDueAt(now)
      this.actions.wakeAt(this.nextWake(now))
    }
  }

  private matchRequests(m: Message.NetworkMessage): void {
    for (const w of this.requests) {
      let matched: unknown
      try {
        matched = w.match(m)
      } catch (cause) {
        // A throwing matcher fails its own request, not the peer (nor, over TCP, the process).
        this.requests.remove(w)
        this.giveUp(w)
        this.actions.dieRequest(w.handle, cause)
        continue
      }
      if (matched !== undefined) {
        this.requests.remove(w)
        this.actions.completeRequest(w.handle, matched)
      }
    }
  }

  /** Sends a ping unless one is out (its pong will do); returns the error if it could not be queued. */
  private startPing(now: number): PeerError | undefined {
    const nonce = this.ping.start(now)
    if (nonce === undefined) return undefined
    const error = this.actions.send(Message.Ping.make({ nonce }))
    if (error !== undefined) {
      this.ping.abandon()
      return error
    }
    this.actions.wakeAt(this.ping.pending!.due)
    return undefined
  }

  /**
   * A request ended without its reply (timed out or interrupted): the caller knows, so the stall
   * detector must not also disconnect the remote for it. A remote may legitimately stay silent:
   * bcoin never answers a getheaders at its tip (Core sends an empty headers).
   */
  private giveUp(w: Request<R>): void {
    if (this.reason !== undefined) return
    w.stall.withdrawn = true
    if (w.stall.deadline !== undefined) this.stalls.withdraw(w.stall.deadline)
  }

  private timeOut(w: Request<R>): void {
    this.requests.remove(w)
    this.giveUp(w)
    this.actions.failRequest(
      w.handle,
      new PeerError({ reason: "RequestTimeout", command: w.command, detail: `no reply within ${Duration.format(Duration.millis(w.timeoutMillis))}` })
    )
  }

  private nextWake(now: number): number {
    let next = Math.min((this.counters.lastReceive ?? this.options.connectedAt) + this.idleMillis, this.nextTick)
    if (!this.verackReceived) next = Math.min(next, this.handshakeDue)
    if (this.ping.pending !== undefined) next = Math.min(next, this.ping.pending.due)
    if (this.requests.size > 0) next = Math.min(next, this.requests.earliestDue())
    if (this.pinging.next !== undefined) next = Math.min(next, this.pinging.next)
    if (this.trickling.next !== undefined) next = Math.min(next, this.trickling.next)
    if (this.pinging.stepDue || this.trickling.stepDue) next = now
    return next
  }

  /** A protocol message of ours; one that cannot be queued ends the peer. */
  private sendOrDisconnect(m: Message.NetworkMessage): void {
    const error = this.actions.send(m)
    if (error !== undefined && this.reason === undefined) {
      this.end(DisconnectReason.LocalRequest({ detail: `could not send ${Message.commandOf(m)}: ${error.message}` }))
    }
  }

  private violation(rule: ViolationRule, detail: string): false {
    this.end(DisconnectReason.ProtocolViolation({ rule, detail }))
    return false
  }

  private endAt(reason: DisconnectReason): number {
    this.end(reason)
    return Number.POSITIVE_INFINITY
  }

  private disconnected(): PeerError {
    return new PeerError({ reason: "Disconnected", disconnect: this.reason })
  }
}

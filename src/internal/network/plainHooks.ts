/**
 * A handler's connect and disconnect duties as plain calls, for the handlers
 * this package installs (the address relay) when they run in this package's
 * registry. Any other registry calls the handler's `onConnected` effect, as
 * the public `PeerHandler` promises; ours finds the hooks beside it and calls
 * them directly.
 *
 * Why: the relay's `onConnected` is bookkeeping (a few map entries, the
 * advertisement alarm) that needs the peer's scope only to fork a trickle
 * into it later. Run as an effect it cost the registry a `Scope.extend` (a
 * context copy and a `FiberRef` set and reset, ~20 Effect operations), the
 * relay a finalizer on the scope, and ~19 KiB of allocation per connection:
 * a connection that lives a handshake (churn) paid that for nothing else.
 *
 * @internal
 */
import type * as Effect from "effect/Effect"
import type * as Option from "effect/Option"
import type * as Scope from "effect/Scope"
import type { PeerEntry, PeerHandler } from "../../network/PeerRegistry.js"
import type * as NetAddress from "../../wire/NetAddress.js"

/** Where a handler keeps its hooks: a symbol key, so that a handler object a user builds never has one. */
const PlainHooksKey: unique symbol = Symbol.for("effect-bitcoin-p2p/internal/network/PlainHooks")

/** @internal */
export interface PlainHooks {
  /**
   * The peer completed its handshake (the handler's `onConnected`, called).
   * `scope` is the peer's (closed once it is gone), `listen` where we listen
   * now. Returns what is left to do as an effect, or `undefined` when done.
   */
  readonly connected: (
    entry: PeerEntry,
    scope: Scope.Scope,
    listen: Option.Option<NetAddress.NetAddressFields>
  ) => Effect.Effect<void> | undefined
  /**
   * The peer is gone (the registry forgot it): what `onConnected` put on the
   * scope to undo, done now. Must not throw: it runs in the registry's exit
   * step, which catches a throw only to close the peer's scope and publish
   * `Disconnected` before the peer's run dies with it (a bug, reported as a
   * defect).
   */
  readonly disconnected: (entry: PeerEntry) => void
}

/** `handler` carrying `hooks` for this package's registry. @internal */
export const withPlainHooks = <H extends PeerHandler>(handler: H, hooks: PlainHooks): H =>
  Object.assign(handler, { [PlainHooksKey]: hooks })

/** The hooks `handler` carries, if any. @internal */
export const plainHooksOf = (handler: PeerHandler): PlainHooks | undefined =>
  (handler as { readonly [PlainHooksKey]?: PlainHooks })[PlainHooksKey]

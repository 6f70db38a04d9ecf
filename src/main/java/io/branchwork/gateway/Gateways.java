package io.branchwork.gateway;

import io.branchwork.auth.AuthService;
import io.branchwork.cluster.Ownership;
import io.branchwork.limits.ConnectionLimiter;
import io.branchwork.limits.UserQuotas;
import io.branchwork.services.Services;
import io.branchwork.store.Store;
import io.branchwork.views.ReadViews;

/**
 * What the front doors ({@code /ws}, the SockJS and TCP bridges) use of the node: auth and roles, the
 * store (for roles), the caps, this node's identity and the read views of its workspaces, with their
 * limits as plain values.
 */
public record Gateways(AuthService auth, Store store, UserQuotas quotas, ConnectionLimiter connections,
    Ownership ownership, ReadViews views, Limits limits) {

  /** The front doors' share of {@code services}: what they use of the node, and their limits as values. */
  public static Gateways of(Services services) {
    var c = services.config();
    return new Gateways(services.auth(), services.store(), services.quotas(), services.connections(),
        services.ownership(), services.views(), new Limits(c.authTimeoutMs, c.maxFrameBytes, c.wsIdleTimeoutMs,
            c.wsPingIntervalMs, c.wsMaxInFlight, c.requestTimeoutMs, c.loadTimeoutMs, c.maxReferencesPerSocket));
  }

  /** The front doors' timeouts and caps, from the configuration. */
  public record Limits(long authTimeoutMs, int maxFrameBytes, long idleTimeoutMs, long pingIntervalMs, int maxInFlight,
      long requestTimeoutMs, long loadTimeoutMs, int maxReferencesPerSocket) {}
}

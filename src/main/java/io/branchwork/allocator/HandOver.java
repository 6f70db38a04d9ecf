package io.branchwork.allocator;

import io.branchwork.client.AllocatorRequests;
import io.branchwork.cluster.Ownership;
import io.branchwork.contract.Addresses;
import io.branchwork.contract.AllocatorOps;
import io.branchwork.contract.Events;
import io.branchwork.core.Args;
import io.branchwork.core.WorkspaceKey;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A clean stop: each workspace of this node is saved and closed, and one that clients on other
 * nodes still hold is handed, with those references, to one of those nodes ({@code adopt}).
 */
final class HandOver {

  private static final Logger LOG = LoggerFactory.getLogger(HandOver.class);

  private final Vertx vertx;
  private final Ownership ownership;
  private final LocalWorkspaces local;
  private final OwnerRouter router;
  private final long loadTimeoutMs;

  HandOver(Vertx vertx, Ownership ownership, LocalWorkspaces local, OwnerRouter router, long loadTimeoutMs) {
    this.vertx = vertx;
    this.ownership = ownership;
    this.local = local;
    this.router = router;
    this.loadTimeoutMs = loadTimeoutMs;
  }

  /** Closes {@code key} for a stop: handed to a node that holds it, or closed with a {@code closing} to its sessions. */
  Future<Void> closeOrHandOver(WorkspaceKey key) {
    Map<String, Via> holders = local.foreignHolders(key);
    String heir = holders.values().stream().map(Via::node)
        .filter(n -> n != null && ownership.isLive(n)).findFirst()
        .orElse(holders.isEmpty() ? null
            : ownership.liveNodes().stream().filter(n -> !n.equals(ownership.self())).findFirst().orElse(null));
    if (heir == null) {
      return local.close(key, Events.REASON_SHUTDOWN, Close.NOTIFY);
    }
    JsonArray refs = new JsonArray();
    holders.forEach((h, o) -> refs.add(o.into(new JsonObject().put(AllocatorOps.FIELD_HOLDER, h))));
    long t0 = System.nanoTime();
    return local.close(key, Events.REASON_HANDOVER, Close.QUIET)
        .compose(v -> vertx.eventBus().<JsonObject>request(Addresses.allocatorOf(heir), AllocatorRequests.adopt(key, refs),
            new DeliveryOptions().setSendTimeout(loadTimeoutMs)))
        .onSuccess(m -> LOG.info("handed workspace {} over with {} references in {} ms", key, refs.size(),
            (System.nanoTime() - t0) / 1_000_000))
        .onFailure(e -> LOG.warn("could not hand workspace {} over: {}", key, e.toString()))
        .<Void>mapEmpty()
        .recover(e -> Future.succeededFuture());
  }

  /** Takes a workspace over from a node that stops: registers each of its references here. */
  Future<JsonObject> adopt(JsonObject body) {
    WorkspaceKey key = new WorkspaceKey(Args.string(body, AllocatorOps.FIELD_PROJECT),
        Args.string(body, AllocatorOps.FIELD_BRANCH));
    List<Future<JsonObject>> registered = new ArrayList<>();
    for (Object o : body.getJsonArray(AllocatorOps.FIELD_HOLDERS, new JsonArray())) {
      JsonObject ref = (JsonObject) o;
      String holder = ref.getString(AllocatorOps.FIELD_HOLDER);
      registered.add(router.register(new AllocatorRequest(AllocatorOps.REGISTER, AllocatorRequests.register(key, holder),
          key, holder, Via.of(ref, ownership.selfTag()))));
    }
    return Future.all(registered).map(new JsonObject());
  }
}

package io.branchwork.allocator;

import io.branchwork.client.AllocatorRequests;
import io.branchwork.cluster.Ownership;
import io.branchwork.contract.Addresses;
import io.branchwork.contract.AllocatorOps;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;

/** {@code stats} on the public address of a cluster: every member's own table, merged, whichever node is asked. */
final class ClusterStats {

  private final Vertx vertx;
  private final Ownership ownership;
  private final LocalWorkspaces local;
  private final long timeoutMs;

  ClusterStats(Vertx vertx, Ownership ownership, LocalWorkspaces local, long timeoutMs) {
    this.vertx = vertx;
    this.ownership = ownership;
    this.local = local;
    this.timeoutMs = timeoutMs;
  }

  Future<JsonObject> merged() {
    List<Future<JsonObject>> parts = new ArrayList<>();
    for (String node : ownership.liveNodes()) {
      parts.add(node.equals(ownership.self()) ? Future.succeededFuture(local.stats())
          : vertx.eventBus().<JsonObject>request(Addresses.allocatorOf(node), AllocatorRequests.stats(),
              new DeliveryOptions().setSendTimeout(timeoutMs)).map(Message::body));
    }
    return Future.join(parts).transform(ar -> {
      JsonArray workspaces = new JsonArray();
      JsonArray nodes = new JsonArray();
      int holders = 0;
      for (Future<JsonObject> f : parts) {
        if (f.succeeded()) {
          workspaces.addAll(f.result().getJsonArray("workspaces"));
          holders += f.result().getInteger("holders");
          nodes.add(f.result().getString("node"));
        }
      }
      return Future.succeededFuture(new JsonObject().put("count", workspaces.size()).put("holders", holders)
          .put("workspaces", workspaces).put("nodes", nodes).put("complete", nodes.size() == parts.size()));
    });
  }
}

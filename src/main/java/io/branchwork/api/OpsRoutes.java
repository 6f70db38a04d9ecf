package io.branchwork.api;

import io.branchwork.client.AllocatorClient;
import io.branchwork.cluster.Ownership;
import io.branchwork.core.BranchworkException;
import io.branchwork.http.HttpSupport;
import io.branchwork.metrics.BranchworkMetrics;
import io.branchwork.store.Store;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.micrometer.PrometheusScrapingHandler;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.concurrent.TimeUnit;

/** {@code /health} and {@code /metrics}. */
final class OpsRoutes {

  private static final long CHECK_TIMEOUT_MS = 2000;

  private final Vertx vertx;
  private final Store store;
  private final Ownership ownership;
  private final BranchworkMetrics metrics;
  private final String nodeTag;
  private final String metricsToken;

  OpsRoutes(Vertx vertx, Store store, Ownership ownership, BranchworkMetrics metrics, String nodeTag,
      String metricsToken) {
    this.vertx = vertx;
    this.store = store;
    this.ownership = ownership;
    this.metrics = metrics;
    this.nodeTag = nodeTag;
    this.metricsToken = metricsToken;
  }

  void mount(Router router) {
    router.get("/health").handler(this::health);
    router.get("/metrics").handler(this::metricsAccess)
        .handler(PrometheusScrapingHandler.create(metrics.registry()));
  }

  /** With {@code metrics.token} set, a scrape must bring it as a bearer token (compared in constant time). */
  private void metricsAccess(RoutingContext ctx) {
    String expected = metricsToken;
    String given = HttpSupport.bearer(ctx);
    if (expected.isEmpty() || given != null && MessageDigest.isEqual(
        expected.getBytes(StandardCharsets.UTF_8), given.getBytes(StandardCharsets.UTF_8))) {
      ctx.next();
    } else {
      HttpSupport.error(ctx, BranchworkException.unauthenticated("/metrics needs the metrics token as a bearer token"));
    }
  }

  private void health(RoutingContext ctx) {
    Future<Void> storeUp = store.ping().timeout(CHECK_TIMEOUT_MS, TimeUnit.MILLISECONDS);
    Future<JsonObject> allocator = new AllocatorClient(vertx, CHECK_TIMEOUT_MS).stats();
    Future.join(storeUp, allocator).onComplete(ar -> {
      boolean up = storeUp.succeeded() && allocator.succeeded();
      JsonObject body = new JsonObject()
          .put("status", up ? "up" : "down")
          .put("node", nodeTag)
          .put("store", storeUp.succeeded() ? "up" : "down")
          .put("allocator", allocator.succeeded() ? "up" : "down");
      if (allocator.succeeded()) {
        body.put("workspaces", allocator.result().getInteger("count"));
      }
      if (ownership.clustered()) {
        body.put("cluster", new JsonObject().put("member", ownership.self())
            .put("members", ownership.liveNodes().size()));
      }
      HttpSupport.json(ctx, up ? 200 : 503, body);
    });
  }
}

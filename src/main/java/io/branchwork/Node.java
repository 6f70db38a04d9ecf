package io.branchwork;

import io.branchwork.config.Config;
import io.branchwork.core.DataDirLock;
import io.branchwork.githttp.ProjectMirrors;
import io.branchwork.metrics.BranchworkMetrics;
import io.branchwork.services.Services;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One running Branchwork node on a given Vert.x instance: store, allocator and HTTP verticles,
 * started in that order ({@link NodeStartup}) and stopped in reverse. {@link Main} uses it, and so
 * do the tests.
 */
public final class Node {

  private static final Logger LOG = LoggerFactory.getLogger(Node.class);

  /** What a started node holds, to give back when it stops. */
  record Parts(Services services, ProjectMirrors mirrors, DataDirLock lock, String allocatorId, String hooksId,
      String httpId, int port, String tcpBridgeId, int tcpBridgePort) {}

  private final Vertx vertx;
  private final Parts parts;

  Node(Vertx vertx, Parts parts) {
    this.vertx = vertx;
    this.parts = parts;
  }

  /** Starts a standalone node: it owns every workspace it is asked for. */
  public static Future<Node> start(Vertx vertx, Config config, BranchworkMetrics metrics) {
    return start(vertx, config, metrics, null);
  }

  /**
   * Starts a node; with {@code cluster} (the manager {@code vertx} joined with), workspace
   * ownership is shared with the other members.
   */
  public static Future<Node> start(Vertx vertx, Config config, BranchworkMetrics metrics,
      HazelcastClusterManager cluster) {
    return new NodeStartup(vertx, config, metrics, cluster).run();
  }

  /** The TCP bridge's port; 0 when it is off. */
  public int tcpBridgePort() {
    return parts.tcpBridgePort();
  }

  /** The HTTP port actually bound. */
  public int port() {
    return parts.port();
  }

  public Services services() {
    return parts.services();
  }

  public Vertx vertx() {
    return vertx;
  }

  /** Stops serving, closes every workspace (saving unsaved changes when configured), closes the store. */
  public Future<Void> stop() {
    long t0 = System.nanoTime();
    return (parts.tcpBridgeId() == null ? Future.<Void>succeededFuture() : vertx.undeploy(parts.tcpBridgeId()))
        .transform(ar -> vertx.undeploy(parts.httpId()))
        .transform(ar -> vertx.undeploy(parts.hooksId()))
        .transform(ar -> vertx.undeploy(parts.allocatorId()))
        .andThen(ar -> parts.mirrors().close())
        .andThen(ar -> parts.services().render().close())
        .andThen(ar -> {
          if (parts.services().auth().oidc() != null) {
            parts.services().auth().oidc().close();
          }
        })
        .transform(ar -> parts.services().store().close())
        .andThen(ar -> parts.lock().close())
        .onComplete(ar -> LOG.info("node {} stopped in {} ms", parts.services().config().nodeTag,
            (System.nanoTime() - t0) / 1_000_000));
  }
}

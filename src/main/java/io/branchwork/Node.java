package io.branchwork;

import io.branchwork.allocator.AllocatorVerticle;
import io.branchwork.api.HttpVerticle;
import io.branchwork.auth.AuthService;
import io.branchwork.cluster.HazelcastOwnership;
import io.branchwork.cluster.Ownership;
import io.branchwork.cluster.StandaloneOwnership;
import io.branchwork.config.Config;
import io.branchwork.core.DataDirLock;
import io.branchwork.core.PortCheck;
import io.branchwork.gateway.Gateways;
import io.branchwork.gateway.TcpBridge;
import io.branchwork.githttp.ProjectMirrors;
import io.branchwork.limits.ConnectionLimiter;
import io.branchwork.limits.UserQuotas;
import io.branchwork.metrics.BranchworkMetrics;
import io.branchwork.store.EmbeddedStore;
import io.branchwork.store.PgStore;
import io.branchwork.workspace.snapshot.LegacyUpgrade;
import io.branchwork.workspace.snapshot.SnapshotService;
import io.branchwork.store.Store;
import io.branchwork.views.ReadViews;
import io.branchwork.web.Workbench;
import io.branchwork.workspace.files.FileTrees;
import io.branchwork.workspace.git.GitEnvironment;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One running Branchwork node on a given Vert.x instance: store, allocator and HTTP verticles,
 * started in that order and stopped in reverse. {@link Main} uses it, and so do the tests.
 */
public final class Node {

  private static final Logger LOG = LoggerFactory.getLogger(Node.class);

  private final Vertx vertx;
  private final Services services;
  private final String allocatorId;
  private final String httpId;
  private final int port;
  /** Held from before anything is created under {@code data.dir} until the store is closed. */
  private final DataDirLock lock;
  /** The TCP bridge, when {@code bridge.tcp.port} is set: its deployment and port. */
  private String tcpBridgeId;
  private int tcpBridgePort;

  private Node(Vertx vertx, Services services, String allocatorId, String httpId, int port, DataDirLock lock) {
    this.lock = lock;
    this.vertx = vertx;
    this.services = services;
    this.allocatorId = allocatorId;
    this.httpId = httpId;
    this.port = port;
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
    long t0 = System.nanoTime();
    GitEnvironment.isolate(config.dataDir.resolve("jgit.config").toAbsolutePath());
    Path workRoot = config.dataDir.resolve("workspaces");
    Path tmpRoot = config.dataDir.resolve("tmp");
    AtomicReference<Services> services = new AtomicReference<>();
    AtomicReference<String> allocatorId = new AtomicReference<>();
    AtomicReference<HttpVerticle> firstHttp = new AtomicReference<>();
    AtomicReference<Workbench> workbench = new AtomicReference<>();
    AtomicReference<DataDirLock> lock = new AtomicReference<>();
    return vertx.executeBlocking(() -> {
          // Nothing is touched before it is known that this node can serve: its ports are free
          // and no other node runs on its data directory.
          PortCheck.requireFree("the HTTP", config.httpHost, config.httpPort, "http.port (BRANCHWORK_HTTP_PORT)");
          PortCheck.requireFree("the TCP bridge", config.bridgeTcpHost, config.bridgeTcpPort,
              "bridge.tcp.port (BRANCHWORK_BRIDGE_TCP_PORT)");
          lock.set(DataDirLock.acquire(config.dataDir));
          // Working copies and temp files of a previous run are stale: the store has the truth.
          FileTrees.deleteRecursively(workRoot);
          FileTrees.deleteRecursively(tmpRoot);
          Files.createDirectories(workRoot);
          Files.createDirectories(tmpRoot);
          long m0 = System.nanoTime();
          var attrs = GitEnvironment.measure(tmpRoot);
          LOG.debug("file system timestamps: {} ({} ms)", attrs, (System.nanoTime() - m0) / 1_000_000);
          workbench.set(Workbench.load());
          LOG.debug("workbench page: {}", workbench.get().describe());
          return null;
        }, false)
        .compose(v -> cluster == null
            ? Future.<Ownership>succeededFuture(new StandaloneOwnership(config.nodeTag))
            : HazelcastOwnership.create(vertx, cluster, config.nodeTag))
        .compose(ownership -> openStore(vertx, config).map(store -> {
          services.set(new Services(config, store, new AuthService(vertx, store, config), metrics,
              workRoot.toAbsolutePath(), tmpRoot.toAbsolutePath(),
              new ConnectionLimiter(config.wsMaxConnections),
              new UserQuotas(config.maxConnectionsPerUser, config.maxWorkspacesPerUser), ownership,
              new ProjectMirrors(vertx, store, workRoot.toAbsolutePath().resolve("git-mirrors"), config.gitMirrors), workbench.get(), new ReadViews()));
          return store;
        }))
        .compose(store -> {
          return store.wipeServer(config.nodeTag)
              .onSuccess(n -> {
                if (n > 0) {
                  LOG.info("removed {} workspace sessions left by a previous run of {}", n, config.nodeTag);
                }
              })
              .compose(n -> store.deleteExpiredTokens(System.currentTimeMillis()))
              .compose(n -> upgradeLegacy(vertx, services.get()))
              .onFailure(e -> store.close());
        })
        .compose(n -> vertx.deployVerticle(new AllocatorVerticle(services.get(), services.get().ownership())))
        .compose(id -> {
          allocatorId.set(id);
          int instances = config.httpInstances > 0 ? config.httpInstances : VertxOptions.DEFAULT_EVENT_LOOP_POOL_SIZE;
          return vertx.deployVerticle(() -> {
            HttpVerticle v = new HttpVerticle(services.get());
            firstHttp.compareAndSet(null, v);
            return v;
          }, new DeploymentOptions().setInstances(instances));
        })
        .compose(httpId -> {
          Node node = new Node(vertx, services.get(), allocatorId.get(), httpId, firstHttp.get().actualPort(),
              lock.get());
          if (config.bridgeTcpPort == 0) {
            return Future.succeededFuture(node);
          }
          TcpBridge bridge = new TcpBridge(Gateways.of(services.get()), new TcpBridge.Settings(config.bridgeTcpHost,
              config.bridgeTcpPort, config.bridgeTcpKeyStore, config.bridgeTcpKeyStorePassword));
          return vertx.deployVerticle(bridge).map(id -> {
            node.tcpBridgeId = id;
            node.tcpBridgePort = bridge.actualPort();
            return node;
          });
        })
        .map(node -> {
          LOG.info("node {} serving http://{}:{} with the {} store{} in {} ms", config.nodeTag, config.httpHost,
              node.port, config.store.name().toLowerCase(java.util.Locale.ROOT),
              cluster == null ? "" : ", cluster member " + cluster.getNodeId() + " of " + cluster.getNodes().size(),
              (System.nanoTime() - t0) / 1_000_000);
          return node;
        })
        .recover(e -> {
          // Undo what did start, in reverse, so a failed start leaves nothing running or open.
          Future<Void> undeployed = allocatorId.get() == null ? Future.succeededFuture()
              : vertx.undeploy(allocatorId.get());
          Services s = services.get();
          return undeployed
              .transform(ar -> s == null ? Future.<Void>succeededFuture() : s.store().close())
              .andThen(ar -> {
                if (lock.get() != null) {
                  lock.get().close();
                }
              })
              .transform(ar -> Future.failedFuture(e));
        });
  }

  /**
   * Turns every snapshot a version-1 store still holds into the project's repository, one at a
   * time, before the node serves: nothing written by an older build is left behind or lost.
   */
  private static Future<Void> upgradeLegacy(Vertx vertx, Services services) {
    return new LegacyUpgrade(vertx, services.store(), services.tmpRoot(),
        SnapshotService.Settings.of(services.config())).run();
  }

  private static Future<Store> openStore(Vertx vertx, Config config) {
    switch (config.store) {
      case EMBEDDED:
        return EmbeddedStore.open(vertx, config.dataDir.resolve("db"), 4, config.snapshotChunkBytes,
            config.snapshotKeep);
      case PG:
      default:
        return PgStore.open(vertx, config.pgUrl, config.pgSchema, config.pgPoolSize, config.snapshotChunkBytes,
            config.snapshotKeep);
    }
  }

  /** The HTTP port actually bound. */
  /** The TCP bridge's port; 0 when it is off. */
  public int tcpBridgePort() {
    return tcpBridgePort;
  }

  public int port() {
    return port;
  }

  public Services services() {
    return services;
  }

  public Vertx vertx() {
    return vertx;
  }

  /** Stops serving, closes every workspace (saving unsaved changes when configured), closes the store. */
  public Future<Void> stop() {
    long t0 = System.nanoTime();
    return (tcpBridgeId == null ? Future.<Void>succeededFuture() : vertx.undeploy(tcpBridgeId))
        .transform(ar -> vertx.undeploy(httpId))
        .transform(ar -> vertx.undeploy(allocatorId))
        .andThen(ar -> services.mirrors().close())
        .transform(ar -> services.store().close())
        .andThen(ar -> lock.close())
        .onComplete(ar -> LOG.info("node {} stopped in {} ms", services.config().nodeTag,
            (System.nanoTime() - t0) / 1_000_000));
  }
}

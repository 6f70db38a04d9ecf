package io.branchwork;

import io.branchwork.allocator.AllocatorVerticle;
import io.branchwork.auth.AuthService;
import io.branchwork.auth.Oidc;
import io.branchwork.cluster.HazelcastOwnership;
import io.branchwork.cluster.Ownership;
import io.branchwork.cluster.StandaloneOwnership;
import io.branchwork.config.Config;
import io.branchwork.core.DataDirLock;
import io.branchwork.core.FileTrees;
import io.branchwork.core.PortCheck;
import io.branchwork.gateway.Gateways;
import io.branchwork.gateway.TcpBridge;
import io.branchwork.githttp.ProjectMirrors;
import io.branchwork.gitstore.GitEnvironment;
import io.branchwork.hooks.HookSender;
import io.branchwork.hooks.HookSettings;
import io.branchwork.limits.ConnectionLimiter;
import io.branchwork.limits.UserQuotas;
import io.branchwork.metrics.BranchworkMetrics;
import io.branchwork.render.RenderService;
import io.branchwork.render.RenderSettings;
import io.branchwork.services.Services;
import io.branchwork.store.EmbeddedStore;
import io.branchwork.store.PgStore;
import io.branchwork.store.Store;
import io.branchwork.views.ReadViews;
import io.branchwork.web.Workbench;
import io.branchwork.workspace.snapshot.LegacyUpgrade;
import io.branchwork.workspace.snapshot.SnapshotService;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How a node starts, as named steps in order: {@link #prepareDisk} (nothing is created before the
 * ports are known to be free and the data directory is this node's), {@link #ownership},
 * {@link #openStore}, {@link #cleanUpLastRun}, {@link #deployAllocator}, {@link #deployHookSender}, {@link #deployHttp},
 * {@link #deployTcpBridge}; a failure {@linkplain #undo undoes} what did start, in reverse.
 */
final class NodeStartup {

  private static final Logger LOG = LoggerFactory.getLogger(NodeStartup.class);

  private final Vertx vertx;
  private final Config config;
  private final BranchworkMetrics metrics;
  private final HazelcastClusterManager cluster;
  private final Path workRoot;
  private final Path tmpRoot;
  private final long t0 = System.nanoTime();

  private DataDirLock lock;
  private Workbench workbench;
  private Services services;
  private ProjectMirrors mirrors;
  private String allocatorId;
  private String hooksId;

  NodeStartup(Vertx vertx, Config config, BranchworkMetrics metrics, HazelcastClusterManager cluster) {
    this.vertx = vertx;
    this.config = config;
    this.metrics = metrics;
    this.cluster = cluster;
    this.workRoot = config.dataDir.resolve("workspaces").toAbsolutePath();
    this.tmpRoot = config.dataDir.resolve("tmp").toAbsolutePath();
  }

  Future<Node> run() {
    GitEnvironment.isolate(config.dataDir.resolve("jgit.config").toAbsolutePath());
    return vertx.executeBlocking(this::prepareDisk, false)
        .compose(v -> ownership())
        .compose(this::openStore)
        .compose(v -> cleanUpLastRun())
        .compose(v -> deployAllocator())
        .compose(v -> deployHookSender())
        .compose(v -> deployHttp())
        .compose(this::deployTcpBridge)
        .map(this::started)
        .recover(this::undo);
  }

  /**
   * Ports free and the data directory locked first; then the working copies and temp files of a
   * previous run go (the store has the truth), and the page's files are read. Blocking.
   */
  private Void prepareDisk() throws Exception {
    PortCheck.requireFree("the HTTP", config.httpHost, config.httpPort, "http.port (BRANCHWORK_HTTP_PORT)");
    PortCheck.requireFree("the TCP bridge", config.bridgeTcpHost, config.bridgeTcpPort,
        "bridge.tcp.port (BRANCHWORK_BRIDGE_TCP_PORT)");
    lock = DataDirLock.acquire(config.dataDir);
    FileTrees.deleteRecursively(workRoot);
    FileTrees.deleteRecursively(tmpRoot);
    Files.createDirectories(workRoot);
    Files.createDirectories(tmpRoot);
    long m0 = System.nanoTime();
    var attrs = GitEnvironment.measure(tmpRoot);
    LOG.debug("file system timestamps: {} ({} ms)", attrs, (System.nanoTime() - m0) / 1_000_000);
    workbench = Workbench.load();
    LOG.debug("workbench page: {}", workbench.describe());
    return null;
  }

  /** Who owns which workspace: this node alone, or the cluster's claims. */
  private Future<Ownership> ownership() {
    return cluster == null ? Future.succeededFuture(new StandaloneOwnership(config.nodeTag))
        : HazelcastOwnership.create(vertx, cluster, config.nodeTag);
  }

  /** The store, and with it what the verticles share. */
  private Future<Void> openStore(Ownership ownership) {
    Future<Store> opened = switch (config.store) {
      case EMBEDDED -> EmbeddedStore.open(vertx, config.dataDir.resolve("db"), 4, config.snapshotChunkBytes,
          config.snapshotKeep);
      case PG -> PgStore.open(vertx, config.pgUrl, config.pgSchema, config.pgPoolSize, config.snapshotChunkBytes,
          config.snapshotKeep);
    };
    // The identity provider is discovered before anything serves: a node whose sign-in is broken does not start.
    return opened.compose(store -> Oidc.start(vertx, config)
        .recover(e -> store.close().transform(ar -> Future.failedFuture(e)))
        .map(oidc -> {
          services = new Services(config, store, new AuthService(vertx, store, config, oidc), metrics, workRoot,
              tmpRoot, new ConnectionLimiter(config.wsMaxConnections),
              new UserQuotas(config.maxConnectionsPerUser, config.maxWorkspacesPerUser), ownership, workbench,
              new ReadViews(), RenderService.start(vertx, RenderSettings.of(config, tmpRoot)));
          mirrors = new ProjectMirrors(vertx, store, workRoot.resolve("git-mirrors"), config.gitMirrors);
          return null;
        }));
  }

  /**
   * What a previous run of this node left: its session rows, expired tokens, and snapshots of
   * schema version 1, turned into the projects' repositories before the node serves.
   */
  private Future<Void> cleanUpLastRun() {
    Store store = services.store();
    return store.wipeServer(config.nodeTag)
        .onSuccess(n -> {
          if (n > 0) {
            LOG.info("removed {} workspace sessions left by a previous run of {}", n, config.nodeTag);
          }
        })
        .compose(n -> store.deleteExpiredTokens(System.currentTimeMillis()))
        .compose(n -> new LegacyUpgrade(vertx, store, tmpRoot, SnapshotService.Settings.of(config)).run());
  }

  private Future<Void> deployAllocator() {
    return vertx.deployVerticle(new AllocatorVerticle(services, services.ownership())).map(id -> {
      allocatorId = id;
      return null;
    });
  }

  /** The webhook sender: it sends what is due at once, including what the last run left unsent. */
  private Future<Void> deployHookSender() {
    return vertx.deployVerticle(new HookSender(services.store(), HookSettings.of(config), metrics, config.nodeTag))
        .map(id -> {
          hooksId = id;
          return null;
        });
  }

  /** One HTTP verticle per event loop (or {@code http.instances}); answers the node so far. */
  private Future<Node.Parts> deployHttp() {
    int instances = config.httpInstances > 0 ? config.httpInstances : VertxOptions.DEFAULT_EVENT_LOOP_POOL_SIZE;
    AtomicReference<HttpVerticle> first = new AtomicReference<>();
    return vertx.deployVerticle(() -> {
      HttpVerticle v = new HttpVerticle(services, mirrors);
      first.compareAndSet(null, v);
      return v;
    }, new DeploymentOptions().setInstances(instances))
        .map(httpId -> new Node.Parts(services, mirrors, lock, allocatorId, hooksId, httpId, first.get().actualPort(), null, 0));
  }

  private Future<Node.Parts> deployTcpBridge(Node.Parts parts) {
    if (config.bridgeTcpPort == 0) {
      return Future.succeededFuture(parts);
    }
    TcpBridge bridge = new TcpBridge(Gateways.of(services), new TcpBridge.Settings(config.bridgeTcpHost,
        config.bridgeTcpPort, config.bridgeTcpKeyStore, config.bridgeTcpKeyStorePassword));
    return vertx.deployVerticle(bridge).map(id -> new Node.Parts(parts.services(), parts.mirrors(), parts.lock(),
        parts.allocatorId(), parts.hooksId(), parts.httpId(), parts.port(), id, bridge.actualPort()));
  }

  private Node started(Node.Parts parts) {
    LOG.info("node {} serving http://{}:{} with the {} store{} in {} ms", config.nodeTag, config.httpHost,
        parts.port(), config.store.name().toLowerCase(Locale.ROOT),
        cluster == null ? "" : ", cluster member " + cluster.getNodeId() + " of " + cluster.getNodes().size(),
        (System.nanoTime() - t0) / 1_000_000);
    return new Node(vertx, parts);
  }

  /** Undoes what did start, in reverse, so a failed start leaves nothing running or open. */
  private Future<Node> undo(Throwable e) {
    Future<Void> undeployed = (hooksId == null ? Future.<Void>succeededFuture() : vertx.undeploy(hooksId))
        .transform(ar -> allocatorId == null ? Future.succeededFuture() : vertx.undeploy(allocatorId));
    return undeployed
        .transform(ar -> {
          if (services == null) {
            return Future.<Void>succeededFuture();
          }
          services.render().close();
          return services.store().close();
        })
        .andThen(ar -> {
          if (lock != null) {
            lock.close();
          }
        })
        .transform(ar -> Future.failedFuture(e));
  }
}

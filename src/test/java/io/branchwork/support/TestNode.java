package io.branchwork.support;

import io.branchwork.Main;
import io.branchwork.Node;
import io.branchwork.cluster.ClusterSetup;
import io.branchwork.config.Config;
import io.branchwork.contract.Addresses;
import io.branchwork.core.Bus;
import io.branchwork.core.WorkspaceKey;
import io.branchwork.metrics.BranchworkMetrics;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/** A real Branchwork node for tests: its own Vert.x, data dir, random port and fast settings. */
public final class TestNode implements AutoCloseable {

  public static final long WAIT_S = 30;

  public final Vertx vertx;
  public final Node node;
  public final Http http;
  public final Path dataDir;

  private TestNode(Vertx vertx, Node node, Path dataDir) {
    this.vertx = vertx;
    this.node = node;
    this.dataDir = dataDir;
    this.http = new Http("http://127.0.0.1:" + node.port());
  }

  /** Defaults for tests: port 0, one HTTP instance, cheap password hashing, GC every 50 ms. */
  public static JsonObject testConfig(Path dataDir) {
    return new JsonObject()
        .put("http", new JsonObject().put("port", 0).put("instances", 1))
        .put("data", new JsonObject().put("dir", dataDir.toString()))
        .put("node", new JsonObject().put("tag", "test-node"))
        .put("auth", new JsonObject().put("passwordIterations", 1000))
        .put("gc", new JsonObject().put("intervalMs", 50).put("graceMs", 60_000));
  }

  public static TestNode start(Path dataDir) {
    return start(dataDir, new JsonObject());
  }

  public static TestNode start(Path dataDir, JsonObject overrides) {
    JsonObject conf = testConfig(dataDir);
    deepMerge(conf, overrides);
    BranchworkMetrics metrics = new BranchworkMetrics();
    Vertx vertx = Main.newVertx(metrics);
    try {
      Node node = Node.start(vertx, Config.of(conf), metrics).await(WAIT_S, TimeUnit.SECONDS);
      return new TestNode(vertx, node, dataDir);
    } catch (Exception e) {
      vertx.close();
      throw new IllegalStateException("test node did not start", e);
    }
  }

  /**
   * A node of a cluster: clustered Vert.x with Hazelcast, as {@code cluster.enabled} starts it.
   * {@code overrides} must name the PostgreSQL store and the {@code cluster.*} keys.
   */
  public static TestNode startClustered(Path dataDir, JsonObject overrides) {
    JsonObject conf = testConfig(dataDir);
    deepMerge(conf, overrides);
    Config config = Config.of(conf);
    BranchworkMetrics metrics = new BranchworkMetrics();
    Vertx vertx = null;
    try {
      ClusterSetup.ClusteredVertx clustered = ClusterSetup.start(
          Main.builder(metrics, ClusterSetup.eventBus(config)), config).await(WAIT_S, TimeUnit.SECONDS);
      vertx = clustered.vertx();
      Node node = Node.start(vertx, config, metrics, clustered.manager()).await(WAIT_S, TimeUnit.SECONDS);
      return new TestNode(vertx, node, dataDir);
    } catch (Exception e) {
      if (vertx != null) {
        vertx.close();
      }
      throw new IllegalStateException("clustered test node did not start", e);
    }
  }

  /** A free TCP port on loopback (for Hazelcast, which wants its port before it binds). */
  public static int freePort() {
    try (java.net.ServerSocket s = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    } catch (java.io.IOException e) {
      throw new IllegalStateException(e);
    }
  }

  public static void deepMerge(JsonObject base, JsonObject over) {
    for (String k : over.fieldNames()) {
      Object v = over.getValue(k);
      if (v instanceof JsonObject o && base.getValue(k) instanceof JsonObject b) {
        deepMerge(b, o);
      } else {
        base.put(k, v);
      }
    }
  }

  /** A request over the event bus, failures as the contract's exceptions. */
  public JsonObject request(String address, JsonObject body) {
    try {
      return Bus.request(vertx, address, body, 20_000).await(WAIT_S, TimeUnit.SECONDS);
    } catch (RuntimeException e) {
      throw e;
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  /** An allocator op on the public {@code allocator} address (in a cluster, any node may answer). */
  public JsonObject allocator(String op, WorkspaceKey key, String holder) {
    return request(Addresses.ALLOCATOR, allocatorBody(op, key, holder));
  }

  /** An allocator op on this node's own allocator, as its gateway sends them. */
  public JsonObject localAllocator(String op, WorkspaceKey key, String holder) {
    return request(Addresses.ALLOCATOR_LOCAL, allocatorBody(op, key, holder));
  }

  private static JsonObject allocatorBody(String op, WorkspaceKey key, String holder) {
    JsonObject body = new JsonObject().put("op", op);
    if (key != null) {
      body.put("project", key.project()).put("branch", key.branch());
    }
    if (holder != null) {
      body.put("holder", holder);
    }
    return body;
  }

  /** How many holders the allocator counts on {@code key} (asked through this node); 0 when it is not open. */
  public int holders(WorkspaceKey key) {
    try {
      return localAllocator("lookup", key, null).getInteger("holders");
    } catch (io.branchwork.core.BranchworkException e) {
      return 0;
    }
  }

  /** Sends {@code op} to the workspace of {@code key} as {@code user}. */
  public JsonObject ws(WorkspaceKey key, String user, String op, JsonObject args) {
    return request(key.address(), args.copy().put("op", op).put("user", user));
  }

  /** Registers a user, logs in and answers the token. */
  public String login(String user) {
    return http.register(user);
  }

  public void createProject(String token, String id) {
    http.postJson("/api/projects", token, new JsonObject().put("id", id)).expect(201);
  }

  /** Creates project {@code id} as the token's user and registers {@code holder} on its {@code main}. */
  public WorkspaceKey openNewProject(String token, String id, String holder) {
    createProject(token, id);
    WorkspaceKey key = new WorkspaceKey(id, "main");
    allocator("register", key, holder);
    return key;
  }

  /** Writes {@code content} (UTF-8) at {@code path} of {@code key} as {@code user}. */
  public JsonObject writeText(WorkspaceKey key, String user, String path, String content) {
    return ws(key, user, "write", new JsonObject().put("path", path)
        .put("content", content.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
  }

  @Override
  public void close() {
    try {
      node.stop().await(WAIT_S, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    } finally {
      try {
        vertx.close().await(WAIT_S, TimeUnit.SECONDS);
      } catch (Exception e) {
        // closing anyway
      }
    }
  }
}

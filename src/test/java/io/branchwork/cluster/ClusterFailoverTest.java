package io.branchwork.cluster;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.branchwork.core.WorkspaceKey;
import io.branchwork.support.Await;
import io.branchwork.support.Http;
import io.branchwork.support.Pg;
import io.branchwork.support.TestNode;
import io.branchwork.support.WsClient;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Failover with a real process: node A runs in a JVM of its own ({@code io.branchwork.Main},
 * as the fat jar starts it) and is killed with SIGKILL; node B runs here. Both on loopback,
 * over one PostgreSQL schema.
 */
@Timeout(300)
class ClusterFailoverTest {

  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(ClusterFailoverTest.class);

  private static final byte[] SAVED = "saved before the crash".getBytes(StandardCharsets.UTF_8);
  private static final byte[] UNSAVED = "acknowledged, not saved".getBytes(StandardCharsets.UTF_8);

  @TempDir
  Path dir;

  private Pg.TestSchema schema;
  private Vertx admin;
  private Process processA;
  private TestNode b;
  private Path logA;

  @BeforeEach
  void setUp() {
    schema = new Pg.TestSchema();
    admin = schema.admin;
  }

  @AfterEach
  void tearDown() throws Exception {
    if (processA != null && processA.isAlive()) {
      processA.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
    }
    if (logA != null && Files.exists(logA)) {
      // The process's own log, kept where the surefire reports are, for a failure's post-mortem.
      Path kept = Path.of("target", "surefire-reports", "ClusterFailoverTest-node-a.log");
      Files.createDirectories(kept.getParent());
      Files.copy(logA, kept, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    }
    if (b != null) {
      b.close();
    }
    schema.close();
  }

  private JsonObject conf(String tag, int httpPort, int clusterPort, String members) {
    return TestNode.testConfig(dir.resolve(tag))
        .put("http", new JsonObject().put("port", httpPort).put("instances", 1))
        .put("node", new JsonObject().put("tag", tag))
        .mergeIn(schema.nodeConfig())
        .put("cluster", new JsonObject().put("enabled", true).put("host", "127.0.0.1").put("port", clusterPort)
            .put("members", members).put("heartbeatMs", 1000).put("failureTimeoutMs", 3000));
  }

  /** Starts node A as its own JVM, the way {@code java -jar} would, and waits for its health check. */
  private void startProcess(JsonObject conf, int httpPort) throws Exception {
    Path confFile = dir.resolve("node-a.json");
    Files.writeString(confFile, conf.encodePrettily());
    logA = dir.resolve("node-a.log");
    List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Xmx256m"));
    for (String arg : System.getProperty("hazelcast.jvm.args", "").split(" ")) {
      if (!arg.isBlank()) {
        cmd.add(arg);
      }
    }
    cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), "io.branchwork.Main", "--conf", confFile.toString()));
    processA = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(logA.toFile()).start();
    Http http = new Http("http://127.0.0.1:" + httpPort);
    Await.until("node A to answer /health (log: " + logA + ")", 120_000, () -> {
      if (!processA.isAlive()) {
        throw new AssertionError("node A exited: " + log());
      }
      try {
        return http.get("/health", null).status() == 200;
      } catch (RuntimeException notYet) {
        return false;
      }
    });
  }

  private String log() {
    try {
      return Files.readString(logA);
    } catch (Exception e) {
      return "(no log: " + e + ")";
    }
  }

  private long rows(String sql) {
    return schema.sql(sql).iterator().next().getLong(0);
  }

  /** Node A as a process, node B here, both members; answers A's HTTP port. */
  private int startPair() throws Exception {
    int httpA = TestNode.freePort();
    int clusterA = TestNode.freePort();
    int clusterB = TestNode.freePort();
    String members = "127.0.0.1:" + clusterA + ",127.0.0.1:" + clusterB;
    startProcess(conf("node-a", httpA, clusterA, members), httpA);
    b = TestNode.startClustered(dir.resolve("node-b"), conf("node-b", 0, clusterB, members));
    Await.until("node B to see node A", 30_000, () -> b.node.services().ownership().liveNodes().size() == 2);
    return httpA;
  }

  /** Registers alice through {@code a}, creates {@code project}, answers her token. */
  private static String aliceWith(Http a, String project) {
    String token = a.register("alice");
    a.postJson("/api/projects", token, new JsonObject().put("id", project)).expect(201);
    return token;
  }

  @Test
  @DisplayName("Verifies that after kill -9 of the owner a client reopens through the survivor within seconds,"
      + " finds every acknowledged write (saved or not), and no claim or session of the dead node remains")
  void killOwner() throws Exception {
    int httpA = startPair();
    String token = aliceWith(new Http("http://127.0.0.1:" + httpA), "fo");
    WorkspaceKey key = new WorkspaceKey("fo", "main");

    // A second workspace, owned by B, which a client of A also holds.
    WorkspaceKey side = new WorkspaceKey("fo", "side");
    onBranch(httpA, token, "side");
    b.localAllocator("register", side, "service");
    WsClient sideOnA = WsClient.connect(admin, httpA, token);
    sideOnA.ok("open", "project", "fo", "branch", "side");
    assertEquals(2, b.holders(side));

    WsClient onA = WsClient.connect(admin, httpA, token);
    try (WsClient onB = WsClient.connect(admin, b.node.port(), token)) {
      onA.ok("open", "project", "fo", "branch", "main"); // A opens first: A owns the workspace
      onA.ok("write", "path", "state.txt", "content", SAVED);
      onA.ok("save");
      onA.ok("write", "path", "state.txt", "content", UNSAVED);
      onB.ok("open", "project", "fo", "branch", "main");
      assertEquals("node-a", b.localAllocator("lookup", key, null).getString("node"));
      assertEquals(2, b.holders(key));
      Await.until("A's session rows to be written", 10_000,
          () -> rows("SELECT count(*) FROM $schema.workspace_sessions WHERE server_tag = 'node-a'") == 1
              && rows("SELECT count(*) FROM $schema.workspace_holders WHERE server_tag = 'node-b'"
                  + " AND branch = 'main'") == 1);

      long killedAt = System.nanoTime();
      processA.destroyForcibly(); // SIGKILL: no shutdown hook, no goodbye to the cluster
      assertTrue(processA.waitFor(30, TimeUnit.SECONDS));

      assertEquals("node lost", onB.event("closing").getString("reason"));
      long reopenedAt = awaitReopen(onB);
      long failoverMs = (reopenedAt - killedAt) / 1_000_000;
      LOG.info("failover: kill -9 of the owner to a reopened workspace on the survivor in {} ms", failoverMs);
      assertTrue(failoverMs < 20_000, "failover took " + failoverMs + " ms");
      assertArrayEquals(UNSAVED, onB.ok("read", "path", "state.txt").getBinary("content"),
          "the survivor serves the last acknowledged write, saved or not");
      assertEquals("node-b", b.localAllocator("lookup", key, null).getString("node"));

      // The dead node's client reconnects elsewhere and reopens.
      onA.awaitClose();
      try (WsClient again = WsClient.connect(admin, b.node.port(), token)) {
        again.ok("open", "project", "fo", "branch", "main");
        assertEquals(2, b.holders(key), "the reopened sessions, and nothing of the dead node");
      }
      Await.until("no claim, session or holder row of the dead node, and only live references", 20_000,
          () -> rows("SELECT count(*) FROM $schema.workspace_sessions WHERE server_tag = 'node-a'") == 0
              && rows("SELECT count(*) FROM $schema.workspace_holders WHERE server_tag = 'node-a'") == 0
              && rows("SELECT count(*) FROM $schema.workspace_sessions WHERE server_tag = 'node-b'"
                  + " AND ref_count = 1") == 2
              && rows("SELECT count(*) FROM $schema.workspace_holders") == 2);
      assertEquals(1, b.holders(key));
      assertEquals(1, b.holders(side), "the reference of A's client on B's workspace went with A");
      assertEquals(0, rows("SELECT count(*) FROM $schema.workspace_holders WHERE branch = 'side'"
          + " AND holder <> 'service'"));
      sideOnA.awaitClose();
      var owners = b.vertx.sharedData().<String, String>getAsyncMap(HazelcastOwnership.MAP)
          .compose(m -> m.entries()).await(10, TimeUnit.SECONDS);
      assertEquals(java.util.Set.of(b.node.services().ownership().self()), java.util.Set.copyOf(owners.values()),
          "only the survivor holds claims: " + owners);
    } finally {
      onA.close();
    }
  }

  @Test
  @DisplayName("Verifies that an open forwarded to an owner that freezes (kill -STOP) is served by the survivor"
      + " once the owner is declared dead, instead of waiting for the load timeout")
  void ownerFreezesDuringOpen() throws Exception {
    int httpA = startPair();
    String token = aliceWith(new Http("http://127.0.0.1:" + httpA), "fz");
    try (WsClient onA = WsClient.connect(admin, httpA, token)) {
      onA.ok("open", "project", "fz", "branch", "main"); // A owns the workspace; it stays after the close
    }
    assertEquals("node-a", b.localAllocator("lookup", new WorkspaceKey("fz", "main"), null).getString("node"));
    assertTrue(new ProcessBuilder("kill", "-STOP", String.valueOf(processA.pid())).start().waitFor() == 0);
    long frozenAt = System.nanoTime();
    try (WsClient onB = WsClient.connect(admin, b.node.port(), token)) {
      // B forwards the register to A, which never answers; when A is declared dead the forward
      // fails, and the register starts over and takes A's claim over (not after the 120 s
      // load timeout).
      JsonObject opened = onB.ok("open", "project", "fz", "branch", "main");
      long ms = (System.nanoTime() - frozenAt) / 1_000_000;
      LOG.info("open through a frozen owner served by the survivor in {} ms", ms);
      assertEquals("fz", opened.getString("project"));
      assertTrue(ms < 20_000, "took " + ms + " ms");
      assertEquals("node-b", b.localAllocator("lookup", new WorkspaceKey("fz", "main"), null).getString("node"));
    }
  }

  /** Creates {@code branch} from main through a short-lived client of the node at {@code port}. */
  private void onBranch(int port, String token, String branch) {
    try (WsClient c = WsClient.connect(admin, port, token)) {
      c.ok("open", "project", "fo", "branch", "main");
      c.ok("branch.create", "name", branch);
    }
  }

  /** Reopens until the survivor serves the workspace; answers when it did. */
  private static long awaitReopen(WsClient client) {
    JsonObject reply = client.call("open", "project", "fo", "branch", "main");
    long deadline = System.currentTimeMillis() + 30_000;
    while (!Boolean.TRUE.equals(reply.getBoolean("ok")) && System.currentTimeMillis() < deadline) {
      reply = client.call("open", "project", "fo", "branch", "main");
    }
    assertEquals(Boolean.TRUE, reply.getBoolean("ok"), reply::encode);
    return System.nanoTime();
  }
}

package io.branchwork.cluster;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.branchwork.contract.Addresses;
import io.branchwork.core.Bus;
import io.branchwork.core.WorkspaceKey;
import io.branchwork.support.Await;
import io.branchwork.support.Pg;
import io.branchwork.support.TestNode;
import io.branchwork.support.WsClient;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two clustered nodes in one JVM (each its own Vert.x and Hazelcast member, on loopback) over
 * one PostgreSQL schema. The kill -9 case needs a real process: {@link ClusterFailoverTest}.
 */
@Timeout(300)
class ClusterTest {

  @TempDir
  static Path dir;

  static Pg.TestSchema schema;
  static Vertx admin;
  static int portA;
  static int portB;
  static TestNode a;
  static TestNode b;
  static String alice;
  static String bob;

  @BeforeAll
  static void start() {
    schema = new Pg.TestSchema();
    admin = schema.admin;
    portA = TestNode.freePort();
    portB = TestNode.freePort();
    a = TestNode.startClustered(dir.resolve("a"), conf("node-a", portA));
    b = TestNode.startClustered(dir.resolve("b"), conf("node-b", portB));
    Await.until("both nodes to see each other", 30_000,
        () -> a.node.services().ownership().liveNodes().size() == 2
            && b.node.services().ownership().liveNodes().size() == 2);
    assertTrue(b.http.get("/metrics", null).expect(200).text().contains("branchwork_cluster_members 2.0"),
        "members are a metric");
    JsonObject health = b.http.get("/health", null).expect(200).json();
    assertEquals(2, health.getJsonObject("cluster").getInteger("members"), health::encode);
    alice = a.login("alice");
    bob = b.login("bob");
    for (String p : new String[] {"race", "share", "fence", "hand", "stray", "gitc"}) {
      a.createProject(alice, p);
      a.http.postJson("/api/projects/" + p + "/members", alice,
          new JsonObject().put("username", "bob").put("role", "writer")).expect(204);
    }
  }

  @AfterAll
  static void stop() {
    if (b != null) {
      b.close();
    }
    if (a != null) {
      a.close();
    }
    if (schema != null) {
      schema.close();
    }
  }

  static JsonObject conf(String tag, int clusterPort) {
    return new JsonObject()
        .put("node", new JsonObject().put("tag", tag))
        .mergeIn(schema.nodeConfig())
        .put("cluster", new JsonObject().put("enabled", true).put("host", "127.0.0.1").put("port", clusterPort)
            .put("members", "127.0.0.1:" + portA + ",127.0.0.1:" + portB)
            .put("heartbeatMs", 1000).put("failureTimeoutMs", 3000));
  }

  private static JsonObject reg(String op, WorkspaceKey key, String holder) {
    JsonObject body = new JsonObject().put("op", op).put("project", key.project()).put("branch", key.branch());
    return holder == null ? body : body.put("holder", holder);
  }

  private static double deploys(TestNode n) {
    return n.node.services().metrics().registry().get("branchwork.workspace.deploys").counter().count();
  }

  /** Whether {@code n} itself has a workspace of {@code key} (its own table, not the cluster's): 0 or 1. */
  private static int open(TestNode n, WorkspaceKey key) {
    JsonArray list = n.request(Addresses.ALLOCATOR_LOCAL, new JsonObject().put("op", "stats"))
        .getJsonArray("workspaces");
    return (int) list.stream().map(JsonObject.class::cast)
        .filter(w -> w.getString("address").equals(key.address())).count();
  }

  @Test
  @DisplayName("Verifies that two nodes racing to register one key deploy exactly one workspace (50 trials)")
  void raceDeploysOnce() throws Exception {
    WorkspaceKey key = new WorkspaceKey("race", "main");
    for (int trial = 0; trial < 50; trial++) {
      double before = deploys(a) + deploys(b);
      // Both registers leave at once, from different nodes, each on its node's own allocator.
      Future<JsonObject> fromA = Bus.request(a.vertx, Addresses.ALLOCATOR_LOCAL, reg("register", key, "ha" + trial), 30_000);
      Future<JsonObject> fromB = Bus.request(b.vertx, Addresses.ALLOCATOR_LOCAL, reg("register", key, "hb" + trial), 30_000);
      assertEquals(key.address(), fromA.await(30, TimeUnit.SECONDS).getString("address"));
      assertEquals(key.address(), fromB.await(30, TimeUnit.SECONDS).getString("address"));
      assertEquals(before + 1, deploys(a) + deploys(b), "trial " + trial + ": exactly one deployment");
      assertEquals(1, open(a, key) + open(b, key), "trial " + trial + ": exactly one node serves the key");
      JsonObject cluster = (trial % 2 == 0 ? a : b).allocator("stats", null, null);
      assertEquals(2, cluster.getJsonArray("nodes").size(), cluster::encode);
      assertEquals(1, cluster.getJsonArray("workspaces").stream()
          .filter(w -> ((JsonObject) w).getString("address").equals(key.address())).count(), cluster::encode);
      JsonObject viaA = a.allocator("lookup", key, null);
      JsonObject viaB = b.allocator("lookup", key, null);
      assertEquals(2, viaA.getInteger("holders"), "holders on both nodes count on the owner");
      assertEquals(viaA.getString("node"), viaB.getString("node"), "both nodes name the same owner");
      assertEquals(viaA.getString("deploymentId"), viaB.getString("deploymentId"));
      // Alternate which node lets go and which kills, so both forwarding paths run.
      TestNode first = trial % 2 == 0 ? a : b;
      TestNode second = first == a ? b : a;
      Bus.request(a.vertx, Addresses.ALLOCATOR_LOCAL, reg("deregister", key, "ha" + trial), 30_000).await(30, TimeUnit.SECONDS);
      Bus.request(b.vertx, Addresses.ALLOCATOR_LOCAL, reg("deregister", key, "hb" + trial), 30_000).await(30, TimeUnit.SECONDS);
      assertEquals(0, first.allocator("lookup", key, null).getInteger("holders"));
      second.allocator("kill", key, null);
      assertEquals(0, open(a, key) + open(b, key), "trial " + trial + ": killed everywhere");
    }
  }

  @Test
  @DisplayName("Verifies that a client on node A and one on node B share one workspace: writes, events, presence")
  void clientsOnTwoNodesShareOneWorkspace() {
    WorkspaceKey key = new WorkspaceKey("share", "main");
    try (WsClient onA = WsClient.connect(admin, a.node.port(), alice);
         WsClient onB = WsClient.connect(admin, b.node.port(), bob)) {
      onA.ok("open", "project", "share", "branch", "main");
      onB.ok("open", "project", "share", "branch", "main");
      assertEquals("bob", onA.event("joined").getString("user"), "presence crosses nodes");
      onA.ok("write", "path", "from-a.txt", "content", "written on A".getBytes(StandardCharsets.UTF_8));
      JsonObject changed = onB.event("changed");
      assertEquals("from-a.txt", changed.getString("path"));
      assertEquals("alice", changed.getString("by"));
      assertArrayEquals("written on A".getBytes(StandardCharsets.UTF_8),
          onB.ok("read", "path", "from-a.txt").getBinary("content"));
      onB.ok("write", "path", "from-b.txt", "content", "written on B".getBytes(StandardCharsets.UTF_8));
      assertEquals("from-b.txt", onA.event("changed").getString("path"));
      String commit = onB.ok("commit", "message", "both").getString("commit");
      assertEquals(commit, onA.event("committed").getString("commit"));
      JsonArray users = onA.ok("who").getJsonArray("users");
      assertEquals(2, users.size(), users::encode);
      assertEquals(1, open(a, key) + open(b, key), "one workspace for both clients");
      assertEquals(2, a.allocator("lookup", key, null).getInteger("holders"));
    }
    Await.until("both references to be dropped", 10_000, () -> a.holders(key) == 0);
  }

  @Test
  @DisplayName("Verifies git over HTTP through the node that does not own the workspace: a clone sees the owner's commit a moment ago, a push moves the owner's workspace and its client hears it")
  void gitThroughTheOtherNode() throws Exception {
    WorkspaceKey key = new WorkspaceKey("gitc", "main");
    try (WsClient watcher = WsClient.connect(admin, a.node.port(), alice)) {
      watcher.ok("open", "project", "gitc", "branch", "main");
      TestNode owner = a.allocator("lookup", key, null).getString("node").equals("node-a") ? a : b;
      TestNode other = owner == a ? b : a;
      watcher.ok("write", "path", "owned.txt", "content", "on the owner".getBytes(StandardCharsets.UTF_8));
      String commit = watcher.ok("commit", "message", "on the owner").getString("commit");

      String url = "http://bob:" + bob + "@127.0.0.1:" + other.node.port() + "/git/gitc.git";
      Path clone = dir.resolve("gitc-clone");
      io.branchwork.support.Cli.run(dir, "git", "clone", "-q", url, clone.toString());
      assertEquals(commit, io.branchwork.support.Cli.run(clone, "git", "rev-parse", "HEAD").trim());

      java.nio.file.Files.writeString(clone.resolve("pushed.txt"), "through the other node\n");
      io.branchwork.support.Cli.run(clone, "git", "add", "pushed.txt");
      io.branchwork.support.Cli.run(clone, "git", "-c", "user.name=Bob", "-c", "user.email=bob@example.invalid",
          "commit", "-q", "-m", "pushed");
      String pushed = io.branchwork.support.Cli.run(clone, "git", "rev-parse", "HEAD").trim();
      io.branchwork.support.Cli.run(clone, "git", "push", "-q", "origin", "main");
      JsonObject committed = watcher.event("committed");
      assertEquals(pushed, committed.getString("commit"));
      assertEquals("bob", committed.getString("by"));
      assertArrayEquals("through the other node\n".getBytes(StandardCharsets.UTF_8),
          watcher.ok("read", "path", "pushed.txt").getBinary("content"));
      assertEquals(1, open(a, key) + open(b, key), "the push went through the one workspace");
    }
  }

  @Test
  @DisplayName("Verifies that a node that lost its claim stops serving, the new owner has every acknowledged write, and a stale writer is refused")
  void lostClaimIsFenced() throws Exception {
    WorkspaceKey key = new WorkspaceKey("fence", "main");
    a.allocator("register", key, "h-fence");
    TestNode owner = a.allocator("lookup", key, null).getString("node").equals("node-a") ? a : b;
    TestNode other = owner == a ? b : a;
    owner.ws(key, "alice", "write", new JsonObject().put("path", "acked.txt")
        .put("content", "acknowledged".getBytes(StandardCharsets.UTF_8)));
    String wipSeen = owner.node.services().store().repoState("fence").await(10, TimeUnit.SECONDS).refs()
        .get("refs/branchwork/wip/main");
    assertTrue(wipSeen != null, "the acknowledged write is in the store before its answer");
    // Another node takes the key over behind the owner's back (what a healed split brain leaves).
    other.vertx.sharedData().<String, String>getAsyncMap(HazelcastOwnership.MAP)
        .compose(m -> m.put(key.address(), other.node.services().ownership().self()))
        .await(10, TimeUnit.SECONDS);
    Await.until("the old owner to stop serving", 10_000, () -> open(owner, key) == 0);
    other.allocator("register", key, "h-new");
    assertEquals(1, open(other, key));
    other.ws(key, "alice", "write", new JsonObject().put("path", "new.txt")
        .put("content", "after".getBytes(StandardCharsets.UTF_8)));
    JsonObject list = other.ws(key, "alice", "list", new JsonObject());
    assertTrue(list.getJsonArray("entries").stream()
        .anyMatch(e -> ((JsonObject) e).getString("path").equals("acked.txt")), list::encode);
    // A writer that still believes the old state (the fenced owner's next round) changes nothing.
    Exception stale = assertThrows(Exception.class, () -> owner.node.services().store().updateRepo("fence", null, null,
        java.util.List.of(new io.branchwork.store.Records.RefUpdate("refs/branchwork/wip/main", wipSeen,
            "0".repeat(40)))).await(10, TimeUnit.SECONDS));
    assertTrue(stale.getMessage().contains("no longer at"), stale.getMessage());
    other.allocator("deregister", key, "h-new");
    other.allocator("deregister", key, "h-fence");
    other.allocator("kill", key, null);
  }

  @Test
  @DisplayName("Verifies that a workspace is not deployed while another live node consumes its address:"
      + " the event bus would split its requests between the two")
  void secondConsumerRefused() throws Exception {
    WorkspaceKey key = new WorkspaceKey("stray", "main");
    // Something on B listens at the workspace address without owning the key.
    var stray = b.vertx.eventBus().<JsonObject>consumer(key.address(), m -> m.reply(new JsonObject()));
    stray.completion().await(10, TimeUnit.SECONDS);
    try {
      io.branchwork.core.BranchworkException e = org.junit.jupiter.api.Assertions.assertThrows(
          io.branchwork.core.BranchworkException.class, () -> a.localAllocator("register", key, "h-stray"));
      assertEquals(io.branchwork.contract.ErrorCode.CONFLICT, e.code(), e.getMessage());
      assertEquals(0, open(a, key) + open(b, key));
    } finally {
      stray.unregister().await(10, TimeUnit.SECONDS);
    }
    assertEquals(0, a.holders(key), "the failed register left no reference");
    a.localAllocator("register", key, "h-after");
    assertEquals(1, open(a, key), "once the stray consumer is gone the workspace deploys");
    a.localAllocator("deregister", key, "h-after");
  }

  @Test
  @DisplayName("Verifies that a node whose node.tag another member already carries refuses to start")
  void duplicateTagRefused() {
    int port = TestNode.freePort();
    JsonObject dup = conf("node-a", port);
    dup.getJsonObject("cluster").put("members", "127.0.0.1:" + portA + ",127.0.0.1:" + port);
    IllegalStateException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalStateException.class,
        () -> TestNode.startClustered(dir.resolve("dup"), dup));
    assertTrue(String.valueOf(e.getCause()).contains("node.tag 'node-a' is already used"), String.valueOf(e.getCause()));
    Await.until("the refused node to leave the cluster", 20_000,
        () -> a.node.services().ownership().liveNodes().size() == 2);
  }

  @Test
  @DisplayName("Verifies that a node shutting down saves its workspace and hands it, references and all, to a survivor")
  void cleanShutdownHandsOver() {
    int portC = TestNode.freePort();
    JsonObject confC = conf("node-c", portC);
    confC.getJsonObject("cluster").put("members", "127.0.0.1:" + portA + ",127.0.0.1:" + portC);
    TestNode c = TestNode.startClustered(dir.resolve("c"), confC);
    WorkspaceKey key = new WorkspaceKey("hand", "main");
    try (WsClient onB = WsClient.connect(admin, b.node.port(), bob)) {
      // The key is claimed by C: a register on C's own allocator comes first ("allocator" itself
      // may be answered by any node, which would claim the key for itself).
      c.request(Addresses.ALLOCATOR_LOCAL, reg("register", key, "h-c"));
      c.request(Addresses.ALLOCATOR_LOCAL, reg("deregister", key, "h-c"));
      assertEquals(1, open(c, key));
      onB.ok("open", "project", "hand", "branch", "main");
      onB.ok("write", "path", "unsaved.txt", "content", "kept by the hand-over".getBytes(StandardCharsets.UTF_8));
      c.close();
      c = null;
      Await.until("a survivor to own the workspace", 20_000, () -> open(a, key) + open(b, key) == 1);
      assertEquals(1, b.holders(key), "the reference of B's client moved with the workspace");
      assertArrayEquals("kept by the hand-over".getBytes(StandardCharsets.UTF_8),
          onB.ok("read", "path", "unsaved.txt").getBinary("content"), "the session carries on");
      assertTrue(onB.events().stream().noneMatch(e -> "closing".equals(e.getString("event"))),
          "a hand-over is not a close");
    } finally {
      if (c != null) {
        c.close();
      }
    }
    Await.until("the reference to be dropped after the client left", 10_000, () -> b.holders(key) == 0);
    assertNotEquals(0, a.node.services().ownership().liveNodes().size());
  }
}

package io.branchwork.allocator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.branchwork.contract.Addresses;
import io.branchwork.contract.AllocatorOps;
import io.branchwork.contract.ErrorCode;
import io.branchwork.core.BranchworkException;
import io.branchwork.core.Bus;
import io.branchwork.core.WorkspaceKey;
import io.branchwork.support.Await;
import io.branchwork.support.TestNode;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The allocator's contract on a standalone node; {@link ClusteredAllocatorTest} runs the same
 * suite on a clustered node, where every key goes through the Hazelcast claims.
 */
@Timeout(120)
class AllocatorTest {

  private static final long GRACE_MS = 600;

  @TempDir
  Path dir;

  TestNode node;
  private final WorkspaceKey key = new WorkspaceKey("alpha", "main");

  private void start(long graceMs) {
    node = startNode(dir, new JsonObject().put("gc", new JsonObject().put("intervalMs", 50).put("graceMs", graceMs)));
    String token = node.login("alice");
    node.createProject(token, "alpha");
  }

  /** The node under test, with {@code overrides}; a subclass may start it differently. */
  TestNode startNode(Path dataDir, JsonObject overrides) {
    return TestNode.start(dataDir, overrides);
  }

  @AfterEach
  void stop() {
    if (node != null) {
      node.close();
    }
  }

  /** This node's GC runs (its own allocator: in a cluster the public stats are merged over members). */
  private long gcRuns() {
    return node.localAllocator(AllocatorOps.STATS, null, null).getLong("gcRuns");
  }

  private JsonObject stats() {
    return node.allocator(AllocatorOps.STATS, null, null);
  }

  private String deploymentId() {
    return node.allocator(AllocatorOps.LOOKUP, key, null).getString("deploymentId");
  }

  @Test
  @DisplayName("Concurrent registers of one key deploy exactly one workspace, and every one gets its address")
  void concurrentRegistersDeployOnce() throws Exception {
    start(60_000);
    int before = node.vertx.deploymentIDs().size();
    List<Future<JsonObject>> all = new ArrayList<>();
    for (int i = 0; i < 25; i++) {
      all.add(Bus.request(node.vertx, Addresses.ALLOCATOR, new JsonObject().put("op", "register")
          .put("project", "alpha").put("branch", "main").put("holder", "h" + i), 20_000));
    }
    Future.all(all).await(30, TimeUnit.SECONDS);
    for (Future<JsonObject> f : all) {
      assertEquals("workspace.alpha.main", f.result().getString("address"));
    }
    assertEquals(before + 1, node.vertx.deploymentIDs().size());
    JsonObject stats = stats();
    assertEquals(1, stats.getInteger("count"));
    assertEquals(25, stats.getInteger("holders"));
  }

  @Test
  @DisplayName("A holder that registers twice holds one reference; deregistering an unknown holder changes nothing")
  void holdersCountOnce() {
    start(60_000);
    node.allocator(AllocatorOps.REGISTER, key, "h1");
    node.allocator(AllocatorOps.REGISTER, key, "h1");
    assertEquals(1, node.allocator(AllocatorOps.LOOKUP, key, null).getInteger("holders"));
    node.allocator(AllocatorOps.DEREGISTER, key, "stranger");
    assertEquals(1, node.allocator(AllocatorOps.LOOKUP, key, null).getInteger("holders"));
    node.allocator(AllocatorOps.REGISTER, key, "h2");
    node.allocator(AllocatorOps.DEREGISTER, key, "h1");
    JsonObject look = node.allocator(AllocatorOps.LOOKUP, key, null);
    assertEquals(1, look.getInteger("holders"));
    assertEquals(0L, look.getLong("timeZeroed"));
    node.allocator(AllocatorOps.DEREGISTER, key, "h2");
    look = node.allocator(AllocatorOps.LOOKUP, key, null);
    assertEquals(0, look.getInteger("holders"));
    assertTrue(look.getLong("timeZeroed") > 0);
    // deregistering a key nobody opened is also harmless
    node.allocator(AllocatorOps.DEREGISTER, new WorkspaceKey("alpha", "other"), "h1");
  }

  @Test
  @DisplayName("GC evicts a workspace nobody holds once the grace period is over, and not before")
  void gcEvictsAfterGrace() {
    start(GRACE_MS);
    node.allocator(AllocatorOps.REGISTER, key, "h1");
    node.allocator(AllocatorOps.DEREGISTER, key, "h1");
    long zeroed = node.allocator(AllocatorOps.LOOKUP, key, null).getLong("timeZeroed");
    // Several GC runs (every 50 ms) come within the grace period; it must survive them all.
    long runs = gcRuns();
    Await.until("three GC runs", 5_000, () -> gcRuns() >= runs + 3);
    assertTrue(System.currentTimeMillis() - zeroed < GRACE_MS, "the GC runs took longer than the grace period");
    assertEquals(1, stats().getInteger("count"), "evicted before the grace period was over");
    Await.until("eviction", 10_000, () -> stats().getInteger("count") == 0);
    assertTrue(System.currentTimeMillis() - zeroed >= GRACE_MS, "evicted too early");
    BranchworkException e = assertThrows(BranchworkException.class,
        () -> node.ws(key, "alice", "list", new JsonObject()));
    assertEquals(ErrorCode.NO_WORKSPACE, e.code());
  }

  @Test
  @DisplayName("A workspace that is held is never evicted, however long")
  void heldWorkspaceStays() {
    start(100);
    node.allocator(AllocatorOps.REGISTER, key, "h1");
    String id = deploymentId();
    long runs = gcRuns();
    Await.until("ten GC runs, five grace periods", 5_000, () -> gcRuns() >= runs + 10);
    assertEquals(id, deploymentId());
  }

  @Test
  @DisplayName("A reopen inside the grace period reuses the live deployment")
  void reopenReusesDeployment() {
    start(60_000);
    node.allocator(AllocatorOps.REGISTER, key, "h1");
    node.ws(key, "alice", "write", new JsonObject().put("path", "a.txt").put("content", "one".getBytes(StandardCharsets.UTF_8)));
    String id = deploymentId();
    node.allocator(AllocatorOps.DEREGISTER, key, "h1");
    node.allocator(AllocatorOps.REGISTER, key, "h2");
    assertEquals(id, deploymentId());
    // The unsaved edit is still there: same live working copy.
    JsonObject read = node.ws(key, "alice", "read", new JsonObject().put("path", "a.txt"));
    assertEquals("one", new String(read.getBinary("content"), StandardCharsets.UTF_8));
  }

  @Test
  @DisplayName("Eviction saves unsaved changes first, so a later open finds them")
  void evictionSaves() {
    start(200);
    node.allocator(AllocatorOps.REGISTER, key, "h1");
    node.ws(key, "alice", "write", new JsonObject().put("path", "kept.txt").put("content", "kept".getBytes(StandardCharsets.UTF_8)));
    String id = deploymentId();
    node.allocator(AllocatorOps.DEREGISTER, key, "h1");
    Await.until("eviction", 10_000, () -> stats().getInteger("count") == 0);
    node.allocator(AllocatorOps.REGISTER, key, "h1");
    assertNotEquals(id, deploymentId());
    JsonObject read = node.ws(key, "alice", "read", new JsonObject().put("path", "kept.txt"));
    assertEquals("kept", new String(read.getBinary("content"), StandardCharsets.UTF_8));
  }

  @Test
  @DisplayName("A workspace that fails to load answers every waiting register with the error and leaves nothing deployed")
  void failedLoadFailsAllWaiters() throws Exception {
    start(60_000);
    int before = node.vertx.deploymentIDs().size();
    List<Future<JsonObject>> all = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      all.add(Bus.request(node.vertx, Addresses.ALLOCATOR, new JsonObject().put("op", "register")
          .put("project", "alpha").put("branch", "no-such-branch").put("holder", "h" + i), 20_000));
    }
    for (Future<JsonObject> f : all) {
      f.transform(ar -> Future.succeededFuture()).await(30, TimeUnit.SECONDS);
      assertTrue(f.failed());
      assertEquals(ErrorCode.NOT_FOUND, ((BranchworkException) f.cause()).code());
    }
    assertEquals(before, node.vertx.deploymentIDs().size());
    assertEquals(0, stats().getInteger("count"));
    try (var s = java.nio.file.Files.list(dir.resolve("workspaces"))) {
      assertEquals(0, s.count(), "a failed load left its directory behind");
    }
  }

  @Test
  @DisplayName("Kill undeploys a held workspace at once; stats and lookup forget it")
  void killUndeploys() {
    start(60_000);
    node.allocator(AllocatorOps.REGISTER, key, "h1");
    node.allocator(AllocatorOps.KILL, key, null);
    assertEquals(0, stats().getInteger("count"));
    BranchworkException e = assertThrows(BranchworkException.class,
        () -> node.allocator(AllocatorOps.LOOKUP, key, null));
    assertEquals(ErrorCode.NOT_FOUND, e.code());
  }

  @Test
  @DisplayName("The internal ops are refused on the public address: rename would move a workspace without its branch")
  void internalOpsRefused() {
    start(60_000);
    node.allocator(AllocatorOps.REGISTER, key, "h1");
    for (JsonObject body : List.of(
        new JsonObject().put("op", AllocatorOps.RENAME).put("project", "alpha").put("branch", "main").put("to", "x"),
        new JsonObject().put("op", AllocatorOps.ADOPT).put("project", "alpha").put("branch", "main"))) {
      BranchworkException e = assertThrows(BranchworkException.class, () -> node.request(Addresses.ALLOCATOR, body));
      assertEquals(ErrorCode.BAD_REQUEST, e.code(), body::encode);
    }
    assertEquals("main", node.allocator(AllocatorOps.LOOKUP, key, null).getString("branch"));
  }

  @Test
  @DisplayName("Bad allocator requests are bad_request: unknown op, bad project id, bad branch, missing holder")
  void badRequests() {
    start(60_000);
    Set<JsonObject> bad = new HashSet<>(List.of(
        new JsonObject().put("op", "explode"),
        new JsonObject().put("op", "register").put("project", "a.b").put("branch", "main").put("holder", "h"),
        new JsonObject().put("op", "register").put("project", "alpha").put("branch", "bad..name").put("holder", "h"),
        new JsonObject().put("op", "register").put("project", "alpha").put("branch", "main"),
        new JsonObject().put("op", "register").put("project", "alpha").put("branch", "main").put("holder", "")));
    for (JsonObject body : bad) {
      BranchworkException e = assertThrows(BranchworkException.class, () -> node.request(Addresses.ALLOCATOR, body));
      assertEquals(ErrorCode.BAD_REQUEST, e.code(), body::encode);
    }
    assertFalse(stats().getInteger("count") > 0);
  }

  @Test
  @DisplayName("The allocator writes its references through to the store's session rows")
  void sessionsWrittenThrough() {
    start(60_000);
    node.allocator(AllocatorOps.REGISTER, key, "h1");
    node.allocator(AllocatorOps.REGISTER, key, "h2");
    Await.until("session row with two holders", 5_000, () -> {
      var rows = node.node.services().store().listWorkspaceSessions().await();
      return rows.size() == 1 && rows.get(0).refCount() == 2 && rows.get(0).serverTag().equals("test-node");
    });
    node.allocator(AllocatorOps.KILL, key, null);
    Await.until("session row removed", 5_000,
        () -> node.node.services().store().listWorkspaceSessions().await().isEmpty());
  }
}

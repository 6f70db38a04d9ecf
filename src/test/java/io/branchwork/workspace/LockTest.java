package io.branchwork.workspace;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.branchwork.contract.ErrorCode;
import io.branchwork.core.BranchworkException;
import io.branchwork.core.Bus;
import io.branchwork.core.WorkspaceKey;
import io.branchwork.support.Await;
import io.branchwork.support.TestNode;
import io.vertx.core.Future;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(120)
class LockTest {

  @TempDir
  static Path dir;

  static TestNode node;
  static String token;
  static int projects;

  @BeforeAll
  static void start() {
    node = TestNode.start(dir, new JsonObject().put("workspace", new JsonObject().put("opTimeoutMs", 1500)
        .put("queueLimit", 3)));
    token = node.login("alice");
  }

  @AfterAll
  static void stop() {
    node.close();
  }

  private static WorkspaceKey fresh() {
    String id = "lock" + (++projects);
    node.createProject(token, id);
    WorkspaceKey key = new WorkspaceKey(id, "main");
    node.allocator("register", key, "A");
    node.allocator("register", key, "B");
    return key;
  }

  /** Sends an op as {@code holder} without waiting for the answer. */
  private static Future<JsonObject> send(WorkspaceKey key, String holder, String op, JsonObject args) {
    return Bus.request(node.vertx, key.address(), args.copy().put("op", op).put("user", holder.toLowerCase())
        .put("holder", holder), 20_000);
  }

  private static JsonObject call(WorkspaceKey key, String holder, String op, JsonObject args) throws Exception {
    return send(key, holder, op, args).await(20, TimeUnit.SECONDS);
  }

  private static JsonObject write(String path, String content) {
    return new JsonObject().put("path", path).put("content", content.getBytes(StandardCharsets.UTF_8));
  }

  @Test
  @DisplayName("While A holds the lock B's writes wait in order and B's reads do not; unlock lets them run")
  void writesWaitReadsDoNot() throws Exception {
    WorkspaceKey key = fresh();
    List<JsonObject> events = new CopyOnWriteArrayList<>();
    MessageConsumer<JsonObject> c = node.vertx.eventBus().consumer(key.eventAddress(), m -> events.add(m.body()));
    c.completion().await();
    long expires = call(key, "A", "lock", new JsonObject().put("ttlMs", 60_000)).getLong("expiresAt");
    assertTrue(expires > System.currentTimeMillis());
    Future<JsonObject> w1 = send(key, "B", "write", write("f.txt", "first"));
    Future<JsonObject> w2 = send(key, "B", "write", write("f.txt", "second"));
    call(key, "B", "list", new JsonObject());
    call(key, "A", "write", write("a.txt", "the holder writes"));
    assertFalse(w1.isComplete() || w2.isComplete(), "B's writes ran while A held the lock");
    call(key, "A", "unlock", new JsonObject());
    w1.await(10, TimeUnit.SECONDS);
    w2.await(10, TimeUnit.SECONDS);
    assertEquals("second", new String(call(key, "B", "read", new JsonObject().put("path", "f.txt")).getBinary("content"),
        StandardCharsets.UTF_8), "the waiting writes ran in arrival order");
    Await.until("locked and unlocked events", 5_000, () ->
        events.stream().anyMatch(e -> "locked".equals(e.getString("event")) && "a".equals(e.getString("by")))
            && events.stream().anyMatch(e -> "unlocked".equals(e.getString("event"))));
    c.unregister();
  }

  @Test
  @DisplayName("A write that waits past workspace.opTimeoutMs fails 'locked'")
  void waitTimesOut() throws Exception {
    WorkspaceKey key = fresh();
    call(key, "A", "lock", new JsonObject().put("ttlMs", 60_000));
    BranchworkException e = assertThrowsBw(send(key, "B", "write", write("x.txt", "x")));
    assertEquals(ErrorCode.LOCKED, e.code());
    assertEquals(ErrorCode.CONFLICT, assertThrowsBw(send(key, "B", "unlock", new JsonObject())).code());
  }

  @Test
  @DisplayName("The lock expires after its ttl and the waiting write goes through")
  void lockExpires() throws Exception {
    WorkspaceKey key = fresh();
    long expiresAt = call(key, "A", "lock", new JsonObject().put("ttlMs", 800)).getLong("expiresAt");
    Future<JsonObject> waiting = send(key, "B", "write", write("after.txt", "after expiry"));
    call(key, "B", "list", new JsonObject());
    assertFalse(waiting.isComplete(), "B's write ran while A held the lock");
    waiting.await(10, TimeUnit.SECONDS);
    assertTrue(System.currentTimeMillis() >= expiresAt, "the write went through before the lock expired");
  }

  @Test
  @DisplayName("The lock goes with its holder's reference: deregister releases it")
  void deregisterReleases() throws Exception {
    WorkspaceKey key = fresh();
    call(key, "A", "lock", new JsonObject().put("ttlMs", 60_000));
    Future<JsonObject> waiting = send(key, "B", "write", write("w.txt", "w"));
    call(key, "B", "list", new JsonObject());
    assertFalse(waiting.isComplete(), "B's write ran while A held the lock");
    node.allocator("deregister", key, "A");
    waiting.await(10, TimeUnit.SECONDS);
  }

  @Test
  @DisplayName("The queue of waiting ops is bounded: past workspace.queueLimit, 'overloaded'")
  void boundedWaiting() throws Exception {
    WorkspaceKey key = fresh();
    call(key, "A", "lock", new JsonObject().put("ttlMs", 60_000));
    List<Future<JsonObject>> parked = List.of(send(key, "B", "write", write("1", "1")),
        send(key, "B", "write", write("2", "2")), send(key, "B", "write", write("3", "3")));
    call(key, "B", "list", new JsonObject());
    assertEquals(ErrorCode.OVERLOADED, assertThrowsBw(send(key, "B", "write", write("4", "4"))).code());
    call(key, "A", "unlock", new JsonObject());
    for (Future<JsonObject> f : parked) {
      f.await(10, TimeUnit.SECONDS);
    }
  }

  private static BranchworkException assertThrowsBw(Future<?> f) {
    try {
      f.await(20, TimeUnit.SECONDS);
    } catch (BranchworkException e) {
      return e;
    } catch (Exception e) {
      throw new AssertionError(e);
    }
    throw new AssertionError("expected a failure");
  }

  @Test
  @DisplayName("Ops waiting for the lock are answered no_workspace when the workspace closes, not left hanging")
  void closeAnswersWaiters() throws Exception {
    WorkspaceKey key = fresh();
    call(key, "A", "lock", new JsonObject().put("ttlMs", 60_000));
    Future<JsonObject> waiting = send(key, "B", "write", write("w.txt", "w"));
    call(key, "B", "list", new JsonObject());
    node.allocator("kill", key, null);
    assertEquals(ErrorCode.NO_WORKSPACE, assertThrowsBw(waiting).code());
  }
}

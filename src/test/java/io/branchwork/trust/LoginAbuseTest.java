package io.branchwork.trust;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.branchwork.core.WorkspaceKey;
import io.branchwork.support.Http.Response;
import io.branchwork.support.TestNode;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 11 item 6 and the login timing: unauthenticated password guessing, with the shipped
 * PBKDF2 cost (600,000 iterations) and the shipped throttle.
 */
@Timeout(180)
class LoginAbuseTest {

  @TempDir
  static Path dir;

  static TestNode node;
  static String token;

  @BeforeAll
  static void start() {
    node = TestNode.start(dir.resolve("data"), new JsonObject().put("auth", new JsonObject()
        .put("passwordIterations", 600_000)));
    token = node.login("victim");
  }

  @AfterAll
  static void stop() {
    node.close();
  }

  private static Response login(TestNode n, String user, String password) {
    return n.http.postJson("/api/sessions", null, new JsonObject().put("username", user).put("password", password));
  }

  @Test
  @DisplayName("Past auth.loginFailuresPerUser wrong passwords, logins for that name answer 429 rate_limited with Retry-After")
  void perUser() {
    node.http.postJson("/api/users", null, new JsonObject().put("username", "guessed").put("password", "password-g"))
        .expect(201);
    int limit = node.node.services().config().loginFailuresPerUser;
    for (int i = 0; i < limit; i++) {
      assertEquals("unauthenticated", login(node, "guessed", "wrong-" + i).expect(401).code());
    }
    Response limited = login(node, "guessed", "wrong-again").expect(429);
    assertEquals("rate_limited", limited.code());
    long retry = Long.parseLong(limited.raw().headers().firstValue("Retry-After").orElse("0"));
    assertTrue(retry >= 1 && retry <= 60, "Retry-After " + retry);
    // even the right password waits: otherwise the limit would be an oracle for it
    assertEquals("rate_limited", login(node, "guessed", "password-g").expect(429).code());
    // other users are not affected
    login(node, "victim", "password-victim").expect(200);
  }

  @Test
  @DisplayName("A flood of wrong passwords does not starve workspace work: hashing has its own bounded pool")
  void floodDoesNotStarveWorkspaces(@TempDir Path other) throws Exception {
    // a node of its own: the flood trips the per-address throttle for loopback
    try (TestNode n = TestNode.start(other.resolve("data"), new JsonObject().put("auth", new JsonObject()
        .put("passwordIterations", 600_000)))) {
      String owner = n.login("flooded");
      n.createProject(owner, "busy");
      WorkspaceKey key = new WorkspaceKey("busy", "main");
      n.allocator("register", key, "h");
      n.ws(key, "flooded", "status", new JsonObject());
      ExecutorService pool = Executors.newFixedThreadPool(100);
      try {
        List<CompletableFuture<Integer>> logins = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
          String user = "nobody" + i; // unknown names cost a hash too
          logins.add(CompletableFuture.supplyAsync(() -> login(n, user, "wrong").status(), pool));
        }
        // while the guesses are being hashed, a workspace op answers at once
        for (int i = 0; i < 5; i++) {
          long t0 = System.nanoTime();
          n.ws(key, "flooded", "status", new JsonObject());
          long took = (System.nanoTime() - t0) / 1_000_000;
          assertTrue(took < 2000, "status took " + took + " ms during the login flood");
        }
        List<Integer> statuses = new ArrayList<>();
        for (CompletableFuture<Integer> f : logins) {
          statuses.add(f.get(120, TimeUnit.SECONDS));
        }
        assertTrue(statuses.stream().allMatch(s -> s == 401 || s == 429 || s == 503), statuses::toString);
        assertTrue(statuses.contains(503), "the hashing queue is bounded (auth.maxPendingHashes): " + statuses);
      } finally {
        pool.shutdownNow();
      }
    }
  }

  @Test
  @DisplayName("Past auth.loginFailuresPerAddress failures from one address, every login from it is rate_limited")
  void perAddress(@TempDir Path other) {
    try (TestNode n = TestNode.start(other.resolve("data"))) {
      int limit = n.node.services().config().loginFailuresPerAddress;
      for (int i = 0; i < limit; i++) {
        login(n, "name" + i, "wrong").expect(401);
      }
      assertEquals("rate_limited", login(n, "fresh-name", "wrong").expect(429).code());
    }
  }

  @Test
  @DisplayName("A wrong password for an unknown name costs a hash too, so timing does not tell which names exist")
  void unknownUserTiming() {
    node.http.postJson("/api/users", null, new JsonObject().put("username", "timed").put("password", "password-t"))
        .expect(201);
    login(node, "timed", "warm-up").expect(401);
    long known = Long.MAX_VALUE;
    long unknown = Long.MAX_VALUE;
    for (int i = 0; i < 3; i++) {
      long t0 = System.nanoTime();
      login(node, "timed", "wrong").expect(401);
      known = Math.min(known, System.nanoTime() - t0);
      t0 = System.nanoTime();
      login(node, "no-such-user-" + i, "wrong").expect(401);
      unknown = Math.min(unknown, System.nanoTime() - t0);
    }
    assertTrue(unknown * 2 > known, "unknown user " + unknown / 1000 + " µs, known user " + known / 1000 + " µs");
  }

  @Test
  @DisplayName("Registrations count per address too: a flood of them cannot keep the hashing pool from serving logins")
  void registrationFlood(@TempDir Path other) {
    try (TestNode n = TestNode.start(other.resolve("data"))) {
      int limit = n.node.services().config().loginFailuresPerAddress;
      for (int i = 0; i < limit; i++) {
        n.http.postJson("/api/users", null, new JsonObject().put("username", "bulk" + i).put("password", "password-x"))
            .expect(201);
      }
      Response limited = n.http.postJson("/api/users", null,
          new JsonObject().put("username", "one-more").put("password", "password-x")).expect(429);
      assertEquals("rate_limited", limited.code());
      assertTrue(limited.raw().headers().firstValue("Retry-After").isPresent());
      login(n, "bulk0", "password-x").expect(200);
    }
  }
}

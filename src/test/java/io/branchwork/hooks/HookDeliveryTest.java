package io.branchwork.hooks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.branchwork.core.WorkspaceKey;
import io.branchwork.support.Await;
import io.branchwork.support.Cli;
import io.branchwork.support.HookReceiver;
import io.branchwork.support.HookReceiver.Arrival;
import io.branchwork.support.TestNode;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Webhooks end to end: a node, a receiver on loopback, and the ops that cause each event. */
@Timeout(120)
class HookDeliveryTest {

  @TempDir
  Path dir;

  private static JsonObject hooksConf(boolean allowPrivate) {
    return new JsonObject().put("hooks", new JsonObject().put("allowPrivateTargets", allowPrivate)
        .put("retryFirstMs", 50).put("timeoutMs", 2000));
  }

  private static JsonObject hook(String url, String secret, String... events) {
    JsonObject h = new JsonObject().put("url", url).put("events", new JsonArray(List.of(events)));
    return secret == null ? h : h.put("secret", secret);
  }

  @Test
  @DisplayName("Verifies that commit, branch, tag and merge each post a signed event naming project, branch, commits and user, and that the deliveries list shows them delivered")
  void eventsArriveSigned() throws Exception {
    try (TestNode node = TestNode.start(dir.resolve("data"), hooksConf(true));
         HookReceiver receiver = new HookReceiver(node.vertx)) {
      String token = node.login("alice");
      WorkspaceKey main = node.openNewProject(token, "p", "h1");
      JsonObject made = node.http.postJson("/api/projects/p/hooks", token,
          hook(receiver.url("/in?x=1"), "s3cret", "push", "commit", "branch", "merge", "tag")).expect(201).json();
      assertNull(made.getString("secret"), "a secret the owner chose is not echoed");
      String hookId = made.getString("id");

      node.writeText(main, "alice", "a.scad", "cube(1);");
      String commit = node.ws(main, "alice", "commit", new JsonObject().put("message", "first cube")).getString("commit");
      Arrival a = receiver.next(10);
      assertEquals("commit", a.header("X-Branchwork-Event"));
      assertTrue(a.signedWith("s3cret"), "signed with the hook's secret: " + a.headers());
      assertNotNull(a.header("X-Branchwork-Delivery"));
      JsonObject body = a.json();
      assertEquals("p", body.getString("project"));
      assertEquals("main", body.getString("branch"));
      assertEquals("alice", body.getString("user"));
      assertEquals(commit, body.getString("after"));
      assertEquals(commit, body.getJsonArray("commits").getJsonObject(0).getString("id"));
      assertEquals("first cube", body.getJsonArray("commits").getJsonObject(0).getString("message").trim());

      node.ws(main, "alice", "branch.create", new JsonObject().put("name", "dev"));
      JsonObject branch = receiver.next(10).json();
      assertEquals("branch", branch.getString("event"));
      assertEquals("created", branch.getString("action"));
      assertEquals("dev", branch.getString("branch"));
      assertEquals(commit, branch.getString("head"));

      node.ws(main, "alice", "tag.create", new JsonObject().put("name", "v1"));
      JsonObject tag = receiver.next(10).json();
      assertEquals("tag", tag.getString("event"));
      assertEquals("v1", tag.getString("tag"));
      assertEquals(commit, tag.getString("target"));

      WorkspaceKey dev = new WorkspaceKey("p", "dev");
      node.allocator("register", dev, "h2");
      node.writeText(dev, "alice", "b.scad", "sphere(2);");
      String second = node.ws(dev, "alice", "commit", new JsonObject().put("message", "a sphere")).getString("commit");
      assertEquals("dev", receiver.next(10).json().getString("branch"));
      node.ws(main, "alice", "merge", new JsonObject().put("from", "dev"));
      JsonObject merge = receiver.next(10).json();
      assertEquals("merge", merge.getString("event"));
      assertEquals("dev", merge.getString("from"));
      assertEquals(second, merge.getString("after"));
      assertEquals(commit, merge.getString("before"));

      Await.until("every delivery recorded as delivered", 10_000, () -> {
        JsonArray list = node.http.get("/api/projects/p/hooks/" + hookId + "/deliveries", token).expect(200).array();
        return list.size() == 5 && list.stream().allMatch(o -> "delivered".equals(((JsonObject) o).getString("status")));
      });
      JsonObject first = node.http.get("/api/projects/p/hooks/" + hookId + "/deliveries", token).array().getJsonObject(4);
      assertEquals(204, first.getJsonArray("attempts").getJsonObject(0).getInteger("status"));
      assertTrue(receiver.arrivals.isEmpty(), "one arrival per event: " + receiver.arrivals);
      String metrics = node.http.get("/metrics", null).text();
      assertTrue(metrics.contains("branchwork_hooks_deliveries_total{outcome=\"delivered\"} 5.0"), metrics);
    }
  }

  @Test
  @DisplayName("Verifies that git pushes post push events: into an open branch (through its workspace), into a closed one, creating a branch (with a branch event) and a tag (with a tag event), each naming the pushed commits and the pusher")
  void pushes() throws Exception {
    try (TestNode node = TestNode.start(dir.resolve("data"), hooksConf(true));
         HookReceiver receiver = new HookReceiver(node.vertx)) {
      String token = node.login("alice");
      WorkspaceKey main = node.openNewProject(token, "p", "h1");
      node.writeText(main, "alice", "a.scad", "cube(1);");
      node.ws(main, "alice", "commit", new JsonObject().put("message", "first"));
      node.ws(main, "alice", "branch.create", new JsonObject().put("name", "closed"));
      node.http.postJson("/api/projects/p/hooks", token, hook(receiver.url("/"), null, "push", "branch", "tag"))
          .expect(201);
      Path clone = dir.resolve("clone");
      String remote = "http://alice:" + token + "@127.0.0.1:" + node.node.port() + "/git/p.git";
      Cli.run(dir, "git", "clone", "-q", remote, clone.toString());
      Files.writeString(clone.resolve("b.scad"), "sphere(1);\n");
      Cli.run(clone, "git", "add", "b.scad");
      Cli.run(clone, "git", "-c", "user.name=alice", "-c", "user.email=a@example.com", "commit",
          "-qm", "pushed from git");
      String pushed = Cli.run(clone, "git", "rev-parse", "HEAD").trim();

      Cli.run(clone, "git", "push", "-q", "origin", "HEAD:main");
      JsonObject open = receiver.next(10).json();
      assertEquals("push", open.getString("event"));
      assertEquals("main", open.getString("branch"));
      assertEquals(pushed, open.getString("after"));
      assertEquals("alice", open.getString("user"));
      assertEquals("pushed from git", open.getJsonArray("commits").getJsonObject(0).getString("message").trim());
      assertEquals(1, open.getJsonArray("commits").size());

      Cli.run(clone, "git", "push", "-q", "origin", "HEAD:closed");
      JsonObject closed = receiver.next(10).json();
      assertEquals("closed", closed.getString("branch"));
      assertEquals(pushed, closed.getString("after"));
      assertEquals(false, closed.getBoolean("created"));

      Cli.run(clone, "git", "push", "-q", "origin", "HEAD:refs/heads/fresh");
      Map<String, JsonObject> byEvent = new HashMap<>();
      for (int i = 0; i < 2; i++) {
        JsonObject e = receiver.next(10).json();
        byEvent.put(e.getString("event"), e);
      }
      assertEquals(true, byEvent.get("push").getBoolean("created"));
      assertEquals("created", byEvent.get("branch").getString("action"));
      assertEquals("fresh", byEvent.get("branch").getString("branch"));

      Cli.run(clone, "git", "tag", "v1");
      Cli.run(clone, "git", "push", "-q", "origin", "v1");
      byEvent.clear();
      for (int i = 0; i < 2; i++) {
        JsonObject e = receiver.next(10).json();
        byEvent.put(e.getString("event"), e);
      }
      assertEquals("v1", byEvent.get("push").getString("tag"));
      assertEquals("v1", byEvent.get("tag").getString("tag"));
      assertEquals(pushed, byEvent.get("tag").getString("target"));
    }
  }

  @Test
  @DisplayName("Verifies that a failed attempt (a 500, a redirect that is not followed) is retried under the same delivery id, the attempts show the answers, and an owner can redeliver")
  void retriesAndRedelivery() throws Exception {
    try (TestNode node = TestNode.start(dir.resolve("data"), hooksConf(true));
         HookReceiver receiver = new HookReceiver(node.vertx);
         HookReceiver elsewhere = new HookReceiver(node.vertx)) {
      Set<String> seen = ConcurrentHashMap.newKeySet();
      // First a redirect to the other receiver, then a 500, then accepted.
      receiver.answering(a -> {
        String id = a.header("X-Branchwork-Delivery");
        if (seen.add(id)) {
          return 302;
        }
        return seen.add(id + "/2") ? 500 : 200;
      });
      String token = node.login("alice");
      WorkspaceKey main = node.openNewProject(token, "p", "h1");
      String hookId = node.http.postJson("/api/projects/p/hooks", token, hook(receiver.url("/"), null, "commit"))
          .expect(201).json().getString("id");
      node.writeText(main, "alice", "a.scad", "cube(1);");
      node.ws(main, "alice", "commit", new JsonObject().put("message", "m"));
      String id = receiver.next(10).header("X-Branchwork-Delivery");
      assertEquals(id, receiver.next(10).header("X-Branchwork-Delivery"));
      assertEquals(id, receiver.next(10).header("X-Branchwork-Delivery"));
      Await.until("the delivery recorded as delivered", 10_000, () -> "delivered".equals(node.http
          .get("/api/projects/p/hooks/" + hookId + "/deliveries", token).array().getJsonObject(0).getString("status")));
      JsonObject d = node.http.get("/api/projects/p/hooks/" + hookId + "/deliveries", token).array().getJsonObject(0);
      JsonArray attempts = d.getJsonArray("attempts");
      assertEquals(3, attempts.size());
      assertEquals(302, attempts.getJsonObject(0).getInteger("status"));
      assertEquals(500, attempts.getJsonObject(1).getInteger("status"));
      assertEquals("receiver said 500", attempts.getJsonObject(1).getString("answer"));
      assertEquals(200, attempts.getJsonObject(2).getInteger("status"));
      assertTrue(elsewhere.arrivals.isEmpty());

      node.http.postJson("/api/projects/p/hooks/" + hookId + "/deliveries/" + id + "/redeliver", token,
          new JsonObject()).expect(202);
      assertEquals(id, receiver.next(10).header("X-Branchwork-Delivery"), "redelivered under its id");
      Await.until("the redelivery recorded", 10_000, () -> node.http.get("/api/projects/p/hooks/" + hookId
          + "/deliveries", token).array().getJsonObject(0).getJsonArray("attempts").size() == 4);
      String metrics = node.http.get("/metrics", null).text();
      assertTrue(metrics.contains("branchwork_hooks_retries_total 3.0"), metrics);
      assertTrue(metrics.contains("branchwork_hooks_attempts_total{result=\"http_error\"} 2.0"), metrics);
    }
  }

  @Test
  @DisplayName("Verifies that a receiver that never answers holds only its hook's share of the sender (hooks.perHook): another project's delivery goes out at once")
  void tarpitDoesNotStarveOthers() throws Exception {
    JsonObject conf = new JsonObject().put("hooks", new JsonObject().put("allowPrivateTargets", true)
        .put("timeoutMs", 20_000).put("concurrency", 4).put("perHook", 2));
    try (TestNode node = TestNode.start(dir.resolve("data"), conf);
         HookReceiver tarpit = new HookReceiver(node.vertx).answering(a -> -1);
         HookReceiver healthy = new HookReceiver(node.vertx)) {
      String token = node.login("alice");
      WorkspaceKey slow = node.openNewProject(token, "slow", "h1");
      WorkspaceKey fast = node.openNewProject(token, "fast", "h2");
      node.http.postJson("/api/projects/slow/hooks", token, hook(tarpit.url("/"), null, "commit")).expect(201);
      node.http.postJson("/api/projects/fast/hooks", token, hook(healthy.url("/"), null, "commit")).expect(201);
      for (int i = 0; i < 6; i++) {
        node.writeText(slow, "alice", "a.scad", "cube(" + i + ");");
        node.ws(slow, "alice", "commit", new JsonObject().put("message", "slow " + i));
      }
      Await.until("the tarpit holding its share", 10_000, () -> tarpit.arrivals.size() >= 2);
      node.writeText(fast, "alice", "a.scad", "cube(1);");
      String commit = node.ws(fast, "alice", "commit", new JsonObject().put("message", "fast")).getString("commit");
      assertEquals(commit, healthy.next(5).json().getString("after"), "delivered while the tarpit holds its slots");
      assertEquals(2, tarpit.arrivals.size(), "the tarpit never gets more than hooks.perHook attempts at once");
    }
  }

  @Test
  @DisplayName("Verifies that only an owner manages hooks, that URLs and events are checked at the door (scheme, credentials, internal targets), and that the secret is never listed")
  void doorChecks() throws Exception {
    try (TestNode node = TestNode.start(dir.resolve("data"), hooksConf(false))) {
      String owner = node.login("olga");
      String writer = node.login("walt");
      String stranger = node.login("sam");
      node.createProject(owner, "p");
      node.http.postJson("/api/projects/p/members", owner, new JsonObject().put("username", "walt").put("role", "writer"))
          .expect(204);
      JsonObject ok = hook("https://hooks.example.com/x", null, "push");
      assertEquals(403, node.http.postJson("/api/projects/p/hooks", writer, ok).status());
      assertEquals(404, node.http.postJson("/api/projects/p/hooks", stranger, ok).status());
      assertEquals(403, node.http.get("/api/projects/p/hooks", writer).status());
      for (String url : new String[] {"ftp://example.com/", "http://user:pw@example.com/", "not a url", "http:///x",
          "http://127.0.0.1:9/", "http://localhost/", "http://169.254.169.254/latest/meta-data", "http://[::1]/",
          "http://10.1.2.3/", "http://[::ffff:127.0.0.1]/", "http://0.0.0.0/", "http://2130706433/",
          "http://example.com/#frag", "x".repeat(3000)}) {
        var r = node.http.postJson("/api/projects/p/hooks", owner, hook(url, null, "push"));
        assertEquals(400, r.status(), url + ": " + r.text());
        assertEquals("bad_request", r.code(), url);
      }
      assertEquals(400, node.http.postJson("/api/projects/p/hooks", owner, hook("http://93.184.215.14/", null, "nope"))
          .status());
      assertEquals(400, node.http.postJson("/api/projects/p/hooks", owner, new JsonObject()
          .put("url", "http://93.184.215.14/")).status());
      assertEquals(400, node.http.postJson("/api/projects/p/hooks", owner, hook("http://93.184.215.14/", "", "push"))
          .status());
      assertEquals(400, node.http.postJson("/api/projects/p/hooks", owner, hook("http://93.184.215.14/",
          "s".repeat(257), "push")).status(), "a secret past 256 characters");
      assertEquals(400, node.http.postJson("/api/projects/p/hooks", owner, new JsonObject()
          .put("url", "http://93.184.215.14/").put("events", "push")).status(), "events as a string");
      assertEquals(400, node.http.postJson("/api/projects/p/hooks", owner, hook("http://93.184.215.14/", null,
          "push", "push", "push", "push", "push", "push", "push", "push", "push", "push", "push")).status(),
          "an events list longer than twice the events there are");
      assertEquals(400, node.http.postJson("/api/projects/p/hooks", owner, new JsonObject()
          .put("url", 42).put("events", new JsonArray().add("push"))).status(), "a URL that is not a string");
      JsonObject made = node.http.postJson("/api/projects/p/hooks", owner, hook("http://93.184.215.14/in", null,
          "push", "tag", "push")).expect(201).json();
      assertTrue(made.getString("secret").length() >= 32, "a generated secret is shown once: " + made);
      assertEquals(new JsonArray().add("push").add("tag"), made.getJsonArray("events"));
      JsonArray list = node.http.get("/api/projects/p/hooks", owner).expect(200).array();
      assertEquals(1, list.size());
      assertFalse(list.encode().contains(made.getString("secret")), "never listed");
      assertEquals(404, node.http.get("/api/projects/p/hooks/nope/deliveries", owner).status());
      String id = made.getString("id");
      assertEquals(400, node.http.get("/api/projects/p/hooks/" + id + "/deliveries?limit=abc", owner).status());
      assertEquals(200, node.http.get("/api/projects/p/hooks/" + id + "/deliveries?limit=-5", owner).status());
      assertEquals(404, node.http.postJson("/api/projects/p/hooks/" + id + "/deliveries/x'%20OR%20'1'='1/redeliver",
          owner, new JsonObject()).status(), "a delivery id is a parameter, never SQL");
      assertEquals(400, node.http.get("/api/projects/bad%20id/hooks", owner).status(), "not a project id");
      assertEquals(204, node.http.delete("/api/projects/p/hooks/" + made.getString("id"), owner).status());
      assertEquals(404, node.http.delete("/api/projects/p/hooks/" + made.getString("id"), owner).status());
    }
  }

  @Test
  @DisplayName("Verifies that the target is checked again at every delivery: a hook on loopback saved while private targets were allowed is refused once they are not, and nothing reaches it")
  void internalTargetRefusedAtDelivery() throws Exception {
    Path data = dir.resolve("data");
    String hookId;
    String token;
    try (TestNode node = TestNode.start(data, hooksConf(true))) {
      token = node.login("alice");
      node.createProject(token, "p");
      hookId = node.http.postJson("/api/projects/p/hooks", token, hook("http://127.0.0.1:9/never", null, "commit"))
          .expect(201).json().getString("id");
    }
    try (TestNode node = TestNode.start(data, hooksConf(false))) {
      String t = node.http.signIn("alice");
      WorkspaceKey main = new WorkspaceKey("p", "main");
      node.allocator("register", main, "h1");
      node.writeText(main, "alice", "a.scad", "cube(1);");
      node.ws(main, "alice", "commit", new JsonObject().put("message", "m"));
      Await.until("the attempt refused", 10_000, () -> {
        JsonArray list = node.http.get("/api/projects/p/hooks/" + hookId + "/deliveries", t).expect(200).array();
        return !list.isEmpty() && !list.getJsonObject(0).getJsonArray("attempts").isEmpty();
      });
      JsonObject attempt = node.http.get("/api/projects/p/hooks/" + hookId + "/deliveries", t).array()
          .getJsonObject(0).getJsonArray("attempts").getJsonObject(0);
      assertTrue(attempt.getString("error").contains("internal address"), attempt.encode());
      assertNull(attempt.getInteger("status"));
      assertTrue(node.http.get("/metrics", null).text().contains("branchwork_hooks_attempts_total{result=\"refused\"}"));
    }
  }
}

package io.branchwork.durability;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.branchwork.support.ForkedNode;
import io.branchwork.support.Http;
import io.branchwork.support.WsClient;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A merge, a revert and a restore are durable before they answer: the node (in a JVM of its
 * own) is killed with SIGKILL the moment each answer arrives, and the restarted node holds
 * what each answer said.
 */
@Timeout(300)
class MergeCrashTest {

  @TempDir
  Path dir;

  private ForkedNode node;
  private final Vertx client = Vertx.vertx();

  @AfterEach
  void tearDown() throws Exception {
    if (node != null) {
      node.close();
    }
    client.close().await(10, TimeUnit.SECONDS);
  }

  private static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  private String token() {
    return node.http.signIn("kim");
  }

  /** Kills the node at once, starts it again, and opens main. */
  private WsClient restart(WsClient ws, int run) throws Exception {
    node.kill();
    ws.close();
    node.start(run);
    WsClient again = WsClient.connect(client, node.port, token());
    again.ok("open", "project", "mc", "branch", "main");
    return again;
  }

  private static String head(WsClient ws) {
    return ws.ok("log", "limit", 1).getJsonArray("commits").getJsonObject(0).getString("commit");
  }

  private static String read(WsClient ws, String path) {
    return new String(ws.ok("read", "path", path).getBinary("content"), StandardCharsets.UTF_8);
  }

  @Test
  @DisplayName("Verifies that an acknowledged merge, revert and restore survive a SIGKILL right after their answers")
  void acknowledgedMeansDurable() throws Exception {
    node = new ForkedNode(dir, "256m", new JsonObject()).start(0);
    Http http = node.http;
    http.postJson("/api/projects", http.register("kim"), new JsonObject().put("id", "mc")).expect(201);
    WsClient ws = WsClient.connect(client, node.port, token());
    ws.ok("open", "project", "mc", "branch", "main");
    ws.ok("write", "path", "a.txt", "content", utf8("one\n"));
    ws.ok("write", "path", "b.txt", "content", utf8("two\n"));
    String first = ws.ok("commit", "message", "base").getString("commit");
    int run = 0;
    for (int trial = 1; trial <= 2; trial++) {
      ws.ok("branch.create", "name", "side" + trial);
      ws.ok("open", "project", "mc", "branch", "side" + trial);
      ws.ok("write", "path", "side" + trial + ".txt", "content", utf8("side " + trial + "\n"));
      ws.ok("commit", "message", "side " + trial);
      ws.ok("open", "project", "mc", "branch", "main");
      ws.ok("write", "path", "main" + trial + ".txt", "content", utf8("main " + trial + "\n"));
      ws.ok("commit", "message", "main " + trial);

      String merged = ws.ok("merge", "from", "side" + trial).getString("commit");
      ws = restart(ws, ++run);
      assertEquals(merged, head(ws), "trial " + trial + ": the acknowledged merge");
      assertEquals("side " + trial + "\n", read(ws, "side" + trial + ".txt"));

      String reverted = ws.ok("revert", "commit", merged).getString("commit");
      ws = restart(ws, ++run);
      assertEquals(reverted, head(ws), "trial " + trial + ": the acknowledged revert");
      ws.fails("not_found", "read", "path", "side" + trial + ".txt");

      ws.ok("write", "path", "a.txt", "content", utf8("changed " + trial + "\n"));
      ws.ok("commit", "message", "change a " + trial);
      ws.ok("restore", "paths", new JsonArray().add("a.txt"), "at", first);
      ws = restart(ws, ++run);
      assertEquals("one\n", read(ws, "a.txt"), "trial " + trial + ": the acknowledged restore");
      ws.ok("commit", "message", "restored a " + trial);
    }
    ws.close();
  }
}

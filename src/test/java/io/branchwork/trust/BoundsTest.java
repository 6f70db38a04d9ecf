package io.branchwork.trust;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.branchwork.contract.ErrorCode;
import io.branchwork.core.BranchworkException;
import io.branchwork.core.Bus;
import io.branchwork.core.WorkspaceKey;
import io.branchwork.support.TestNode;
import io.branchwork.support.WsClient;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 11, "memory and time bombs" as clients send them, with the shipped limits: the frame
 * decoder, compile and diff. Each attack is followed by an ordinary op on the same workspace
 * or node, which must still be answered.
 */
@Timeout(180)
class BoundsTest {

  @TempDir
  static Path dir;

  static TestNode node;
  static String token;

  @BeforeAll
  static void start() {
    node = TestNode.start(dir.resolve("data"));
    token = node.login("bomber");
  }

  @AfterAll
  static void stop() {
    node.close();
  }

  private static WorkspaceKey open(String project) {
    return node.openNewProject(token, project, "h-" + project);
  }

  private static JsonObject op(WorkspaceKey key, String op, JsonObject args) {
    return node.ws(key, "bomber", op, args);
  }

  private static void write(WorkspaceKey key, String path, String content) {
    node.writeText(key, "bomber", path, content);
  }

  /** An ordinary read on {@code key} answers within {@code ms}: the workspace is not frozen. */
  private static void stillServes(WorkspaceKey key, long ms) {
    write(key, "probe.txt", "alive");
    long t0 = System.nanoTime();
    assertEquals("alive", new String(op(key, "read", new JsonObject().put("path", "probe.txt")).getBinary("content"),
        StandardCharsets.UTF_8));
    long took = (System.nanoTime() - t0) / 1_000_000;
    assertTrue(took < ms, "a read after the attack took " + took + " ms");
  }

  @Test
  @DisplayName("Unauthenticated 18-byte frames declaring 2^31-1 bytes are bad_request on 4 connections; nothing dies")
  void frameLengthBomb() {
    Buffer bomb = Buffer.buffer().appendByte((byte) 0x81).appendByte((byte) 0xa7).appendString("content")
        .appendByte((byte) 0xc6).appendUnsignedInt(0x7fffffffL);
    List<WsClient> clients = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      clients.add(WsClient.connect(node.vertx, node.node.port(), null));
    }
    for (int round = 0; round < 3; round++) {
      for (WsClient c : clients) {
        c.sendRaw(bomb);
        assertEquals("bad_request", c.anonymousReply().getJsonObject("error").getString("code"));
      }
    }
    for (WsClient c : clients) {
      c.ok("auth", "token", token);
      c.ok("ping");
      c.close();
    }
  }

  @Test
  @DisplayName("Compile of two files including each other 1000 times answers, and the workspace serves the next op")
  void compileMutualIncludes() {
    WorkspaceKey key = open("cmp");
    write(key, "a.scad", "include <b.scad>\n".repeat(1000));
    write(key, "b.scad", "include <a.scad>\n".repeat(1000));
    JsonObject r = op(key, "compile", new JsonObject().put("entry", "a.scad"));
    assertFalse(r.getBoolean("ok"));
    stillServes(key, 2000);
  }

  @Test
  @DisplayName("Compile of an include chain deeper than compile.maxDepth (200 files here; 10,000 in the unit test) answers with a diagnostic")
  void compileDeepChain() {
    WorkspaceKey key = open("deep");
    for (int i = 0; i < 200; i++) {
      write(key, "f" + i + ".scad", "include <f" + (i + 1) + ".scad>\n");
    }
    JsonObject r = op(key, "compile", new JsonObject().put("entry", "f0.scad"));
    assertTrue(r.getJsonArray("diagnostics").encode().contains("compile.maxDepth"));
  }

  @Test
  @DisplayName("Compile of 1000 x 1000 includes is too_large naming the limit; the workspace serves the next op")
  void compileFanOut() {
    WorkspaceKey key = open("fan");
    write(key, "main.scad", "include <mid.scad>\n".repeat(1000));
    write(key, "mid.scad", "include <leaf.scad>\n".repeat(1000));
    write(key, "leaf.scad", "// " + "x".repeat(94) + "\n");
    BranchworkException e = org.junit.jupiter.api.Assertions.assertThrows(BranchworkException.class,
        () -> op(key, "compile", new JsonObject().put("entry", "main.scad")));
    assertEquals(ErrorCode.TOO_LARGE, e.code());
    stillServes(key, 2000);
  }

  @Test
  @DisplayName("diff of a 300 KB file of random lines stops at diff.timeoutMs; the workspace's other ops answer while it runs, and after it")
  void diffOfRandomLines() throws Exception {
    WorkspaceKey key = open("diff");
    write(key, "big.txt", randomLines(1));
    op(key, "commit", new JsonObject().put("message", "v1"));
    write(key, "big.txt", randomLines(2));
    long t0 = System.nanoTime();
    // The diff runs beside the workspace's mailbox: writes and status answer meanwhile.
    Future<JsonObject> running = Bus.request(node.vertx, key.address(), new JsonObject().put("op", "diff")
        .put("user", "bomber"), 30_000);
    for (int i = 0; i < 3; i++) {
      long w0 = System.nanoTime();
      write(key, "side" + i + ".txt", "written while the diff runs\n");
      op(key, "status", new JsonObject());
      long took = (System.nanoTime() - w0) / 1_000_000;
      assertTrue(took < 1000, "a write and a status during the diff took " + took + " ms");
    }
    try {
      JsonObject r = running.await(30, TimeUnit.SECONDS);
      assertTrue(r.getString("patch").contains("big.txt"));
    } catch (BranchworkException e) {
      assertEquals(ErrorCode.TOO_LARGE, e.code(), e.getMessage());
      assertTrue(e.getMessage().contains("diff.timeoutMs"), e.getMessage());
    }
    long took = (System.nanoTime() - t0) / 1_000_000;
    assertTrue(took < node.node.services().config().diffTimeoutMs + 5000, "diff took " + took + " ms");
    stillServes(key, 2000);
  }

  @Test
  @DisplayName("A patch longer than diff.maxPatchBytes is cut, and says so")
  void longPatchTruncated() {
    WorkspaceKey key = open("long");
    String text = "a line of text that changes\n".repeat(30_000);
    for (int i = 0; i < 6; i++) {
      write(key, "f" + i + ".txt", text);
    }
    JsonObject r = op(key, "diff", new JsonObject());
    assertTrue(r.getBoolean("truncated"));
    assertTrue(r.getString("patch").length() <= node.node.services().config().diffMaxPatchBytes + 200);
    assertTrue(r.getString("patch").contains("diff.maxPatchBytes"));
  }

  /** About 300 KB of lines drawn from a few values: Myers' worst case once histogram diff gives up. */
  private static String randomLines(long seed) {
    Random rnd = new Random(seed);
    StringBuilder sb = new StringBuilder();
    while (sb.length() < 300_000) {
      sb.append((char) ('a' + rnd.nextInt(4))).append('\n');
    }
    return sb.toString();
  }
}

package io.branchwork.workspace;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.branchwork.contract.ErrorCode;
import io.branchwork.core.BranchworkException;
import io.branchwork.core.WorkspaceKey;
import io.branchwork.support.TestNode;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(120)
class CompileOpTest {

  @TempDir
  Path dir;

  @Test
  @DisplayName("compile re-parses only what changed, and rebuilds its cache once after an eviction and reload")
  void incrementalAcrossEviction() {
    WorkspaceKey key = new WorkspaceKey("cad", "main");
    try (TestNode node = TestNode.start(dir)) {
      node.createProject(node.login("alice"), "cad");
      node.allocator("register", key, "h");
      write(node, key, "main.scad", "include <a.scad>\nuse <lib/b.scad>\npeg();\n");
      write(node, key, "a.scad", "cube(2);\n");
      write(node, key, "lib/b.scad", "module peg() cylinder(r = 1, h = 3);\n");
      JsonObject first = compile(node, key);
      assertTrue(first.getBoolean("ok"), first::encode);
      assertEquals(3, first.getInteger("recompiled"));
      assertEquals(0, compile(node, key).getInteger("recompiled"));
      write(node, key, "a.scad", "cube(4);\n");
      JsonObject edited = compile(node, key);
      assertEquals(1, edited.getInteger("recompiled"));
      assertTrue(edited.getString("output").contains("cube(4);"));

      String before = node.allocator("lookup", key, null).getString("deploymentId");
      node.allocator("kill", key, null);
      node.allocator("register", key, "h");
      assertNotEquals(before, node.allocator("lookup", key, null).getString("deploymentId"));
      JsonObject reloaded = compile(node, key);
      // The compile cache lives under .git and is a cache: a reopened workspace rebuilds it once.
      assertEquals(3, reloaded.getInteger("recompiled"), "the cache is rebuilt after a reopen");
      assertEquals(0, compile(node, key).getInteger("recompiled"), "and is warm again");
      assertEquals(edited.getString("output"), reloaded.getString("output"));
      // the compile state lives in .git: it is no change to the working tree
      assertTrue(node.ws(key, "alice", "status", new JsonObject()).getJsonArray("changes").stream()
          .noneMatch(c -> ((JsonObject) c).getString("path").contains("branchwork")));

      assertEquals(ErrorCode.BAD_REQUEST, assertThrows(BranchworkException.class,
          () -> node.ws(key, "alice", "compile", new JsonObject().put("entry", "a.txt"))).code());
      JsonObject missing = node.ws(key, "alice", "compile", new JsonObject().put("entry", "nope.scad"));
      assertEquals(false, missing.getBoolean("ok"));
    }
  }

  private static void write(TestNode node, WorkspaceKey key, String path, String content) {
    node.ws(key, "alice", "write", new JsonObject().put("path", path).put("content", content.getBytes(StandardCharsets.UTF_8)));
  }

  private static JsonObject compile(TestNode node, WorkspaceKey key) {
    return node.ws(key, "alice", "compile", new JsonObject().put("entry", "main.scad"));
  }

  @Test
  @DisplayName("Verifies that params answers the entry file's customizer parameters, and not_found or bad_request for a missing or bad entry")
  void params() {
    try (TestNode node = TestNode.start(dir.resolve("params"))) {
      WorkspaceKey key = node.openNewProject(node.login("carl"), "cust", "h");
      node.writeText(key, "carl", "box.scad", "/* [Size] */\n// how wide\nwidth = 30; // [10:90]\nmodule b() {}\n");
      JsonObject p = node.ws(key, "carl", "params", new JsonObject().put("entry", "box.scad")).getJsonArray("params")
          .getJsonObject(0);
      assertEquals(new JsonObject().put("name", "width").put("type", "number").put("default", 30).put("min", 10)
          .put("max", 90).put("group", "Size").put("description", "how wide"), p);
      assertEquals(ErrorCode.NOT_FOUND, assertThrows(BranchworkException.class,
          () -> node.ws(key, "carl", "params", new JsonObject().put("entry", "none.scad"))).code());
      assertEquals(ErrorCode.BAD_REQUEST, assertThrows(BranchworkException.class,
          () -> node.ws(key, "carl", "params", new JsonObject().put("entry", "../x.scad"))).code());
    }
  }
}

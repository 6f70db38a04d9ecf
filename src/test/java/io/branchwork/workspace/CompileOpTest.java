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
}

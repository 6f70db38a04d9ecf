package io.branchwork.collab;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.branchwork.support.TestNode;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Many Node.js editors, each a real {@code @codemirror/collab} state driven by the client
 * library's {@code LiveDocument}, type into two live documents at once ({@code src/test/js/collab-fuzz.mjs}):
 * random inserts and deletes with multi-byte letters, emoji and line breaks, one dropped
 * connection in the middle. The script fails unless every editor, a fresh join and the file
 * end with the same text.
 */
@Timeout(240)
class CollabFuzzTest {

  private static final Path JS = Path.of("src/test/js");

  @TempDir
  Path dir;

  @Test
  @DisplayName("Verifies that 8 CodeMirror collab editors typing concurrently into two live documents (emoji, multi-byte, line breaks, a dropped connection) end equal to a fresh join and to the file")
  void editorsConverge() throws Exception {
    assertTrue(Files.isDirectory(JS.resolve("node_modules/@codemirror/collab")),
        "the test clients are not installed: run 'npm ci --prefix src/test/js' (mvn verify does it)");
    try (TestNode node = TestNode.start(dir, new JsonObject()
        .put("collab", new JsonObject().put("pushesPerSecond", 1000)))) {
      String alice = node.login("alice");
      String bob = node.login("bob");
      node.createProject(alice, "fuzz");
      node.http.postJson("/api/projects/fuzz/members", alice,
          new JsonObject().put("username", "bob").put("role", "writer")).expect(204);
      var key = new io.branchwork.core.WorkspaceKey("fuzz", "main");
      node.allocator("register", key, "seed");
      node.writeText(key, "alice", "a.txt", "start 😀 here\n");
      node.writeText(key, "alice", "dir/b.scad", "cube(1);\r\n".replace("\r\n", "\n"));
      ProcessBuilder pb = new ProcessBuilder("node", "--experimental-websocket", "--no-warnings", "collab-fuzz.mjs")
          .directory(JS.toFile()).redirectErrorStream(true);
      pb.environment().put("PORT", String.valueOf(node.node.port()));
      pb.environment().put("TOKEN_A", alice);
      pb.environment().put("TOKEN_B", bob);
      pb.environment().put("PROJECT", "fuzz");
      pb.environment().put("EDITORS", "8");
      pb.environment().put("EDITS", "100");
      Process p = pb.start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      assertTrue(p.waitFor(180, TimeUnit.SECONDS), "the fuzz did not finish: " + out);
      assertEquals(0, p.exitValue(), out);
      assertTrue(out.contains("converged"), out);
      // Every keystroke is one update: nothing typed was dropped on the way (a resync would drop some).
      JsonObject report = new JsonObject(out.substring(out.indexOf("converged ") + 10).strip());
      for (String path : new String[] {"a.txt", "dir/b.scad"}) {
        assertEquals(800L, report.getJsonObject(path).getLong("typed"), out);
        assertEquals(800L, report.getJsonObject(path).getLong("version"), out);
      }
      node.allocator("deregister", key, "seed");
    }
  }
}

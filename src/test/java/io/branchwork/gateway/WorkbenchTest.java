package io.branchwork.gateway;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.branchwork.support.Browser;
import io.branchwork.support.TestNode;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The workbench page as two users use it, in real headless Chromium against a live node (the
 * script is {@code src/test/js/workbench.mjs}; its steps print to the assertion message): sign-up,
 * import, sharing, an edit the other page sees, a conflict resolved with "keep mine", a commit in
 * the other's history, a compile diagnostic that jumps to its line, and a connection dropped on
 * the server side with a write's answer lost (resumed with no event lost, the write applied once).
 * A failed run leaves screenshots of both pages in {@code target/workbench-failures}; with
 * {@code -Dworkbench.screenshot=FILE} a passing run leaves the README's screenshot there.
 */
@Timeout(240)
class WorkbenchTest {

  @TempDir
  Path dir;

  @Test
  @DisplayName("Verifies the workbench page with two users in Chromium: import, share, live edits, keep mine, commit and history, compile jump, a dropped connection resumed with nothing lost or applied twice")
  void twoUsersInChromium() throws Exception {
    Path archive = repositoryArchive(dir);
    try (TestNode node = TestNode.start(dir.resolve("node"))) {
      Map<String, String> env = new HashMap<>(Map.of("PORT", String.valueOf(node.node.port()),
          "ARCHIVE", archive.toString(), "WATCHER", node.login("watcher"),
          "FAILSHOTS", Files.createDirectories(Path.of("target/workbench-failures")).toAbsolutePath().toString()));
      String shot = System.getProperty("workbench.screenshot");
      if (shot != null) {
        env.put("SCREENSHOT", Path.of(shot).toAbsolutePath().toString());
      }
      String out = Browser.run("workbench.mjs", env, 200);
      assertTrue(out.endsWith("ok\n"), out);
    }
  }

  /** A small OpenSCAD repository (one include that is missing), packed as a user would: tar -czf. */
  static Path repositoryArchive(Path dir) throws Exception {
    Path repo = Files.createDirectories(dir.resolve("repo"));
    Files.createDirectories(repo.resolve("parts"));
    Files.writeString(repo.resolve("main.scad"),
        "include <parts/base.scad>\nuse <parts/lib.scad>\npeg(size);\ninclude <missing.scad>\n");
    Files.writeString(repo.resolve("parts/base.scad"), "size = 10;\n");
    Files.writeString(repo.resolve("parts/lib.scad"), "module peg(r) { cylinder(r = r, h = 3); }\n");
    run(repo, "git", "init", "-q", "-b", "main");
    run(repo, "git", "add", ".");
    run(repo, "git", "-c", "user.name=ana", "-c", "user.email=ana@example.com", "commit", "-q", "-m", "a peg");
    Path archive = dir.resolve("repo.tar.gz");
    run(repo, "tar", "-czf", archive.toString(), "-C", repo.toString(), ".");
    return archive;
  }

  private static void run(Path cwd, String... command) throws Exception {
    Process p = new ProcessBuilder(List.of(command)).directory(cwd.toFile()).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0, String.join(" ", command) + ": " + out);
  }
}

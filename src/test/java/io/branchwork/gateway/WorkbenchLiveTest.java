package io.branchwork.gateway;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.branchwork.support.Browser;
import io.branchwork.support.TestNode;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Live documents in the page, in real headless Chromium with two users (the script is
 * {@code src/test/js/workbench-live.mjs}): each sees the other's cursor, both type into the same
 * line at once and end with the same text, which {@code read} and the next commit hold; a write
 * from outside reaches both editors; a file that cannot be live opens the classic way.
 */
@Timeout(240)
class WorkbenchLiveTest {

  @TempDir
  Path dir;

  @Test
  @DisplayName("Verifies in Chromium that two users typing into the same line at once see the same text, the file and the next commit hold it, and cursors show with names")
  void typingTogetherInThePage() throws Exception {
    try (TestNode node = TestNode.start(dir.resolve("node"))) {
      String out = Browser.workbench("workbench-live.mjs", node.node.port(), Map.of(), 200);
      assertTrue(out.endsWith("ok\n"), out);
    }
  }
}

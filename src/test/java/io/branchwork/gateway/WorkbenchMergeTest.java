package io.branchwork.gateway;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.branchwork.support.Browser;
import io.branchwork.support.TestNode;
import java.nio.file.Path;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Merging in the page, in real headless Chromium with two users (the script is
 * {@code src/test/js/workbench-merge.mjs}): a conflicting merge previewed and settled side by
 * side, the other user seeing the result live, then a revert and a restore from the history and
 * a tag. With {@code -Dworkbench.shots=DIR} a passing run leaves pictures there.
 */
@Timeout(240)
class WorkbenchMergeTest {

  @TempDir
  Path dir;

  @Test
  @DisplayName("Verifies in Chromium that a user merges a branch with a conflict, settles it in the page, and the other user sees the merge live")
  void mergeInThePage() throws Exception {
    Path archive = WorkbenchTest.repositoryArchive(dir);
    try (TestNode node = TestNode.start(dir.resolve("node"))) {
      String out = Browser.workbench("workbench-merge.mjs", node.node.port(), archive, 200);
      assertTrue(out.endsWith("ok\n"), out);
    }
  }
}

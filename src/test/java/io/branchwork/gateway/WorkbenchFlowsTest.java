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
 * The workbench never puts work in the wrong place, in real headless Chromium with two users
 * (the script is {@code src/test/js/workbench-flows.mjs}; its steps print to the assertion
 * message): branch switches, typing before a switch, line-by-line merges and clashing lines,
 * the changes panel, a reload, live sharing, compile errors and their marks, sentences for
 * errors, an 800 px window, presence while disconnected, indentation, and access tokens with git.
 * With {@code -Dworkbench.shots=DIR} a passing run leaves pictures of the conflict, the compile
 * error and the git dialog there.
 */
@Timeout(240)
class WorkbenchFlowsTest {

  @TempDir
  Path dir;

  @Test
  @DisplayName("Verifies in Chromium that the page keeps each branch's work on that branch, merges two people's edits, and the rest of the page's promises")
  void workGoesWhereItWasTyped() throws Exception {
    Path archive = WorkbenchTest.repositoryArchive(dir);
    try (TestNode node = TestNode.start(dir.resolve("node"))) {
      String out = Browser.workbench("workbench-flows.mjs", node.node.port(), archive, 200);
      assertTrue(out.endsWith("ok\n"), out);
    }
  }
}

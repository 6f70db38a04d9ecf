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
 * The Canvas in the page, in real headless Chromium with two users (the script is
 * {@code src/test/js/workbench-canvas.mjs}): the model drawn in 3D from a render by the real
 * openscad in its sandbox, a customizer slider re-rendering it, a collaborator's Canvas following,
 * and a diagnostic linking to its file and line.
 */
@Timeout(240)
class WorkbenchCanvasTest {

  @TempDir
  Path dir;

  @Test
  @DisplayName("Verifies in Chromium that the Canvas draws the model, re-renders on a parameter change, follows a collaborator and links an error to its line")
  void canvasInThePage() throws Exception {
    try (TestNode node = TestNode.start(dir.resolve("node"))) {
      String out = Browser.workbench("workbench-canvas.mjs", node.node.port(), Map.of(), 200);
      assertTrue(out.endsWith("ok\n"), out);
    }
  }
}

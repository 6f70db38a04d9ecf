package io.branchwork.hooks;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.branchwork.support.Browser;
import io.branchwork.support.TestNode;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The page's webhooks dialog in Chromium (script {@code src/test/js/workbench-hooks.mjs}). */
@Timeout(150)
class HooksPageTest {

  @TempDir
  Path dir;

  @Test
  @DisplayName("Verifies in Chromium that an owner adds a webhook, is shown its secret once, sees the signed delivery of a commit in the deliveries list, redelivers it and deletes the hook; a writer has no Hooks button")
  void ownerManagesHooks() throws Exception {
    try (TestNode node = TestNode.start(dir.resolve("node"), new JsonObject().put("hooks",
        new JsonObject().put("allowPrivateTargets", true)))) {
      String out = Browser.workbench("workbench-hooks.mjs", node.node.port(), Map.of(), 120);
      assertTrue(out.endsWith("ok\n"), out);
    }
  }
}

package io.branchwork.auth;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.branchwork.support.Browser;
import io.branchwork.support.TestIdp;
import io.branchwork.support.TestNode;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The page's "Sign in with <provider>" in Chromium (script {@code src/test/js/workbench-oidc.mjs}). */
@Timeout(120)
class OidcPageTest {

  @TempDir
  Path dir;

  @Test
  @DisplayName("Verifies in Chromium that the page signs in through the provider (authorization code with PKCE) and opens the workbench as the provider's user")
  void signInThroughTheProvider() throws Exception {
    Vertx idpVertx = Vertx.vertx();
    try (TestIdp idp = new TestIdp(idpVertx)) {
      JsonObject conf = idp.config();
      conf.getJsonObject("auth").put("local", false);
      try (TestNode node = TestNode.start(dir.resolve("node"), conf)) {
        String out = Browser.workbench("workbench-oidc.mjs", node.node.port(), Map.of(), 90);
        assertTrue(out.endsWith("ok\n"), out);
      }
    } finally {
      idpVertx.close().await(10, TimeUnit.SECONDS);
    }
  }
}

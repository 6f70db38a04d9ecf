package io.branchwork.load;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A few seconds of the load harness against the packaged jar, so the harness cannot rot. It
 * asserts that every scenario ran and nothing failed, never a timing.
 */
@Timeout(300)
class LoadSmokeIT {

  @Test
  @DisplayName("The load harness runs every scenario against the jar, briefly, with no errors")
  void smoke() throws Exception {
    assertTrue(Files.exists(Path.of("target/branchwork.jar")), "package the jar first (mvn verify does)");
    JsonObject report = LoadRunner.runForTest("--smoke", "--out", "target/load-smoke");
    var rows = report.getJsonArray("results");
    for (String scenario : new String[] {"ceiling", "warm", "cold-open", "commit-save", "stateless", "scale"}) {
      assertTrue(rows.stream().anyMatch(r -> scenario.equals(((JsonObject) r).getString("scenario"))), scenario);
    }
    for (Object o : rows) {
      JsonObject r = (JsonObject) o;
      assertEquals(0L, r.getLong("errors"), r::encode);
      assertTrue(r.getLong("count") > 0, r::encode);
    }
  }
}

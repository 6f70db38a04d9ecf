package io.branchwork.web;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The workbench's three-way line merge (the code that decides what of two people's edits to one
 * file is kept): its own tests, {@code src/test/js/merge3.test.mjs}, under {@code node --test}.
 */
@Timeout(60)
class MergeScriptTest {

  @Test
  @DisplayName("Verifies the page's three-way merge: different lines both apply, a clash keeps both versions and the rest, a huge diff gives up instead of freezing")
  void mergeTestsPass() throws Exception {
    Process p = new ProcessBuilder("node", "--test", "--test-reporter=spec", "merge3.test.mjs")
        .directory(Path.of("src/test/js").toFile()).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(p.waitFor(50, TimeUnit.SECONDS), "node --test did not finish: " + out);
    assertEquals(0, p.exitValue(), out);
    assertTrue(out.contains("pass 6"), out);
  }
}

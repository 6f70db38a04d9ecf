package io.branchwork.support;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Runs a script of {@code src/test/js} that drives real headless Chromium (Debian's
 * {@code chromium}, or the binary {@code CHROMIUM} names) with {@code playwright-core}, and fails
 * with its whole output unless it exits 0.
 */
public final class Browser {

  private static final Path JS = Path.of("src/test/js");
  private static final Path CHROMIUM = Path.of(System.getenv().getOrDefault("CHROMIUM", "/usr/bin/chromium"));

  private Browser() {}

  /**
   * Runs a workbench script against a node: PORT and ARCHIVE set, failures' screenshots in
   * {@code target/workbench-failures}, and with {@code -Dworkbench.shots=DIR} pictures of a
   * passing run there (SHOTS). Answers its output.
   */
  public static String workbench(String script, int port, Path archive, int seconds) throws Exception {
    return workbench(script, port, Map.of("ARCHIVE", archive.toString()), seconds);
  }

  /** As above, for a script that makes its own project: {@code env} adds to PORT, FAILSHOTS and SHOTS. */
  public static String workbench(String script, int port, Map<String, String> more, int seconds) throws Exception {
    Map<String, String> env = new HashMap<>(Map.of("PORT", String.valueOf(port),
        "FAILSHOTS", Files.createDirectories(Path.of("target/workbench-failures")).toAbsolutePath().toString()));
    env.putAll(more);
    String shots = System.getProperty("workbench.shots");
    if (shots != null) {
      env.put("SHOTS", Files.createDirectories(Path.of(shots)).toAbsolutePath().toString());
    }
    return run(script, env, seconds);
  }

  /** Runs {@code script} with {@code env} (plus CHROMIUM) for at most {@code seconds}; answers its output. */
  public static String run(String script, Map<String, String> env, int seconds) throws Exception {
    assertTrue(Files.isExecutable(CHROMIUM), "Chromium is needed at " + CHROMIUM
        + ": apt-get install chromium (.ci/run installs it), or set CHROMIUM");
    assertTrue(Files.isDirectory(JS.resolve("node_modules/playwright-core")),
        "playwright-core is not installed: run 'npm ci --prefix src/test/js' (mvn verify does it)");
    ProcessBuilder pb = new ProcessBuilder("node", "--experimental-websocket", "--no-warnings", script)
        .directory(JS.toFile()).redirectErrorStream(true);
    pb.environment().putAll(env);
    pb.environment().put("CHROMIUM", CHROMIUM.toString());
    Process p = pb.start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(p.waitFor(seconds, TimeUnit.SECONDS), script + " did not finish: " + out);
    assertEquals(0, p.exitValue(), out);
    return out;
  }
}

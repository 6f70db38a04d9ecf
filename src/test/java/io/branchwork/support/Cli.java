package io.branchwork.support;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs the real command-line tools (git, tar) to check what the server wrote. */
public final class Cli {

  private Cli() {}

  /** Runs {@code cmd} in {@code dir}, asserts exit 0, answers stdout. */
  public static String run(Path dir, String... cmd) {
    Result r = exec(dir, cmd);
    assertEquals(0, r.exit, () -> String.join(" ", cmd) + " failed: " + r.out);
    return r.out;
  }

  public record Result(int exit, String out) {}

  public static Result exec(Path dir, String... cmd) {
    List<String> command = new ArrayList<>(Arrays.asList(cmd));
    ProcessBuilder pb = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true);
    // A fixed identity and no user config, so the machine's git set-up cannot change results.
    pb.environment().put("GIT_CONFIG_NOSYSTEM", "1");
    pb.environment().put("GIT_CONFIG_GLOBAL", "/dev/null");
    pb.environment().put("GIT_AUTHOR_NAME", "Test");
    pb.environment().put("GIT_AUTHOR_EMAIL", "test@example.invalid");
    pb.environment().put("GIT_COMMITTER_NAME", "Test");
    pb.environment().put("GIT_COMMITTER_EMAIL", "test@example.invalid");
    try {
      Process p = pb.start();
      byte[] out = p.getInputStream().readAllBytes();
      if (!p.waitFor(60, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        throw new IllegalStateException(String.join(" ", cmd) + " timed out");
      }
      return new Result(p.exitValue(), new String(out, StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new IllegalStateException("cannot run " + cmd[0], e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}

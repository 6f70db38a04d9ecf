package io.branchwork.render;

import io.branchwork.config.Config;
import java.nio.file.Path;
import java.util.List;

/**
 * What renders read of the node's configuration ({@code render.*}, documented in
 * {@code conf/README.md}), and where the cache and the scratch directories live.
 */
public record RenderSettings(String openscad, List<String> args, boolean sandboxed, String bwrap, long timeoutMs,
    long memoryBytes, long maxOutputBytes, int threads, int perUser, long cacheBytes, Path cacheDir, Path tmpRoot) {

  public static RenderSettings of(Config c, Path tmpRoot) {
    return new RenderSettings(c.renderOpenscad, c.renderArgs, c.renderSandboxed, c.renderBwrap, c.renderTimeoutMs,
        c.renderMemoryBytes, c.renderMaxOutputBytes, c.renderThreads, c.renderPerUser, c.renderCacheBytes,
        c.dataDir.resolve("renders"), tmpRoot);
  }

  /** Renders waiting or running on the node past which a new one is refused at once ({@code overloaded}). */
  int maxPending() {
    return threads * 16;
  }
}

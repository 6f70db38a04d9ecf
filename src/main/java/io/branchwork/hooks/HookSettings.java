package io.branchwork.hooks;

import io.branchwork.config.Config;

/** The {@code hooks.*} keys the sender and the routes use (see {@code conf/README.md}). */
public record HookSettings(boolean allowPrivateTargets, long retryMs, long retryFirstMs, long retryMaxMs,
    long timeoutMs, int concurrency, int perHook, long pollMs, int maxPerProject, long keepMs) {

  public static HookSettings of(Config c) {
    return new HookSettings(c.hooksAllowPrivateTargets, c.hooksRetryMs, c.hooksRetryFirstMs, c.hooksRetryMaxMs,
        c.hooksTimeoutMs, c.hooksConcurrency, c.hooksPerHook, c.hooksPollMs, c.hooksMaxPerProject, c.hooksKeepMs);
  }

  /** The wait after failed attempt {@code n} (1, 2, ...): doubling from {@link #retryFirstMs}, capped. */
  long backoff(int n) {
    long wait = retryFirstMs << Math.min(n - 1, 30);
    return wait <= 0 || wait > retryMaxMs ? retryMaxMs : wait;
  }
}

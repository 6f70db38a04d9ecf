package io.branchwork.workspace.collab;

import io.branchwork.core.RateLimited;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * How many live-document requests each user may send one workspace: a token bucket per user
 * ({@code perSecond} a second, bursts of twice that), so one client flooding pushes is refused
 * with {@code rate_limited} while everyone else's go through. Not thread-safe (the mailbox's).
 */
public final class PushRate {

  private static final int MAX_USERS = 4096;

  private final double perSecond;
  private final double burst;
  private final Map<String, double[]> buckets = new LinkedHashMap<>(16, 0.75f, true) {
    @Override
    protected boolean removeEldestEntry(Map.Entry<String, double[]> eldest) {
      return size() > MAX_USERS;
    }
  };

  public PushRate(int perSecond) {
    this.perSecond = perSecond;
    this.burst = 2.0 * perSecond;
  }

  /** Takes one request of {@code user}'s allowance, or throws {@code rate_limited}. */
  public void take(String user, long nowNanos) {
    double[] b = buckets.computeIfAbsent(user, u -> new double[] {burst, nowNanos});
    b[0] = Math.min(burst, b[0] + (nowNanos - b[1]) / 1e9 * perSecond);
    b[1] = nowNanos;
    if (b[0] < 1) {
      throw new RateLimited(user + " sends more than " + (int) perSecond
          + " live-document requests a second to this workspace (collab.pushesPerSecond)", 1);
    }
    b[0] -= 1;
  }
}

package io.branchwork.limits;

import java.util.concurrent.atomic.AtomicInteger;

/** Counts WebSocket connections across a node's HTTP verticles against {@code ws.maxConnections}. */
public final class ConnectionLimiter {

  private final AtomicInteger open = new AtomicInteger();
  private final int max;

  public ConnectionLimiter(int max) {
    this.max = max;
  }

  /** Takes a slot; false when the node is full. */
  public boolean tryAcquire() {
    while (true) {
      int n = open.get();
      if (n >= max) {
        return false;
      }
      if (open.compareAndSet(n, n + 1)) {
        return true;
      }
    }
  }

  public void release() {
    open.decrementAndGet();
  }

  public int open() {
    return open.get();
  }
}

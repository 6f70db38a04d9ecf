package io.branchwork.core;

import io.branchwork.contract.ErrorCode;

/** {@code rate_limited}: too many attempts; the caller may try again after {@link #retryAfterSeconds()}. */
public final class RateLimited extends BranchworkException {

  private final long retryAfterSeconds;

  public RateLimited(String message, long retryAfterSeconds) {
    super(ErrorCode.RATE_LIMITED, message);
    this.retryAfterSeconds = Math.max(1, retryAfterSeconds);
  }

  /** What HTTP sends as {@code Retry-After}. */
  public long retryAfterSeconds() {
    return retryAfterSeconds;
  }
}

package io.branchwork.contract;

import java.util.List;

/**
 * The events a webhook can subscribe to, and the headers of a delivery. The body of every event
 * names {@code event}, {@code id}, {@code project}, {@code user} and {@code at}; see
 * {@code PROTOCOL.md}, "Integrations".
 */
public final class HookEvents {

  /** Refs moved by a git push (into an open branch or not); tags and branches created or deleted by one too. */
  public static final String PUSH = "push";
  /** A commit on a branch: {@code commit}, {@code revert}, {@code cherry-pick}. */
  public static final String COMMIT = "commit";
  /** A branch created, renamed or deleted (by an op or by a push). */
  public static final String BRANCH = "branch";
  /** A merge into a branch (fast-forward or merge commit). */
  public static final String MERGE = "merge";
  /** A tag created or deleted (by an op or by a push). */
  public static final String TAG = "tag";

  public static final List<String> ALL = List.of(PUSH, COMMIT, BRANCH, MERGE, TAG);

  public static final String HEADER_EVENT = "X-Branchwork-Event";
  /** Unique per delivery, the same on every retry: receivers drop what they have seen. */
  public static final String HEADER_DELIVERY = "X-Branchwork-Delivery";
  /** {@code sha256=<hex HMAC-SHA256 of the raw body, keyed with the hook's secret>}. */
  public static final String HEADER_SIGNATURE = "X-Branchwork-Signature-256";

  private HookEvents() {}
}

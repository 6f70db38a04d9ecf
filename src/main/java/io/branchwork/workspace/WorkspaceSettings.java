package io.branchwork.workspace;

import io.branchwork.config.Config;
import io.branchwork.workspace.compile.Compiler;
import io.branchwork.workspace.git.BoundedDiff;
import java.nio.file.Path;

/**
 * Everything a workspace reads of the node's configuration, read once per node (not once per
 * workspace and key): its queue and lock, events and idempotency, the bounds of its checkouts,
 * files, cache, compile, diff and log, and where its temporary files go.
 */
public record WorkspaceSettings(int queueLimit, long opTimeoutMs, int eventBuffer, long idempotencyTtlMs,
    int idempotencyKeys, int heavyOpThreads, long requestTimeoutMs, boolean saveOnEvict, int maxFileBytes,
    long cacheBytes, Checkouts checkouts, Compiler.Limits compile, BoundedDiff diff, long logTimeoutMs,
    String emailDomain, Collab collab) {

  /** Live documents: the largest, how many per workspace, the history each keeps, and the per-user push rate. */
  public record Collab(int maxDocBytes, int maxDocs, int historyUpdates, long historyBytes, int pushesPerSecond) {}

  /** How big a checkout may be (what an open, a new branch or a push would write), and where scratch goes. */
  public record Checkouts(Path tmpRoot, long maxBytes, long maxEntries) {}

  public static WorkspaceSettings of(Config c, Path tmpRoot) {
    return new WorkspaceSettings(c.queueLimit, c.opTimeoutMs, c.eventBuffer, c.idempotencyTtlMs, c.idempotencyKeys,
        c.heavyOpThreads, c.requestTimeoutMs, c.saveOnEvict, c.maxFileBytes, c.cacheBytes,
        new Checkouts(tmpRoot, c.maxSnapshotBytes, c.maxSnapshotEntries),
        new Compiler.Limits(c.compileMaxOutputBytes, c.compileMaxDepth, c.compileTimeoutMs),
        new BoundedDiff(c.diffMaxPatchBytes, c.diffMaxFileBytes, c.diffTimeoutMs), c.logTimeoutMs, c.emailDomain,
        new Collab(Math.min(c.collabMaxDocBytes, c.maxFileBytes), c.collabMaxDocs, c.collabHistoryUpdates,
            c.collabHistoryBytes, c.collabPushesPerSecond));
  }
}

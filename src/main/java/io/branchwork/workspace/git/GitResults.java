package io.branchwork.workspace.git;

import java.util.List;
import java.util.Locale;

/** What the git ops answer, as plain records; the workspace's handlers turn them into the contract's JSON. */
public final class GitResults {

  private GitResults() {}

  /** How a path differs from HEAD. */
  public enum Change {
    ADDED, MODIFIED, DELETED, UNTRACKED;

    /** The contract's name, e.g. {@code modified}. */
    public String wire() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  public record FileChange(String path, Change change) {}

  /** The working tree against HEAD, paths in order. */
  public record WorkingTreeStatus(List<FileChange> changes) {
    public boolean clean() {
      return changes.isEmpty();
    }
  }

  /** A unified diff, possibly cut at {@code diff.maxPatchBytes}. */
  public record Patch(String text, boolean truncated) {}

  public record CommitInfo(String id, List<String> parents, String message, String author, long time) {}

  /** Commits newest first; {@code truncated} when the walk stopped at {@code log.timeoutMs}. */
  public record History(List<CommitInfo> commits, boolean truncated) {}

  public record RefHead(String name, String head) {}

  /** The branches of the repository and the one HEAD is on (null when detached). */
  public record BranchList(String current, List<RefHead> branches) {}
}

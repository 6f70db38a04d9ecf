package io.branchwork.gitstore;

import io.branchwork.core.BranchworkException;
import java.util.Collection;
import java.util.List;
import java.util.TreeSet;

/**
 * The one rule for uncommitted work that an op would change under the user: a push, a merge, a
 * revert or a restore never overwrites or strands changes nobody committed. Changes on paths the
 * op does not touch are kept; on paths it would change, the op answers {@code conflict} naming
 * them and changes nothing.
 */
public final class Uncommitted {

  /** How many paths a refusal names before it says "and N more". */
  static final int NAMED = 20;

  private Uncommitted() {}

  /**
   * For an op that replaces the whole tree (a push moving the branch): refused while the branch
   * has any uncommitted work, {@code wip} being its work-in-progress commit (null: none).
   */
  public static void requireNone(String branch, String wip) {
    if (wip != null) {
      throw BranchworkException.conflict("branch " + branch
          + " has uncommitted changes in Branchwork; commit or discard them there, then push again");
    }
  }

  /** For an op that changes {@code changing}: refused when any of them has uncommitted changes. */
  public static void requireUntouched(Collection<String> uncommitted, Collection<String> changing) {
    TreeSet<String> both = new TreeSet<>(uncommitted);
    both.retainAll(changing);
    if (both.isEmpty()) {
      return;
    }
    List<String> named = both.stream().limit(NAMED).toList();
    throw BranchworkException.conflict("uncommitted changes on " + String.join(", ", named)
        + (both.size() > NAMED ? " and " + (both.size() - NAMED) + " more" : "")
        + ", which this would change; commit or discard them first");
  }
}

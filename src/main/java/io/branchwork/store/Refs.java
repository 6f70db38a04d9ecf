package io.branchwork.store;

/**
 * The ref names of a project's repository in the store, in one place for the store's rows and
 * the workspaces that move them: branch heads, each branch's hidden work-in-progress commit, and
 * the marker of a branch that holds only the project's initial empty commit.
 */
public final class Refs {

  public static final String HEADS_PREFIX = "refs/heads/";
  public static final String TAGS_PREFIX = "refs/tags/";
  /** Hidden from clients and from git over HTTP: the working tree beyond HEAD, per branch. */
  public static final String WIP_PREFIX = "refs/branchwork/wip/";
  /** Marks a branch holding only the project's initial empty commit, which an import may replace. */
  public static final String INITIAL_PREFIX = "refs/branchwork/initial/";

  private Refs() {}

  public static String head(String branch) {
    return HEADS_PREFIX + branch;
  }

  public static String tag(String name) {
    return TAGS_PREFIX + name;
  }

  public static String wip(String branch) {
    return WIP_PREFIX + branch;
  }

  public static String initial(String branch) {
    return INITIAL_PREFIX + branch;
  }
}

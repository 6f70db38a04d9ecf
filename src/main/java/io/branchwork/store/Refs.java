package io.branchwork.workspace.repo;

import org.eclipse.jgit.lib.Constants;

/** The store's ref names: branch heads, tags, and each branch's hidden work-in-progress commit. */
public final class Refs {

  /** Hidden from clients and from git over HTTP: the working tree beyond HEAD, per branch. */
  public static final String WIP_PREFIX = "refs/branchwork/wip/";

  private Refs() {}

  public static String head(String branch) {
    return Constants.R_HEADS + branch;
  }

  public static String wip(String branch) {
    return WIP_PREFIX + branch;
  }
}

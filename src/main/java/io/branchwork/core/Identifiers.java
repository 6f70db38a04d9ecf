package io.branchwork.core;

import java.nio.charset.StandardCharsets;
import java.util.regex.Pattern;
import org.eclipse.jgit.lib.Repository;

/** Checks for the identifiers of the contract: project ids, branch names, user names. */
public final class Identifiers {

  private static final Pattern PROJECT_ID = Pattern.compile("[A-Za-z0-9_-]{1,64}");
  private static final Pattern USERNAME = Pattern.compile("[A-Za-z0-9_.-]{1,64}");
  /** Longest branch name in UTF-8 bytes. */
  public static final int MAX_BRANCH_BYTES = 255;
  /**
   * Longest '/'-separated component of a branch name: git writes {@code <component>.lock} beside
   * the ref and its reflog, and that name must fit the file system's 255 bytes.
   */
  public static final int MAX_BRANCH_COMPONENT_BYTES = 250;

  private Identifiers() {}

  public static boolean isProjectId(String id) {
    return id != null && PROJECT_ID.matcher(id).matches();
  }

  public static boolean isUsername(String name) {
    return name != null && USERNAME.matcher(name).matches();
  }

  /**
   * A branch name as {@code git check-ref-format --branch} accepts it: a valid
   * {@code refs/heads/<name>}, not starting with '-', not {@code HEAD}, and not absurdly long.
   */
  public static boolean isBranch(String name) {
    return name != null
        && !name.isEmpty()
        && name.getBytes(StandardCharsets.UTF_8).length <= MAX_BRANCH_BYTES
        && componentsFit(name)
        && name.charAt(0) != '-'
        && !name.equals("HEAD")
        && Repository.isValidRefName("refs/heads/" + name);
  }

  private static boolean componentsFit(String name) {
    for (String c : name.split("/")) {
      if (c.getBytes(StandardCharsets.UTF_8).length > MAX_BRANCH_COMPONENT_BYTES) {
        return false;
      }
    }
    return true;
  }

  public static String requireProjectId(String id) {
    if (!isProjectId(id)) {
      throw BranchworkException.badRequest("project id must match [A-Za-z0-9_-]{1,64}");
    }
    return id;
  }

  public static String requireBranch(String name) {
    if (!isBranch(name)) {
      throw BranchworkException.badRequest("not a valid branch name (git check-ref-format --branch, at most "
          + MAX_BRANCH_BYTES + " bytes, each '/'-separated part at most " + MAX_BRANCH_COMPONENT_BYTES + ")");
    }
    return name;
  }
}

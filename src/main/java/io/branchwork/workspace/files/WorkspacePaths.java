package io.branchwork.workspace.files;

import io.branchwork.core.BranchworkException;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/** The contract's rules for a path inside a workspace; anything else is {@code bad_request}. */
public final class WorkspacePaths {

  public static final int MAX_PATH_BYTES = 4096;

  private WorkspacePaths() {}

  /** Checks a file path: relative, '/'-separated, no empty, '.', '..' or '.git' segment, no NUL. */
  public static String require(String path) {
    if (path == null || path.isEmpty()) {
      throw BranchworkException.badRequest("path must not be empty");
    }
    return check(path);
  }

  /** Like {@link #require} but allows "" for the workspace's root (for {@code list}). */
  public static String requireDirOrRoot(String path) {
    return path == null || path.isEmpty() ? "" : check(path);
  }

  private static String check(String path) {
    if (path.getBytes(StandardCharsets.UTF_8).length > MAX_PATH_BYTES) {
      throw BranchworkException.badRequest("path is longer than " + MAX_PATH_BYTES + " bytes");
    }
    if (path.indexOf('\0') >= 0) {
      throw BranchworkException.badRequest("path must not contain NUL");
    }
    if (path.startsWith("/")) {
      throw BranchworkException.badRequest("path must be relative");
    }
    for (String seg : path.split("/", -1)) {
      if (seg.isEmpty() || seg.equals(".") || seg.equals("..")) {
        throw BranchworkException.badRequest("path has an empty, '.' or '..' segment");
      }
      if (seg.toLowerCase(Locale.ROOT).equals(".git")) {
        throw BranchworkException.badRequest("path must not touch .git");
      }
    }
    return path;
  }
}

package io.branchwork.gitstore;

import io.branchwork.core.BranchworkException;
import io.vertx.core.json.JsonArray;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import org.eclipse.jgit.errors.CorruptObjectException;
import org.eclipse.jgit.lib.ObjectChecker;

/**
 * The contract's rules for a path inside a workspace; anything else is {@code bad_request}.
 * Every segment must also pass JGit's tree-entry checks for Windows and macOS: a name that any
 * git client refuses to check out on some platform ({@code .git.}, {@code git~1},
 * {@code .g\u200cit}, {@code a\b}, {@code con}) could be committed here and then break every clone,
 * or alias {@code .git} on another machine. What passes here can always be committed and loaded.
 */
public final class WorkspacePaths {

  public static final int MAX_PATH_BYTES = 4096;
  /** Longest segment: what every common file system allows (NAME_MAX). */
  public static final int MAX_SEGMENT_BYTES = 255;

  private static final Pattern SHORT_NAME_ALIAS = Pattern.compile("(?i)\\.*git~[0-9]+[. ]*");

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

  /** Whether {@code path} follows the rules (for checks that want no exception). */
  public static boolean isValid(String path) {
    try {
      require(path);
      return true;
    } catch (BranchworkException e) {
      return false;
    }
  }

  private static String check(String path) {
    byte[] raw = path.getBytes(StandardCharsets.UTF_8);
    if (raw.length > MAX_PATH_BYTES) {
      throw BranchworkException.badRequest("path is longer than " + MAX_PATH_BYTES + " bytes");
    }
    if (path.indexOf('\0') >= 0) {
      throw BranchworkException.badRequest("path must not contain NUL");
    }
    if (path.startsWith("/")) {
      throw BranchworkException.badRequest("path must be relative");
    }
    ObjectChecker checker = new ObjectChecker().setSafeForWindows(true).setSafeForMacOS(true);
    int start = 0;
    for (int i = 0; i <= raw.length; i++) {
      if (i < raw.length && raw[i] != '/') {
        continue;
      }
      if (i == start) {
        throw BranchworkException.badRequest("path has an empty segment");
      }
      if (i - start > MAX_SEGMENT_BYTES) {
        throw BranchworkException.badRequest("a path segment is longer than " + MAX_SEGMENT_BYTES + " bytes");
      }
      String segment = new String(raw, start, i - start, StandardCharsets.UTF_8);
      if (SHORT_NAME_ALIAS.matcher(segment).matches()) {
        // NTFS 8.3 names of .git (git~1, .GIT~2 ...): git's fsck refuses them, JGit only "git~1".
        throw BranchworkException.badRequest("path segment '" + printable(segment) + "' may alias .git");
      }
      try {
        checker.checkPathSegment(raw, start, i);
      } catch (CorruptObjectException e) {
        throw BranchworkException.badRequest("path segment '" + printable(segment) + "' is not allowed ("
            + printable(e.getMessage()) + ")");
      }
      start = i + 1;
    }
    return path;
  }

  /** A name safe to echo in a message: control characters replaced, at most 100 characters. */
  public static String printable(String s) {
    String t = s.length() > 100 ? s.substring(0, 100) + "..." : s;
    return t.replaceAll("[\\p{Cntrl}\\p{Cf}]", "?");
  }

  /**
   * A list of paths an op names in {@code field} ({@code raw}, as it came): an array of 1 to
   * {@code max} strings, each a path {@link #require} accepts; {@code bad_request} otherwise.
   */
  public static List<String> requireAll(String field, Object raw, int max) {
    if (!(raw instanceof JsonArray arr) || arr.isEmpty() || arr.size() > max) {
      throw BranchworkException.badRequest("'" + field + "' must be an array of 1 to " + max + " paths");
    }
    List<String> out = new ArrayList<>(arr.size());
    for (Object p : arr) {
      if (!(p instanceof String s)) {
        throw BranchworkException.badRequest("'" + field + "' must hold strings");
      }
      out.add(require(s));
    }
    return out;
  }
}

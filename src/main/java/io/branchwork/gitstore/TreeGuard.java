package io.branchwork.gitstore;

import io.branchwork.core.BranchworkException;
import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayDeque;
import java.util.Deque;
import org.eclipse.jgit.lib.Constants;

/**
 * What a working copy may hold, checked wherever one comes from outside Branchwork's own ops (an
 * import, a load, a checkout of a commit): every path is one the contract can address
 * ({@link WorkspacePaths}), nothing is a device or FIFO, and every symbolic link resolves, through
 * the links of the tree itself, to a place inside the tree and outside {@code .git}. Lexical
 * checks are not enough: {@code up1 -> up0/..} with {@code up0 -> .} looks inside and climbs out.
 * Blocking.
 */
public final class TreeGuard {

  /** Most links followed while resolving one, as the kernel's own limit (ELOOP). */
  private static final int MAX_HOPS = 40;

  private TreeGuard() {}

  /** Checks every entry of the working copy at {@code workTree}, except its own {@code .git}. */
  public static void verifyWorkTree(Path workTree) throws IOException {
    Path gitDir = workTree.resolve(Constants.DOT_GIT);
    Files.walkFileTree(workTree, new SimpleFileVisitor<>() {
      @Override
      public FileVisitResult preVisitDirectory(Path d, BasicFileAttributes attrs) {
        if (d.equals(gitDir)) {
          return FileVisitResult.SKIP_SUBTREE;
        }
        if (!d.equals(workTree)) {
          requirePath(workTree, d);
        }
        return FileVisitResult.CONTINUE;
      }

      @Override
      public FileVisitResult visitFile(Path f, BasicFileAttributes attrs) {
        String rel = requirePath(workTree, f);
        if (attrs.isSymbolicLink()) {
          requireLinkInside(workTree, f);
        } else if (!attrs.isRegularFile()) {
          throw BranchworkException.badRequest("'" + WorkspacePaths.printable(rel) + "' is not a file, directory or link");
        }
        return FileVisitResult.CONTINUE;
      }
    });
  }

  /**
   * Resolves the symbolic link {@code link} through the tree under {@code root} as the kernel
   * would, following links on the way (at most {@link #MAX_HOPS}); refuses it if any step leaves
   * {@code root} or enters a {@code .git} directory. A dangling link is fine: nothing follows it
   * anywhere but inside the tree.
   */
  public static void requireLinkInside(Path root, Path link) {
    String name = WorkspacePaths.printable(root.relativize(link).toString());
    Deque<String> todo = new ArrayDeque<>();
    Path cur = link.getParent();
    int hops = 0;
    // Past a component that does not exist nothing can be a link: the rest is resolved by name.
    boolean exists = true;
    push(todo, target(link, name));
    while (!todo.isEmpty()) {
      String seg = todo.pollFirst();
      if (seg.isEmpty() || seg.equals(".")) {
        continue;
      }
      if (seg.equals("..")) {
        if (cur.equals(root)) {
          throw BranchworkException.badRequest("the link '" + name + "' leads out of the working copy");
        }
        cur = cur.getParent();
        exists = exists && Files.exists(cur, LinkOption.NOFOLLOW_LINKS);
        continue;
      }
      if (seg.equalsIgnoreCase(Constants.DOT_GIT)) {
        throw BranchworkException.badRequest("the link '" + name + "' leads into .git");
      }
      Path next = cur.resolve(seg);
      if (exists && Files.isSymbolicLink(next)) {
        if (++hops > MAX_HOPS) {
          throw BranchworkException.badRequest("the link '" + name + "' goes through more than " + MAX_HOPS + " links");
        }
        push(todo, target(next, name));
      } else {
        cur = next;
        exists = exists && Files.exists(next, LinkOption.NOFOLLOW_LINKS);
      }
    }
  }

  /** Whether {@code p} lies in a {@code .git} directory (any case) below {@code root}. */
  public static boolean underGitDir(Path root, Path p) {
    Path rel = root.relativize(p);
    for (int i = 0; i < rel.getNameCount() - 1; i++) {
      if (rel.getName(i).toString().equalsIgnoreCase(Constants.DOT_GIT)) {
        return true;
      }
    }
    return false;
  }

  private static String requirePath(Path workTree, Path p) {
    String rel = workTree.relativize(p).toString();
    try {
      return WorkspacePaths.require(rel);
    } catch (BranchworkException e) {
      throw BranchworkException.badRequest("the working copy holds '" + WorkspacePaths.printable(rel)
          + "', which no workspace may hold: " + e.getMessage());
    }
  }

  private static String target(Path link, String name) {
    try {
      String t = Files.readSymbolicLink(link).toString();
      if (t.isEmpty() || t.startsWith("/") || t.length() > WorkspacePaths.MAX_PATH_BYTES) {
        throw BranchworkException.badRequest("the link '" + name + "' has an absolute, empty or over-long target");
      }
      return t;
    } catch (IOException e) {
      throw BranchworkException.badRequest("the link '" + name + "' cannot be read");
    }
  }

  /** Puts the segments of {@code target} in front of what is left to resolve, in order. */
  private static void push(Deque<String> todo, String target) {
    String[] segs = target.split("/");
    for (int i = segs.length - 1; i >= 0; i--) {
      todo.addFirst(segs[i]);
    }
  }
}

package io.branchwork.githttp;

import io.branchwork.contract.Role;
import io.branchwork.core.BranchworkException;
import io.branchwork.core.FileTrees;
import io.branchwork.core.Identifiers;
import io.branchwork.gitstore.GitBranches;
import io.branchwork.gitstore.TreeGuard;
import io.branchwork.gitstore.WorkspacePaths;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import org.eclipse.jgit.errors.LargeObjectException;
import org.eclipse.jgit.lib.Constants;
import org.eclipse.jgit.lib.FileMode;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.Repository;
import org.eclipse.jgit.revwalk.RevObject;
import org.eclipse.jgit.revwalk.RevWalk;
import org.eclipse.jgit.transport.ReceiveCommand;
import org.eclipse.jgit.treewalk.TreeWalk;

/**
 * What a push may do. Refs: only branches ({@code refs/heads/<name>} with a name the contract
 * can address) and tags. Roles: a writer may create branches and tags and fast-forward branches;
 * deleting, non-fast-forward updates and moving a tag need the owner. A branch's new tip must be
 * a commit that every open of the branch can check out: within the load limits, every path one
 * the contract addresses, and every link resolving inside the tree (checked on a skeleton of
 * directories and links, without writing any file's content). Blocking.
 */
final class PushPolicy {

  private final Role role;
  private final long maxBytes;
  private final long maxEntries;
  private final Path tmpRoot;

  PushPolicy(Role role, long maxBytes, long maxEntries, Path tmpRoot) {
    this.role = role;
    this.maxBytes = maxBytes;
    this.maxEntries = maxEntries;
    this.tmpRoot = tmpRoot;
  }

  /** Why {@code cmd} is refused by name or role, or null when it may go on. */
  String refusal(ReceiveCommand cmd) {
    String ref = cmd.getRefName();
    boolean branch = ref.startsWith(Constants.R_HEADS);
    boolean tag = ref.startsWith(Constants.R_TAGS);
    if (!branch && !tag) {
      return "Branchwork keeps branches and tags only";
    }
    String name = ref.substring(branch ? Constants.R_HEADS.length() : Constants.R_TAGS.length());
    if (!Identifiers.isBranch(name)) {
      return "not a name Branchwork can address (git check-ref-format --branch, at most "
          + Identifiers.MAX_BRANCH_BYTES + " bytes)";
    }
    if (role.allows(Role.OWNER)) {
      return null;
    }
    return switch (cmd.getType()) {
      case DELETE -> "deleting a " + (branch ? "branch" : "tag") + " needs the owner role";
      case UPDATE_NONFASTFORWARD -> "a non-fast-forward push needs the owner role";
      case UPDATE -> tag ? "moving a tag needs the owner role" : null;
      default -> null;
    };
  }

  /** Refuses (bad_request or too_large) a branch tip that an open of the branch would refuse. */
  void requireOpens(Repository repo, ObjectId tip) throws IOException {
    try (RevWalk walk = new RevWalk(repo)) {
      RevObject o = walk.parseAny(tip);
      if (o.getType() != Constants.OBJ_COMMIT) {
        throw BranchworkException.badRequest("a branch must point at a commit");
      }
    }
    new GitBranches(repo).requireCheckoutFits(tip, maxBytes, maxEntries);
    boolean links = false;
    try (RevWalk walk = new RevWalk(repo); TreeWalk tw = new TreeWalk(repo)) {
      tw.addTree(walk.parseCommit(tip).getTree());
      tw.setRecursive(true);
      while (tw.next()) {
        if (!WorkspacePaths.isValid(tw.getPathString())) {
          throw BranchworkException.badRequest("commit " + tip.name() + " holds a path Branchwork cannot address: '"
              + WorkspacePaths.printable(tw.getPathString()) + "'");
        }
        links |= tw.getFileMode(0) == FileMode.SYMLINK;
      }
    }
    if (links) {
      requireLinksInside(repo, tip);
    }
  }

  /** Lays the tree out as directories, empty files and its links, and resolves every link as a load would. */
  private void requireLinksInside(Repository repo, ObjectId tip) throws IOException {
    Path dir = Files.createTempDirectory(tmpRoot, "links-");
    try (RevWalk walk = new RevWalk(repo); TreeWalk tw = new TreeWalk(repo)) {
      tw.addTree(walk.parseCommit(tip).getTree());
      tw.setRecursive(true);
      while (tw.next()) {
        Path p = dir.resolve(tw.getPathString());
        Files.createDirectories(p.getParent());
        if (tw.getFileMode(0) == FileMode.SYMLINK) {
          byte[] target = tw.getObjectReader().open(tw.getObjectId(0), Constants.OBJ_BLOB).getCachedBytes(4096);
          Files.createSymbolicLink(p, Path.of(new String(target, StandardCharsets.UTF_8)));
        } else if (tw.getFileMode(0).getObjectType() == Constants.OBJ_BLOB) {
          try (OutputStream out = Files.newOutputStream(p)) {
            out.flush();
          }
        } else {
          Files.createDirectories(p);
        }
      }
      TreeGuard.verifyWorkTree(dir.toRealPath());
    } catch (LargeObjectException e) {
      throw BranchworkException.badRequest("commit " + tip.name() + " holds a link target longer than 4096 bytes");
    } catch (InvalidPathException e) {
      throw BranchworkException.badRequest("commit " + tip.name() + " holds a link Branchwork cannot write");
    } finally {
      FileTrees.deleteQuietly(dir);
    }
  }
}

package io.branchwork.gitstore;

import io.branchwork.core.BranchworkException;
import io.branchwork.core.FileTrees;
import io.branchwork.core.Identifiers;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.eclipse.jgit.api.Git;
import org.eclipse.jgit.api.ResetCommand;
import org.eclipse.jgit.api.errors.GitAPIException;
import org.eclipse.jgit.errors.AmbiguousObjectException;
import org.eclipse.jgit.errors.IncorrectObjectTypeException;
import org.eclipse.jgit.errors.MissingObjectException;
import org.eclipse.jgit.errors.RevisionSyntaxException;
import org.eclipse.jgit.lib.Constants;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.RefUpdate;
import org.eclipse.jgit.lib.Repository;
import org.eclipse.jgit.revwalk.RevWalk;
import org.eclipse.jgit.treewalk.TreeWalk;

/**
 * The branch and ref ops of one repository: listing, resolving what {@code from} names, creating,
 * renaming and deleting refs, and a clean checkout of a branch into a new working copy (sized
 * first). Blocking, like {@link GitOps}.
 */
public final class GitBranches {

  private static final Pattern HEX_ID = Pattern.compile("[0-9a-f]{4,40}");

  private final Repository repo;
  private final Git git;

  public GitBranches(Repository repo) {
    this.repo = repo;
    this.git = Git.wrap(repo);
  }

  /**
   * Refuses, before anything is written, a checkout of {@code commit} whose files would come to
   * more than {@code maxBytes} or {@code maxEntries}. Blob sizes come from object headers, so a
   * small pack that names one highly compressed blob many times is caught before it fills a disk.
   */
  public void requireCheckoutFits(ObjectId commit, long maxBytes, long maxEntries) throws IOException {
    try (RevWalk rw = new RevWalk(repo); TreeWalk tw = new TreeWalk(repo)) {
      tw.addTree(rw.parseCommit(commit).getTree());
      tw.setRecursive(true);
      long bytes = 0;
      long entries = 0;
      while (tw.next()) {
        if (++entries > maxEntries) {
          throw BranchworkException.tooLarge("commit " + commit.name() + " has more than " + maxEntries
              + " files (limits.maxSnapshotEntries)");
        }
        if (tw.getFileMode(0).getObjectType() == Constants.OBJ_BLOB) {
          bytes += tw.getObjectReader().getObjectSize(tw.getObjectId(0), Constants.OBJ_BLOB);
          if (bytes > maxBytes) {
            throw BranchworkException.tooLarge("commit " + commit.name() + " checks out to more than " + maxBytes
                + " bytes (limits.maxSnapshotBytes)");
          }
        }
      }
    }
  }

  /**
   * Resolves {@code from} to a commit id: null or {@code HEAD}, a branch or tag name, or a full or
   * abbreviated commit id. Nothing else of git's revision syntax is accepted ({@code ^{/regex}}
   * searches history, reflog lookups read files, peeling names other objects): {@code bad_request}.
   */
  public ObjectId resolveCommit(String from) throws IOException {
    String rev = from == null ? Constants.HEAD : from;
    if (!rev.equals(Constants.HEAD) && !HEX_ID.matcher(rev).matches() && !Identifiers.isBranch(rev)) {
      throw BranchworkException.badRequest("'from' must be HEAD, a branch or tag name, or a commit id");
    }
    ObjectId id;
    try {
      id = repo.resolve(rev + "^{commit}");
    } catch (AmbiguousObjectException e) {
      throw BranchworkException.badRequest("'" + rev + "' is an ambiguous commit id; give more digits");
    } catch (IncorrectObjectTypeException | RevisionSyntaxException e) {
      throw BranchworkException.badRequest("'" + rev + "' does not name a commit");
    } catch (MissingObjectException e) {
      id = null;
    }
    if (id == null) {
      throw BranchworkException.notFound("no commit " + rev);
    }
    return id;
  }

  public boolean hasBranch(String name) throws IOException {
    return repo.exactRef(Constants.R_HEADS + name) != null;
  }

  /** Creates refs/heads/{@code name} at {@code at}. */
  public void createBranchRef(String name, ObjectId at) throws IOException {
    RefUpdate u = repo.updateRef(Constants.R_HEADS + name);
    u.setNewObjectId(at);
    u.setExpectedOldObjectId(ObjectId.zeroId());
    RefUpdate.Result r = u.update();
    if (r != RefUpdate.Result.NEW) {
      throw BranchworkException.conflict("cannot create branch " + name + ": " + r);
    }
  }

  /** Renames the checked-out branch, HEAD and reflog included. */
  public void renameCurrent(String to) throws GitAPIException {
    git.branchRename().setNewName(to).call();
  }

  public void deleteBranchRef(String name) throws GitAPIException {
    git.branchDelete().setBranchNames(Constants.R_HEADS + name).setForce(true).call();
  }

  /**
   * Makes {@code target} a working copy of this repository checked out on {@code branch}: the
   * {@code .git} directory is copied, HEAD pointed at the branch and the tree checked out clean.
   */
  public void checkoutCopy(Path workTree, Path target, String branch) throws IOException, GitAPIException {
    Path src = workTree.resolve(Constants.DOT_GIT);
    Path dst = target.resolve(Constants.DOT_GIT);
    try (Stream<Path> all = Files.walk(src)) {
      for (Path p : (Iterable<Path>) all::iterator) {
        Path to = dst.resolve(src.relativize(p).toString());
        if (Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
          Files.createDirectories(to);
        } else if (Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)) {
          Files.copy(p, to, StandardCopyOption.COPY_ATTRIBUTES);
        }
      }
    }
    try (Repository copy = Repos.open(target)) {
      RefUpdate head = copy.updateRef(Constants.HEAD);
      head.disableRefLog();
      head.link(Constants.R_HEADS + branch);
      Git.wrap(copy).reset().setMode(ResetCommand.ResetType.HARD).setRef(Constants.HEAD).call();
    } catch (IOException | GitAPIException | RuntimeException e) {
      FileTrees.deleteQuietly(target);
      throw e;
    }
  }
}

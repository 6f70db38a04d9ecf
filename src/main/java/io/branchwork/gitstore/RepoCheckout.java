package io.branchwork.gitstore;

import io.branchwork.core.BranchworkException;
import io.branchwork.gitstore.GitBranches;
import io.branchwork.gitstore.Repos;
import io.branchwork.gitstore.TreeGuard;
import io.branchwork.store.Records;
import io.branchwork.store.Refs;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.eclipse.jgit.api.errors.GitAPIException;
import org.eclipse.jgit.dircache.DirCache;
import org.eclipse.jgit.dircache.DirCacheBuilder;
import org.eclipse.jgit.dircache.DirCacheCheckout;
import org.eclipse.jgit.dircache.DirCacheEntry;
import org.eclipse.jgit.lib.Constants;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.RefUpdate;
import org.eclipse.jgit.lib.Repository;
import org.eclipse.jgit.revwalk.RevTree;
import org.eclipse.jgit.revwalk.RevWalk;
import org.eclipse.jgit.treewalk.TreeWalk;

/**
 * Makes a working copy of one branch from the project's packs and refs: a fresh repository whose
 * object database is the packs, whose branches and tags are the store's, with the branch's
 * work-in-progress commit checked out over its head (HEAD and the index stay at the head, so the
 * uncommitted edits show as changes, as before the restart). Blocking.
 */
public final class RepoCheckout {

  /** The opened working copy: its repository, its work-in-progress tracker, head and bytes on disk. */
  public record Result(Repository repo, Path workTree, WipTree wip, ObjectId head, long bytes) {}

  /** A pack fetched from the store into a file: the pack, then its index. */
  public record StoredPack(Records.PackInfo info, Path file) {}

  private RepoCheckout() {}

  public static Result materialize(Path workTree, String project, String branch, Map<String, String> refs,
      List<StoredPack> packs, long maxBytes, long maxEntries) throws IOException, GitAPIException {
    String headRef = Constants.R_HEADS + branch;
    String headId = refs.get(headRef);
    if (headId == null) {
      throw BranchworkException.notFound("no branch " + branch + " in project " + project);
    }
    Repository repo = Repos.init(workTree, branch);
    try {
      fill(repo, project, refs, packs);
      repo.updateRef(Constants.HEAD).link(headRef);
      ObjectId head = ObjectId.fromString(headId);
      String wipId = refs.get(Refs.wip(branch));
      ObjectId shown = wipId == null ? head : ObjectId.fromString(wipId);
      new GitBranches(repo).requireCheckoutFits(shown, maxBytes, maxEntries);
      try (RevWalk walk = new RevWalk(repo)) {
        RevTree headTree = walk.parseCommit(head).getTree();
        RevTree shownTree = walk.parseCommit(shown).getTree();
        DirCacheCheckout checkout = new DirCacheCheckout(repo, repo.lockDirCache(), shownTree);
        checkout.setFailOnConflict(true);
        checkout.checkout();
        DirCache files = repo.readDirCache();
        if (!shownTree.equals(headTree)) {
          indexAt(repo, headTree, files);
        }
        Path real = workTree.toRealPath();
        TreeGuard.verifyWorkTree(real);
        // From object headers, not the index: a racily clean entry's length is smudged to 0.
        long bytes = 0;
        try (var reader = repo.newObjectReader()) {
          for (int i = 0; i < files.getEntryCount(); i++) {
            DirCacheEntry e = files.getEntry(i);
            if (e.getFileMode().getObjectType() == Constants.OBJ_BLOB) {
              bytes += reader.getObjectSize(e.getObjectId(), Constants.OBJ_BLOB);
            }
          }
        }
        return new Result(repo, real, new WipTree(repo, files), head, bytes);
      }
    } catch (IOException | RuntimeException e) {
      repo.close();
      throw e;
    }
  }

  /** Installs the store's packs and sets its branches and tags (the hidden refs stay in the store). */
  private static void fill(Repository repo, String project, Map<String, String> refs, List<StoredPack> packs)
      throws IOException {
    for (StoredPack pack : packs) {
      PackFiles.installStored(repo, pack.file(), pack.info().bytes(), "pack " + pack.info().id() + " of project " + project);
    }
    for (Map.Entry<String, String> r : refs.entrySet()) {
      if (r.getKey().startsWith(Constants.R_HEADS) || r.getKey().startsWith(Constants.R_TAGS)) {
        setRef(repo, r.getKey(), ObjectId.fromString(r.getValue()));
      }
    }
  }

  static void setRef(Repository repo, String name, ObjectId id) throws IOException {
    RefUpdate u = repo.updateRef(name);
    u.setNewObjectId(id);
    u.disableRefLog();
    RefUpdate.Result result = u.forceUpdate();
    if (result != RefUpdate.Result.NEW && result != RefUpdate.Result.FORCED && result != RefUpdate.Result.NO_CHANGE) {
      throw new IOException("cannot set " + name + ": " + result);
    }
  }

  /**
   * Writes the index as {@code tree}, keeping the stat data of the files that are the same on
   * disk ({@code files} is the index of what was checked out), so a status need not re-hash them.
   */
  private static void indexAt(Repository repo, RevTree tree, DirCache files) throws IOException {
    DirCache dc = repo.lockDirCache();
    try (TreeWalk tw = new TreeWalk(repo)) {
      DirCacheBuilder b = dc.builder();
      tw.addTree(tree);
      tw.setRecursive(true);
      while (tw.next()) {
        DirCacheEntry e = new DirCacheEntry(tw.getRawPath());
        e.setFileMode(tw.getFileMode(0));
        e.setObjectId(tw.getObjectId(0));
        DirCacheEntry same = files.getEntry(tw.getPathString());
        if (same != null && same.getObjectId().equals(e.getObjectId()) && same.getFileMode() == e.getFileMode()) {
          e.setLength(same.getLength());
          e.setLastModified(same.getLastModifiedInstant());
        }
        b.add(e);
      }
      b.commit();
    } finally {
      dc.unlock();
    }
  }
}

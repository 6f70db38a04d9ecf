package io.branchwork.workspace.git;

import io.branchwork.contract.ErrorCode;
import io.branchwork.core.BranchworkException;
import io.branchwork.workspace.git.GitResults.Change;
import io.branchwork.workspace.git.GitResults.CommitInfo;
import io.branchwork.workspace.git.GitResults.FileChange;
import io.branchwork.workspace.git.GitResults.History;
import io.branchwork.workspace.git.GitResults.Patch;
import io.branchwork.workspace.git.GitResults.WorkingTreeStatus;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import org.eclipse.jgit.api.Git;
import org.eclipse.jgit.api.Status;
import org.eclipse.jgit.api.errors.GitAPIException;
import org.eclipse.jgit.diff.DiffEntry;
import org.eclipse.jgit.diff.DiffFormatter;
import org.eclipse.jgit.dircache.DirCache;
import org.eclipse.jgit.dircache.DirCacheEntry;
import org.eclipse.jgit.dircache.DirCacheIterator;
import org.eclipse.jgit.errors.StopWalkException;
import org.eclipse.jgit.lib.Constants;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.ObjectReader;
import org.eclipse.jgit.lib.PersonIdent;
import org.eclipse.jgit.lib.Repository;
import org.eclipse.jgit.revwalk.RevCommit;
import org.eclipse.jgit.revwalk.RevWalk;
import org.eclipse.jgit.revwalk.filter.RevFilter;
import org.eclipse.jgit.treewalk.CanonicalTreeParser;
import org.eclipse.jgit.treewalk.EmptyTreeIterator;
import org.eclipse.jgit.treewalk.FileTreeIterator;
import org.eclipse.jgit.treewalk.TreeWalk;
import org.eclipse.jgit.treewalk.filter.PathFilterGroup;
import org.eclipse.jgit.treewalk.filter.TreeFilter;

/**
 * The git ops of one working copy, on JGit. Blocking: the workspace runs them in
 * {@code executeBlocking}, one op at a time. The index is only ever touched by {@link #commit},
 * so between ops it matches HEAD and "changes" always means working tree against HEAD.
 */
public final class GitOps {

  private final Repository repo;
  private final Git git;

  public GitOps(Repository repo) {
    this.repo = repo;
    this.git = Git.wrap(repo);
  }

  /** The working tree against HEAD. */
  public WorkingTreeStatus status() throws GitAPIException {
    List<FileChange> list = new ArrayList<>();
    changes(git.status().call()).forEach((p, c) -> list.add(new FileChange(p, c)));
    return new WorkingTreeStatus(list);
  }

  private static Map<String, Change> changes(Status st) {
    Map<String, Change> out = new TreeMap<>();
    st.getUntracked().forEach(p -> out.put(p, Change.UNTRACKED));
    st.getAdded().forEach(p -> out.put(p, Change.ADDED));
    st.getChanged().forEach(p -> out.put(p, Change.MODIFIED));
    st.getModified().forEach(p -> out.put(p, Change.MODIFIED));
    st.getRemoved().forEach(p -> out.put(p, Change.DELETED));
    st.getMissing().forEach(p -> out.put(p, Change.DELETED));
    return out;
  }

  /**
   * Unified diff of the working tree against HEAD, optionally of one path. New files that git
   * does not track yet are shown as additions, since every file a client writes starts that way.
   * Within {@code bounds}: big files count as binary, a long patch is cut (and {@code truncated}
   * says so), and past the deadline the work stops with {@code too_large}.
   */
  public Patch diff(String path, BoundedDiff bounds) throws GitAPIException, IOException {
    long deadline = System.nanoTime() + bounds.timeoutMs() * 1_000_000;
    Map<String, Change> changes = changes(git.status().call());
    TreeSet<String> paths = new TreeSet<>();
    for (String p : changes.keySet()) {
      if (path == null || p.equals(path) || p.startsWith(path + "/")) {
        paths.add(p);
      }
    }
    if (paths.isEmpty()) {
      return new Patch("", false);
    }
    ObjectId head = repo.resolve(Constants.HEAD + "^{tree}");
    return format(bounds, deadline, PathFilterGroup.createFromStrings(paths), (df, reader) -> df.scan(
        head == null ? new EmptyTreeIterator() : new CanonicalTreeParser(null, reader, head),
        new FileTreeIterator(repo)));
  }

  /**
   * The same patch as {@link #diff(String, BoundedDiff)}, between two trees (HEAD's, and the
   * tree of the work in progress as a durability round captured it), so that it reads commits,
   * not the working tree, and can run while the workspace goes on. Blocking.
   */
  public Patch diff(ObjectId headTree, ObjectId workTree, String path, BoundedDiff bounds) throws IOException {
    if (headTree.equals(workTree)) {
      return new Patch("", false);
    }
    long deadline = System.nanoTime() + bounds.timeoutMs() * 1_000_000;
    return format(bounds, deadline, path == null ? TreeFilter.ALL : PathFilterGroup.createFromStrings(path),
        (df, reader) -> df.scan(new CanonicalTreeParser(null, reader, headTree),
            new CanonicalTreeParser(null, reader, workTree)));
  }

  /** Which two trees a patch compares, opened on the formatter's reader. */
  @FunctionalInterface
  private interface Sides {
    List<DiffEntry> scan(DiffFormatter df, ObjectReader reader) throws IOException;
  }

  /**
   * The formatting both diffs share, within {@code bounds}: a long patch is cut and says so, and
   * a comparison still going at {@code deadline} stops with {@code too_large}.
   */
  private Patch format(BoundedDiff bounds, long deadline, TreeFilter filter, Sides sides) throws IOException {
    BoundedDiff.Patch out = new BoundedDiff.Patch(bounds.maxPatchBytes());
    boolean truncated = false;
    try (DiffFormatter df = bounds.formatter(repo, out, deadline); ObjectReader reader = repo.newObjectReader()) {
      df.setPathFilter(filter);
      df.format(sides.scan(df, reader));
      df.flush();
    } catch (BoundedDiff.TooSlow e) {
      throw bounds.tooSlow();
    } catch (BoundedDiff.Full e) {
      truncated = true;
    }
    return new Patch(truncated ? out.text() + bounds.truncationNote() : out.text(), truncated);
  }

  /**
   * Commits every change, or only those under {@code paths}; answers the new commit's id. One
   * status pass finds the changes and only those are staged, so a large tree is walked once.
   */
  public String commit(String message, List<String> paths, PersonIdent who) throws GitAPIException {
    Map<String, Change> changes = changes(git.status().call());
    var add = git.add();
    var update = git.add().setUpdate(true);
    int added = 0;
    int removed = 0;
    for (Map.Entry<String, Change> c : changes.entrySet()) {
      String p = c.getKey();
      if (paths != null && paths.stream().noneMatch(q -> p.equals(q) || p.startsWith(q + "/"))) {
        continue;
      }
      if (c.getValue() == Change.DELETED) {
        update.addFilepattern(p);
        removed++;
      } else {
        add.addFilepattern(p);
        added++;
      }
    }
    if (added + removed == 0) {
      throw new BranchworkException(ErrorCode.NOTHING_TO_COMMIT, "nothing to commit");
    }
    // JGit refuses an add without a pattern, so each runs only when it has something to stage.
    if (added > 0) {
      add.call();
    }
    if (removed > 0) {
      update.call();
    }
    return git.commit().setMessage(message).setAuthor(who).setCommitter(who).setNoVerify(true).setSign(false)
        .call().name();
  }

  /**
   * Brings the index's stat data up to date for every file whose content it already matches, as
   * {@code git update-index --refresh} does. A working copy unpacked on another machine (or at
   * another time) would otherwise look modified to every status, and each would re-hash the tree.
   */
  public void refreshIndex() throws IOException {
    DirCache dc = repo.lockDirCache();
    try (ObjectReader reader = repo.newObjectReader(); TreeWalk walk = new TreeWalk(repo, reader)) {
      walk.addTree(new DirCacheIterator(dc));
      walk.addTree(new FileTreeIterator(repo));
      walk.setRecursive(true);
      boolean changed = false;
      while (walk.next()) {
        DirCacheIterator index = walk.getTree(0, DirCacheIterator.class);
        FileTreeIterator file = walk.getTree(1, FileTreeIterator.class);
        if (index == null || file == null) {
          continue;
        }
        DirCacheEntry entry = index.getDirCacheEntry();
        if (entry == null || entry.getStage() != 0 || file.getEntryFileMode() != entry.getFileMode()) {
          continue;
        }
        boolean statMatches = entry.getLength() == file.getEntryLength()
            && entry.getLastModifiedInstant().equals(file.getEntryLastModifiedInstant());
        if (!statMatches && !file.isModified(entry, true, reader)) {
          entry.setLength(file.getEntryLength());
          entry.setLastModified(file.getEntryLastModifiedInstant());
          changed = true;
        }
      }
      if (changed) {
        dc.write();
        dc.commit();
      }
    } finally {
      dc.unlock();
    }
  }

  /**
   * From {@code start} (null: HEAD), newest first: {@code {"commit","parents","message","author","time"}} with time in epoch
   * seconds. A walk still going at {@code timeoutMs} (a path filter over a long history) stops
   * there and answers the commits found so far with {@code "truncated": true}.
   */
  public History log(ObjectId start, int limit, String path, long timeoutMs) throws GitAPIException, IOException {
    List<CommitInfo> commits = new ArrayList<>();
    Deadline deadline = new Deadline(System.nanoTime() + timeoutMs * 1_000_000);
    ObjectId from = start != null ? start : repo.resolve(Constants.HEAD);
    if (from != null) {
      // LogCommand's own max count is a rev filter that setRevFilter would replace; the walk is
      // lazy, so the loop stops it at the limit instead.
      var cmd = git.log().add(from).setRevFilter(deadline);
      if (path != null) {
        cmd.addPath(path);
      }
      for (RevCommit c : cmd.call()) {
        if (commits.size() >= limit) {
          break;
        }
        List<String> parents = new ArrayList<>();
        for (RevCommit p : c.getParents()) {
          parents.add(p.name());
        }
        commits.add(new CommitInfo(c.name(), parents, c.getFullMessage(), c.getAuthorIdent().getName(),
            c.getCommitTime()));
      }
    }
    return new History(commits, deadline.passed);
  }

  /** Lets every commit through until the deadline, then stops the walk (JGit ends it quietly). */
  private static final class Deadline extends RevFilter {
    private final long at;
    private boolean passed;

    Deadline(long at) {
      this.at = at;
    }

    @Override
    public boolean include(RevWalk walker, RevCommit c) {
      if (System.nanoTime() - at > 0) {
        passed = true;
        throw StopWalkException.INSTANCE;
      }
      return true;
    }

    @Override
    public RevFilter clone() {
      return this;
    }

    @Override
    public boolean requiresCommitBody() {
      return false;
    }
  }

}

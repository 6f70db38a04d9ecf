package io.branchwork.workspace;

import io.branchwork.contract.ErrorCode;
import io.branchwork.contract.WorkspaceOps;
import io.branchwork.core.Args;
import io.branchwork.core.BranchworkException;
import io.branchwork.gitstore.WorkspacePaths;
import io.branchwork.views.ReadView;
import io.branchwork.workspace.files.WorkingCopy;
import io.branchwork.workspace.git.GitCompare;
import io.branchwork.workspace.git.GitResults.History;
import io.branchwork.workspace.repo.Persister;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.WorkerExecutor;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import org.eclipse.jgit.lib.Constants;
import org.eclipse.jgit.lib.FileMode;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.ObjectReader;
import org.eclipse.jgit.lib.Repository;
import org.eclipse.jgit.revwalk.RevCommit;
import org.eclipse.jgit.revwalk.RevWalk;
import org.eclipse.jgit.treewalk.TreeWalk;
import org.eclipse.jgit.treewalk.filter.PathFilter;

/**
 * Acting on history: {@code restore} (files as they were at a revision, as uncommitted changes),
 * and {@code compare} (what one revision brings over another, as a review shows it). Tags are
 * {@link TagOps}.
 */
final class HistoryOps {

  /** Most paths one {@code restore} names. */
  static final int MAX_PATHS = 1_000;

  private final Vertx vertx;
  private final Workspace workspace;
  private final Revisions revisions;
  private final Persister persister;
  private final TreeState tree;
  private final WorkspaceEvents events;
  private final WorkerExecutor heavy;
  private final WorkspaceSettings settings;

  HistoryOps(Vertx vertx, Workspace workspace, Revisions revisions, Persister persister, TreeState tree,
      WorkspaceEvents events, WorkerExecutor heavy, WorkspaceSettings settings) {
    this.vertx = vertx;
    this.workspace = workspace;
    this.revisions = revisions;
    this.persister = persister;
    this.tree = tree;
    this.events = events;
    this.heavy = heavy;
    this.settings = settings;
  }

  void register(Map<String, Op> ops, Map<String, BesideOp> besides) {
    ops.put(WorkspaceOps.RESTORE, this::restore);
    besides.put(WorkspaceOps.COMPARE, this::compare);
  }

  private String branch() {
    return workspace.key().branch();
  }

  // --- restore

  /** A file as restore leaves it: its content, or null when it is to be gone. */
  private record Restored(String path, byte[] content) {}

  /** What a restore did before it stopped: every file it changed, and why it stopped (null: it did not). */
  private record Outcome(List<Restored> done, Exception failure) {}

  private Future<JsonObject> restore(Request r) {
    List<String> paths = WorkspacePaths.requireAll("paths", r.args().getValue("paths"), MAX_PATHS);
    String at = Args.string(r.args(), "at");
    return revisions.commit("at", at, branch())
        .compose(commit -> blocking(() -> restoreAt(commit, at, paths)))
        .compose(outcome -> {
          JsonArray changed = new JsonArray();
          for (Restored f : outcome.done()) {
            tree.cache().dropTree(f.path());
            if (f.content() == null) {
              persister.touch(f.path());
              persister.afterDurable(() -> tree.view().dropTree(f.path()));
              events.changed(f.path(), null, r);
            } else {
              String blob = WorkingCopy.blobId(f.content());
              persister.touch(f.path());
              persister.afterDurable(() -> tree.view().put(f.path(), new ReadView.File(f.content(), blob)));
              events.changed(f.path(), blob, r);
            }
            changed.add(f.path());
          }
          // A restore that stopped part way still reports (and stores) what it did.
          return outcome.failure() != null ? Future.failedFuture(outcome.failure())
              : Future.succeededFuture(new JsonObject().put("changed", changed));
        });
  }

  /**
   * Each path (a file, or a directory: every file under it) as it is at {@code commit}: files
   * there are written, files of the working copy under it that are not there are deleted, files
   * that are already so are left alone. Everything is read and checked before anything is
   * written. Blocking.
   */
  private Outcome restoreAt(ObjectId commit, String at, List<String> paths) throws Exception {
    Repository repo = workspace.repo();
    WorkingCopy files = tree.files();
    Map<String, byte[]> then = new LinkedHashMap<>();
    TreeSet<String> now = new TreeSet<>();
    try (RevWalk walk = new RevWalk(repo); ObjectReader reader = repo.newObjectReader()) {
      RevCommit c = walk.parseCommit(commit);
      for (String path : paths) {
        int before = then.size();
        try (TreeWalk tw = new TreeWalk(reader)) {
          tw.addTree(c.getTree());
          tw.setRecursive(true);
          tw.setFilter(PathFilter.create(path));
          while (tw.next()) {
            if (tw.getFileMode(0) == FileMode.SYMLINK || tw.getFileMode(0) == FileMode.GITLINK) {
              throw BranchworkException.badRequest(tw.getPathString() + " is a link at " + at
                  + "; only files are restored");
            }
            if (reader.getObjectSize(tw.getObjectId(0), Constants.OBJ_BLOB) > settings.maxFileBytes()) {
              throw BranchworkException.tooLarge(tw.getPathString() + " at " + at + " is larger than "
                  + settings.maxFileBytes() + " bytes (limits.maxFileBytes)");
            }
            then.put(tw.getPathString(), reader.open(tw.getObjectId(0), Constants.OBJ_BLOB).getBytes());
          }
        }
        boolean here = present(files, path, now);
        if (then.size() == before && !here) {
          throw BranchworkException.notFound(path + " is neither at " + at + " nor in the working copy");
        }
      }
    }
    List<Restored> done = new ArrayList<>();
    try {
      for (Map.Entry<String, byte[]> f : then.entrySet()) {
        if (now.contains(f.getKey())
            && WorkingCopy.blobId(files.read(f.getKey()).bytes()).equals(WorkingCopy.blobId(f.getValue()))) {
          continue;
        }
        files.write(f.getKey(), f.getValue(), null);
        done.add(new Restored(f.getKey(), f.getValue()));
      }
      for (String p : now) {
        if (!then.containsKey(p)) {
          files.delete(p, null);
          done.add(new Restored(p, null));
        }
      }
      return new Outcome(done, null);
    } catch (Exception e) {
      return new Outcome(done, e);
    }
  }

  /** Adds the working copy's files at {@code path} (the file, or those under the directory) to {@code now}. */
  private static boolean present(WorkingCopy files, String path, TreeSet<String> now) throws Exception {
    try {
      files.list(path, true).stream().filter(e -> !e.dir()).forEach(e -> now.add(e.path()));
      return true;
    } catch (BranchworkException e) {
      if (e.code() == ErrorCode.BAD_REQUEST) {
        now.add(path); // not a directory: a file
        return true;
      }
      if (e.code() == ErrorCode.NOT_FOUND) {
        return false;
      }
      throw e;
    }
  }

  // --- compare

  /** The revisions are read in the op's turn; the comparison runs beside the mailbox. */
  private Future<BesideOp.Work> compare(Request r) {
    String from = Args.string(r.args(), "from");
    String to = Args.string(r.args(), "to");
    List<String> paths = r.args().getValue("paths") == null ? null
        : WorkspacePaths.requireAll("paths", r.args().getValue("paths"), MAX_PATHS);
    return revisions.commit("from", from, branch())
        .compose(f -> revisions.commit("to", to, branch()).map(t -> (BesideOp.Work) () -> heavy.executeBlocking(() ->
            GitCompare.compare(workspace.repo(), f, t, paths, settings.diff()), false).map(c -> {
              JsonArray files = new JsonArray();
              c.files().forEach(s -> files.add(new JsonObject().put("path", s.path()).put("change", s.change())
                  .put("additions", s.additions()).put("deletions", s.deletions()).put("binary", s.binary())));
              JsonObject out = GitJson.history(new History(c.commits(), false)).put("files", files)
                  .put("patch", c.patch());
              return BesideOp.Finish.answer(c.truncated() ? out.put("truncated", true) : out);
            })));
  }

  private <T> Future<T> blocking(Callable<T> work) {
    return vertx.executeBlocking(work, false);
  }
}

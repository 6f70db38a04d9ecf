package io.branchwork.workspace;

import io.branchwork.contract.ErrorCode;
import io.branchwork.contract.HookEvents;
import io.branchwork.contract.WorkspaceOps;
import io.branchwork.core.Args;
import io.branchwork.core.BranchworkException;
import io.branchwork.gitstore.Repos;
import io.branchwork.gitstore.Uncommitted;
import io.branchwork.store.Records.HookEvent;
import io.branchwork.workspace.git.ThreeWay;
import io.branchwork.workspace.git.ThreeWay.Resolution;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.WorkerExecutor;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.eclipse.jgit.lib.CommitBuilder;
import org.eclipse.jgit.lib.Constants;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.ObjectInserter;
import org.eclipse.jgit.lib.PersonIdent;
import org.eclipse.jgit.lib.Repository;
import org.eclipse.jgit.revwalk.RevCommit;
import org.eclipse.jgit.revwalk.RevWalk;

/**
 * {@code merge}, {@code revert} and {@code cherry-pick} into the open branch, in memory (no
 * second working tree), as git makes them: a conflicting op changes nothing and answers its
 * conflicts as data; {@code resolutions} for all of them complete it; {@code dryRun} answers
 * what would happen. A completed op moves the branch as a push does ({@link HeadMove}): only the
 * files that differ are written, uncommitted changes elsewhere are kept, and uncommitted changes
 * on a path it would change refuse it ({@code gitstore.Uncommitted}). The merge itself runs beside
 * the workspace's mailbox ({@link BesideOp}): its turn reads HEAD, and its second turn applies the
 * result only if HEAD is still there, so a push or another merge that lands meanwhile makes it
 * lose cleanly ({@code conflict}) rather than be lost.
 */
final class MergeOps {


  /** What an op would do: its result word, the commit it makes (null for none), and what changes. */
  private record Plan(String result, ObjectId next, List<String> changed, List<ThreeWay.Conflict> conflicts) {}


  private final Vertx vertx;
  private final Workspace workspace;
  private final Revisions revisions;
  private final HeadMove move;
  /** Merges run here, bounded like diff: files past diff.maxFileBytes merge as binary. */
  private final WorkerExecutor heavy;
  private final WorkspaceSettings settings;

  MergeOps(Vertx vertx, Workspace workspace, Revisions revisions, HeadMove move, WorkerExecutor heavy,
      WorkspaceSettings settings) {
    this.vertx = vertx;
    this.workspace = workspace;
    this.revisions = revisions;
    this.move = move;
    this.heavy = heavy;
    this.settings = settings;
  }

  void register(Map<String, BesideOp> besides) {
    besides.put(WorkspaceOps.MERGE, this::merge);
    besides.put(WorkspaceOps.REVERT, r -> replay(r, true));
    besides.put(WorkspaceOps.CHERRY_PICK, r -> replay(r, false));
  }

  /** HEAD as the op's turn finds it: what its work starts from, and what its second turn checks. */
  private ObjectId head() {
    String head = workspace.head();
    if (head == null) {
      throw BranchworkException.notFound("the branch has no commit yet");
    }
    return ObjectId.fromString(head);
  }

  private Future<BesideOp.Work> merge(Request r) {
    String from = Args.string(r.args(), "from");
    MergeArgs.Mode mode = MergeArgs.mode(Args.optString(r.args(), "mode"));
    String message = MergeArgs.message(r);
    Map<String, Resolution> resolutions = MergeArgs.resolutions(r.args(), settings.maxFileBytes());
    boolean dryRun = Args.optBoolean(r.args(), "dryRun", false);
    String branch = workspace.key().branch();
    return revisions.commit("from", from, branch).map(theirs -> {
      ObjectId ours = head();
      return () -> heavy.executeBlocking(() -> planMerge(r, from, ours, theirs, mode, message, resolutions), false)
          .map(plan -> finish(r, ours, plan, dryRun));
    });
  }

  private Plan planMerge(Request r, String from, ObjectId oursId, ObjectId theirsId, MergeArgs.Mode mode, String message,
      Map<String, Resolution> resolutions) throws Exception {
    Repository repo = workspace.repo();
    String branch = workspace.key().branch();
    try (RevWalk walk = new RevWalk(repo); ObjectInserter ins = repo.newObjectInserter()) {
      RevCommit ours = walk.parseCommit(oursId);
      RevCommit theirs = walk.parseCommit(theirsId);
      if (walk.isMergedInto(theirs, ours)) {
        return new Plan("up-to-date", null, List.of(), List.of());
      }
      boolean ff = walk.isMergedInto(ours, theirs);
      if (mode == MergeArgs.Mode.FF_ONLY && !ff) {
        throw BranchworkException.conflict(from + " is not ahead of " + branch + ": it cannot be fast-forwarded");
      }
      if (ff && (mode == MergeArgs.Mode.AUTO || mode == MergeArgs.Mode.FF_ONLY)) {
        return new Plan("fast-forward", theirs.copy(), move.changes(ours, theirs).stream()
            .map(HeadMove.Change::path).toList(), List.of());
      }
      ThreeWay.Result merged = ThreeWay.merge(repo, ins, null, ours, theirs, new String[] {branch, from},
          resolutions, settings.diff().maxFileBytes());
      if (!merged.clean()) {
        return new Plan("conflicts", null, merged.changed(), merged.conflicts());
      }
      PersonIdent who = Repos.ident(r.user(), settings.emailDomain());
      String text = message != null ? message : mode == MergeArgs.Mode.SQUASH
          ? "Squashed " + from + " into " + branch : "Merge " + from + " into " + branch;
      ObjectId next = commit(ins, merged.tree(), text, who, who,
          mode == MergeArgs.Mode.SQUASH ? new ObjectId[] {ours} : new ObjectId[] {ours, theirs});
      return new Plan(mode == MergeArgs.Mode.SQUASH ? "squashed" : "merged", next, merged.changed(), List.of());
    }
  }

  /**
   * {@code revert} (undo a commit's change) or {@code cherry-pick} (apply it again): a three-way
   * merge whose base is the commit's first parent (or the commit itself, reverting), so a merge
   * commit counts against its first parent.
   */
  private Future<BesideOp.Work> replay(Request r, boolean revert) {
    String rev = Args.string(r.args(), "commit");
    String message = MergeArgs.message(r);
    Map<String, Resolution> resolutions = MergeArgs.resolutions(r.args(), settings.maxFileBytes());
    boolean dryRun = Args.optBoolean(r.args(), "dryRun", false);
    return revisions.commit("commit", rev, workspace.key().branch()).map(id -> {
      ObjectId ours = head();
      return () -> heavy.executeBlocking(() -> planReplay(r, rev, ours, id, revert, message, resolutions), false)
          .map(plan -> finish(r, ours, plan, dryRun));
    });
  }

  private Plan planReplay(Request r, String rev, ObjectId oursId, ObjectId id, boolean revert, String message,
      Map<String, Resolution> resolutions) throws Exception {
    Repository repo = workspace.repo();
    try (RevWalk walk = new RevWalk(repo); ObjectInserter ins = repo.newObjectInserter()) {
      RevCommit ours = walk.parseCommit(oursId);
      RevCommit picked = walk.parseCommit(id);
      ObjectId parent = picked.getParentCount() > 0 ? walk.parseCommit(picked.getParent(0)).getTree()
          : ins.insert(Constants.OBJ_TREE, new byte[0]);
      ObjectId base = revert ? picked.getTree() : parent;
      ObjectId theirs = revert ? parent : picked.getTree();
      String label = picked.abbreviate(8).name() + " (" + picked.getShortMessage() + ")";
      ThreeWay.Result merged = ThreeWay.merge(repo, ins, base, ours, theirs,
          new String[] {workspace.key().branch(), label}, resolutions, settings.diff().maxFileBytes());
      if (!merged.clean()) {
        return new Plan("conflicts", null, merged.changed(), merged.conflicts());
      }
      if (merged.tree().equals(ours.getTree())) {
        throw new BranchworkException(ErrorCode.NOTHING_TO_COMMIT, (revert ? "reverting " : "picking ") + rev
            + " changes nothing on " + workspace.key().branch());
      }
      PersonIdent who = Repos.ident(r.user(), settings.emailDomain());
      String text = message != null ? message : revert
          ? "Revert \"" + picked.getShortMessage() + "\"\n\nThis reverts commit " + picked.name() + ".\n"
          : picked.getFullMessage();
      ObjectId next = commit(ins, merged.tree(), text, revert ? who : picked.getAuthorIdent(), who,
          new ObjectId[] {ours});
      return new Plan(revert ? "reverted" : "picked", next, merged.changed(), List.of());
    }
  }

  private static ObjectId commit(ObjectInserter ins, ObjectId tree, String message, PersonIdent author,
      PersonIdent committer, ObjectId[] parents) throws Exception {
    CommitBuilder c = new CommitBuilder();
    c.setTreeId(tree);
    c.setParentIds(parents);
    c.setAuthor(author);
    c.setCommitter(committer);
    c.setMessage(message);
    ObjectId id = ins.insert(c);
    ins.flush();
    return id;
  }

  /**
   * Answers a plan: conflicts change nothing and answer at once; a change (or a dry run of one)
   * takes a second turn, which refuses it when HEAD moved since the plan was made (a push or
   * another merge won the race) or an uncommitted change is on a path it changes, and otherwise
   * moves the branch.
   */
  private BesideOp.Finish finish(Request r, ObjectId ours, Plan plan, boolean dryRun) {
    JsonObject answer = new JsonObject().put("result", plan.result()).put("changed", new JsonArray(plan.changed()));
    if (!plan.conflicts().isEmpty()) {
      return BesideOp.Finish.answer(answer.put("conflicts", MergeArgs.conflicts(plan.conflicts())));
    }
    if (plan.next() == null) {
      return BesideOp.Finish.answer(answer);
    }
    return () -> {
      if (!ours.name().equals(workspace.head())) {
        return Future.failedFuture(BranchworkException.conflict(workspace.key().branch()
            + " moved while this was being worked out; try again"));
      }
      return blocking(() -> {
        // Only the paths the op changes are looked at: O(the change), not O(the working copy).
        Uncommitted.requireUntouched(move.uncommitted(ours, plan.changed()), plan.changed());
        if (dryRun) {
          return null;
        }
        List<HeadMove.Change> changes = move.changes(ours, plan.next());
        move.apply(ours, plan.next(), changes);
        return Map.entry(changes, hookEvent(r, ours, plan));
      }).map(done -> {
        if (done == null) {
          return answer.put("dryRun", true);
        }
        move.moved(plan.next(), done.getKey(), r, done.getValue());
        return answer.put("commit", plan.next().name());
      });
    };
  }

  /** {@code merge} for a merge, {@code commit} for the commit of a revert or cherry-pick. Blocking. */
  private HookEvent hookEvent(Request r, ObjectId ours, Plan plan) throws IOException {
    boolean merge = WorkspaceOps.MERGE.equals(r.op());
    JsonObject extra = new JsonObject().put("op", r.op()).put("result", plan.result());
    if (merge) {
      extra.put("from", Args.string(r.args(), "from"));
    }
    return HookNotes.moved(workspace, merge ? HookEvents.MERGE : HookEvents.COMMIT, r.user(), ours.name(),
        plan.next(), extra);
  }

  private <T> Future<T> blocking(Callable<T> work) {
    return vertx.executeBlocking(work, false);
  }
}

package io.branchwork.workspace;

import io.branchwork.core.BranchworkException;
import io.branchwork.core.Identifiers;
import io.branchwork.gitstore.PackCatchUp;
import io.branchwork.store.Refs;
import io.branchwork.store.Store;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.eclipse.jgit.errors.AmbiguousObjectException;
import org.eclipse.jgit.errors.MissingObjectException;
import org.eclipse.jgit.lib.AbbreviatedObjectId;
import org.eclipse.jgit.lib.Constants;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.ObjectReader;
import org.eclipse.jgit.lib.Repository;
import org.eclipse.jgit.revwalk.RevCommit;
import org.eclipse.jgit.revwalk.RevObject;
import org.eclipse.jgit.revwalk.RevWalk;

/**
 * The revisions a client may name: {@code HEAD}, a branch or tag of the project, or a commit id
 * (4 to 40 hex digits), each optionally followed by up to 16 steps {@code ~N} (N first parents
 * back) or {@code ^N} (the N-th parent), N at most 9999. Branches and tags are read from the
 * store, so a branch another workspace moved a moment ago is seen where it is now (its objects
 * caught up from the store's packs). Anything else (reflogs, {@code ^{/regex}}, paths, ranges)
 * is {@code bad_request}; a well-formed name that names nothing is {@code not_found}.
 */
final class Revisions {

  static final int MAX_LENGTH = 300;
  private static final Pattern SHAPE = Pattern.compile("(.+?)((?:[~^][0-9]{0,4}){0,16})");
  private static final Pattern STEP = Pattern.compile("([~^])([0-9]{0,4})");
  private static final Pattern HEX = Pattern.compile("[0-9a-f]{4,40}");

  private final Vertx vertx;
  private final Store store;
  private final String project;
  private final Repository repo;
  private final Path tmpRoot;

  Revisions(Vertx vertx, Store store, String project, Repository repo, Path tmpRoot) {
    this.vertx = vertx;
    this.store = store;
    this.project = project;
    this.repo = repo;
    this.tmpRoot = tmpRoot;
  }

  /** A revision as parsed: its base name and the steps after it. */
  record Parsed(String base, String steps) {}

  /** Checks a revision's shape; {@code field} names the argument in the error. */
  static Parsed parse(String field, String rev) {
    if (rev == null || rev.isEmpty() || rev.length() > MAX_LENGTH) {
      throw BranchworkException.badRequest("'" + field + "' must be a revision of 1 to " + MAX_LENGTH + " characters");
    }
    Matcher m = SHAPE.matcher(rev);
    if (!m.matches()) {
      throw bad(field);
    }
    String base = m.group(1);
    if (!base.equals(Constants.HEAD) && !HEX.matcher(base).matches() && !Identifiers.isBranch(base)) {
      throw bad(field);
    }
    return new Parsed(base, m.group(2));
  }

  private static BranchworkException bad(String field) {
    return BranchworkException.badRequest("'" + field + "' must be HEAD, a branch or tag name, or a commit id,"
        + " optionally followed by ~N or ^N");
  }

  /**
   * The commit {@code rev} names, with its objects in this repository. {@code openBranch} is the
   * workspace's own branch, which is where HEAD is, not where the store last saw it.
   */
  Future<ObjectId> commit(String field, String rev, String openBranch) {
    Parsed p = parse(field, rev);
    Future<ObjectId> base;
    if (p.base().equals(Constants.HEAD) || p.base().equals(openBranch)) {
      base = blocking(() -> {
        ObjectId head = repo.resolve(Constants.HEAD);
        if (head == null) {
          throw BranchworkException.notFound("the branch has no commit yet");
        }
        return head;
      });
    } else {
      base = store.repoState(project).compose(state -> fromStore(field, p.base(), state.refs()));
    }
    return base.compose(id -> blocking(() -> steps(field, rev, id, p.steps())));
  }

  /** A ref of the store, or a commit id; objects missing here are caught up from the store first. */
  private Future<ObjectId> fromStore(String field, String name, Map<String, String> refs) {
    String branch = refs.get(Refs.head(name));
    String tag = refs.get(Refs.tag(name));
    if (branch != null || tag != null) {
      ObjectId id = ObjectId.fromString(branch != null ? branch : tag);
      return PackCatchUp.ensure(vertx, store, project, repo, tmpRoot, List.of(id))
          .compose(v -> blocking(() -> peel(field, name, id)));
    }
    if (!HEX.matcher(name).matches()) {
      return Future.failedFuture(BranchworkException.notFound("no branch, tag or commit " + name));
    }
    return blocking(() -> abbreviated(name)).compose(found -> found != null ? Future.succeededFuture(found)
        : PackCatchUp.run(vertx, store, project, repo, tmpRoot).compose(v -> blocking(() -> {
          ObjectId again = abbreviated(name);
          if (again == null) {
            throw BranchworkException.notFound("no commit " + name);
          }
          return again;
        }))).compose(id -> blocking(() -> peel(field, name, id)));
  }

  private ObjectId abbreviated(String hex) throws Exception {
    try (ObjectReader reader = repo.newObjectReader()) {
      var found = reader.resolve(AbbreviatedObjectId.fromString(hex));
      if (found.size() > 1) {
        throw BranchworkException.badRequest("'" + hex + "' is an ambiguous commit id; give more digits");
      }
      return found.isEmpty() ? null : found.iterator().next().toObjectId();
    } catch (AmbiguousObjectException e) {
      throw BranchworkException.badRequest("'" + hex + "' is an ambiguous commit id; give more digits");
    }
  }

  /** The commit an object names: itself, or what an annotated tag points at. */
  private ObjectId peel(String field, String name, ObjectId id) throws Exception {
    try (RevWalk walk = new RevWalk(repo)) {
      RevObject o = walk.peel(walk.parseAny(id));
      if (!(o instanceof RevCommit c)) {
        throw BranchworkException.badRequest("'" + field + "': " + name + " does not name a commit");
      }
      return c.copy();
    } catch (MissingObjectException e) {
      throw BranchworkException.notFound("no commit " + name);
    }
  }

  private ObjectId steps(String field, String rev, ObjectId from, String steps) throws Exception {
    if (steps.isEmpty()) {
      return from;
    }
    try (RevWalk walk = new RevWalk(repo)) {
      RevCommit c = walk.parseCommit(from);
      Matcher m = STEP.matcher(steps);
      while (m.find()) {
        int n = m.group(2).isEmpty() ? 1 : Integer.parseInt(m.group(2));
        if (m.group(1).equals("^")) {
          if (n == 0) {
            continue;
          }
          if (n > c.getParentCount()) {
            throw BranchworkException.notFound("'" + field + "': " + rev + " goes past a commit's parents");
          }
          c = walk.parseCommit(c.getParent(n - 1));
        } else {
          for (int i = 0; i < n; i++) {
            if (c.getParentCount() == 0) {
              throw BranchworkException.notFound("'" + field + "': " + rev + " goes past the first commit");
            }
            c = walk.parseCommit(c.getParent(0));
          }
        }
      }
      return c.copy();
    }
  }

  private <T> Future<T> blocking(Callable<T> work) {
    return vertx.executeBlocking(work, false);
  }
}

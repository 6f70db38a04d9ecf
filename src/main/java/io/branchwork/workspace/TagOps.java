package io.branchwork.workspace;

import io.branchwork.contract.ErrorCode;
import io.branchwork.contract.WorkspaceOps;
import io.branchwork.core.Args;
import io.branchwork.core.BranchworkException;
import io.branchwork.core.Failures;
import io.branchwork.core.Identifiers;
import io.branchwork.gitstore.PackCatchUp;
import io.branchwork.gitstore.Repos;
import io.branchwork.hooks.HookPayloads;
import io.branchwork.store.Records.RefUpdate;
import io.branchwork.store.Refs;
import io.branchwork.store.Store;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import org.eclipse.jgit.lib.Constants;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.ObjectInserter;
import org.eclipse.jgit.lib.TagBuilder;
import org.eclipse.jgit.revwalk.RevObject;
import org.eclipse.jgit.revwalk.RevTag;
import org.eclipse.jgit.revwalk.RevWalk;

/**
 * The project's tags ({@code tags}, {@code tag.create}, {@code tag.delete}): refs in the store
 * beside the branches, moved by compare-and-set, so {@code git clone} and {@code ls-remote} see
 * them at once; annotated when {@code tag.create} is given a message.
 */
final class TagOps {

  private static final int MAX_MESSAGE = 64 * 1024;

  private final Vertx vertx;
  private final Store store;
  private final Workspace workspace;
  private final Revisions revisions;
  private final WorkspaceSettings settings;

  TagOps(Vertx vertx, Store store, Workspace workspace, Revisions revisions, WorkspaceSettings settings) {
    this.vertx = vertx;
    this.store = store;
    this.workspace = workspace;
    this.revisions = revisions;
    this.settings = settings;
  }

  void register(Map<String, Op> ops) {
    ops.put(WorkspaceOps.TAGS, this::tags);
    ops.put(WorkspaceOps.TAG_CREATE, this::tagCreate);
    ops.put(WorkspaceOps.TAG_DELETE, this::tagDelete);
  }

  private String branch() {
    return workspace.key().branch();
  }

  private Future<JsonObject> tags(Request r) {
    return store.repoState(workspace.key().project()).compose(state -> {
      Map<String, String> tags = new TreeMap<>();
      state.refs().forEach((name, id) -> {
        if (name.startsWith(Refs.TAGS_PREFIX)) {
          tags.put(name.substring(Refs.TAGS_PREFIX.length()), id);
        }
      });
      return PackCatchUp.ensure(vertx, store, workspace.key().project(), workspace.repo(),
          settings.checkouts().tmpRoot(), tags.values().stream().map(ObjectId::fromString).toList())
          .compose(v -> blocking(() -> describe(tags)));
    });
  }

  private JsonObject describe(Map<String, String> tags) throws Exception {
    JsonArray out = new JsonArray();
    try (RevWalk walk = new RevWalk(workspace.repo())) {
      for (Map.Entry<String, String> t : tags.entrySet()) {
        RevObject o = walk.parseAny(ObjectId.fromString(t.getValue()));
        JsonObject tag = new JsonObject().put("name", t.getKey());
        if (o instanceof RevTag annotated) {
          walk.parseBody(annotated);
          tag.put("message", annotated.getFullMessage());
          if (annotated.getTaggerIdent() != null) {
            tag.put("tagger", annotated.getTaggerIdent().getName());
          }
        }
        tag.put("commit", walk.peel(o).name());
        out.add(tag);
      }
    }
    return new JsonObject().put("tags", out);
  }

  private Future<JsonObject> tagCreate(Request r) {
    String name = tagName(r.args());
    String at = Args.optString(r.args(), "at");
    String message = Args.optString(r.args(), "message");
    if (message != null && (message.isBlank() || message.length() > MAX_MESSAGE)) {
      throw BranchworkException.badRequest("'message' must have 1 to " + MAX_MESSAGE + " characters");
    }
    return revisions.commit("at", at == null ? Constants.HEAD : at, branch())
        .compose(commit -> blocking(() -> {
          if (message == null) {
            return commit;
          }
          TagBuilder tag = new TagBuilder();
          tag.setTag(name);
          tag.setObjectId(commit, Constants.OBJ_COMMIT);
          tag.setTagger(Repos.ident(r.user(), settings.emailDomain()));
          tag.setMessage(message.endsWith("\n") ? message : message + "\n");
          try (ObjectInserter ins = workspace.repo().newObjectInserter()) {
            ObjectId id = ins.insert(tag);
            ins.flush();
            return id;
          }
        }).compose(id -> workspace.writeRef(Refs.tag(name), null, id, List.of(HookPayloads.tag(
                workspace.key().project(), r.user(), "created", name, commit.name())))
            .recover(e -> Future.failedFuture(Failures.normalize(e).code() == ErrorCode.CONFLICT
                ? BranchworkException.conflict("tag " + name + " exists already") : e))
            .map(v -> new JsonObject().put("name", name).put("commit", commit.name()))));
  }

  private Future<JsonObject> tagDelete(Request r) {
    String name = tagName(r.args());
    String project = workspace.key().project();
    return store.repoState(project).compose(state -> {
      String id = state.refs().get(Refs.tag(name));
      if (id == null) {
        return Future.failedFuture(BranchworkException.notFound("no tag " + name));
      }
      return store.updateRepo(project, null, null, List.of(new RefUpdate(Refs.tag(name), id, null)),
          List.of(HookPayloads.tag(project, r.user(), "deleted", name, id)));
    }).map(v -> new JsonObject());
  }

  private static String tagName(JsonObject args) {
    String name = Args.string(args, "name");
    if (!Identifiers.isBranch(name)) {
      throw BranchworkException.badRequest("not a valid tag name (the rules of a branch name apply)");
    }
    return name;
  }

  private <T> Future<T> blocking(Callable<T> work) {
    return vertx.executeBlocking(work, false);
  }
}

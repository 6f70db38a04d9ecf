package io.branchwork.workspace;

import io.branchwork.contract.WorkspaceOps;
import io.branchwork.core.Args;
import io.branchwork.gitstore.WorkspacePaths;
import io.branchwork.views.ReadView;
import io.branchwork.workspace.files.ContentCache;
import io.branchwork.workspace.files.WorkingCopy;
import io.branchwork.workspace.repo.Persister;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The file ops of a workspace: list, read, write, delete, move. Arguments are checked on the
 * event loop; the disk work runs in {@code executeBlocking}. Mutations mark the workspace dirty
 * and push {@code changed}; they and reads keep the workspace's {@link ReadView} in step, each
 * change once it is acknowledged.
 */
final class FileOps {

  private final Vertx vertx;
  private final WorkingCopy files;
  private final WorkspaceEvents events;
  /** Told each path an op changed, so that the change is made durable before the op answers. */
  private final Persister persister;
  private final ContentCache cache;
  /** What same-node gateways read from; changed only once a change is acknowledged. */
  private final ReadView view;

  FileOps(Vertx vertx, TreeState tree, WorkspaceEvents events, Persister persister) {
    this.vertx = vertx;
    this.files = tree.files();
    this.events = events;
    this.persister = persister;
    this.cache = tree.cache();
    this.view = tree.view();
  }

  void register(Map<String, Op> ops, Map<String, GroupOp> groups) {
    groups.put(WorkspaceOps.WRITE, this::writeAll);
    ops.put(WorkspaceOps.LIST, this::list);
    ops.put(WorkspaceOps.READ, this::read);
    ops.put(WorkspaceOps.WRITE, this::write);
    ops.put(WorkspaceOps.DELETE, this::delete);
    ops.put(WorkspaceOps.MOVE, this::move);
  }

  Future<JsonObject> list(Request r) {
    String path = WorkspacePaths.requireDirOrRoot(Args.optString(r.args(), "path"));
    boolean recursive = Args.optBoolean(r.args(), "recursive", false);
    return vertx.executeBlocking(() -> {
      JsonArray entries = new JsonArray();
      for (WorkingCopy.Entry e : files.list(path, recursive)) {
        entries.add(new JsonObject().put("path", e.path()).put("type", e.dir() ? "dir" : "file")
            .put("size", e.size()));
      }
      return new JsonObject().put("entries", entries);
    }, false);
  }

  Future<JsonObject> read(Request r) {
    String path = WorkspacePaths.require(Args.optString(r.args(), "path"));
    WorkingCopy.Content hit = cache.get(path);
    if (hit != null) {
      // Answered on the event loop: no disk, no worker thread.
      if (view.get(path) == null) {
        publish(path, hit);
      }
      return Future.succeededFuture(new JsonObject().put("content", hit.bytes()).put("blob", hit.blob()));
    }
    return vertx.executeBlocking(() -> files.read(path), false).map(c -> {
      cache.put(path, c);
      publish(path, c);
      return new JsonObject().put("content", c.bytes()).put("blob", c.blob());
    });
  }

  /**
   * A read's content goes into the view once whatever was changed before it is durable (it may
   * show such a change); a change after it in the mailbox updates the view after this, in order.
   */
  private void publish(String path, WorkingCopy.Content c) {
    persister.afterDurable(() -> view.put(path, new ReadView.File(c.bytes(), c.blob())));
  }

  /** One write: a group of one (the {@code Dispatcher} runs writes that wait in a row through {@link #writeAll}). */
  Future<JsonObject> write(Request r) {
    return writeAll(List.of(r)).get(0);
  }

  private record Write(String path, byte[] content, String base) {}

  /**
   * Writes in a row, as if one after the other: their arguments are checked here, their disk work
   * is one blocking task (each file in order, so a later write's {@code base} sees the earlier
   * one), and each is answered for itself: one bad or conflicting write fails alone.
   */
  List<Future<JsonObject>> writeAll(List<Request> requests) {
    int n = requests.size();
    Write[] writes = new Write[n];
    Object[] outcome = new Object[n]; // the blob, or the failure
    for (int i = 0; i < n; i++) {
      try {
        JsonObject args = requests.get(i).args();
        writes[i] = new Write(WorkspacePaths.require(Args.optString(args, "path")), Args.binary(args, "content"),
            Args.optString(args, "base"));
        // The disk may hold anything after a failed write: forget the path either way.
        cache.dropTree(writes[i].path());
      } catch (RuntimeException e) {
        outcome[i] = e;
      }
    }
    Future<Object[]> done = vertx.executeBlocking(() -> {
      for (int i = 0; i < n; i++) {
        Write w = writes[i];
        if (w == null) {
          continue;
        }
        try {
          String blob = files.write(w.path(), w.content(), w.base());
          persister.written(w.path(), blob, w.content().length);
          outcome[i] = blob;
        } catch (Exception e) {
          outcome[i] = e;
        }
      }
      return outcome;
    }, false);
    List<Future<JsonObject>> answers = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      int at = i;
      answers.add(done.compose(all -> {
        if (all[at] instanceof Throwable t) {
          return Future.failedFuture(t);
        }
        Write w = writes[at];
        String blob = (String) all[at];
        cache.put(w.path(), new WorkingCopy.Content(w.content(), blob));
        persister.changed();
        persister.afterDurable(() -> view.put(w.path(), new ReadView.File(w.content(), blob)));
        events.changed(w.path(), blob, requests.get(at));
        return Future.succeededFuture(new JsonObject().put("blob", blob));
      }));
    }
    return answers;
  }

  Future<JsonObject> delete(Request r) {
    String path = WorkspacePaths.require(Args.optString(r.args(), "path"));
    String base = Args.optString(r.args(), "base");
    cache.dropTree(path);
    return vertx.executeBlocking(() -> {
      files.delete(path, base);
      return null;
    }, false).map(v -> {
      persister.touch(path);
      persister.afterDurable(() -> view.dropTree(path));
      events.changed(path, null, r);
      return new JsonObject();
    });
  }

  Future<JsonObject> move(Request r) {
    String from = WorkspacePaths.require(Args.optString(r.args(), "from"));
    String to = WorkspacePaths.require(Args.optString(r.args(), "to"));
    cache.dropTree(from);
    cache.dropTree(to);
    return vertx.executeBlocking(() -> files.move(from, to), false).map((List<String[]> moved) -> {
      persister.touch(from);
      persister.touch(to);
      persister.afterDurable(() -> {
        view.dropTree(from);
        view.dropTree(to);
      });
      for (String[] m : moved) {
        events.changed(m[0], null, r);
        events.changed(m[1], m[2], r);
      }
      return new JsonObject();
    });
  }
}

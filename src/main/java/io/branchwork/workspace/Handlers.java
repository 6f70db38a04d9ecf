package io.branchwork.workspace;

import io.branchwork.client.AllocatorClient;
import io.branchwork.contract.WorkspaceOp;
import io.branchwork.gitstore.GitBranches;
import io.branchwork.render.RenderService;
import io.branchwork.store.Store;
import io.branchwork.workspace.compile.CompileHandler;
import io.branchwork.workspace.git.GitOps;
import io.branchwork.workspace.repo.Persister;
import io.vertx.core.Vertx;
import io.vertx.core.WorkerExecutor;
import java.util.Map;
import io.vertx.core.Future;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * The wiring of one workspace's op handlers: every op of {@link WorkspaceOp} gets its handler
 * here, on the parts of the workspace it works with, and a handler with no line in the table is
 * refused at start.
 */
final class Handlers {

  /** The parts of a loaded workspace that handlers work with. */
  record Parts(Vertx vertx, Store store, Workspace workspace, WorkspaceSettings settings, WorkspaceEvents events,
      Persister persister, LockGate lock, WorkerExecutor heavy, TreeState tree, Supplier<String> head,
      RenderService render, Function<Supplier<Future<Void>>, Future<Void>> internal) {}

  private Handlers() {}

  static void register(Parts p, Map<String, Op> ops, Map<String, GroupOp> groups, Map<String, BesideOp> besides) {
    Vertx vertx = p.vertx();
    Workspace ws = p.workspace();
    WorkspaceSettings settings = p.settings();
    GitOps git = new GitOps(ws.repo());
    Revisions revisions = new Revisions(vertx, p.store(), ws.key().project(), ws.repo(), settings.checkouts().tmpRoot());
    HeadMove move = new HeadMove(ws, p.persister(), p.tree(), p.events(), settings.checkouts());
    new FileOps(vertx, p.tree(), p.events(), p.persister()).register(ops, groups);
    new ModelOps(vertx, ws, p.tree().files(), new CompileHandler(p.tree().files(), ws.repo().getDirectory().toPath(),
        settings.compile()), p.persister(), p.heavy(), p.render(), p.events(), settings.maxFileBytes())
        .register(ops, besides);
    new GitOpHandlers(vertx, ws, git, revisions, p.persister(), p.events(), p.heavy(), settings).register(ops, besides);
    new BranchHandlers(vertx, p.store(), new AllocatorClient(vertx, settings.requestTimeoutMs()), ws,
        new GitBranches(ws.repo()), p.events(), settings.checkouts()).register(ops);
    DocOps docs = new DocOps(vertx, p.tree().files(), p.events(), settings.collab(), p.internal());
    docs.register(ops, groups, new DocPushes(vertx, docs, p.tree(), p.events(), p.persister()));
    // A session that leaves, or whose connection or bridge socket ends, gives up its lock and its documents.
    Consumer<String> gone = holder -> {
      p.lock().holderGone(holder);
      docs.holderGone(holder);
    };
    new Presence(p.events(), p.head(), gone).register(ops);
    p.lock().register(ops, gone);
    new CheckpointOps(ws.key(), p.persister(), p.store(), p.events(), p.tree().files()).register(ops);
    new ReceiveOps(vertx, p.store(), ws, p.persister(), move, settings.checkouts().tmpRoot()).register(ops);
    new MergeOps(vertx, ws, revisions, move, p.heavy(), settings).register(besides);
    new HistoryOps(vertx, ws, revisions, p.persister(), p.tree(), p.events(), p.heavy(), settings)
        .register(ops, besides);
    new TagOps(vertx, p.store(), ws, revisions, settings).register(ops);
    for (String name : ops.keySet()) {
      if (WorkspaceOp.of(name) == null || WorkspaceOp.of(name).has(WorkspaceOp.Trait.BESIDE)) {
        throw new IllegalStateException("op " + name + " has a handler but no line in WorkspaceOp, or is BESIDE");
      }
    }
    for (String name : besides.keySet()) {
      if (WorkspaceOp.of(name) == null || !WorkspaceOp.of(name).has(WorkspaceOp.Trait.BESIDE)) {
        throw new IllegalStateException("op " + name + " runs beside the mailbox but is not BESIDE in WorkspaceOp");
      }
    }
  }
}

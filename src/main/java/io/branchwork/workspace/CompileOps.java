package io.branchwork.workspace;

import io.branchwork.contract.WorkspaceOps;
import io.branchwork.core.Args;
import io.branchwork.workspace.compile.CompileHandler;
import io.branchwork.workspace.files.WorkspacePaths;
import io.vertx.core.Future;
import io.vertx.core.WorkerExecutor;
import io.vertx.core.json.JsonObject;
import java.util.Map;

/** The {@code compile} op: runs on the heavy-op pool, within the compile bounds; a recompile dirties the workspace. */
final class CompileOps {

  private final CompileHandler compiler;
  private final WorkerExecutor heavy;
  private final Runnable markDirty;

  CompileOps(CompileHandler compiler, WorkerExecutor heavy, Runnable markDirty) {
    this.compiler = compiler;
    this.heavy = heavy;
    this.markDirty = markDirty;
  }

  void register(Map<String, Op> ops) {
    ops.put(WorkspaceOps.COMPILE, this::compile);
  }

  private Future<JsonObject> compile(Request r) {
    String entry = WorkspacePaths.require(Args.optString(r.args(), "entry"));
    return heavy.executeBlocking(() -> compiler.compile(entry), false).onSuccess(result -> {
      if (result.getInteger("recompiled") > 0) {
        markDirty.run(); // the compile state under .git changed: keep it with the next save
      }
    });
  }
}

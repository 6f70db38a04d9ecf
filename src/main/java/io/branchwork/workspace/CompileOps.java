package io.branchwork.workspace;

import io.branchwork.contract.WorkspaceOps;
import io.branchwork.core.Args;
import io.branchwork.gitstore.WorkspacePaths;
import io.branchwork.workspace.compile.CompileHandler;
import io.vertx.core.Future;
import io.vertx.core.WorkerExecutor;
import io.vertx.core.json.JsonObject;
import java.util.Map;

/**
 * The {@code compile} op: runs on the heavy-op pool, within the compile bounds. Its state under
 * {@code .git} is a cache, rebuilt after a restart, so a compile changes nothing that must be durable.
 */
final class CompileOps {

  private final CompileHandler compiler;
  private final WorkerExecutor heavy;

  CompileOps(CompileHandler compiler, WorkerExecutor heavy) {
    this.compiler = compiler;
    this.heavy = heavy;
  }

  void register(Map<String, Op> ops) {
    ops.put(WorkspaceOps.COMPILE, this::compile);
  }

  private Future<JsonObject> compile(Request r) {
    String entry = WorkspacePaths.require(Args.optString(r.args(), "entry"));
    return heavy.executeBlocking(() -> compiler.compile(entry), false);
  }
}

package io.branchwork.workspace;

import io.branchwork.contract.WorkspaceOps;
import io.branchwork.core.Args;
import io.branchwork.gitstore.WorkspacePaths;
import io.branchwork.workspace.compile.CompileHandler;
import io.branchwork.workspace.compile.CustomizerParams;
import io.branchwork.workspace.files.WorkingCopy;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.WorkerExecutor;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * The {@code compile} op, on the heavy-op pool within the compile bounds, and {@code params}, the
 * entry file's customizer parameters. Its state under
 * {@code .git} is a cache, rebuilt after a restart, so a compile changes nothing that must be durable.
 */
final class CompileOps {

  private final CompileHandler compiler;
  private final WorkerExecutor heavy;
  private final Vertx vertx;
  private final WorkingCopy files;

  CompileOps(Vertx vertx, WorkingCopy files, CompileHandler compiler, WorkerExecutor heavy) {
    this.vertx = vertx;
    this.files = files;
    this.compiler = compiler;
    this.heavy = heavy;
  }

  void register(Map<String, Op> ops) {
    ops.put(WorkspaceOps.COMPILE, this::compile);
    ops.put(WorkspaceOps.PARAMS, this::params);
  }

  /** The entry file's customizer parameters ({@link CustomizerParams}). */
  private Future<JsonObject> params(Request r) {
    String entry = WorkspacePaths.require(Args.optString(r.args(), "entry"));
    return vertx.executeBlocking(() -> new JsonObject().put("params",
        CustomizerParams.parse(new String(files.read(entry).bytes(), StandardCharsets.UTF_8))), false);
  }

  private Future<JsonObject> compile(Request r) {
    String entry = WorkspacePaths.require(Args.optString(r.args(), "entry"));
    return heavy.executeBlocking(() -> compiler.compile(entry), false);
  }
}

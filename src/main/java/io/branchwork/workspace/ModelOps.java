package io.branchwork.workspace;

import io.branchwork.contract.Events;
import io.branchwork.contract.WorkspaceOps;
import io.branchwork.core.Args;
import io.branchwork.core.BranchworkException;
import io.branchwork.gitstore.WorkspacePaths;
import io.branchwork.render.RenderJob;
import io.branchwork.render.RenderService;
import io.branchwork.render.Rendered;
import io.branchwork.workspace.compile.CompileHandler;
import io.branchwork.workspace.compile.CompileResult;
import io.branchwork.workspace.compile.Compiler;
import io.branchwork.workspace.compile.CustomizerParams;
import io.branchwork.workspace.compile.RenderInputs;
import io.branchwork.workspace.compile.SourceMap;
import io.branchwork.workspace.files.WorkingCopy;
import io.branchwork.workspace.repo.Persister;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.WorkerExecutor;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.revwalk.RevWalk;

/**
 * The model ops: {@code compile} (the flattened model), {@code params} (the entry's customizer
 * parameters) and {@code render} (a mesh by the node's {@link RenderService}). Compile and render
 * run beside the mailbox: in their turn every change so far is made durable, which captures the
 * working tree as a commit; they then read that commit's tree ({@link TreeSources}) on the heavy
 * pool, and the render runs on the renderer's own pool, while the workspace's other ops go on.
 */
final class ModelOps {

  private final Vertx vertx;
  private final Workspace workspace;
  private final WorkingCopy files;
  private final CompileHandler compiler;
  private final Persister persister;
  private final WorkerExecutor heavy;
  private final RenderService renderer;
  private final WorkspaceEvents events;
  private final int maxFileBytes;

  ModelOps(Vertx vertx, Workspace workspace, WorkingCopy files, CompileHandler compiler, Persister persister,
      WorkerExecutor heavy, RenderService renderer, WorkspaceEvents events, int maxFileBytes) {
    this.vertx = vertx;
    this.workspace = workspace;
    this.files = files;
    this.compiler = compiler;
    this.persister = persister;
    this.heavy = heavy;
    this.renderer = renderer;
    this.events = events;
    this.maxFileBytes = maxFileBytes;
  }

  void register(Map<String, Op> ops, Map<String, BesideOp> besides) {
    besides.put(WorkspaceOps.COMPILE, this::compile);
    ops.put(WorkspaceOps.PARAMS, this::params);
    besides.put(WorkspaceOps.RENDER, this::render);
  }

  /** The entry file's customizer parameters ({@link CustomizerParams}). */
  private Future<JsonObject> params(Request r) {
    String entry = WorkspacePaths.require(Args.optString(r.args(), "entry"));
    return vertx.executeBlocking(() -> new JsonObject().put("params",
        CustomizerParams.parse(new String(files.read(entry).bytes(), StandardCharsets.UTF_8))), false);
  }

  private Future<BesideOp.Work> compile(Request r) {
    String entry = WorkspacePaths.require(Args.optString(r.args(), "entry"));
    return settled().map(commit -> () -> heavy.executeBlocking(() -> {
      try (TreeSources sources = sources(commit)) {
        return BesideOp.Finish.answer(compiler.flatten(entry, sources).toJson());
      }
    }, false));
  }

  /** Every change so far durable: the commit that holds the working tree now (null: nothing ever written). */
  private Future<String> settled() {
    return persister.flush().map(v -> persister.durableWorkTree());
  }

  /** Blocking: the commit's tree as files. */
  private TreeSources sources(String commit) throws java.io.IOException {
    ObjectId tree = null;
    if (commit != null) {
      try (RevWalk walk = new RevWalk(workspace.repo())) {
        tree = walk.parseCommit(ObjectId.fromString(commit)).getTree();
      }
    }
    return new TreeSources(workspace.repo(), tree, maxFileBytes);
  }

  /** What a render found before it ran: the flattened model's map, and the job (null: the model does not compile). */
  private record Prepared(CompileResult compiled, RenderJob job) {}

  private Future<BesideOp.Work> render(Request r) {
    long t0 = System.nanoTime();
    String entry = WorkspacePaths.require(Args.optString(r.args(), "entry"));
    if (!entry.toLowerCase(Locale.ROOT).endsWith(".scad")) {
      throw BranchworkException.badRequest("render takes an OpenSCAD entry (.scad), got " + entry);
    }
    String format = Args.optString(r.args(), "format");
    String fmt = format == null ? "stl" : format;
    if (!RenderJob.FORMATS.contains(fmt)) {
      throw BranchworkException.badRequest("'format' must be one of stl, off, 3mf, amf");
    }
    Object raw = r.args().getValue("params");
    if (raw != null && !(raw instanceof JsonObject)) {
      throw BranchworkException.badRequest("'params' must be a map of parameter names to values");
    }
    JsonObject given = (JsonObject) raw;
    // Without a renderer the answer is at once, before anything is compiled.
    return renderer.ready().compose(id -> settled()).map(commit -> () -> heavy.executeBlocking(() -> {
      try (TreeSources sources = sources(commit)) {
        return prepare(sources, entry, fmt, given, r.user());
      }
    }, false).compose(p -> {
      if (p.job() == null) {
        return Future.succeededFuture(BesideOp.Finish.answer(failed(fmt, p.compiled(), t0)));
      }
      return renderer.render(p.job()).map(done -> {
        if (done.ok()) {
          events.publish(Events.RENDERED, new JsonObject().put("entry", entry).put("key", done.key())
              .put("format", fmt).put("by", r.user()), r);
        }
        return BesideOp.Finish.answer(answer(done, p.compiled().map(), t0));
      });
    }));
  }

  /** Blocking: flattens the entry, checks the params, reads the imported files. */
  private Prepared prepare(TreeSources sources, String entry, String format, JsonObject given, String user)
      throws java.io.IOException {
    CompileResult compiled = compiler.flatten(entry, sources);
    if (!compiled.ok()) {
      return new Prepared(compiled, null);
    }
    Compiler.Source src = sources.read(entry);
    List<String> defines = RenderInputs.defines(given,
        CustomizerParams.parse(new String(src.bytes(), StandardCharsets.UTF_8)));
    TreeMap<String, byte[]> imported = new TreeMap<>();
    long total = 0;
    for (String path : RenderInputs.imports(compiled.output(), entry)) {
      Compiler.Source f = sources.read(path);
      if (f != null) {
        total += f.bytes().length;
        if (total > 4L * maxFileBytes) {
          throw BranchworkException.tooLarge("the files the model imports are larger than 4 x limits.maxFileBytes");
        }
        imported.put(path, f.bytes());
      }
    }
    return new Prepared(compiled, new RenderJob(user, workspace.key().project(), entry, format, compiled.output(),
        imported, defines));
  }

  private JsonObject answer(Rendered done, SourceMap map, long t0) {
    JsonArray diags = new JsonArray();
    for (Rendered.Diagnostic d : done.diagnostics()) {
      SourceMap.Location at = map.at(d.line());
      diags.add(new JsonObject().put("path", at.path()).put("line", at.line()).put("severity", d.severity())
          .put("message", d.message()));
    }
    JsonObject stats = new JsonObject();
    done.stats().forEach(stats::put);
    JsonObject out = new JsonObject().put("key", done.key()).put("format", done.format());
    if (done.ok()) {
      out.put("url", "/api/projects/" + workspace.key().project() + "/renders/" + done.key() + "." + done.format())
          .put("bytes", done.bytes()).put("cached", done.cached());
    }
    return out.put("ms", (System.nanoTime() - t0) / 1_000_000).put("stats", stats)
        .put("log", new JsonArray(done.log())).put("diagnostics", diags);
  }

  /** A model that does not compile: no render, the compile's diagnostics. */
  private static JsonObject failed(String format, CompileResult compiled, long t0) {
    JsonObject c = compiled.toJson();
    return new JsonObject().putNull("key").put("format", format).put("ms", (System.nanoTime() - t0) / 1_000_000)
        .put("log", new JsonArray()).put("diagnostics", c.getJsonArray("diagnostics"));
  }
}

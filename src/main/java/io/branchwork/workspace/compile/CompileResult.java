package io.branchwork.workspace.compile;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.Set;

/** The answer of {@code compile}, as the contract shapes it; with the map from output lines to the user's files. */
public record CompileResult(String output, SourceMap map, List<Diagnostic> diagnostics, Set<String> nodes, List<Edge> edges,
    int recompiled) {

  /** A problem found while compiling, at a file and line. */
  public record Diagnostic(String path, int line, String severity, String message) {}

  /** A dependency: {@code from} includes or uses {@code to}. */
  public record Edge(String from, String to, String kind) {}

  public boolean ok() {
    return diagnostics.stream().noneMatch(d -> d.severity().equals("error"));
  }

  public JsonObject toJson() {
    JsonArray diags = new JsonArray();
    diagnostics.forEach(d -> diags.add(new JsonObject().put("path", d.path()).put("line", d.line())
        .put("severity", d.severity()).put("message", d.message())));
    JsonArray edgeList = new JsonArray();
    edges.forEach(e -> edgeList.add(new JsonObject().put("from", e.from()).put("to", e.to()).put("kind", e.kind())));
    return new JsonObject().put("ok", ok()).put("output", output).put("diagnostics", diags)
        .put("graph", new JsonObject().put("nodes", new JsonArray(List.copyOf(nodes))).put("edges", edgeList))
        .put("recompiled", recompiled);
  }
}

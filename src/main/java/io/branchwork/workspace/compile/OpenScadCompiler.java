package io.branchwork.workspace.compile;

import io.branchwork.core.BranchworkException;
import io.branchwork.workspace.compile.CompileResult.Diagnostic;
import io.branchwork.workspace.compile.CompileResult.Edge;
import io.branchwork.workspace.compile.OpenScadParser.Parsed;
import io.branchwork.workspace.compile.OpenScadParser.Segment;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Flattens an OpenSCAD model into one file: {@code include <f>} is replaced by f's content and
 * {@code use <f>} by f's module and function definitions (and those f itself pulls in), both
 * resolved relative to the including file, recursively. Missing files and include cycles are
 * diagnostics. Parses are cached in the state by path and blob id, so a compile after an edit
 * re-parses only the files that changed; the output never depends on the cache.
 */
final class OpenScadCompiler implements Compiler {

  private static final String PARSES = "parses";

  @Override
  public String name() {
    return "openscad";
  }

  @Override
  public boolean accepts(String entry) {
    return entry.toLowerCase(Locale.ROOT).endsWith(".scad");
  }

  /** Diagnostics kept per compile; a hostile model can make millions, and one says as much as many. */
  static final int MAX_DIAGNOSTICS = 100;

  @Override
  public CompileResult compile(String entry, Sources sources, JsonObject state, Limits limits) throws IOException {
    return new Run(sources, state, limits).run(entry);
  }

  /**
   * The workspace path {@code p} names relative to {@code file}'s directory, as openscad resolves
   * it ({@code .} and {@code ..} folded); null when it climbs out of the workspace.
   */
  static String nextTo(String file, String p) {
    int slash = file.lastIndexOf('/');
    Deque<String> parts = new ArrayDeque<>();
    if (slash > 0) {
      for (String seg : file.substring(0, slash).split("/")) {
        parts.addLast(seg);
      }
    }
    for (String seg : p.split("/")) {
      if (seg.isEmpty() || seg.equals(".")) {
        continue;
      }
      if (seg.equals("..")) {
        if (parts.isEmpty()) {
          return null;
        }
        parts.removeLast();
      } else {
        parts.addLast(seg);
      }
    }
    return String.join("/", parts);
  }

  /** One compile: the files it reached, what it emitted, what it found wrong. */
  private static final class Run {
    private final Sources sources;
    private final JsonObject parses;
    private final Map<String, Parsed> seen = new HashMap<>();
    private final Limits limits;
    private final long deadline;
    private final Set<String> nodes = new LinkedHashSet<>();
    private final Set<Edge> edges = new LinkedHashSet<>();
    private final List<Diagnostic> diagnostics = new ArrayList<>();
    private int diagnosticsDropped;
    private final Set<String> usedEmitted = new HashSet<>();
    private final StringBuilder out = new StringBuilder();
    /** The output line being written (1-based), for the source map. */
    private int outLine = 1;
    private SourceMap map;
    private int recompiled;

    Run(Sources sources, JsonObject state, Limits limits) {
      this.sources = sources;
      this.limits = limits;
      this.deadline = System.nanoTime() + limits.timeoutMs() * 1_000_000;
      JsonObject p = state.getJsonObject(PARSES);
      if (p == null) {
        p = new JsonObject();
        state.put(PARSES, p);
      }
      this.parses = p;
    }

    CompileResult run(String entry) throws IOException {
      map = new SourceMap(entry);
      Parsed root = load(entry);
      if (root == null) {
        diagnose(new Diagnostic(entry, 0, "error", "no such file: " + entry));
      } else {
        Deque<String> stack = new ArrayDeque<>();
        stack.push(entry);
        emit(entry, root, stack);
      }
      // Forget parses of files this compile no longer reaches, so the state does not grow forever.
      for (String path : new ArrayList<>(parses.fieldNames())) {
        if (!nodes.contains(path)) {
          parses.remove(path);
        }
      }
      if (diagnosticsDropped > 0) {
        diagnostics.add(new Diagnostic(entry, 0, "error", diagnosticsDropped + " more diagnostics not shown"));
      }
      return new CompileResult(out.toString(), map, diagnostics, nodes, List.copyOf(edges), recompiled);
    }

    private void diagnose(Diagnostic d) {
      if (diagnostics.size() < MAX_DIAGNOSTICS) {
        diagnostics.add(d);
      } else {
        diagnosticsDropped++;
      }
    }

    /** Appends to the output within the limit; checks the deadline, so a runaway model stops here. */
    private void append(String text) {
      if (out.length() + (long) text.length() + 1 > limits.maxOutput()) {
        throw BranchworkException.tooLarge("the flattened model is larger than " + limits.maxOutput()
            + " characters (compile.maxOutputBytes)");
      }
      out.append(text);
      outLine += newlines(text, 0, text.length());
      checkDeadline();
    }

    private void checkDeadline() {
      if (System.nanoTime() - deadline > 0) {
        throw BranchworkException.tooLarge("the compile took longer than " + limits.timeoutMs()
            + " ms (compile.timeoutMs) and was stopped");
      }
    }

    /** The parse of {@code path}, from the cache when its blob is unchanged; null when missing. */
    private Parsed load(String path) throws IOException {
      if (seen.containsKey(path)) {
        return seen.get(path);
      }
      Source src = sources.read(path);
      Parsed parsed = null;
      if (src != null) {
        nodes.add(path);
        JsonObject cached = parses.getJsonObject(path);
        if (cached != null && src.blob().equals(cached.getString("blob"))) {
          parsed = Parsed.fromJson(cached.getJsonObject("parsed"));
        } else {
          parsed = OpenScadParser.parse(new String(src.bytes(), StandardCharsets.UTF_8));
          parses.put(path, new JsonObject().put("blob", src.blob()).put("parsed", parsed.toJson()));
          recompiled++;
        }
        for (SyntaxCheck.Error e : parsed.errors()) {
          diagnose(new Diagnostic(path, e.line(), "error", e.message()));
        }
      }
      seen.put(path, parsed);
      return parsed;
    }

    private void emit(String file, Parsed parsed, Deque<String> stack) throws IOException {
      int[] lines = startLines(parsed.segments());
      for (int i = 0; i < parsed.segments().size(); i++) {
        Segment s = parsed.segments().get(i);
        checkDeadline();
        if (s.kind().equals(OpenScadParser.TEXT)) {
          map.mark(outLine, file, lines[i]);
          append(s.text());
          continue;
        }
        String target = resolve(file, s);
        if (target == null) {
          continue;
        }
        edges.add(new Edge(file, target, s.kind()));
        if (s.kind().equals(OpenScadParser.INCLUDE)) {
          if (stack.contains(target)) {
            diagnose(new Diagnostic(file, s.line(), "error", "include cycle: " + cycle(stack, target)));
            continue;
          }
          if (stack.size() >= limits.maxDepth()) {
            diagnose(tooDeep(file, s));
            continue;
          }
          Parsed inc = load(target);
          if (inc == null) {
            diagnose(new Diagnostic(file, s.line(), "error", "cannot find included file " + s.path()));
            continue;
          }
          stack.push(target);
          emit(target, inc, stack);
          stack.pop();
        } else {
          Parsed used = load(target);
          if (used == null) {
            diagnose(new Diagnostic(file, s.line(), "error", "cannot find used file " + s.path()));
            continue;
          }
          emitDefinitions(target, used, stack.size());
        }
      }
    }

    /** Definitions of a used file and of everything it includes or uses, each file once. */
    private void emitDefinitions(String file, Parsed parsed, int depth) throws IOException {
      if (!usedEmitted.add(file)) {
        return;
      }
      // Each definition is found in the file's text runs, in order, for the line it starts at.
      List<Segment> segs = parsed.segments();
      int[] lines = startLines(segs);
      int seg = 0;
      int from = 0;
      for (String def : parsed.definitions()) {
        int line = 1;
        for (; seg < segs.size(); seg++, from = 0) {
          String text = segs.get(seg).text();
          int at = segs.get(seg).kind().equals(OpenScadParser.TEXT) ? text.indexOf(def, from) : -1;
          if (at >= 0) {
            line = lines[seg] + newlines(text, 0, at);
            from = at + def.length();
            break;
          }
        }
        map.mark(outLine, file, line);
        append(def);
        append("\n");
      }
      for (Segment s : parsed.segments()) {
        if (s.kind().equals(OpenScadParser.TEXT)) {
          continue;
        }
        String target = resolve(file, s);
        if (target == null) {
          continue;
        }
        edges.add(new Edge(file, target, s.kind()));
        if (depth >= limits.maxDepth()) {
          diagnose(tooDeep(file, s));
          continue;
        }
        Parsed dep = load(target);
        if (dep == null) {
          diagnose(new Diagnostic(file, s.line(), "error", "cannot find " + s.kind() + "d file " + s.path()));
        } else {
          emitDefinitions(target, dep, depth + 1);
        }
      }
    }

    /** The line of its file each segment starts at: text runs on from the directive before them. */
    private static int[] startLines(List<Segment> segs) {
      int[] lines = new int[segs.size()];
      int line = 1;
      for (int i = 0; i < segs.size(); i++) {
        Segment s = segs.get(i);
        if (s.kind().equals(OpenScadParser.TEXT)) {
          lines[i] = line;
          line += newlines(s.text(), 0, s.text().length());
        } else {
          line = s.line();
          lines[i] = line;
        }
      }
      return lines;
    }

    private static int newlines(String s, int from, int to) {
      int n = 0;
      for (int i = from; i < to; i++) {
        if (s.charAt(i) == '\n') {
          n++;
        }
      }
      return n;
    }

    private Diagnostic tooDeep(String file, Segment s) {
      return new Diagnostic(file, s.line(), "error", s.kind() + " of " + s.path() + " nests deeper than "
          + limits.maxDepth() + " files (compile.maxDepth)");
    }

    /** The workspace path a directive names, relative to its file; null (with a diagnostic) when it leaves. */
    private String resolve(String file, Segment s) {
      String p = s.path();
      if (p.isEmpty() || p.startsWith("/") || p.indexOf('\\') >= 0 || p.indexOf('\0') >= 0) {
        diagnose(new Diagnostic(file, s.line(), "error", "unsupported path in " + s.kind() + ": " + p));
        return null;
      }
      String target = nextTo(file, p);
      if (target == null) {
        diagnose(new Diagnostic(file, s.line(), "error", s.kind() + " leaves the workspace: " + p));
      }
      return target;
    }

    private static String cycle(Deque<String> stack, String again) {
      List<String> chain = new ArrayList<>(stack);
      Collections.reverse(chain);
      chain.add(again);
      return String.join(" -> ", chain.subList(chain.indexOf(again), chain.size()));
    }
  }
}

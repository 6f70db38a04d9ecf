package io.branchwork.workspace.compile;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.branchwork.contract.ErrorCode;
import io.branchwork.core.BranchworkException;
import io.branchwork.workspace.files.WorkingCopy;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class OpenScadCompilerTest {

  private final Map<String, String> files = new TreeMap<>();
  private final OpenScadCompiler compiler = new OpenScadCompiler();

  /** The shipped defaults of compile.maxOutputBytes, compile.maxDepth and compile.timeoutMs. */
  static final Compiler.Limits DEFAULTS = new Compiler.Limits(16 << 20, 64, 10_000);

  private JsonObject compile(String entry, JsonObject state) throws Exception {
    return compile(entry, state, DEFAULTS);
  }

  private JsonObject compile(String entry, JsonObject state, Compiler.Limits limits) throws Exception {
    return compiler.compile(entry, path -> {
      String s = files.get(path);
      if (s == null) {
        return null;
      }
      byte[] b = s.getBytes(StandardCharsets.UTF_8);
      return new Compiler.Source(b, WorkingCopy.blobId(b));
    }, state, limits).toJson();
  }

  @Test
  @DisplayName("Verifies that syntax errors OpenSCAD would refuse are diagnostics at their file and line: a ';' inside an open bracket, a wrong closer, an unclosed bracket, string or comment")
  void syntaxErrors() throws Exception {
    files.put("main.scad", "include <part.scad>\ncube([1, 2, 3];\nsphere(r = 2]);\n");
    files.put("part.scad", "// ( in a comment, \"[\" in a string\nmodule p() {\n  cylinder(h = 1);\n");
    JsonObject r = compile("main.scad", new JsonObject());
    assertFalse(r.getBoolean("ok"), r::encode);
    List<String> found = new ArrayList<>();
    r.getJsonArray("diagnostics").forEach(d -> {
      JsonObject o = (JsonObject) d;
      found.add(o.getString("path") + ":" + o.getInteger("line") + " " + o.getString("message"));
    });
    assertEquals(List.of("main.scad:2 missing ')' before ';' (the '(' is on line 2)",
        "main.scad:3 expected ')' (for the '(' on line 3), found ']'",
        "part.scad:2 this '{' is never closed with '}'"), found);

    files.put("main.scad", "cube([1, 2, 3]);\necho(\"a; (\"); /* ; [ */\nfor (i = [0:2]) { translate([i, 0, 0]) cube(1); }\n");
    JsonObject fixed = compile("main.scad", new JsonObject());
    assertTrue(fixed.getBoolean("ok"), fixed::encode);

    files.put("main.scad", "echo(\"never closed);\n");
    assertEquals("this string is never closed with \"", compile("main.scad", new JsonObject())
        .getJsonArray("diagnostics").getJsonObject(0).getString("message"));
  }

  @Test
  @DisplayName("include inlines a file; use brings only its modules and functions; both resolve relative to the includer")
  void includeAndUse() throws Exception {
    files.put("main.scad", "include <lib/a.scad>\nuse <lib/b.scad>\ncube(s);\n");
    files.put("lib/a.scad", "s = 3; // from a\ninclude <inner/c.scad>\n");
    files.put("lib/inner/c.scad", "sphere(1);\n");
    files.put("lib/b.scad", "module thing(r = 1) { cylinder(r = r, h = f(2)); }\nfunction f(x) = x * 2;\nx = 5;\ncube(9);\n");
    JsonObject r = compile("main.scad", new JsonObject());
    assertTrue(r.getBoolean("ok"), r::encode);
    String out = r.getString("output");
    assertTrue(out.contains("s = 3; // from a"));
    assertTrue(out.contains("sphere(1);"));
    assertTrue(out.contains("module thing(r = 1) { cylinder(r = r, h = f(2)); }"));
    assertTrue(out.contains("function f(x) = x * 2;"));
    assertFalse(out.contains("x = 5"), "a used file's variables must not come along");
    assertFalse(out.contains("cube(9)"), "a used file's geometry must not come along");
    assertFalse(out.contains("include <"), out);
    assertEquals(4, r.getJsonObject("graph").getJsonArray("nodes").size());
    assertEquals(3, r.getJsonObject("graph").getJsonArray("edges").size());
  }

  @Test
  @DisplayName("Directives inside comments and strings are text, not directives")
  void commentsAndStrings() throws Exception {
    files.put("m.scad", "// include <nope.scad>\n/* use <nope.scad> */\necho(\"include <nope.scad>\");\ncube(1);\n");
    JsonObject r = compile("m.scad", new JsonObject());
    assertTrue(r.getBoolean("ok"), r::encode);
    assertEquals(files.get("m.scad"), r.getString("output"));
  }

  @Test
  @DisplayName("A missing file and an include cycle are error diagnostics with path and line, not a hang")
  void missingAndCycle() throws Exception {
    files.put("m.scad", "cube(1);\n\ninclude <gone.scad>\ninclude <a.scad>\n");
    files.put("a.scad", "include <b.scad>\n");
    files.put("b.scad", "sphere(2);\ninclude <a.scad>\n");
    JsonObject r = compile("m.scad", new JsonObject());
    assertFalse(r.getBoolean("ok"));
    var diags = r.getJsonArray("diagnostics");
    assertEquals(new JsonObject().put("path", "m.scad").put("line", 3).put("severity", "error")
        .put("message", "cannot find included file gone.scad"), diags.getJsonObject(0));
    assertEquals("b.scad", diags.getJsonObject(1).getString("path"));
    assertEquals(2, diags.getJsonObject(1).getInteger("line"));
    assertTrue(diags.getJsonObject(1).getString("message").contains("a.scad -> b.scad -> a.scad"));
    files.put("u.scad", "use <../../etc/passwd>\n");
    assertFalse(compile("u.scad", new JsonObject()).getBoolean("ok"));
  }

  @Test
  @DisplayName("recompiled counts re-parsed files: all at first, 0 with no edit, 1 after one file changed")
  void incremental() throws Exception {
    files.put("m.scad", "include <a.scad>\nuse <b.scad>\nt();\n");
    files.put("a.scad", "cube(1);\n");
    files.put("b.scad", "module t() sphere(1);\n");
    JsonObject state = new JsonObject();
    assertEquals(3, compile("m.scad", state).getInteger("recompiled"));
    assertEquals(0, compile("m.scad", state).getInteger("recompiled"));
    files.put("b.scad", "module t() sphere(2);\n");
    JsonObject r = compile("m.scad", state);
    assertEquals(1, r.getInteger("recompiled"));
    assertTrue(r.getString("output").contains("sphere(2)"));
    // the state survives a round trip through JSON text, as it does on disk
    JsonObject reloaded = new JsonObject(state.encode());
    assertEquals(0, compile("m.scad", reloaded).getInteger("recompiled"));
  }

  @Test
  @DisplayName("After any sequence of random edits, an incremental compile equals a compile from nothing")
  void randomEditsMatchFreshCompile() throws Exception {
    Random random = new Random(20261121);
    List<String> names = List.of("m.scad", "a.scad", "lib/b.scad", "lib/c.scad", "d.scad");
    for (String n : names) {
      files.put(n, "cube(1);\n");
    }
    JsonObject state = new JsonObject();
    for (int step = 0; step < 300; step++) {
      String target = names.get(random.nextInt(names.size()));
      String other = names.get(random.nextInt(names.size()));
      String rel = relative(target, other);
      String line = switch (random.nextInt(7)) {
        case 0 -> "include <" + rel + ">\n";
        case 1 -> "use <" + rel + ">\n";
        case 2 -> "module m" + random.nextInt(5) + "() cube(" + random.nextInt(9) + ");\n";
        case 3 -> "function f" + random.nextInt(5) + "(x) = x + " + random.nextInt(9) + ";\n";
        case 4 -> "v" + random.nextInt(5) + " = " + random.nextInt(9) + ";\n";
        case 5 -> "include <missing" + random.nextInt(3) + ".scad>\n";
        default -> "sphere(" + random.nextInt(9) + ");\n";
      };
      if (random.nextInt(4) == 0) {
        files.put(target, line);
      } else if (random.nextInt(10) == 0) {
        files.remove(target);
      } else {
        files.merge(target, line, String::concat);
      }
      JsonObject incremental = compile("m.scad", state);
      JsonObject fresh = compile("m.scad", new JsonObject());
      incremental.remove("recompiled");
      fresh.remove("recompiled");
      assertEquals(fresh, incremental, "step " + step);
    }
  }

  private static String relative(String from, String to) {
    List<String> up = new ArrayList<>(List.of(from.split("/")));
    up.remove(up.size() - 1);
    return "../".repeat(up.size()) + to;
  }

  // --- issue 11 item 7: a reader's compile is bounded in output, depth and time

  @Test
  @DisplayName("Two files including each other 1000 times each: a bounded answer with at most 101 diagnostics")
  void mutualIncludes() throws Exception {
    files.put("a.scad", "include <b.scad>\n".repeat(1000));
    files.put("b.scad", "include <a.scad>\n".repeat(1000));
    JsonObject r = compile("a.scad", new JsonObject());
    assertFalse(r.getBoolean("ok"));
    assertTrue(r.getJsonArray("diagnostics").size() <= OpenScadCompiler.MAX_DIAGNOSTICS + 1);
    // the flat model is a million newlines (1 MiB); the diagnostics no longer add 117 MiB to it
    assertTrue(r.encode().length() < 4 << 20, "reply of " + r.encode().length() + " characters");
    assertEquals(2, r.getJsonObject("graph").getJsonArray("edges").size(), "edges are listed once each");
  }

  @Test
  @DisplayName("A 10,000-deep include chain stops at compile.maxDepth with a diagnostic, not a stack overflow")
  void deepChain() throws Exception {
    for (int i = 0; i < 10_000; i++) {
      files.put("f" + i + ".scad", "include <f" + (i + 1) + ".scad>\ncube(" + i + ");\n");
    }
    JsonObject r = compile("f0.scad", new JsonObject());
    assertFalse(r.getBoolean("ok"));
    assertTrue(r.getJsonArray("diagnostics").encode().contains("compile.maxDepth"), r.getJsonArray("diagnostics")::encode);
    assertTrue(r.getJsonObject("graph").getJsonArray("nodes").size() <= DEFAULTS.maxDepth() + 1);
  }

  @Test
  @DisplayName("A deep use chain is bounded the same way")
  void deepUseChain() throws Exception {
    for (int i = 0; i < 5_000; i++) {
      files.put("u" + i + ".scad", "use <u" + (i + 1) + ".scad>\nmodule m" + i + "() {}\n");
    }
    JsonObject r = compile("u0.scad", new JsonObject());
    assertTrue(r.getJsonArray("diagnostics").encode().contains("compile.maxDepth"));
  }

  @Test
  @DisplayName("1000 x 1000 includes of 100 bytes (95 MiB flat) is too_large, naming compile.maxOutputBytes")
  void fanOut() throws Exception {
    files.put("main.scad", "include <mid.scad>\n".repeat(1000));
    files.put("mid.scad", "include <leaf.scad>\n".repeat(1000));
    files.put("leaf.scad", "// " + "x".repeat(94) + "\n");
    BranchworkException e = assertThrows(BranchworkException.class, () -> compile("main.scad", new JsonObject()));
    assertEquals(ErrorCode.TOO_LARGE, e.code());
    assertTrue(e.getMessage().contains("compile.maxOutputBytes"), e.getMessage());
  }

  @Test
  @DisplayName("A third level of fan-out (about 100 GB flat) stops at compile.timeoutMs even with no output limit")
  void timeBound() throws Exception {
    files.put("main.scad", "include <mid.scad>\n".repeat(1000));
    files.put("mid.scad", "include <low.scad>\n".repeat(1000));
    files.put("low.scad", "include <leaf.scad>\n".repeat(1000));
    files.put("leaf.scad", "\n");
    long t0 = System.nanoTime();
    BranchworkException e = assertThrows(BranchworkException.class,
        () -> compile("main.scad", new JsonObject(), new Compiler.Limits(Long.MAX_VALUE, 64, 300)));
    assertEquals(ErrorCode.TOO_LARGE, e.code());
    assertTrue(e.getMessage().contains("compile.timeoutMs"), e.getMessage());
    // it stopped its work: well before the billion steps the model asks for
    assertTrue(System.nanoTime() - t0 < 30_000_000_000L);
  }

  @Test
  @DisplayName("Parsing 4 MiB of unclosed 'include <' on one line is linear, not one scan to the end per directive")
  void unclosedDirectives() throws Exception {
    files.put("m.scad", "include <".repeat(450_000) + "\ncube(1);\n");
    long t0 = System.nanoTime();
    JsonObject r = compile("m.scad", new JsonObject());
    assertTrue(r.getString("output").endsWith("cube(1);\n"));
    // quadratic, this is 10^11 character visits (minutes); linear, milliseconds
    assertTrue(System.nanoTime() - t0 < 10_000_000_000L);
  }
}

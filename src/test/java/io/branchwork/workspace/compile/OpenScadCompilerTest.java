package io.branchwork.workspace.compile;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

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

  private JsonObject compile(String entry, JsonObject state) throws Exception {
    return compiler.compile(entry, path -> {
      String s = files.get(path);
      if (s == null) {
        return null;
      }
      byte[] b = s.getBytes(StandardCharsets.UTF_8);
      return new Compiler.Source(b, WorkingCopy.blobId(b));
    }, state).toJson();
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
}

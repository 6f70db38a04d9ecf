package io.branchwork.workspace.compile;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.branchwork.support.Cli;
import io.branchwork.workspace.files.WorkingCopy;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.io.TempDir;

/** The flattened model renders exactly as the multi-file original in the real openscad. */
class OpenScadCsgTest {

  @TempDir
  Path dir;

  private static final Map<String, Map<String, String>> MODELS = Map.of(
      "nested", Map.of(
          "main.scad", "include <parts/base.scad>\nuse <parts/lib.scad>\nplate(size);\ntranslate([0, 0, 5]) peg(2);\n",
          "parts/base.scad", "size = 10;\ninclude <deep/colors.scad>\n",
          "parts/deep/colors.scad", "color(\"red\") sphere(1);\n",
          "parts/lib.scad", "use <shapes.scad>\nmodule plate(s) { cube([s, s, 1]); }\n"
              + "module peg(r) { cylinder(r = r, h = height(r)); rounded(r); }\nheight_default = 3;\ncube(100);\n",
          "parts/shapes.scad", "function height(r) = r * 3;\nmodule rounded(r) { translate([0, 0, height(r)]) sphere(r); }\n"),
      "comments", Map.of(
          "main.scad", "/* include <nothing.scad> */\n// use <nothing.scad>\nuse <m.scad>\nm(); echo(\"include <x>\");\n",
          "m.scad", "module m() {\n  // a comment with } brace\n  difference() { cube(3); sphere(2); }\n}\nfunction unused(a) = [for (i = [0:a]) i];\n"));

  @ParameterizedTest
  @ValueSource(strings = {"nested", "comments"})
  @DisplayName("openscad -o x.csg gives the same CSG tree for the flattened file as for the original")
  void sameCsg(String model) throws Exception {
    Path src = Files.createDirectories(dir.resolve("src"));
    for (var e : MODELS.get(model).entrySet()) {
      Path p = src.resolve(e.getKey());
      Files.createDirectories(p.getParent());
      Files.writeString(p, e.getValue());
    }
    WorkingCopy wc = new WorkingCopy(src.toRealPath(), 1 << 20);
    JsonObject r = new OpenScadCompiler().compile("main.scad", path -> {
      try {
        WorkingCopy.Content c = wc.read(path);
        return new Compiler.Source(c.bytes(), c.blob());
      } catch (RuntimeException e) {
        return null;
      }
    }, new JsonObject(), OpenScadCompilerTest.DEFAULTS).toJson();
    assertTrue(r.getBoolean("ok"), r::encode);
    Path flat = dir.resolve("flat.scad");
    Files.writeString(flat, r.getString("output"));

    assertTrue(Cli.exec(dir, "sh", "-c", "command -v openscad").exit() == 0,
        "openscad is needed for this test: apt-get install openscad (.ci/run installs it)");
    Cli.run(src, "openscad", "-o", dir.resolve("original.csg").toString(), "main.scad");
    Cli.run(dir, "openscad", "-o", dir.resolve("flat.csg").toString(), flat.toString());
    String original = Files.readString(dir.resolve("original.csg"));
    assertTrue(original.contains("cylinder") || original.contains("difference"), original);
    assertEquals(original, Files.readString(dir.resolve("flat.csg")));
  }
}

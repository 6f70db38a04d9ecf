package io.branchwork.render;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.branchwork.contract.ErrorCode;
import io.branchwork.core.BranchworkException;
import io.branchwork.core.WorkspaceKey;
import io.branchwork.support.Http;
import io.branchwork.support.TestNode;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code render} with the real openscad in the real bubblewrap: meshes served to readers with
 * immutable caching, rendered once per node (across branches and projects), customizer values
 * checked, diagnostics in the user's files, and nothing of the host visible to a model.
 */
@Timeout(180)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RenderTest {

  /** A closed tetrahedron, as a project's own file to import. */
  static final String TETRA = "solid t\n" + facet("0 0 0", "0 1 0", "1 0 0") + facet("0 0 0", "1 0 0", "0 0 1")
      + facet("0 0 0", "0 0 1", "0 1 0") + facet("1 0 0", "0 1 0", "0 0 1") + "endsolid t\n";

  @TempDir
  static Path dir;
  TestNode node;
  String alice;
  String bob;
  WorkspaceKey key;

  @BeforeAll
  void start() {
    node = TestNode.start(dir.resolve("data"));
    alice = node.login("alice");
    bob = node.login("bob");
    key = node.openNewProject(alice, "cad", "h");
  }

  @AfterAll
  void stop() {
    node.close();
  }

  private static String facet(String a, String b, String c) {
    return "facet normal 0 0 0\nouter loop\nvertex " + a + "\nvertex " + b + "\nvertex " + c + "\nendloop\nendfacet\n";
  }

  private JsonObject render(WorkspaceKey k, String user, JsonObject args) {
    return node.ws(k, user, "render", args);
  }

  private JsonObject render(WorkspaceKey k, String entry) {
    return render(k, "alice", new JsonObject().put("entry", entry));
  }

  @Test
  @DisplayName("A render answers a key and a url; the mesh is served to readers with immutable caching; the same model renders once, in another project too")
  void rendersOnceAndServes() {
    node.writeText(key, "alice", "box.scad", "include <lib/size.scad>\ncube(size);\n");
    node.writeText(key, "alice", "lib/size.scad", "size = 10;\n");
    JsonObject first = render(key, "box.scad");
    assertTrue(first.getString("key").matches("[0-9a-f]{64}"), first::encode);
    assertFalse(first.getBoolean("cached"));
    assertEquals(6L, first.getJsonObject("stats").getLong("facets"), first::encode);
    assertEquals("/api/projects/cad/renders/" + first.getString("key") + ".stl", first.getString("url"));
    Http.Response mesh = node.http.get(first.getString("url"), alice).expect(200);
    assertTrue(mesh.text().startsWith("solid"), mesh.text());
    assertEquals(first.getLong("bytes"), (long) mesh.body().length);
    assertEquals("model/stl", mesh.raw().headers().firstValue("Content-Type").orElse(""));
    assertTrue(mesh.raw().headers().firstValue("Cache-Control").orElse("").contains("immutable"));

    JsonObject again = render(key, "box.scad");
    assertEquals(first.getString("key"), again.getString("key"));
    assertTrue(again.getBoolean("cached"), again::encode);
    assertEquals(first.getJsonArray("log"), again.getJsonArray("log"));

    // Not a reader of cad: no mesh, and no telling whether the project exists.
    node.http.get(first.getString("url"), bob).expect(404);
    node.http.get(first.getString("url"), null).expect(401);
    node.http.get("/api/projects/cad/renders/" + "0".repeat(64) + ".stl", alice).expect(404);
    node.http.get("/api/projects/cad/renders/" + first.getString("key") + ".off", alice).expect(404);
    node.http.get("/api/projects/cad/renders/..%2F..%2Fetc%2Fpasswd", alice).expect(404);

    // The same model in bob's own project: answered from the cache, and now his to download.
    WorkspaceKey other = node.openNewProject(bob, "copy", "h2");
    node.writeText(other, "bob", "box.scad", "include <lib/size.scad>\ncube(size);\n");
    node.writeText(other, "bob", "lib/size.scad", "size = 10;\n");
    JsonObject copied = render(other, "bob", new JsonObject().put("entry", "box.scad"));
    assertEquals(first.getString("key"), copied.getString("key"));
    assertTrue(copied.getBoolean("cached"));
    node.http.get(copied.getString("url"), bob).expect(200);

    // An edit to an included file is a new model.
    node.writeText(key, "alice", "lib/size.scad", "size = 12;\n");
    JsonObject edited = render(key, "box.scad");
    assertNotEquals(first.getString("key"), edited.getString("key"));
    assertFalse(edited.getBoolean("cached"));
  }

  @Test
  @DisplayName("Customizer values override the model's, each checked against its declared type; they are part of the key")
  void params() {
    node.writeText(key, "alice", "p.scad", "w = 10; // [5:50]\nlabel = \"x\";\nround = false;\nv = [1, 2, 3];\n"
        + "module m() {}\ncube([w, v[1], 1]);\n");
    JsonObject plain = render(key, "p.scad");
    JsonObject wide = render(key, "alice", new JsonObject().put("entry", "p.scad")
        .put("params", new JsonObject().put("w", 20).put("label", "a \"quoted\" \\ label; echo(1)").put("round", true)
            .put("v", new JsonArray().add(1).add(4.5).add(3))));
    assertNotNull(wide.getString("key"), wide::encode);
    assertNotEquals(plain.getString("key"), wide.getString("key"));
    for (JsonObject bad : new JsonObject[] {
        new JsonObject().put("nope", 1), new JsonObject().put("w", "20"), new JsonObject().put("round", 1),
        new JsonObject().put("label", "line\nbreak"), new JsonObject().put("v", new JsonArray().add("x")),
        new JsonObject().put("w", new JsonArray().add(1))}) {
      BranchworkException e = assertThrows(BranchworkException.class, () -> render(key, "alice",
          new JsonObject().put("entry", "p.scad").put("params", bad)));
      assertEquals(ErrorCode.BAD_REQUEST, e.code(), bad::encode);
    }
    assertEquals(ErrorCode.BAD_REQUEST, assertThrows(BranchworkException.class, () -> render(key, "alice",
        new JsonObject().put("entry", "p.scad").put("params", "w=1"))).code());
    assertEquals(ErrorCode.BAD_REQUEST, assertThrows(BranchworkException.class, () -> render(key, "alice",
        new JsonObject().put("entry", "p.scad").put("format", "obj"))).code());
    assertEquals(ErrorCode.BAD_REQUEST, assertThrows(BranchworkException.class, () -> render(key, "alice",
        new JsonObject().put("entry", "notes.txt"))).code());
  }

  @Test
  @DisplayName("Every format renders and is served: stl, off, 3mf, amf")
  void formats() {
    node.writeText(key, "alice", "f.scad", "sphere(5, $fn = 12);\n");
    for (String format : new String[] {"stl", "off", "3mf", "amf"}) {
      JsonObject r = render(key, "alice", new JsonObject().put("entry", "f.scad").put("format", format));
      assertNotNull(r.getString("key"), r::encode);
      assertTrue(r.getString("url").endsWith("." + format));
      assertTrue(node.http.get(r.getString("url"), alice).expect(200).body().length > 100, format);
    }
  }

  @Test
  @DisplayName("A model sees its own files and nothing of the host: absolute and .. paths find nothing, a project file imports, and its bytes are in the key")
  void sandbox() throws Exception {
    Path secret = Files.writeString(dir.resolve("host.stl"), TETRA);
    Path dat = Files.writeString(dir.resolve("host.dat"), "1 2\n3 4\n");
    String up = "../".repeat(30);
    for (String model : new String[] {"import(\"" + secret + "\");", "surface(file = \"" + dat + "\");",
        "import(\"" + up + secret.toString().substring(1) + "\");", "surface(file=\"/etc/hostname\");",
        "import(\"/proc/self/environ\");"}) {
      node.writeText(key, "alice", "deep/er/host.scad", model + "\n");
      JsonObject r = render(key, "deep/er/host.scad");
      assertNull(r, model);
    }
    node.writeText(key, "alice", "parts/t.stl", TETRA);
    node.writeText(key, "alice", "models/imp.scad", "scale(10) import(\"../parts/t.stl\");\n");
    JsonObject imported = render(key, "models/imp.scad");
    assertNotNull(imported.getString("key"), imported::encode);
    assertEquals(4L, imported.getJsonObject("stats").getLong("facets"), imported::encode);
    node.writeText(key, "alice", "parts/t.stl", TETRA.replace("vertex 0 0 1", "vertex 0 0 2"));
    assertNotEquals(imported.getString("key"), render(key, "models/imp.scad").getString("key"));
  }

  /** A host file the model named was not there: no mesh, and openscad said so. */
  private static void assertNull(JsonObject r, String model) {
    assertTrue(r.getValue("key") == null, () -> model + " rendered: " + r.encode());
    assertTrue(r.getJsonArray("diagnostics").size() > 0, r::encode);
  }

  @Test
  @DisplayName("openscad's messages point into the user's files and lines, never into the flattened text")
  void diagnosticsMapBack() {
    node.writeText(key, "alice", "d/lib/parts.scad", "// parts\nmodule widget() {\n  translate([zz, 0, 0])\n    cube(1);\n}\n");
    node.writeText(key, "alice", "d/head.scad", "w = 1;\n\n");
    node.writeText(key, "alice", "d/main.scad", "include <head.scad>\nuse <lib/parts.scad>\n\nwidget();\ncube(qq);\n");
    JsonObject r = render(key, "d/main.scad");
    JsonArray diags = r.getJsonArray("diagnostics");
    assertTrue(diags.stream().map(JsonObject.class::cast).anyMatch(d -> d.getString("path").equals("d/lib/parts.scad")
        && d.getInteger("line") == 3 && d.getString("message").contains("zz")
        && d.getString("severity").equals("warning")), diags::encode);
    assertTrue(diags.stream().map(JsonObject.class::cast).anyMatch(d -> d.getString("path").equals("d/main.scad")
        && d.getInteger("line") == 5 && d.getString("message").contains("qq")), diags::encode);

    node.writeText(key, "alice", "d/empty.scad", "x = 1;\n");
    JsonObject empty = render(key, "d/empty.scad");
    assertEquals(null, empty.getValue("key"));
    assertTrue(empty.getJsonArray("diagnostics").getJsonObject(0).getString("message").contains("empty"), empty::encode);

    node.writeText(key, "alice", "d/syntax.scad", "cube(1;\n");
    JsonObject syntax = render(key, "d/syntax.scad");
    assertEquals(null, syntax.getValue("key"));
    assertEquals("d/syntax.scad", syntax.getJsonArray("diagnostics").getJsonObject(0).getString("path"));

    node.writeText(key, "alice", "d/rec.scad", "module r(n) { r(n + 1); }\nr(0);\n");
    JsonObject rec = render(key, "d/rec.scad");
    assertEquals(null, rec.getValue("key"), rec::encode);
  }
}

package io.branchwork.workspace.compile;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class CustomizerParamsTest {

  @Test
  @DisplayName("Verifies the customizer's syntax: sliders, lists with labels, booleans, strings, vectors, groups, Hidden, descriptions, and the stop at the first module")
  void customizerSyntax() {
    String model = String.join("\n",
        "// The width of the box",
        "width = 40; // [10:5:100]",
        "height = 20; // [50]",
        "label = \"Hi \\\"there\\\"\";",
        "round = true;",
        "/* [Shape] */",
        "shape = \"cube\"; // [cube, sphere, \"cone\"]",
        "size = 2; // [1:small, 2:big]",
        "offset = [1, 2.5, -3];",
        "derived = width * 2;",
        "/* [Hidden] */",
        "secret = 7;",
        "/* [More] */",
        "if (round) { inner = 1; }",
        "after = 3; // just a note",
        "module box() { cube(width); }",
        "late = 5;");
    JsonArray p = CustomizerParams.parse(model);
    assertEquals(new JsonObject().put("name", "width").put("type", "number").put("default", 40).put("min", 10)
        .put("max", 100).put("step", 5).put("description", "The width of the box"), p.getJsonObject(0));
    assertEquals(new JsonObject().put("name", "height").put("type", "number").put("default", 20).put("min", 0)
        .put("max", 50), p.getJsonObject(1));
    assertEquals("Hi \"there\"", p.getJsonObject(2).getString("default"));
    assertEquals(true, p.getJsonObject(3).getBoolean("default"));
    JsonObject shape = p.getJsonObject(4);
    assertEquals("Shape", shape.getString("group"));
    assertEquals(new JsonArray().add(new JsonObject().put("value", "cube")).add(new JsonObject().put("value", "sphere"))
        .add(new JsonObject().put("value", "cone")), shape.getJsonArray("options"));
    assertEquals(new JsonArray().add(new JsonObject().put("value", 1).put("label", "small"))
        .add(new JsonObject().put("value", 2).put("label", "big")), p.getJsonObject(5).getJsonArray("options"));
    assertEquals(new JsonArray().add(1).add(2.5).add(-3), p.getJsonObject(6).getJsonArray("default"));
    JsonObject after = p.getJsonObject(7);
    assertEquals("after", after.getString("name"), "derived values, Hidden ones and block-local ones are no parameters");
    assertEquals("just a note", after.getString("description"));
    assertEquals("More", after.getString("group"));
    assertEquals(8, p.size(), "nothing after the first module");
  }

  @Test
  @DisplayName("Verifies that hostile text stays bounded: huge lines and a flood of assignments")
  void bounded() {
    StringBuilder sb = new StringBuilder("x = ").append("9".repeat(100_000)).append(";\n");
    for (int i = 0; i < 2_000; i++) {
      sb.append("p").append(i).append(" = ").append(i).append(";\n");
    }
    JsonArray p = CustomizerParams.parse(sb.toString());
    assertEquals(CustomizerParams.MAX_PARAMS, p.size());
    assertEquals("p0", p.getJsonObject(0).getString("name"), "an over-long value is no parameter");
  }
}

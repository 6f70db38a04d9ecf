package io.branchwork.workspace.compile;

import io.branchwork.core.BranchworkException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What a render takes beside the flattened model, from untrusted input: the customizer values of
 * a request as {@code -D name=value} (names the entry's customizer declares, values of their type,
 * formatted here: a value never becomes an expression), and the files the model imports by a
 * literal name ({@code import("part.stl")}, {@code surface(file="map.png")}), resolved relative to
 * the entry's directory as openscad resolves them in the flattened file.
 */
public final class RenderInputs {

  static final int MAX_STRING = 1000;
  static final int MAX_VECTOR = 16;
  public static final int MAX_IMPORTS = 64;
  private static final Pattern IMPORT = Pattern.compile(
      "\\b(?:import|surface)\\s*\\(\\s*(?:file\\s*=\\s*)?\"((?:[^\"\\\\\\r\\n]|\\\\.){1,1000})\"");

  private RenderInputs() {}

  /** {@code given} ({name: value}) as openscad definitions, checked against the parameters {@code declared}. */
  public static List<String> defines(JsonObject given, JsonArray declared) {
    if (given == null || given.isEmpty()) {
      return List.of();
    }
    if (given.size() > CustomizerParams.MAX_PARAMS) {
      throw BranchworkException.badRequest("more than " + CustomizerParams.MAX_PARAMS + " params");
    }
    Map<String, String> types = new java.util.HashMap<>();
    declared.forEach(p -> types.put(((JsonObject) p).getString("name"), ((JsonObject) p).getString("type")));
    List<String> out = new ArrayList<>();
    for (String name : new java.util.TreeSet<>(given.fieldNames())) {
      String type = types.get(name);
      if (type == null) {
        throw BranchworkException.badRequest("'" + name + "' is not a customizer parameter of this model");
      }
      out.add(name + "=" + literal(name, type, given.getValue(name)));
    }
    return out;
  }

  private static String literal(String name, String type, Object v) {
    switch (type) {
      case "number":
        if (v instanceof Number n) {
          return number(name, n);
        }
        break;
      case "boolean":
        if (v instanceof Boolean b) {
          return b.toString();
        }
        break;
      case "string":
        if (v instanceof String s) {
          return string(name, s);
        }
        break;
      case "vector":
        if (v instanceof JsonArray a && !a.isEmpty() && a.size() <= MAX_VECTOR) {
          List<String> parts = new ArrayList<>();
          for (Object x : a) {
            if (!(x instanceof Number n)) {
              throw BranchworkException.badRequest("'" + name + "' must be a vector of numbers");
            }
            parts.add(number(name, n));
          }
          return "[" + String.join(",", parts) + "]";
        }
        throw BranchworkException.badRequest("'" + name + "' must be a vector of 1 to " + MAX_VECTOR + " numbers");
      default:
        break;
    }
    throw BranchworkException.badRequest("'" + name + "' must be a " + type);
  }

  private static String number(String name, Number n) {
    if (n instanceof Double || n instanceof Float) {
      double d = n.doubleValue();
      if (!Double.isFinite(d)) {
        throw BranchworkException.badRequest("'" + name + "' must be a finite number");
      }
      return d == Math.rint(d) && Math.abs(d) < 1e15 ? Long.toString((long) d) : Double.toString(d);
    }
    return Long.toString(n.longValue());
  }

  private static String string(String name, String s) {
    if (s.length() > MAX_STRING) {
      throw BranchworkException.badRequest("'" + name + "' is longer than " + MAX_STRING + " characters");
    }
    StringBuilder b = new StringBuilder("\"");
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c < 0x20 || c == 0x7f) {
        throw BranchworkException.badRequest("'" + name + "' has a control character");
      }
      if (c == '"' || c == '\\') {
        b.append('\\');
      }
      b.append(c);
    }
    return b.append('"').toString();
  }

  /**
   * The workspace paths the model names in {@code import()}/{@code surface()} with a literal,
   * relative to the entry's directory; a name outside the workspace is left out (inside the
   * sandbox it names nothing).
   */
  public static List<String> imports(String flattened, String entry) {
    Set<String> out = new LinkedHashSet<>();
    Matcher m = IMPORT.matcher(flattened);
    while (m.find()) {
      String path = resolve(entry, m.group(1).replace("\\\"", "\"").replace("\\\\", "\\"));
      if (path != null && !path.equals(entry) && out.add(path) && out.size() > MAX_IMPORTS) {
        throw BranchworkException.tooLarge("the model imports more than " + MAX_IMPORTS + " files");
      }
    }
    return List.copyOf(out);
  }

  private static String resolve(String entry, String name) {
    if (name.startsWith("/") || name.indexOf('\\') >= 0 || name.indexOf('\0') >= 0) {
      return null;
    }
    String path = OpenScadCompiler.nextTo(entry, name);
    return path == null || path.isEmpty() ? null : path;
  }
}

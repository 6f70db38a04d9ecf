package io.branchwork.workspace.compile;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A model's customizer parameters, read as OpenSCAD's customizer reads them: the top-level
 * assignments of the entry file with a literal value (number, boolean, string or vector of
 * numbers), up to the first {@code module} or {@code function}; the comment on the line above is
 * the description; a comment after the value is the widget ({@code [10:50]} or
 * {@code [10:5:50]} a slider, {@code [50]} a slider from 0, {@code [a, b, c]} or
 * {@code [1:small, 2:big]} a list); {@code /* [Group] *}{@code /} starts a group and
 * {@code [Hidden]} hides what follows. Pure: no file is read here. Bounded: at most
 * {@link #MAX_PARAMS} parameters.
 */
public final class CustomizerParams {

  public static final int MAX_PARAMS = 500;

  private static final Pattern GROUP = Pattern.compile("^\\s*/\\*\\s*\\[([^\\]]{1,100})]\\s*\\*/\\s*$");
  private static final Pattern ASSIGN = Pattern.compile(
      "^([A-Za-z_$][A-Za-z0-9_]{0,63})\\s*=\\s*([^;]{1,1000});\\s*(?://\\s*(.{0,1000}))?$");
  private static final Pattern NUMBER = Pattern.compile("[-+]?(?:\\d+\\.?\\d*|\\.\\d+)(?:[eE][-+]?\\d+)?");
  private static final Pattern STRING = Pattern.compile("\"((?:[^\"\\\\]|\\\\.)*)\"");
  private static final Pattern VECTOR = Pattern.compile("\\[\\s*(" + NUMBER.pattern() + "(?:\\s*,\\s*"
      + NUMBER.pattern() + "){0,3})\\s*]");
  private static final Pattern DEFINITION = Pattern.compile("^\\s*(module|function)\\b");

  private CustomizerParams() {}

  /** The parameters of {@code source}, as the contract's {@code params} answer lists them. */
  public static JsonArray parse(String source) {
    JsonArray out = new JsonArray();
    String group = null;
    boolean hidden = false;
    String previous = "";
    int depth = 0;
    for (String line : source.split("\r?\n", -1)) {
      if (out.size() >= MAX_PARAMS || DEFINITION.matcher(line).find()) {
        break;
      }
      Matcher g = GROUP.matcher(line);
      if (g.matches()) {
        group = g.group(1).trim();
        hidden = group.equalsIgnoreCase("Hidden");
        previous = "";
        continue;
      }
      Matcher a = depth == 0 ? ASSIGN.matcher(line.strip()) : null;
      if (a != null && a.matches() && !hidden) {
        JsonObject p = param(a.group(1), a.group(2).strip(), a.group(3));
        if (p != null) {
          if (group != null) {
            p.put("group", group);
          }
          String description = previous.strip();
          if (description.startsWith("//")) {
            p.put("description", description.substring(2).strip());
          }
          out.add(p);
        }
      }
      depth = Math.max(0, depth + count(line, '{') - count(line, '}'));
      previous = line;
    }
    return out;
  }

  private static int count(String s, char c) {
    int n = 0;
    for (int i = 0; i < s.length(); i++) {
      if (s.charAt(i) == c) {
        n++;
      }
    }
    return n;
  }

  /** One parameter, or null when its value is not a literal the customizer shows. */
  private static JsonObject param(String name, String value, String widget) {
    JsonObject p = new JsonObject().put("name", name);
    if (NUMBER.matcher(value).matches()) {
      p.put("type", "number").put("default", number(value));
    } else if (value.equals("true") || value.equals("false")) {
      p.put("type", "boolean").put("default", Boolean.parseBoolean(value));
    } else if (STRING.matcher(value).matches()) {
      p.put("type", "string").put("default", unquote(value));
    } else if (VECTOR.matcher(value).matches()) {
      JsonArray v = new JsonArray();
      for (String n : value.substring(1, value.length() - 1).split(",")) {
        v.add(number(n.strip()));
      }
      p.put("type", "vector").put("default", v);
    } else {
      return null;
    }
    if (widget != null) {
      widget(p, widget.strip());
    }
    return p;
  }

  /** Reads a widget comment into min/max/step or options; anything else is the description. */
  private static void widget(JsonObject p, String widget) {
    if (!widget.startsWith("[") || !widget.endsWith("]")) {
      if (!widget.isEmpty()) {
        p.put("description", widget);
      }
      return;
    }
    String inside = widget.substring(1, widget.length() - 1).strip();
    String[] range = inside.split(":");
    if (!inside.contains(",") && range.length <= 3 && allNumbers(range)) {
      if (range.length == 1) {
        p.put("min", 0).put("max", number(range[0].strip()));
      } else {
        p.put("min", number(range[0].strip())).put("max", number(range[range.length - 1].strip()));
        if (range.length == 3) {
          p.put("step", number(range[1].strip()));
        }
      }
      return;
    }
    JsonArray options = new JsonArray();
    for (String o : inside.split(",")) {
      String item = o.strip();
      int colon = item.indexOf(':');
      String val = colon < 0 ? item : item.substring(0, colon).strip();
      String label = colon < 0 ? null : item.substring(colon + 1).strip();
      Object v = NUMBER.matcher(val).matches() ? number(val) : STRING.matcher(val).matches() ? unquote(val) : val;
      JsonObject opt = new JsonObject().put("value", v);
      if (label != null) {
        opt.put("label", label);
      }
      options.add(opt);
    }
    p.put("options", options);
  }

  private static boolean allNumbers(String[] parts) {
    for (String s : parts) {
      if (!NUMBER.matcher(s.strip()).matches()) {
        return false;
      }
    }
    return true;
  }

  private static Number number(String s) {
    double d = Double.parseDouble(s);
    return d == Math.rint(d) && Math.abs(d) < 1e15 ? (Number) (long) d : (Number) d;
  }

  private static String unquote(String s) {
    return s.substring(1, s.length() - 1).replace("\\\"", "\"").replace("\\\\", "\\");
  }
}

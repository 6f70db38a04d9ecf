package io.branchwork.workspace.compile;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads an OpenSCAD file into what flattening needs: its text cut at every {@code include <f>}
 * and {@code use <f>} (outside comments and strings), and its top-level module and function
 * definitions. Pure and deterministic, so a parse can be cached by the file's blob id.
 */
final class OpenScadParser {

  /** A run of text, or an include/use directive with the path in angle brackets and its line. */
  record Segment(String kind, String text, String path, int line) {}

  /** A parsed file: its segments, its definitions, and the syntax errors {@link SyntaxCheck} found. */
  record Parsed(List<Segment> segments, List<String> definitions, List<SyntaxCheck.Error> errors) {

    JsonObject toJson() {
      JsonArray segs = new JsonArray();
      for (Segment s : segments) {
        segs.add(new JsonObject().put("k", s.kind()).put("t", s.text()).put("p", s.path()).put("l", s.line()));
      }
      JsonArray errs = new JsonArray();
      errors.forEach(e -> errs.add(new JsonObject().put("l", e.line()).put("m", e.message())));
      return new JsonObject().put("segments", segs).put("definitions", new JsonArray(List.copyOf(definitions)))
          .put("errors", errs);
    }

    static Parsed fromJson(JsonObject o) {
      List<Segment> segs = new ArrayList<>();
      for (Object x : o.getJsonArray("segments")) {
        JsonObject s = (JsonObject) x;
        segs.add(new Segment(s.getString("k"), s.getString("t"), s.getString("p"), s.getInteger("l", 0)));
      }
      List<String> defs = new ArrayList<>();
      o.getJsonArray("definitions").forEach(d -> defs.add((String) d));
      List<SyntaxCheck.Error> errs = new ArrayList<>();
      for (Object x : o.getJsonArray("errors", new JsonArray())) {
        JsonObject e = (JsonObject) x;
        errs.add(new SyntaxCheck.Error(e.getInteger("l", 0), e.getString("m")));
      }
      return new Parsed(segs, defs, errs);
    }
  }

  static final String TEXT = "text";
  static final String INCLUDE = "include";
  static final String USE = "use";

  private final String src;
  private int pos;
  private int line = 1;
  /** No directive starting before this index closes on its line (see {@link #closeOnLine}). */
  private int noCloseBefore = -1;

  private OpenScadParser(String src) {
    this.src = src;
  }

  static Parsed parse(String src) {
    OpenScadParser p = new OpenScadParser(src);
    List<Segment> segments = p.segments();
    List<String> definitions = new ArrayList<>();
    for (Segment s : segments) {
      if (s.kind().equals(TEXT)) {
        definitions.addAll(definitions(s.text()));
      }
    }
    return new Parsed(segments, definitions, SyntaxCheck.check(src));
  }

  private List<Segment> segments() {
    List<Segment> out = new ArrayList<>();
    int textStart = 0;
    while (pos < src.length()) {
      char c = src.charAt(pos);
      if (skipCommentOrString()) {
        continue;
      }
      if (c == '\n') {
        line++;
        pos++;
        continue;
      }
      if (Character.isLetter(c) && (pos == 0 || !isIdent(src.charAt(pos - 1)))) {
        int start = pos;
        int startLine = line;
        String word = identifierAt(pos);
        if (word.equals(INCLUDE) || word.equals(USE)) {
          int after = pos + word.length();
          int q = after;
          while (q < src.length() && (src.charAt(q) == ' ' || src.charAt(q) == '\t')) {
            q++;
          }
          int close = q < src.length() && src.charAt(q) == '<' ? closeOnLine(q + 1) : -1;
          if (close > 0) {
            if (start > textStart) {
              out.add(new Segment(TEXT, src.substring(textStart, start), null, 0));
            }
            out.add(new Segment(word, null, src.substring(q + 1, close).trim(), startLine));
            pos = close + 1;
            textStart = pos;
            continue;
          }
        }
        pos += word.length();
        continue;
      }
      pos++;
    }
    if (textStart < src.length()) {
      out.add(new Segment(TEXT, src.substring(textStart), null, 0));
    }
    return out;
  }

  /**
   * The '>' that closes a directive's path, on the same line, or -1. A failed search remembers
   * where it stopped: a later directive before that point fails at once, so a line of unclosed
   * directives is scanned once, not once per directive.
   */
  private int closeOnLine(int from) {
    if (from < noCloseBefore) {
      return -1;
    }
    for (int j = from; j < src.length(); j++) {
      char c = src.charAt(j);
      if (c == '>') {
        return j;
      }
      if (c == '\n') {
        noCloseBefore = j;
        return -1;
      }
    }
    noCloseBefore = src.length();
    return -1;
  }

  /** Skips a comment or string at {@code pos}, counting lines; false when there is none. */
  private boolean skipCommentOrString() {
    if (src.startsWith("//", pos)) {
      int end = src.indexOf('\n', pos);
      pos = end < 0 ? src.length() : end;
      return true;
    }
    if (src.startsWith("/*", pos)) {
      int end = src.indexOf("*/", pos + 2);
      int stop = end < 0 ? src.length() : end + 2;
      countLines(pos, stop);
      pos = stop;
      return true;
    }
    if (src.charAt(pos) == '"') {
      int q = pos + 1;
      while (q < src.length() && src.charAt(q) != '"') {
        q += src.charAt(q) == '\\' ? 2 : 1;
      }
      int stop = Math.min(q + 1, src.length());
      countLines(pos, stop);
      pos = stop;
      return true;
    }
    return false;
  }

  private void countLines(int from, int to) {
    for (int i = from; i < to; i++) {
      if (src.charAt(i) == '\n') {
        line++;
      }
    }
  }

  private String identifierAt(int at) {
    int end = at;
    while (end < src.length() && isIdent(src.charAt(end))) {
      end++;
    }
    return src.substring(at, end);
  }

  private static boolean isIdent(char c) {
    return Character.isLetterOrDigit(c) || c == '_' || c == '$';
  }

  // --- definitions

  /** The top-level {@code module} and {@code function} definitions in a run of text, verbatim. */
  static List<String> definitions(String text) {
    List<String> out = new ArrayList<>();
    OpenScadParser p = new OpenScadParser(text);
    int depth = 0;
    while (p.pos < text.length()) {
      if (p.skipCommentOrString()) {
        continue;
      }
      char c = text.charAt(p.pos);
      if (c == '{' || c == '(' || c == '[') {
        depth++;
      } else if (c == '}' || c == ')' || c == ']') {
        depth--;
      } else if (depth == 0 && Character.isLetter(c) && (p.pos == 0 || !isIdent(text.charAt(p.pos - 1)))) {
        String word = p.identifierAt(p.pos);
        if (word.equals("module") || word.equals("function")) {
          int start = p.pos;
          int end = p.endOfDefinition(start + word.length(), word.equals("module"));
          out.add(text.substring(start, end));
          p.pos = end;
          continue;
        }
        p.pos += word.length();
        continue;
      }
      p.pos++;
    }
    return out;
  }

  /**
   * Where a definition that starts before {@code from} ends: after its parameter list, a module
   * body is a {@code {...}} block or one statement up to {@code ;}; a function ends at its {@code ;}.
   */
  private int endOfDefinition(int from, boolean module) {
    pos = from;
    int depth = 0;
    boolean sawParams = false;
    while (pos < src.length()) {
      if (skipCommentOrString()) {
        continue;
      }
      char c = src.charAt(pos);
      if (c == '(' || c == '[' || c == '{') {
        if (module && sawParams && depth == 0 && c == '{') {
          return matchClose(pos);
        }
        depth++;
      } else if (c == ')' || c == ']' || c == '}') {
        depth--;
        if (depth == 0 && c == ')') {
          sawParams = true;
        }
      } else if (c == ';' && depth == 0) {
        return pos + 1;
      }
      pos++;
    }
    return src.length();
  }

  /** The index after the brace that closes the one at {@code open}. */
  private int matchClose(int open) {
    pos = open;
    int depth = 0;
    while (pos < src.length()) {
      if (skipCommentOrString()) {
        continue;
      }
      char c = src.charAt(pos);
      if (c == '{') {
        depth++;
      } else if (c == '}') {
        depth--;
        if (depth == 0) {
          return pos + 1;
        }
      }
      pos++;
    }
    return src.length();
  }
}

package io.branchwork.workspace.compile;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;

/**
 * The syntax errors a flattener can see without running OpenSCAD: brackets that do not match,
 * a statement's {@code ;} inside an open {@code (} or {@code [}, and strings or block comments
 * that never end. Flattening alone would pass {@code cube([1, 2, 3];} as fine; OpenSCAD would
 * not. Linear in the text, and at most {@link #MAX_ERRORS} per file.
 */
final class SyntaxCheck {

  /** A syntax error at a 1-based line. */
  record Error(int line, String message) {}

  static final int MAX_ERRORS = 10;

  private record Open(char bracket, int line) {}

  private SyntaxCheck() {}

  static List<Error> check(String src) {
    List<Error> errors = new ArrayList<>();
    Deque<Open> open = new ArrayDeque<>();
    int line = 1;
    int i = 0;
    int n = src.length();
    while (i < n && errors.size() < MAX_ERRORS) {
      char c = src.charAt(i);
      if (c == '\n') {
        line++;
        i++;
      } else if (src.startsWith("//", i)) {
        int end = src.indexOf('\n', i);
        i = end < 0 ? n : end;
      } else if (src.startsWith("/*", i)) {
        int end = src.indexOf("*/", i + 2);
        if (end < 0) {
          errors.add(new Error(line, "this comment is never closed with */"));
          return errors;
        }
        line += newlines(src, i, end);
        i = end + 2;
      } else if (c == '"') {
        int q = i + 1;
        while (q < n && src.charAt(q) != '"') {
          q += src.charAt(q) == '\\' ? 2 : 1;
        }
        if (q >= n) {
          errors.add(new Error(line, "this string is never closed with \""));
          return errors;
        }
        line += newlines(src, i, q);
        i = q + 1;
      } else {
        if (c == '(' || c == '[' || c == '{') {
          open.push(new Open(c, line));
        } else if (c == ')' || c == ']' || c == '}') {
          close(c, line, open, errors);
        } else if (c == ';' && !open.isEmpty() && open.peek().bracket() != '{') {
          Open o = open.peek();
          errors.add(new Error(line, "missing '" + closer(o.bracket()) + "' before ';' (the '" + o.bracket()
              + "' is on line " + o.line() + ")"));
          // Recover at the statement's end: what the ';' ends cannot still be open.
          while (!open.isEmpty() && open.peek().bracket() != '{') {
            open.pop();
          }
        }
        i++;
      }
    }
    while (!open.isEmpty() && errors.size() < MAX_ERRORS) {
      Open o = open.pollLast();
      errors.add(new Error(o.line(), "this '" + o.bracket() + "' is never closed with '" + closer(o.bracket()) + "'"));
    }
    return errors;
  }

  private static void close(char c, int line, Deque<Open> open, List<Error> errors) {
    if (open.isEmpty()) {
      errors.add(new Error(line, "'" + c + "' closes nothing"));
      return;
    }
    Open o = open.peek();
    if (closer(o.bracket()) == c) {
      open.pop();
      return;
    }
    errors.add(new Error(line, "expected '" + closer(o.bracket()) + "' (for the '" + o.bracket() + "' on line "
        + o.line() + "), found '" + c + "'"));
    // Recover: if an outer bracket matches, the inner ones were left open; otherwise drop this one.
    for (Open outer : open) {
      if (closer(outer.bracket()) == c) {
        while (open.peek() != outer) {
          open.pop();
        }
        open.pop();
        return;
      }
    }
  }

  private static char closer(char bracket) {
    return bracket == '(' ? ')' : bracket == '[' ? ']' : '}';
  }

  private static int newlines(String src, int from, int to) {
    int count = 0;
    for (int j = from; j < to; j++) {
      if (src.charAt(j) == '\n') {
        count++;
      }
    }
    return count;
  }
}

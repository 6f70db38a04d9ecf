package io.branchwork.render;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads what openscad printed: its ERROR, WARNING and DEPRECATED lines as diagnostics at a line of
 * the rendered (flattened) file, and the mesh's statistics ({@code Facets: 6}). Lines only: what
 * openscad prints is bounded before it gets here.
 */
final class OpenScadLog {

  /** {@code ERROR: Parser error: syntax error in file m.scad, line 2} and the like. */
  private static final Pattern MESSAGE = Pattern.compile("^(ERROR|WARNING|DEPRECATED): (.*)$");
  private static final Pattern AT_FILE_LINE = Pattern.compile(",? in file [^,]*, line (\\d+)\\.?$");
  /** {@code ... import() at line 1}: the import failures say only the line. */
  private static final Pattern AT_LINE = Pattern.compile(",? \\w+\\(\\) at line (\\d+)\\.?$");
  private static final Pattern STAT = Pattern.compile("^\\s+(Vertices|Halfedges|Edges|Facets|Volumes):\\s+(\\d+)$");
  static final int MAX_DIAGNOSTICS = 100;

  private OpenScadLog() {}

  /** openscad's messages, each at its line of the rendered file (0: it names none). */
  static List<Rendered.Diagnostic> diagnostics(List<String> log) {
    List<Rendered.Diagnostic> out = new ArrayList<>();
    for (String l : log) {
      Matcher m = MESSAGE.matcher(l.strip());
      if (!m.matches() || out.size() >= MAX_DIAGNOSTICS) {
        continue;
      }
      String severity = m.group(1).equals("ERROR") ? "error" : "warning";
      String text = m.group(2);
      int line = 0;
      Matcher at = AT_FILE_LINE.matcher(text);
      if (at.find()) {
        line = Integer.parseInt(at.group(1));
        text = text.substring(0, at.start());
      } else if ((at = AT_LINE.matcher(text)).find()) {
        line = Integer.parseInt(at.group(1));
      }
      out.add(new Rendered.Diagnostic(line, severity, text));
    }
    return out;
  }

  static Map<String, Long> stats(List<String> log) {
    Map<String, Long> out = new LinkedHashMap<>();
    for (String l : log) {
      Matcher m = STAT.matcher(l);
      if (m.matches()) {
        out.put(m.group(1).toLowerCase(Locale.ROOT), Long.parseLong(m.group(2)));
      }
    }
    return out;
  }
}

package io.branchwork.workspace.compile;

import java.util.ArrayList;
import java.util.List;

/**
 * Where each line of a flattened model came from: runs of output lines, each starting at a line
 * of one user file, so that what openscad says about line n of the flattened text points into the
 * user's file and line. Built while flattening (appends in output order).
 */
public final class SourceMap {

  /** Output lines from {@code outLine} on come from {@code path}, starting at its line {@code line}. */
  private record Run(int outLine, String path, int line) {}

  /** A user file and line (1-based; 0 when unknown). */
  public record Location(String path, int line) {}

  private final List<Run> runs = new ArrayList<>();
  private final String entry;

  SourceMap(String entry) {
    this.entry = entry;
  }

  /** The text appended at output line {@code outLine} (1-based) is {@code path} from its line {@code line}. */
  void mark(int outLine, String path, int line) {
    if (!runs.isEmpty() && runs.get(runs.size() - 1).outLine() == outLine) {
      Run last = runs.get(runs.size() - 1);
      if (last.path().equals(path) && last.line() == line) {
        return;
      }
    }
    runs.add(new Run(outLine, path, line));
  }

  /** The user's file and line of output line {@code outLine}; the entry at line 0 when unknown. */
  public Location at(int outLine) {
    if (outLine <= 0) {
      return new Location(entry, 0);
    }
    int lo = 0;
    int hi = runs.size() - 1;
    int found = -1;
    while (lo <= hi) { // the last run starting at or before outLine
      int mid = (lo + hi) >>> 1;
      if (runs.get(mid).outLine() <= outLine) {
        found = mid;
        lo = mid + 1;
      } else {
        hi = mid - 1;
      }
    }
    if (found < 0) {
      return new Location(entry, 0);
    }
    Run r = runs.get(found);
    return new Location(r.path(), r.line() + (outLine - r.outLine()));
  }
}

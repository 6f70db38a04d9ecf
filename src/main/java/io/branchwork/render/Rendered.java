package io.branchwork.render;

import java.util.List;
import java.util.Map;

/**
 * What a render answers: the mesh's content address and size, or ({@code key} null) the model
 * did not render; openscad's log, its diagnostics at lines of the rendered (flattened) file, and
 * the mesh's statistics. {@code cached}: answered from the node's render cache.
 */
public record Rendered(String key, String format, long bytes, boolean cached, long ms, Map<String, Long> stats,
    List<String> log, List<Diagnostic> diagnostics) {

  /** openscad's message at {@code line} of the rendered file (0: none). */
  public record Diagnostic(int line, String severity, String message) {}

  public boolean ok() {
    return key != null;
  }

  Rendered cachedIn(long tookMs) {
    return new Rendered(key, format, bytes, true, tookMs, stats, log, diagnostics);
  }
}

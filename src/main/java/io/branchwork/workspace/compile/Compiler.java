package io.branchwork.workspace.compile;

import io.vertx.core.json.JsonObject;
import java.io.IOException;

/**
 * A compiler for one kind of entry file, chosen by the entry's file type. Implementations are
 * blocking and keep their incremental state in the {@link JsonObject} they are handed: it is
 * theirs to read and update, and the workspace persists it inside the repository's {@code .git}
 * directory, so it survives save, eviction and reload.
 */
public interface Compiler {

  /** A stable name; also the name of the state file. */
  String name();

  /** Whether this compiler handles {@code entry} (usually by its extension). */
  boolean accepts(String entry);

  /**
   * Compiles {@code entry}; {@code state} holds what the last compile left, and is updated. A
   * compile stays within {@code limits}: past the output size or the deadline it stops its work
   * and throws {@code too_large}; past the nesting depth it reports a diagnostic.
   */
  CompileResult compile(String entry, Sources sources, JsonObject state, Limits limits) throws IOException;

  /** Bounds of one compile: output characters, include/use nesting, and when it must give up. */
  record Limits(long maxOutput, int maxDepth, long timeoutMs) {}

  /** The workspace's files as a compiler may read them. */
  interface Sources {
    /** The file's bytes and blob id, or {@code null} when there is no such file. */
    Source read(String path) throws IOException;
  }

  /** One file's content and git blob id. */
  record Source(byte[] bytes, String blob) {}
}

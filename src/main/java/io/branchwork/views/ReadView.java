package io.branchwork.views;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What a workspace publishes of its small files for readers on other threads of the same node:
 * the content and blob id of each file as its last <em>acknowledged</em> change left it. A gateway
 * answers a {@code read} from here on its own event loop, with no hop to the workspace.
 *
 * <p>The rule it keeps: the workspace changes an entry only in the step that sends the answer of
 * the change (after the change is durable, before the answer leaves), so
 * <ul>
 *   <li>a read never sees a change that was not acknowledged to anyone, and
 *   <li>a read that starts after a change's answer arrived sees that change or a later one (the
 *       map's write happens-before the answer's send).
 * </ul>
 * Entries are per path: a reader sees each path at some acknowledged state, not all paths at one
 * instant (the contract reads one path per request). A missing entry is no answer: the reader
 * asks the workspace. Written by the workspace's event loop only; read from anywhere.
 */
public final class ReadView {

  /** A file as the view holds it; {@code bytes} is never changed after it is published. */
  public record File(byte[] bytes, String blob) {}

  private final Map<String, File> files = new ConcurrentHashMap<>();
  private final long budget;
  private final int maxEntryBytes;
  /** Touched by the writer only; readers never need it. */
  private long bytes;
  private volatile boolean open = true;

  public ReadView(long budget, int maxEntryBytes) {
    this.budget = budget;
    this.maxEntryBytes = maxEntryBytes;
  }

  /** The file at {@code path} as last acknowledged, or null (not held, or the workspace is gone). */
  public File get(String path) {
    File f = files.get(path);
    return open ? f : null;
  }

  // --- the workspace's side

  /**
   * Holds {@code path}'s acknowledged content; a file too large for an entry or for what is left
   * of the budget is dropped instead (readers then ask the workspace).
   */
  public void put(String path, File file) {
    drop(path);
    int size = file.bytes().length;
    if (size <= maxEntryBytes && bytes + size <= budget) {
      files.put(path, file);
      bytes += size;
    }
  }

  /** Forgets {@code path} and, for a directory, everything below it. */
  public void dropTree(String path) {
    drop(path);
    String prefix = path + "/";
    files.entrySet().removeIf(e -> {
      if (e.getKey().startsWith(prefix)) {
        bytes -= e.getValue().bytes().length;
        return true;
      }
      return false;
    });
  }

  /** Forgets everything (a change too wide to follow path by path, such as a checkout). */
  public void clear() {
    files.clear();
    bytes = 0;
  }

  /** The workspace is going: no reader gets anything from here any more. */
  public void close() {
    open = false;
    clear();
  }

  public boolean isOpen() {
    return open;
  }

  private void drop(String path) {
    File old = files.remove(path);
    if (old != null) {
      bytes -= old.bytes().length;
    }
  }
}

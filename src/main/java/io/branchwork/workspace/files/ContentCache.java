package io.branchwork.workspace.files;

import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What a workspace remembers of its files: the content and blob id of small files it read or
 * wrote recently, least recently used first out, within a byte budget. Only the workspace's
 * own file ops change its working tree, and each of them updates or drops the entries it
 * touches, so a hit is always the file as it is on disk. Event-loop only: no locking.
 */
public final class ContentCache {

  private final long budget;
  private final int maxEntryBytes;
  private final LinkedHashMap<String, WorkingCopy.Content> entries = new LinkedHashMap<>(16, 0.75f, true);
  private long bytes;

  public ContentCache(long budget, int maxEntryBytes) {
    this.budget = budget;
    this.maxEntryBytes = maxEntryBytes;
  }

  public WorkingCopy.Content get(String path) {
    return entries.get(path);
  }

  public void put(String path, WorkingCopy.Content content) {
    drop(path);
    if (content.bytes().length > maxEntryBytes || content.bytes().length > budget) {
      return;
    }
    entries.put(path, content);
    bytes += content.bytes().length;
    Iterator<Map.Entry<String, WorkingCopy.Content>> eldest = entries.entrySet().iterator();
    while (bytes > budget && eldest.hasNext()) {
      bytes -= eldest.next().getValue().bytes().length;
      eldest.remove();
    }
  }

  /** Drops {@code path} and, for a directory, everything below it. */
  public void dropTree(String path) {
    drop(path);
    String prefix = path + "/";
    Iterator<Map.Entry<String, WorkingCopy.Content>> it = entries.entrySet().iterator();
    while (it.hasNext()) {
      Map.Entry<String, WorkingCopy.Content> e = it.next();
      if (e.getKey().startsWith(prefix)) {
        bytes -= e.getValue().bytes().length;
        it.remove();
      }
    }
  }

  private void drop(String path) {
    WorkingCopy.Content old = entries.remove(path);
    if (old != null) {
      bytes -= old.bytes().length;
    }
  }

  public long bytes() {
    return bytes;
  }
}

package io.branchwork.workspace.collab;

import io.branchwork.core.BranchworkException;
import io.vertx.core.json.JsonArray;
import java.util.List;

/**
 * CodeMirror's {@code ChangeSet.toJSON()} applied to a document's text, checked first. The JSON is
 * an array of sections: a number {@code n} keeps the next {@code n} code units, {@code [n]}
 * deletes them, {@code [n, line, line...]} replaces them with the lines joined by a line break.
 * The lengths must add up to the document's length exactly; positions are UTF-16 code units (a
 * Java {@code String}'s), and a line break counts one, as in CodeMirror whatever the file's
 * separator. Nothing from a client is trusted: every section is checked before anything is built,
 * so a bad change set throws and the text it was meant for is untouched.
 */
public final class Changes {

  /** The most sections one change set may have: a bound on work no real edit comes near. */
  public static final int MAX_SECTIONS = 100_000;

  /** The text after a change set, its UTF-8 length, and roughly what keeping the change set costs in memory. */
  public record Applied(String text, long utf8Bytes, long weight) {}

  private Changes() {}

  /**
   * Applies {@code json} to {@code text} (of {@code utf8Bytes} UTF-8 bytes): {@code bad_request}
   * when it is not a change set of this text (wrong total length, a split surrogate pair, a line
   * with a line break, a NUL or a lone surrogate in it), {@code too_large} when the result would
   * be more than {@code maxBytes} bytes of UTF-8.
   */
  public static Applied apply(String text, long utf8Bytes, Object json, long maxBytes) {
    List<?> parts = asList(json);
    if (parts == null) {
      throw BranchworkException.badRequest("'changes' must be an array (ChangeSet.toJSON())");
    }
    if (parts.size() > MAX_SECTIONS) {
      throw BranchworkException.badRequest("a change set may have at most " + MAX_SECTIONS + " sections");
    }
    // First pass: shape, lengths and boundaries, and what the result will weigh.
    long pos = 0;
    long bytes = utf8Bytes;
    long weight = 64 + 8L * parts.size();
    for (Object part : parts) {
      if (part instanceof Number) {
        pos += length(part);
        if (pos > text.length()) {
          throw pastEnd(text);
        }
        continue;
      }
      List<?> section = asList(part);
      if (section == null || section.isEmpty()) {
        throw BranchworkException.badRequest("a section must be a number or an array [length, ...lines]");
      }
      long len = length(section.get(0));
      long end = pos + len;
      if (end > text.length()) {
        throw pastEnd(text);
      }
      requireBoundary(text, (int) pos);
      requireBoundary(text, (int) end);
      bytes -= utf8Length(text, (int) pos, (int) end);
      for (int i = 1; i < section.size(); i++) {
        if (!(section.get(i) instanceof String line)) {
          throw BranchworkException.badRequest("inserted lines must be strings");
        }
        bytes += utf8Line(line) + (i > 1 ? 1 : 0);
        weight += 2L * line.length() + 16;
      }
      pos = end;
    }
    if (pos != text.length()) {
      throw BranchworkException.badRequest("the change set is for a document of " + pos
          + " code units; this one has " + text.length());
    }
    if (bytes > maxBytes) {
      throw BranchworkException.tooLarge("the document would be larger than " + maxBytes + " bytes");
    }
    // Second pass: build the text.
    StringBuilder out = new StringBuilder((int) Math.min(Integer.MAX_VALUE - 16, Math.max(16, text.length() + 16L)));
    int at = 0;
    for (Object part : parts) {
      if (part instanceof Number n) {
        int len = n.intValue();
        out.append(text, at, at + len);
        at += len;
        continue;
      }
      List<?> section = asList(part);
      at += ((Number) section.get(0)).intValue();
      for (int i = 1; i < section.size(); i++) {
        if (i > 1) {
          out.append('\n');
        }
        out.append((String) section.get(i));
      }
    }
    return new Applied(out.toString(), bytes, weight);
  }

  /**
   * The change set that turns {@code from} into {@code to}: their common start and end kept, the
   * middle replaced (never splitting a surrogate pair). Smaller than replacing everything, so
   * what others are typing outside the changed part stays where it was when they rebase.
   */
  public static JsonArray replace(String from, String to) {
    int max = Math.min(from.length(), to.length());
    int prefix = 0;
    while (prefix < max && from.charAt(prefix) == to.charAt(prefix)) {
      prefix++;
    }
    if (prefix > 0 && Character.isHighSurrogate(from.charAt(prefix - 1))) {
      prefix--;
    }
    int suffix = 0;
    while (suffix < max - prefix
        && from.charAt(from.length() - 1 - suffix) == to.charAt(to.length() - 1 - suffix)) {
      suffix++;
    }
    if (suffix > 0 && Character.isLowSurrogate(from.charAt(from.length() - suffix))) {
      suffix--;
    }
    JsonArray changes = new JsonArray();
    if (prefix > 0) {
      changes.add(prefix);
    }
    int deleted = from.length() - prefix - suffix;
    String inserted = to.substring(prefix, to.length() - suffix);
    if (deleted > 0 || !inserted.isEmpty()) {
      JsonArray section = new JsonArray().add(deleted);
      if (!inserted.isEmpty()) {
        for (String line : inserted.split("\n", -1)) {
          section.add(line);
        }
      }
      changes.add(section);
    }
    if (suffix > 0) {
      changes.add(suffix);
    }
    return changes;
  }

  /** The UTF-8 length of {@code s}, a well-formed UTF-16 string. */
  public static long utf8Length(CharSequence s, int from, int to) {
    long n = 0;
    for (int i = from; i < to; i++) {
      char c = s.charAt(i);
      if (c < 0x80) {
        n++;
      } else if (c < 0x800) {
        n += 2;
      } else if (Character.isHighSurrogate(c)) {
        n += 4;
        i++;
      } else {
        n += 3;
      }
    }
    return n;
  }

  /** An inserted line's UTF-8 length, refusing what a live document may not hold. */
  private static long utf8Line(String line) {
    for (int i = 0; i < line.length(); i++) {
      char c = line.charAt(i);
      if (c == '\n' || c == '\r' || c == 0) {
        throw BranchworkException.badRequest("an inserted line may not hold a line break or a NUL");
      }
      if (Character.isHighSurrogate(c)) {
        if (i + 1 >= line.length() || !Character.isLowSurrogate(line.charAt(i + 1))) {
          throw BranchworkException.badRequest("an inserted line holds a lone surrogate");
        }
        i++;
      } else if (Character.isLowSurrogate(c)) {
        throw BranchworkException.badRequest("an inserted line holds a lone surrogate");
      }
    }
    return utf8Length(line, 0, line.length());
  }

  /** A change may start or end only between characters, never inside a surrogate pair. */
  private static void requireBoundary(String text, int pos) {
    if (pos > 0 && pos < text.length() && Character.isHighSurrogate(text.charAt(pos - 1))
        && Character.isLowSurrogate(text.charAt(pos))) {
      throw BranchworkException.badRequest("a change at " + pos + " splits a surrogate pair");
    }
  }

  private static long length(Object value) {
    if (value instanceof Integer || value instanceof Long || value instanceof Short || value instanceof Byte) {
      long n = ((Number) value).longValue();
      if (n >= 0 && n <= Integer.MAX_VALUE) {
        return n;
      }
    } else if (value instanceof Number n && n.doubleValue() == Math.rint(n.doubleValue())
        && n.doubleValue() >= 0 && n.doubleValue() <= Integer.MAX_VALUE) {
      return n.longValue(); // JSON over SockJS may bring 3.0 for 3
    }
    throw BranchworkException.badRequest("a section length must be a whole number of code units, not " + value);
  }

  private static BranchworkException pastEnd(String text) {
    return BranchworkException.badRequest("the change set reaches past the document's end (" + text.length()
        + " code units)");
  }

  private static List<?> asList(Object value) {
    if (value instanceof JsonArray a) {
      return a.getList();
    }
    return value instanceof List<?> l ? l : null;
  }
}

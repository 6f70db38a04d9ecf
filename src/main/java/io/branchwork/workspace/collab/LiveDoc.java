package io.branchwork.workspace.collab;

import io.branchwork.core.BranchworkException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One live document: the central authority of {@code @codemirror/collab} for a text file of the
 * working copy. It holds the file's text (line breaks as {@code \n}, the file's own separator
 * remembered), its version (one more per accepted update) and the most recent updates, so a
 * client a little behind pulls what it missed and one far behind is given the whole text. It
 * never transforms: an update is accepted only when made on the current version. Not
 * thread-safe: the workspace's mailbox runs one op at a time.
 */
public final class LiveDoc {

  /** One accepted update: who sent it and its change set, as a client receives it. */
  public record Update(String clientID, JsonArray changes, String by, long weight) {
    public JsonObject toJson() {
      return new JsonObject().put("clientID", clientID).put("changes", changes).put("by", by);
    }
  }

  /** A joined session: its user, and the CodeMirror client and selection it last named. */
  public static final class Peer {
    public final String user;
    public String clientID;
    public JsonObject selection;
    /** When this session's push was first refused and not accepted since (nanoTime), or 0. */
    public long refusedSince;

    public Peer(String user) {
      this.user = user;
    }
  }

  /** A file's bytes as a document: text with {@code \n} breaks, and whether the file uses CRLF. */
  public record Text(String text, boolean crlf, long utf8Bytes) {}

  private final String path;
  /** Names this life of the document: versions count from 0 again when a document starts anew. */
  private final String epoch = Long.toString(java.util.concurrent.ThreadLocalRandom.current().nextLong() & Long.MAX_VALUE, 36);
  private final int maxUpdates;
  private final long maxHistoryWeight;
  /** Volatile: an IMMEDIATE op (presence) reads its length while a push group may be applying on a worker. */
  private volatile String text;
  private boolean crlf;
  private long utf8Bytes;
  private long version;
  private final ArrayDeque<Update> history = new ArrayDeque<>();
  private long historyWeight;
  private final Map<String, Peer> peers = new LinkedHashMap<>();
  /** Set when another op changed the file: the next op of this document reads it again first. */
  private String staleBy;

  public LiveDoc(String path, Text loaded, int maxUpdates, long maxHistoryWeight) {
    this.path = path;
    this.maxUpdates = maxUpdates;
    this.maxHistoryWeight = maxHistoryWeight;
    this.text = loaded.text();
    this.crlf = loaded.crlf();
    this.utf8Bytes = loaded.utf8Bytes();
  }

  /**
   * A file's bytes as a live document, or {@code bad_request}: invalid UTF-8, a NUL byte, a lone
   * {@code \r}, or both {@code \r\n} and {@code \n} line ends.
   */
  public static Text decode(byte[] bytes) {
    String s;
    try {
      s = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes)).toString();
    } catch (CharacterCodingException e) {
      throw BranchworkException.badRequest("not a live document: the file is not UTF-8 text");
    }
    int crlfs = 0;
    int lfs = 0;
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == 0) {
        throw BranchworkException.badRequest("not a live document: the file holds a NUL byte");
      } else if (c == '\r') {
        if (i + 1 >= s.length() || s.charAt(i + 1) != '\n') {
          throw BranchworkException.badRequest("not a live document: the file has a lone carriage return");
        }
        crlfs++;
        i++;
      } else if (c == '\n') {
        lfs++;
      }
    }
    if (crlfs > 0 && lfs > 0) {
      throw BranchworkException.badRequest("not a live document: the file mixes \\r\\n and \\n line ends");
    }
    String text = crlfs > 0 ? s.replace("\r\n", "\n") : s;
    return new Text(text, crlfs > 0, bytes.length - crlfs);
  }

  /** The file's bytes for the current text, with its own line separator. */
  public byte[] encode() {
    return (crlf ? text.replace("\n", "\r\n") : text).getBytes(StandardCharsets.UTF_8);
  }

  public String path() {
    return path;
  }

  /**
   * Differs between two lives of a document (it ends when its last session leaves, or with its
   * workspace): a client that joins again with the same epoch may pull from its version; with
   * another it starts from the text.
   */
  public String epoch() {
    return epoch;
  }

  public String text() {
    return text;
  }

  public long version() {
    return version;
  }

  public boolean crlf() {
    return crlf;
  }

  public String lineSeparator() {
    return crlf ? "\r\n" : "\n";
  }

  /** The text's UTF-8 length with {@code \n} breaks (what the limits count, less one byte per CRLF). */
  public long utf8Bytes() {
    return utf8Bytes;
  }

  public Map<String, Peer> peers() {
    return peers;
  }

  /** The state before a group of updates, to go back to if the file cannot be written. */
  public record Mark(String text, long utf8Bytes, long version, int historySize) {}

  public Mark mark() {
    return new Mark(text, utf8Bytes, version, history.size());
  }

  /** Back to {@code m}: the updates accepted since are forgotten (the file never held them). */
  public void rollback(Mark m) {
    text = m.text();
    utf8Bytes = m.utf8Bytes();
    version = m.version();
    while (history.size() > m.historySize()) {
      historyWeight -= history.removeLast().weight();
    }
  }

  /**
   * Accepts {@code changes} from {@code clientID} on the current version: checks and applies it
   * (see {@link Changes#apply}), or throws and changes nothing.
   */
  public Update apply(String clientID, Object changes, String by, long maxBytes) {
    Changes.Applied next = Changes.apply(text, utf8Bytes, changes, maxBytes);
    JsonArray json = changes instanceof JsonArray a ? a : new JsonArray((List<?>) changes);
    Update u = new Update(clientID, json, by, next.weight());
    text = next.text();
    utf8Bytes = next.utf8Bytes();
    remember(u);
    return u;
  }

  /** The file now holds {@code loaded}: one update turning the text into it (its changed middle), by {@code by}. */
  public Update replace(Text loaded, String by) {
    JsonArray changes = Changes.replace(text, loaded.text());
    Update u = new Update("", changes, by, 64 + 2L * changes.encode().length());
    text = loaded.text();
    crlf = loaded.crlf();
    utf8Bytes = loaded.utf8Bytes();
    remember(u);
    return u;
  }

  /**
   * The updates after {@code since}, or null when some of them are no longer kept (the client
   * resyncs with the whole text). {@code since} past the current version is {@code bad_request}.
   */
  public List<Update> since(long since) {
    if (since > version || since < 0) {
      throw BranchworkException.badRequest("version " + since + " is not one of this document (it is at "
          + version + ")");
    }
    long first = version - history.size();
    if (since < first) {
      return null;
    }
    List<Update> out = new ArrayList<>((int) (version - since));
    Iterator<Update> it = history.descendingIterator();
    for (long v = version; v > since; v--) {
      out.add(it.next());
    }
    java.util.Collections.reverse(out);
    return out;
  }

  public void markStale(String by) {
    staleBy = by;
  }

  /** Who changed the file under the document, or null when the document is what the file holds. */
  public String staleBy() {
    return staleBy;
  }

  public void fresh() {
    staleBy = null;
  }

  private void remember(Update u) {
    version++;
    history.addLast(u);
    historyWeight += u.weight();
    while (history.size() > maxUpdates || (historyWeight > maxHistoryWeight && history.size() > 1)) {
      historyWeight -= history.removeFirst().weight();
    }
  }
}

package io.branchwork.collab;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.branchwork.contract.ErrorCode;
import io.branchwork.core.BranchworkException;
import io.branchwork.workspace.collab.Changes;
import io.branchwork.workspace.collab.LiveDoc;
import io.vertx.core.json.JsonArray;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * {@code ChangeSet.toJSON()} applied as CodeMirror applies it (positions in UTF-16 code units, a
 * line break one), and every malformed shape refused before anything is built; the file's bytes
 * as a live document (UTF-8, one kind of line end, no NUL).
 */
class ChangesTest {

  private static Changes.Applied apply(String text, String json) {
    return Changes.apply(text, text.getBytes(StandardCharsets.UTF_8).length, new JsonArray(json), 1 << 20);
  }

  private static ErrorCode refused(String text, String json) {
    return assertThrows(BranchworkException.class, () -> apply(text, json)).code();
  }

  @Test
  @DisplayName("Verifies keeps, deletes, multi-line inserts and replaces, with the UTF-8 length kept in step")
  void appliesAsCodeMirrorDoes() {
    Changes.Applied a = apply("héllo 😀\nworld", "[6, [2, \"🎉\", \"\"], [1], 5]");
    assertEquals("héllo 🎉\nworld", a.text());
    assertEquals(a.text().getBytes(StandardCharsets.UTF_8).length, a.utf8Bytes());
    assertEquals("", apply("abc", "[[3]]").text());
    assertEquals("x\ny", apply("", "[[0, \"x\", \"y\"]]").text());
    assertEquals("abc", apply("abc", "[3]").text());
  }

  @Test
  @DisplayName("Verifies that wrong lengths, split surrogate pairs, lone surrogates, breaks or NULs in lines, bad shapes and oversize results are refused")
  void refusesWhatIsNotAChangeOfThisText() {
    assertEquals(ErrorCode.BAD_REQUEST, refused("abc", "[4]"));
    assertEquals(ErrorCode.BAD_REQUEST, refused("abc", "[2]"));
    assertEquals(ErrorCode.BAD_REQUEST, refused("a😀", "[2, [0, \"x\"], 1]"));
    assertEquals(ErrorCode.BAD_REQUEST, refused("a😀", "[1, [1], 1]"));
    assertEquals(ErrorCode.BAD_REQUEST, refused("abc", "[[0, \"\\ud83d\"], 3]"));
    assertEquals(ErrorCode.BAD_REQUEST, refused("abc", "[[0, \"\\ude00x\"], 3]"));
    assertEquals(ErrorCode.BAD_REQUEST, refused("abc", "[[0, \"a\\nb\"], 3]"));
    assertEquals(ErrorCode.BAD_REQUEST, refused("abc", "[[0, \"a\\rb\"], 3]"));
    assertEquals(ErrorCode.BAD_REQUEST, refused("abc", "[[0, \"a\\u0000\"], 3]"));
    assertEquals(ErrorCode.BAD_REQUEST, refused("abc", "[[0, 5], 3]"));
    assertEquals(ErrorCode.BAD_REQUEST, refused("abc", "[[], 3]"));
    assertEquals(ErrorCode.BAD_REQUEST, refused("abc", "[-1, 4]"));
    assertEquals(ErrorCode.BAD_REQUEST, refused("abc", "[1.5, 1.5]"));
    assertEquals(ErrorCode.BAD_REQUEST, refused("abc", "[\"3\"]"));
    assertEquals(ErrorCode.BAD_REQUEST, refused("abc", "[{\"a\": 3}]"));
    assertEquals(ErrorCode.BAD_REQUEST, assertThrows(BranchworkException.class,
        () -> Changes.apply("abc", 3, "[3]", 10)).code(), "not an array");
    assertEquals(ErrorCode.TOO_LARGE, assertThrows(BranchworkException.class,
        () -> Changes.apply("abc", 3, new JsonArray("[[0, \"éé\"], 3]"), 6)).code());
    assertEquals(7, Changes.apply("abc", 3, new JsonArray("[[0, \"éé\"], 3]"), 7).utf8Bytes());
  }

  @Test
  @DisplayName("Verifies that the replacement of one text by another keeps their common start and end, never splits a surrogate pair, and applies to give the new text")
  void replacesOnlyTheMiddle() {
    String[][] pairs = {{"first\n", "second\n"}, {"abc", "abc"}, {"", "x\ny"}, {"x\ny", ""}, {"a😀b", "a😃b"},
        {"😀", "😀😀"}, {"keep this line\nold\nkeep\n", "keep this line\nnew one\nkeep\n"}};
    for (String[] p : pairs) {
      JsonArray changes = Changes.replace(p[0], p[1]);
      assertEquals(p[1], apply(p[0], changes.encode()).text(), changes.encode());
    }
    assertEquals("[[5,\"second\"],1]", Changes.replace("first\n", "second\n").encode());
    assertEquals("[1,[2,\"😃\"],1]", Changes.replace("a😀b", "a😃b").encode());
  }

  @Test
  @DisplayName("Verifies which files are live documents: UTF-8 text with one kind of line end and no NUL")
  void filesAsDocuments() {
    LiveDoc.Text crlf = LiveDoc.decode("a\r\nb\r\n".getBytes(StandardCharsets.UTF_8));
    assertEquals("a\nb\n", crlf.text());
    assertEquals(true, crlf.crlf());
    for (byte[] bad : new byte[][] {{'a', 0, 'b'}, {(byte) 0xC3, '(', 'x'}, "a\r\nb\n".getBytes(StandardCharsets.UTF_8),
        "a\rb".getBytes(StandardCharsets.UTF_8)}) {
      assertEquals(ErrorCode.BAD_REQUEST, assertThrows(BranchworkException.class, () -> LiveDoc.decode(bad)).code());
    }
    LiveDoc doc = new LiveDoc("d.txt", LiveDoc.decode("x\r\n".getBytes(StandardCharsets.UTF_8)), 3, 1 << 20);
    doc.apply("c", new JsonArray("[2, [0, \"y\", \"\"]]"), "u", 100);
    assertEquals("x\r\ny\r\n", new String(doc.encode(), StandardCharsets.UTF_8));
    for (int i = 0; i < 3; i++) {
      doc.apply("c", new JsonArray("[[0, \"z\"], " + doc.text().length() + "]"), "u", 100);
    }
    assertEquals(4, doc.version());
    assertEquals(null, doc.since(0), "older than the 3 kept: resync");
    assertEquals(3, doc.since(1).size());
    assertEquals(ErrorCode.BAD_REQUEST, assertThrows(BranchworkException.class, () -> doc.since(5)).code());
  }
}

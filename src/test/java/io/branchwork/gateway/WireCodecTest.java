package io.branchwork.gateway;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.branchwork.contract.ErrorCode;
import io.branchwork.core.BranchworkException;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The decoder trusts no length a frame declares. */
class WireCodecTest {

  /** {@code {"id":1,"content":<header>}} where the value is only a header byte and a 4-byte length. */
  private static Buffer declaring(int header, long length) {
    Buffer b = Buffer.buffer();
    b.appendByte((byte) 0x82); // fixmap of 2
    b.appendByte((byte) 0xa2).appendString("id").appendByte((byte) 1);
    b.appendByte((byte) 0xa7).appendString("content");
    b.appendByte((byte) header).appendUnsignedInt(length);
    return b;
  }

  @ParameterizedTest(name = "type 0x{0}")
  @ValueSource(ints = {0xc6 /* bin32 */, 0xdb /* str32 */, 0xdd /* array32 */, 0xdf /* map32 */})
  @DisplayName("A declared length larger than the frame is bad_request, decided before any allocation")
  void declaredLengthPastTheFrame(int header) {
    // Before the check, each of these allocated 2 GiB (OutOfMemoryError on the event loop).
    for (int i = 0; i < 12; i++) {
      BranchworkException e = assertThrows(BranchworkException.class,
          () -> WireCodec.decode(declaring(header, 0x7fffffffL)));
      assertEquals(ErrorCode.BAD_REQUEST, e.code());
    }
  }

  @Test
  @DisplayName("Lengths past 2^31 and extension types are bad_request too")
  void hugeAndExt() {
    assertEquals(ErrorCode.BAD_REQUEST, assertThrows(BranchworkException.class,
        () -> WireCodec.decode(declaring(0xc6, 0xffffffffL))).code());
    Buffer ext = Buffer.buffer().appendByte((byte) 0x81).appendByte((byte) 0xa1).appendString("x")
        .appendByte((byte) 0xc9).appendUnsignedInt(0x7fffffffL).appendByte((byte) 1);
    assertEquals(ErrorCode.BAD_REQUEST, assertThrows(BranchworkException.class, () -> WireCodec.decode(ext)).code());
  }

  @Test
  @DisplayName("A string that is not UTF-8 is bad_request")
  void notUtf8() {
    Buffer b = Buffer.buffer().appendByte((byte) 0x81).appendByte((byte) 0xa1).appendString("p")
        .appendByte((byte) 0xa2).appendByte((byte) 0xc3).appendByte((byte) 0x28);
    assertEquals(ErrorCode.BAD_REQUEST, assertThrows(BranchworkException.class, () -> WireCodec.decode(b)).code());
  }

  @Test
  @DisplayName("Lengths that fit decode as before: strings, binary, arrays and maps round-trip")
  void roundTrip() {
    JsonObject m = new JsonObject().put("s", "häh").put("b", "bytes".getBytes(StandardCharsets.UTF_8))
        .put("a", new io.vertx.core.json.JsonArray().add(1L).add("x")).put("m", new JsonObject().put("k", true));
    JsonObject back = WireCodec.decode(WireCodec.encode(m));
    assertEquals("häh", back.getString("s"));
    assertArrayEquals("bytes".getBytes(StandardCharsets.UTF_8), back.getBinary("b"));
    assertEquals(m.getJsonArray("a"), back.getJsonArray("a"));
    assertEquals(m.getJsonObject("m"), back.getJsonObject("m"));
  }

  @Test
  @DisplayName("Verifies the codec against msgpack-core both ways: every type and every length form decodes to the same values, and what it writes msgpack-core reads back")
  void agreesWithMsgpackCore() throws Exception {
    java.util.Random random = new java.util.Random(17);
    for (int round = 0; round < 300; round++) {
      org.msgpack.core.MessageBufferPacker p = org.msgpack.core.MessagePack.newDefaultBufferPacker();
      JsonObject expected = new JsonObject();
      int fields = 1 + random.nextInt(6);
      p.packMapHeader(fields);
      for (int f = 0; f < fields; f++) {
        String key = "k" + f + "é".repeat(random.nextInt(3));
        p.packString(key);
        expected.put(key, randomValue(p, random, 0));
      }
      JsonObject decoded = WireCodec.decode(Buffer.buffer(p.toByteArray()));
      assertEquals(normalize(expected), normalize(decoded));
      // and back: what the codec writes, msgpack-core reads as the same values
      Buffer written = WireCodec.encode(decoded);
      org.msgpack.core.MessageUnpacker u = org.msgpack.core.MessagePack.newDefaultUnpacker(written.getBytes());
      assertEquals(normalize(expected), normalize(fromCore(u.unpackValue())));
      assertEquals(false, u.hasNext());
    }
  }

  @Test
  @DisplayName("Verifies that the warm read's answer frame is byte for byte what encode writes for the same answer, for every length form of id, content and blob")
  void readAnswerIsTheEncodedAnswer() {
    long[] ids = {1, 127, 128, 255, 256, 65_535, 65_536, 4_294_967_295L, 4_294_967_296L, Long.MAX_VALUE};
    int[] sizes = {0, 1, 255, 256, 4096, 65_535, 65_536, 200_000};
    String[] blobs = {"", "e69de29bb2d1d6434b8b29ae775ad8c2e48c5391", "é".repeat(20), "x".repeat(300)};
    java.util.Random random = new java.util.Random(5);
    for (long id : ids) {
      for (int size : sizes) {
        for (String blob : blobs) {
          byte[] content = new byte[size];
          random.nextBytes(content);
          JsonObject answer = new JsonObject().put("id", id).put("ok", true)
              .put("result", new JsonObject().put("content", content).put("blob", blob));
          assertArrayEquals(WireCodec.encode(answer).getBytes(), WireCodec.readAnswer(id, content, blob).getBytes(),
              "id " + id + ", " + size + " bytes, blob of " + blob.length() + " chars");
        }
      }
    }
  }

  /** msgpack-core's reading of a value, in the codec's types. */
  private static Object fromCore(org.msgpack.value.Value v) {
    switch (v.getValueType()) {
      case NIL:
        return null;
      case BOOLEAN:
        return v.asBooleanValue().getBoolean();
      case INTEGER:
        return v.asIntegerValue().toLong();
      case FLOAT:
        return v.asFloatValue().toDouble();
      case STRING:
        return v.asStringValue().asString();
      case BINARY:
        return v.asBinaryValue().asByteArray();
      case ARRAY: {
        io.vertx.core.json.JsonArray a = new io.vertx.core.json.JsonArray();
        v.asArrayValue().forEach(x -> a.add(fromCore(x)));
        return a;
      }
      case MAP: {
        JsonObject o = new JsonObject();
        v.asMapValue().entrySet().forEach(e -> o.put(e.getKey().asStringValue().asString(), fromCore(e.getValue())));
        return o;
      }
      default:
        throw new AssertionError(v);
    }
  }

  private static Object randomValue(org.msgpack.core.MessageBufferPacker p, java.util.Random r, int depth)
      throws java.io.IOException {
    int kind = r.nextInt(depth > 2 ? 6 : 8);
    switch (kind) {
      case 0:
        p.packNil();
        return null;
      case 1: {
        boolean b = r.nextBoolean();
        p.packBoolean(b);
        return b;
      }
      case 2: {
        long[] edges = {0, 1, 31, 32, 127, 128, 255, 256, 65535, 65536, 4294967295L, 4294967296L, Long.MAX_VALUE,
            -1, -32, -33, -128, -129, -32768, -32769, Integer.MIN_VALUE, Integer.MIN_VALUE - 1L, Long.MIN_VALUE};
        long v = r.nextBoolean() ? edges[r.nextInt(edges.length)] : r.nextLong();
        p.packLong(v);
        return v;
      }
      case 3: {
        double d = r.nextDouble() * 1e6;
        p.packDouble(d);
        return d;
      }
      case 4: {
        int[] lengths = {0, 1, 31, 32, 255, 256, 65535, 65536};
        String s = "ä".repeat(lengths[r.nextInt(lengths.length)] / 2) + "x".repeat(r.nextInt(3));
        p.packString(s);
        return s;
      }
      case 5: {
        int[] lengths = {0, 1, 255, 256, 65535, 65536};
        byte[] b = new byte[lengths[r.nextInt(lengths.length)]];
        r.nextBytes(b);
        p.packBinaryHeader(b.length);
        p.writePayload(b);
        return b;
      }
      case 6: {
        int n = r.nextBoolean() ? r.nextInt(4) : 16 + r.nextInt(3);
        p.packArrayHeader(n);
        io.vertx.core.json.JsonArray a = new io.vertx.core.json.JsonArray();
        for (int i = 0; i < n; i++) {
          a.add(randomValue(p, r, depth + 1));
        }
        return a;
      }
      default: {
        int n = r.nextBoolean() ? r.nextInt(4) : 16 + r.nextInt(3);
        p.packMapHeader(n);
        JsonObject o = new JsonObject();
        for (int i = 0; i < n; i++) {
          p.packString("m" + i);
          o.put("m" + i, randomValue(p, r, depth + 1));
        }
        return o;
      }
    }
  }

  /** A comparable form: binary as a list of numbers (arrays compare by identity), numbers as they are. */
  private static Object normalize(Object v) {
    if (v instanceof byte[] b) {
      return java.util.Arrays.toString(b);
    }
    if (v instanceof JsonObject o) {
      java.util.Map<String, Object> m = new java.util.TreeMap<>();
      o.getMap().forEach((k, x) -> m.put(k, normalize(x)));
      return m;
    }
    if (v instanceof io.vertx.core.json.JsonArray a) {
      return a.getList().stream().map(WireCodecTest::normalize).toList();
    }
    return v;
  }
}

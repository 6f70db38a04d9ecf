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
}

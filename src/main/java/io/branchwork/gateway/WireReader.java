package io.branchwork.gateway;

import io.branchwork.core.BranchworkException;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/** A cursor over one frame; every read is checked against what the frame holds. */
final class WireReader {

  private static final ThreadLocal<CharsetDecoder> UTF8 = ThreadLocal.withInitial(() -> StandardCharsets.UTF_8
      .newDecoder().onMalformedInput(CodingErrorAction.REPORT).onUnmappableCharacter(CodingErrorAction.REPORT));

  private final Buffer b;
  private int pos;

  WireReader(Buffer b) {
    this.b = b;
  }

  int left() {
    return b.length() - pos;
  }

  private void need(long n) {
    if (n > left()) {
      throw BranchworkException.badRequest("the frame is not valid MessagePack");
    }
  }

  private int u8() {
    need(1);
    return b.getUnsignedByte(pos++);
  }

  private int u16() {
    need(2);
    int v = b.getUnsignedShort(pos);
    pos += 2;
    return v;
  }

  private long u32() {
    need(4);
    long v = b.getUnsignedInt(pos);
    pos += 4;
    return v;
  }

  private long i64() {
    need(8);
    long v = b.getLong(pos);
    pos += 8;
    return v;
  }

  /** Fails unless {@code declared} items of at least {@code perItem} bytes fit in what is left. */
  private int fits(long declared, int perItem) {
    if (declared * perItem > left()) {
      throw BranchworkException.badRequest("the frame declares " + declared
          + (perItem == 1 ? " bytes" : " items") + " but holds only " + left() + " more bytes");
    }
    return (int) declared;
  }

  Object value(int depth) {
    if (depth > WireCodec.MAX_DEPTH) {
      throw BranchworkException.badRequest("the frame nests deeper than " + WireCodec.MAX_DEPTH);
    }
    int t = u8();
    if (t <= 0x7f) {
      return (long) t;
    }
    if (t >= 0xe0) {
      return (long) (byte) t;
    }
    if (t <= 0x8f) {
      return map(t & 0x0f, depth);
    }
    if (t <= 0x9f) {
      return array(t & 0x0f, depth);
    }
    if (t <= 0xbf) {
      return string(t & 0x1f);
    }
    switch (t) {
      case 0xc0: return null;
      case 0xc2: return Boolean.FALSE;
      case 0xc3: return Boolean.TRUE;
      case 0xc4: return binary(u8());
      case 0xc5: return binary(u16());
      case 0xc6: return binary(u32());
      case 0xca: {
        need(4);
        float f = b.getFloat(pos);
        pos += 4;
        return (double) f;
      }
      case 0xcb: return Double.longBitsToDouble(i64());
      case 0xcc: return (long) u8();
      case 0xcd: return (long) u16();
      case 0xce: return u32();
      case 0xcf: {
        long v = i64();
        if (v < 0) {
          throw BranchworkException.badRequest("an integer in the frame is larger than a signed 64-bit");
        }
        return v;
      }
      case 0xd0: return (long) (byte) u8();
      case 0xd1: return (long) (short) u16();
      case 0xd2: return (long) (int) u32();
      case 0xd3: return i64();
      case 0xd9: return string(u8());
      case 0xda: return string(u16());
      case 0xdb: return string(u32());
      case 0xdc: return array(u16(), depth);
      case 0xdd: return array(u32(), depth);
      case 0xde: return map(u16(), depth);
      case 0xdf: return map(u32(), depth);
      default:
        // 0xc1 (never used), and the extension types 0xc7-0xc9, 0xd4-0xd8
        throw BranchworkException.badRequest("MessagePack type 0x" + Integer.toHexString(t) + " is not accepted");
    }
  }

  private byte[] binary(long declared) {
    int n = fits(declared, 1);
    byte[] out = b.getBytes(pos, pos + n);
    pos += n;
    return out;
  }

  private String string(long declared) {
    int n = fits(declared, 1);
    int start = pos;
    pos += n;
    boolean ascii = true;
    for (int i = start; i < start + n && ascii; i++) {
      ascii = b.getByte(i) >= 0;
    }
    if (ascii) {
      return b.getString(start, start + n, "US-ASCII");
    }
    try {
      return UTF8.get().decode(ByteBuffer.wrap(b.getBytes(start, start + n))).toString();
    } catch (CharacterCodingException e) {
      throw BranchworkException.badRequest("a string in the frame is not UTF-8");
    }
  }

  private JsonArray array(long declared, int depth) {
    int n = fits(declared, 1);
    JsonArray a = new JsonArray();
    for (int i = 0; i < n; i++) {
      a.add(value(depth + 1));
    }
    return a;
  }

  private JsonObject map(long declared, int depth) {
    int n = fits(declared, 2);
    JsonObject o = new JsonObject();
    for (int i = 0; i < n; i++) {
      int k = left() > 0 ? b.getUnsignedByte(pos) : -1;
      if (!((k >= 0xa0 && k <= 0xbf) || (k >= 0xd9 && k <= 0xdb))) {
        throw BranchworkException.badRequest("map keys must be strings");
      }
      String key = (String) value(depth + 1);
      o.put(key, value(depth + 1));
    }
    return o;
  }
}

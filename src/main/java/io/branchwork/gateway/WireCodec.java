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
import java.util.List;
import java.util.Map;

/**
 * MessagePack frames to and from {@link JsonObject}: maps with string keys, arrays, strings,
 * integers, floats, booleans, nil and binary ({@code byte[]}, so content stays binary end to end).
 * Anything else a client sends (extension types, non-string keys, trailing bytes, nesting past
 * {@link #MAX_DEPTH}, integers past a signed 64-bit, strings that are not UTF-8) is
 * {@code bad_request}. Every length a frame declares (string, binary, array, map) is checked
 * against the bytes the frame still holds before anything is read or allocated: an 18-byte frame
 * cannot make the server allocate 2 GiB.
 *
 * <p>Written against the MessagePack spec directly on Vert.x buffers, and not with msgpack-core
 * as before: every frame through msgpack-core cost a copy of the frame, an unpacker or packer, a
 * reflective {@code MessageBuffer.wrap} and a copy of the output (together the largest item of a
 * warm read's profile, see load-tests/BENCHMARKS.md); here a frame is read where it lies and a
 * reply written once into a buffer of its final size. The tests check both directions against
 * msgpack-core.
 */
public final class WireCodec {

  static final int MAX_DEPTH = 32;

  private static final ThreadLocal<CharsetDecoder> UTF8 = ThreadLocal.withInitial(() -> StandardCharsets.UTF_8
      .newDecoder().onMalformedInput(CodingErrorAction.REPORT).onUnmappableCharacter(CodingErrorAction.REPORT));

  private WireCodec() {}

  /** Decodes one frame, which must be exactly one map. */
  public static JsonObject decode(Buffer frame) {
    Reader in = new Reader(frame);
    if (in.left() == 0 || !isMap(frame.getUnsignedByte(0))) {
      throw BranchworkException.badRequest("a frame must be one MessagePack map");
    }
    JsonObject map = (JsonObject) in.value(0);
    if (in.left() != 0) {
      throw BranchworkException.badRequest("a frame must hold exactly one MessagePack map");
    }
    return map;
  }

  private static boolean isMap(int b) {
    return (b & 0xf0) == 0x80 || b == 0xde || b == 0xdf;
  }

  /** A cursor over one frame; every read is checked against what the frame holds. */
  private static final class Reader {
    private final Buffer b;
    private int pos;

    Reader(Buffer b) {
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
      if (depth > MAX_DEPTH) {
        throw BranchworkException.badRequest("the frame nests deeper than " + MAX_DEPTH);
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

  /** Encodes a reply or event; {@code byte[]} and {@link Buffer} values become binary. */
  public static Buffer encode(JsonObject message) {
    Buffer out = Buffer.buffer(64 + payloadBytes(message.getMap(), 0));
    write(out, message);
    return out;
  }

  /** The binary payloads a message carries (what dominates its size): the buffer is allocated once. */
  private static int payloadBytes(Object v, int depth) {
    if (v instanceof byte[] bytes) {
      return bytes.length;
    }
    if (depth > MAX_DEPTH) {
      return 0;
    }
    int sum = 0;
    if (v instanceof Map<?, ?> m) {
      for (Object o : m.values()) {
        sum += payloadBytes(o instanceof JsonObject j ? j.getMap() : o instanceof JsonArray a ? a.getList() : o,
            depth + 1);
      }
    } else if (v instanceof List<?> l) {
      for (Object o : l) {
        sum += payloadBytes(o instanceof JsonObject j ? j.getMap() : o instanceof JsonArray a ? a.getList() : o,
            depth + 1);
      }
    }
    return sum;
  }

  @SuppressWarnings("unchecked")
  private static void write(Buffer out, Object v) {
    if (v == null) {
      out.appendByte((byte) 0xc0);
    } else if (v instanceof String s) {
      byte[] utf8 = s.getBytes(StandardCharsets.UTF_8);
      header(out, utf8.length, 0xa0, 31, 0xd9);
      out.appendBytes(utf8);
    } else if (v instanceof Boolean bool) {
      out.appendByte((byte) (bool ? 0xc3 : 0xc2));
    } else if (v instanceof Integer || v instanceof Long || v instanceof Short || v instanceof Byte) {
      integer(out, ((Number) v).longValue());
    } else if (v instanceof Number n) {
      out.appendByte((byte) 0xcb).appendDouble(n.doubleValue());
    } else if (v instanceof byte[] bytes) {
      header(out, bytes.length, -1, -1, 0xc4);
      out.appendBytes(bytes);
    } else if (v instanceof Buffer buf) {
      header(out, buf.length(), -1, -1, 0xc4);
      out.appendBuffer(buf);
    } else if (v instanceof JsonObject o) {
      write(out, o.getMap());
    } else if (v instanceof Map<?, ?> m) {
      header(out, m.size(), 0x80, 15, 0xde - 1);
      for (Map.Entry<String, Object> e : ((Map<String, Object>) m).entrySet()) {
        write(out, e.getKey());
        write(out, e.getValue());
      }
    } else if (v instanceof JsonArray a) {
      write(out, a.getList());
    } else if (v instanceof List<?> l) {
      header(out, l.size(), 0x90, 15, 0xdc - 1);
      for (Object o : l) {
        write(out, o);
      }
    } else {
      write(out, v.toString());
    }
  }

  /**
   * A length header: the fix form ({@code fix} | n) up to {@code fixMax}, then the 8-, 16- and
   * 32-bit forms from {@code base} (str8/bin8 at base; for arrays and maps, which have no 8-bit
   * form, {@code base} is one below their 16-bit code).
   */
  private static void header(Buffer out, int n, int fix, int fixMax, int base) {
    if (n <= fixMax) {
      out.appendByte((byte) (fix | n));
    } else if (n <= 0xff && (base == 0xd9 || base == 0xc4)) {
      out.appendByte((byte) base).appendUnsignedByte((short) n);
    } else if (n <= 0xffff) {
      out.appendByte((byte) (base + 1)).appendUnsignedShort(n);
    } else {
      out.appendByte((byte) (base + 2)).appendInt(n);
    }
  }

  /** The smallest form of an integer, as msgpack-core writes it. */
  private static void integer(Buffer out, long v) {
    if (v >= -32 && v <= 127) {
      out.appendByte((byte) v);
    } else if (v >= 0) {
      if (v <= 0xff) {
        out.appendByte((byte) 0xcc).appendUnsignedByte((short) v);
      } else if (v <= 0xffff) {
        out.appendByte((byte) 0xcd).appendUnsignedShort((int) v);
      } else if (v <= 0xffffffffL) {
        out.appendByte((byte) 0xce).appendUnsignedInt(v);
      } else {
        out.appendByte((byte) 0xcf).appendLong(v);
      }
    } else if (v >= Byte.MIN_VALUE) {
      out.appendByte((byte) 0xd0).appendByte((byte) v);
    } else if (v >= Short.MIN_VALUE) {
      out.appendByte((byte) 0xd1).appendShort((short) v);
    } else if (v >= Integer.MIN_VALUE) {
      out.appendByte((byte) 0xd2).appendInt((int) v);
    } else {
      out.appendByte((byte) 0xd3).appendLong(v);
    }
  }
}

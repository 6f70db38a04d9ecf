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
    Writer out = new Writer(size(message, 0));
    out.value(message, 0);
    return wrap(out.bytes);
  }

  private static final byte[] READ_ANSWER_KEYS_OK = {(byte) 0xa2, 'o', 'k', (byte) 0xc3, (byte) 0xa6, 'r', 'e', 's',
      'u', 'l', 't', (byte) 0x82, (byte) 0xa7, 'c', 'o', 'n', 't', 'e', 'n', 't'};
  private static final byte[] BLOB_KEY = {(byte) 0xa4, 'b', 'l', 'o', 'b'};

  /**
   * The answer to a read, {@code {"id", "ok": true, "result": {"content", "blob"}}}, exactly as
   * {@link #encode} writes that object, without building it: the warm read's frame is one array
   * and one copy of the content.
   */
  public static Buffer readAnswer(long id, byte[] content, String blob) {
    int blobBytes = utf8Length(blob);
    Writer out = new Writer(1 + 3 + integerSize(id) + READ_ANSWER_KEYS_OK.length
        + headerSize(content.length, -1, true) + content.length + BLOB_KEY.length
        + headerSize(blobBytes, 31, true) + blobBytes);
    out.u8(0x83);
    out.string("id");
    out.integer(id);
    out.raw(READ_ANSWER_KEYS_OK, 0, READ_ANSWER_KEYS_OK.length);
    out.value(content, 1);
    out.raw(BLOB_KEY, 0, BLOB_KEY.length);
    out.string(blob);
    return wrap(out.bytes);
  }

  /**
   * The frame as a buffer over its array: {@code Buffer.buffer(byte[])} would copy it once more
   * (Vert.x writes an unreleasable slice of it, so the array is never given back to a pool).
   */
  private static Buffer wrap(byte[] frame) {
    return io.vertx.core.internal.buffer.BufferInternal.buffer(io.netty.buffer.Unpooled.wrappedBuffer(frame));
  }

  /** The exact encoded size of {@code v}: the frame is written once, into an array of that size. */
  private static int size(Object v, int depth) {
    if (depth > MAX_DEPTH) {
      throw new IllegalArgumentException("a reply nests deeper than " + MAX_DEPTH);
    }
    if (v == null || v instanceof Boolean) {
      return 1;
    }
    if (v instanceof String s) {
      int n = utf8Length(s);
      return headerSize(n, 31, true) + n;
    }
    if (v instanceof Integer || v instanceof Long || v instanceof Short || v instanceof Byte) {
      return integerSize(((Number) v).longValue());
    }
    if (v instanceof Number) {
      return 9;
    }
    if (v instanceof byte[] b) {
      return headerSize(b.length, -1, true) + b.length;
    }
    if (v instanceof Buffer b) {
      return headerSize(b.length(), -1, true) + b.length();
    }
    if (v instanceof JsonObject o) {
      return size(o.getMap(), depth);
    }
    if (v instanceof JsonArray a) {
      return size(a.getList(), depth);
    }
    if (v instanceof Map<?, ?> m) {
      int n = headerSize(m.size(), 15, false);
      for (Map.Entry<?, ?> e : m.entrySet()) {
        n += size(e.getKey(), depth + 1) + size(e.getValue(), depth + 1);
      }
      return n;
    }
    if (v instanceof List<?> l) {
      int n = headerSize(l.size(), 15, false);
      for (Object o : l) {
        n += size(o, depth + 1);
      }
      return n;
    }
    return size(v.toString(), depth);
  }

  /** The size of a length header: a fix form up to {@code fixMax}; an 8-bit form for str and bin only. */
  private static int headerSize(int n, int fixMax, boolean has8) {
    if (n <= fixMax) {
      return 1;
    }
    if (has8 && n <= 0xff) {
      return 2;
    }
    return n <= 0xffff ? 3 : 5;
  }

  private static int integerSize(long v) {
    if (v >= -32 && v <= 127) {
      return 1;
    }
    if (v >= 0) {
      return v <= 0xff ? 2 : v <= 0xffff ? 3 : v <= 0xffffffffL ? 5 : 9;
    }
    return v >= Byte.MIN_VALUE ? 2 : v >= Short.MIN_VALUE ? 3 : v >= Integer.MIN_VALUE ? 5 : 9;
  }

  private static int utf8Length(String s) {
    int n = 0;
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c < 0x80) {
        n++;
      } else if (c < 0x800) {
        n += 2;
      } else if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
        n += 4;
        i++;
      } else {
        n += 3; // a lone surrogate is written as U+FFFD (see Writer.string)
      }
    }
    return n;
  }

  /** Writes MessagePack into an array of the exact size (see {@link #size}). */
  private static final class Writer {
    final byte[] bytes;
    private int pos;

    Writer(int size) {
      this.bytes = new byte[size];
    }

    private void u8(int b) {
      bytes[pos++] = (byte) b;
    }

    private void u16(int v) {
      u8(v >>> 8);
      u8(v);
    }

    private void u32(long v) {
      u16((int) (v >>> 16) & 0xffff);
      u16((int) v & 0xffff);
    }

    private void u64(long v) {
      u32(v >>> 32);
      u32(v & 0xffffffffL);
    }

    private void raw(byte[] b, int off, int len) {
      System.arraycopy(b, off, bytes, pos, len);
      pos += len;
    }

    /** A length header; {@code fix} is the fix form's base, or -1 for none; {@code base8} str8/bin8, or -1. */
    private void header(int n, int fix, int fixMax, int base8, int base16) {
      if (n <= fixMax) {
        u8(fix | n);
      } else if (base8 >= 0 && n <= 0xff) {
        u8(base8);
        u8(n);
      } else if (n <= 0xffff) {
        u8(base16);
        u16(n);
      } else {
        u8(base16 + 1);
        u32(n);
      }
    }

    @SuppressWarnings("unchecked")
    void value(Object v, int depth) {
      if (v == null) {
        u8(0xc0);
      } else if (v instanceof String s) {
        string(s);
      } else if (v instanceof Boolean b) {
        u8(b ? 0xc3 : 0xc2);
      } else if (v instanceof Integer || v instanceof Long || v instanceof Short || v instanceof Byte) {
        integer(((Number) v).longValue());
      } else if (v instanceof Number n) {
        u8(0xcb);
        u64(Double.doubleToLongBits(n.doubleValue()));
      } else if (v instanceof byte[] b) {
        header(b.length, -1, -1, 0xc4, 0xc5);
        raw(b, 0, b.length);
      } else if (v instanceof Buffer b) {
        header(b.length(), -1, -1, 0xc4, 0xc5);
        b.getBytes(bytes, pos);
        pos += b.length();
      } else if (v instanceof JsonObject o) {
        value(o.getMap(), depth);
      } else if (v instanceof JsonArray a) {
        value(a.getList(), depth);
      } else if (v instanceof Map<?, ?> m) {
        header(m.size(), 0x80, 15, -1, 0xde);
        for (Map.Entry<?, ?> e : m.entrySet()) {
          value(e.getKey(), depth + 1);
          value(e.getValue(), depth + 1);
        }
      } else if (v instanceof List<?> l) {
        header(l.size(), 0x90, 15, -1, 0xdc);
        for (Object o : l) {
          value(o, depth + 1);
        }
      } else {
        string(v.toString());
      }
    }

    private void string(String s) {
      int n = utf8Length(s);
      header(n, 0xa0, 31, 0xd9, 0xda);
      for (int i = 0; i < s.length(); i++) {
        char c = s.charAt(i);
        if (c < 0x80) {
          u8(c);
        } else if (c < 0x800) {
          u8(0xc0 | (c >> 6));
          u8(0x80 | (c & 0x3f));
        } else if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
          int cp = Character.toCodePoint(c, s.charAt(++i));
          u8(0xf0 | (cp >> 18));
          u8(0x80 | ((cp >> 12) & 0x3f));
          u8(0x80 | ((cp >> 6) & 0x3f));
          u8(0x80 | (cp & 0x3f));
        } else if (Character.isSurrogate(c)) {
          // A lone surrogate is no character: U+FFFD, as a decoder shows malformed input.
          u8(0xef);
          u8(0xbf);
          u8(0xbd);
        } else {
          u8(0xe0 | (c >> 12));
          u8(0x80 | ((c >> 6) & 0x3f));
          u8(0x80 | (c & 0x3f));
        }
      }
    }

    /** The smallest form of an integer, as msgpack-core writes it. */
    private void integer(long v) {
      if (v >= -32 && v <= 127) {
        u8((int) v);
      } else if (v >= 0) {
        if (v <= 0xff) {
          u8(0xcc);
          u8((int) v);
        } else if (v <= 0xffff) {
          u8(0xcd);
          u16((int) v);
        } else if (v <= 0xffffffffL) {
          u8(0xce);
          u32(v);
        } else {
          u8(0xcf);
          u64(v);
        }
      } else if (v >= Byte.MIN_VALUE) {
        u8(0xd0);
        u8((int) v);
      } else if (v >= Short.MIN_VALUE) {
        u8(0xd1);
        u16((int) v);
      } else if (v >= Integer.MIN_VALUE) {
        u8(0xd2);
        u32(v);
      } else {
        u8(0xd3);
        u64(v);
      }
    }
  }
}

package io.branchwork.gateway;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.Map;

/**
 * Writes MessagePack into an array of the exact size: {@link #size} walks the value once to
 * measure it, then the frame is written once, with no growing and no copy.
 */
final class WireWriter {

  final byte[] bytes;
  private int pos;

  WireWriter(int size) {
    this.bytes = new byte[size];
  }

  void u8(int b) {
    bytes[pos++] = (byte) b;
  }

  void u16(int v) {
    u8(v >>> 8);
    u8(v);
  }

  void u32(long v) {
    u16((int) (v >>> 16) & 0xffff);
    u16((int) v & 0xffff);
  }

  void u64(long v) {
    u32(v >>> 32);
    u32(v & 0xffffffffL);
  }

  void raw(byte[] b, int off, int len) {
    System.arraycopy(b, off, bytes, pos, len);
    pos += len;
  }

  /** A length header; {@code fix} is the fix form's base, or -1 for none; {@code base8} str8/bin8, or -1. */
  void header(int n, int fix, int fixMax, int base8, int base16) {
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

  void string(String s) {
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
  void integer(long v) {
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

  // --- sizes

  /** The exact encoded size of {@code v}: the frame is written once, into an array of that size. */
  static int size(Object v, int depth) {
    if (depth > WireCodec.MAX_DEPTH) {
      throw new IllegalArgumentException("a reply nests deeper than " + WireCodec.MAX_DEPTH);
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

  static int integerSize(long v) {
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
        n += 3; // a lone surrogate is written as U+FFFD (see string)
      }
    }
    return n;
  }
}

package io.branchwork.gateway;

import io.branchwork.core.BranchworkException;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.msgpack.core.MessageBufferPacker;
import org.msgpack.core.MessagePack;
import org.msgpack.core.MessagePackException;
import org.msgpack.core.MessageUnpacker;
import org.msgpack.value.ValueType;

/**
 * MessagePack frames to and from {@link JsonObject}: maps with string keys, arrays, strings,
 * integers, floats, booleans, nil and binary ({@code byte[]}, so content stays binary end to end).
 * Anything else a client sends (extension types, non-string keys, trailing bytes, nesting past
 * {@link #MAX_DEPTH}, strings that are not UTF-8) is {@code bad_request}. Every length a frame
 * declares (string, binary, array, map) is checked against the bytes the frame still holds
 * before anything is read or allocated: an 18-byte frame cannot make the server allocate 2 GiB.
 */
public final class WireCodec {

  static final int MAX_DEPTH = 32;

  private WireCodec() {}

  /** Decodes one frame, which must be exactly one map. */
  public static JsonObject decode(Buffer frame) {
    byte[] bytes = frame.getBytes();
    try (MessageUnpacker in = MessagePack.newDefaultUnpacker(bytes)) {
      if (!in.hasNext() || in.getNextFormat().getValueType() != ValueType.MAP) {
        throw BranchworkException.badRequest("a frame must be one MessagePack map");
      }
      JsonObject map = (JsonObject) read(in, 0, bytes.length);
      if (in.hasNext()) {
        throw BranchworkException.badRequest("a frame must hold exactly one MessagePack map");
      }
      return map;
    } catch (MessagePackException | IOException e) {
      throw BranchworkException.badRequest("the frame is not valid MessagePack");
    }
  }

  /** Fails unless {@code declared} items of at least {@code perItem} bytes fit in what is left. */
  private static int fits(MessageUnpacker in, long frameBytes, int declared, int perItem) {
    long left = frameBytes - in.getTotalReadBytes();
    if (declared < 0 || (long) declared * perItem > left) {
      throw BranchworkException.badRequest("the frame declares " + Integer.toUnsignedString(declared)
          + (perItem == 1 ? " bytes" : " items") + " but holds only " + left + " more bytes");
    }
    return declared;
  }

  private static Object read(MessageUnpacker in, int depth, long frameBytes) throws IOException {
    if (depth > MAX_DEPTH) {
      throw BranchworkException.badRequest("the frame nests deeper than " + MAX_DEPTH);
    }
    ValueType type = in.getNextFormat().getValueType();
    switch (type) {
      case NIL:
        in.unpackNil();
        return null;
      case BOOLEAN:
        return in.unpackBoolean();
      case INTEGER:
        return in.unpackLong();
      case FLOAT:
        return in.unpackDouble();
      case STRING:
        return string(in, frameBytes);
      case BINARY: {
        int len = fits(in, frameBytes, in.unpackBinaryHeader(), 1);
        return in.readPayload(len);
      }
      case ARRAY: {
        int n = fits(in, frameBytes, in.unpackArrayHeader(), 1);
        JsonArray a = new JsonArray();
        for (int i = 0; i < n; i++) {
          a.add(read(in, depth + 1, frameBytes));
        }
        return a;
      }
      case MAP: {
        int n = fits(in, frameBytes, in.unpackMapHeader(), 2);
        JsonObject o = new JsonObject();
        for (int i = 0; i < n; i++) {
          if (in.getNextFormat().getValueType() != ValueType.STRING) {
            throw BranchworkException.badRequest("map keys must be strings");
          }
          String k = string(in, frameBytes);
          o.put(k, read(in, depth + 1, frameBytes));
        }
        return o;
      }
      default:
        throw BranchworkException.badRequest("MessagePack " + type.name().toLowerCase() + " values are not accepted");
    }
  }

  private static String string(MessageUnpacker in, long frameBytes) throws IOException {
    int len = fits(in, frameBytes, in.unpackRawStringHeader(), 1);
    try {
      return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(in.readPayload(len))).toString();
    } catch (CharacterCodingException e) {
      throw BranchworkException.badRequest("a string in the frame is not UTF-8");
    }
  }

  /** Encodes a reply or event; {@code byte[]} and {@link Buffer} values become binary. */
  public static Buffer encode(JsonObject message) {
    try (MessageBufferPacker out = MessagePack.newDefaultBufferPacker()) {
      write(out, message);
      return Buffer.buffer(out.toByteArray());
    } catch (IOException e) {
      throw new IllegalStateException("cannot encode a reply", e);
    }
  }

  @SuppressWarnings("unchecked")
  private static void write(MessageBufferPacker out, Object v) throws IOException {
    if (v == null) {
      out.packNil();
    } else if (v instanceof String s) {
      out.packString(s);
    } else if (v instanceof Boolean b) {
      out.packBoolean(b);
    } else if (v instanceof Integer || v instanceof Long || v instanceof Short || v instanceof Byte) {
      out.packLong(((Number) v).longValue());
    } else if (v instanceof Number n) {
      out.packDouble(n.doubleValue());
    } else if (v instanceof byte[] b) {
      out.packBinaryHeader(b.length);
      out.writePayload(b);
    } else if (v instanceof Buffer b) {
      write(out, b.getBytes());
    } else if (v instanceof JsonObject o) {
      write(out, o.getMap());
    } else if (v instanceof Map<?, ?> m) {
      out.packMapHeader(m.size());
      for (Map.Entry<String, Object> e : ((Map<String, Object>) m).entrySet()) {
        out.packString(e.getKey());
        write(out, e.getValue());
      }
    } else if (v instanceof JsonArray a) {
      write(out, a.getList());
    } else if (v instanceof List<?> l) {
      out.packArrayHeader(l.size());
      for (Object o : l) {
        write(out, o);
      }
    } else {
      out.packString(v.toString());
    }
  }
}

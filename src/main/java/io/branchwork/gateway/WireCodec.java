package io.branchwork.gateway;

import io.branchwork.core.BranchworkException;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.internal.buffer.BufferInternal;
import io.vertx.core.json.JsonObject;

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
 * reply written once into a buffer of its final size ({@link WireReader}, {@link WireWriter}). The
 * tests check both directions against msgpack-core.
 */
public final class WireCodec {

  static final int MAX_DEPTH = 32;

  private WireCodec() {}

  /** Decodes one frame, which must be exactly one map. */
  public static JsonObject decode(Buffer frame) {
    WireReader in = new WireReader(frame);
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

  /** Encodes a reply or event; {@code byte[]} and {@link Buffer} values become binary. */
  public static Buffer encode(JsonObject message) {
    WireWriter out = new WireWriter(WireWriter.size(message, 0));
    out.value(message, 0);
    return wrap(out.bytes);
  }

  private static final byte[] ID_KEY = {(byte) 0xa2, 'i', 'd'};
  private static final byte[] READ_ANSWER_KEYS_OK = {(byte) 0xa2, 'o', 'k', (byte) 0xc3, (byte) 0xa6, 'r', 'e', 's',
      'u', 'l', 't', (byte) 0x82, (byte) 0xa7, 'c', 'o', 'n', 't', 'e', 'n', 't'};
  private static final byte[] BLOB_KEY = {(byte) 0xa4, 'b', 'l', 'o', 'b'};

  /**
   * The answer to a read, {@code {"id", "ok": true, "result": {"content", "blob"}}}, exactly as
   * {@link #encode} writes that object, without building it: the warm read's frame is one array
   * and one copy of the content.
   */
  public static Buffer readAnswer(long id, byte[] content, String blob) {
    WireWriter out = new WireWriter(1 + ID_KEY.length + WireWriter.integerSize(id) + READ_ANSWER_KEYS_OK.length
        + WireWriter.size(content, 0) + BLOB_KEY.length + WireWriter.size(blob, 0));
    out.u8(0x83);
    out.raw(ID_KEY, 0, ID_KEY.length);
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
    return BufferInternal.buffer(io.netty.buffer.Unpooled.wrappedBuffer(frame));
  }
}

package io.branchwork.workspace.snapshot;

import io.branchwork.core.BranchworkException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;

/**
 * Sits between the gzip stream and the tar reader and checks every tar header before the reader
 * sees it. Commons Compress reads a GNU long name, a long link name or a PAX header whole into
 * memory, whatever size it declares; here such header data is refused past
 * {@link #MAX_HEADER_DATA} before a byte of it is buffered. It also refuses entry types the
 * unpacker never accepts and PAX keys that would change how the reader frames the stream
 * ({@code size}, GNU sparse maps), so the guard and the reader always agree on where each header is.
 */
final class TarHeaderGuard extends InputStream {

  /** Most bytes of a long-name, long-link or PAX header: paths are at most 4096 bytes. */
  static final int MAX_HEADER_DATA = 64 * 1024;
  private static final int BLOCK = 512;
  private static final String ALLOWED_TYPES = "0\0" + "12457" + "LKxg";

  private final InputStream in;
  /** Checked bytes not yet handed to the reader: a header block, plus its data for extension headers. */
  private byte[] pending = new byte[0];
  private int pendingPos;
  /** Bytes of the current entry's data (padded to a block) still to pass through unchecked. */
  private long dataLeft;
  private boolean eof;

  TarHeaderGuard(InputStream in) {
    this.in = in;
  }

  @Override
  public int read() throws IOException {
    byte[] one = new byte[1];
    int n = read(one, 0, 1);
    return n < 0 ? -1 : one[0] & 0xff;
  }

  @Override
  public int read(byte[] b, int off, int len) throws IOException {
    if (len == 0) {
      return 0;
    }
    if (pendingPos < pending.length) {
      int n = Math.min(len, pending.length - pendingPos);
      System.arraycopy(pending, pendingPos, b, off, n);
      pendingPos += n;
      return n;
    }
    if (dataLeft > 0) {
      int n = in.read(b, off, (int) Math.min(len, dataLeft));
      if (n > 0) {
        dataLeft -= n;
      }
      return n;
    }
    if (eof || !nextHeader()) {
      eof = true;
      return -1;
    }
    return read(b, off, len);
  }

  /** Reads and checks the next header block (and an extension header's data); false at the end. */
  private boolean nextHeader() throws IOException {
    byte[] header = in.readNBytes(BLOCK);
    if (header.length == 0) {
      return false;
    }
    pending = header;
    pendingPos = 0;
    if (header.length < BLOCK || isZero(header)) {
      return true; // the end-of-archive marker, or a truncated stream the reader will refuse
    }
    char type = (char) header[156];
    if (ALLOWED_TYPES.indexOf(type) < 0) {
      throw BranchworkException.badRequest("the archive holds an entry of type '" + printable(type)
          + "', which is not accepted");
    }
    long size = size(header);
    long padded = (size + BLOCK - 1) / BLOCK * BLOCK;
    if (type == 'L' || type == 'K' || type == 'x' || type == 'g') {
      if (size > MAX_HEADER_DATA) {
        throw BranchworkException.tooLarge("the archive declares " + size + " bytes of header data for one entry;"
            + " at most " + MAX_HEADER_DATA + " are accepted");
      }
      byte[] data = in.readNBytes((int) padded);
      if ((type == 'x' || type == 'g') && data.length >= size) {
        checkPax(new String(data, 0, (int) size, StandardCharsets.UTF_8));
      }
      byte[] both = new byte[BLOCK + data.length];
      System.arraycopy(header, 0, both, 0, BLOCK);
      System.arraycopy(data, 0, both, BLOCK, data.length);
      pending = both;
    } else {
      dataLeft = padded;
    }
    return true;
  }

  /** PAX records are {@code "<len> <key>=<value>\n"}; keys that reframe the stream are refused. */
  private static void checkPax(String records) {
    for (String line : records.split("\n")) {
      int space = line.indexOf(' ');
      int eq = line.indexOf('=');
      if (space < 0 || eq < space) {
        continue;
      }
      String key = line.substring(space + 1, eq);
      if (key.equals("size") || key.startsWith("GNU.sparse")) {
        throw BranchworkException.badRequest("the archive uses the PAX key '" + key + "', which is not accepted");
      }
    }
  }

  /** The size field: octal digits, or base-256 when its first byte has the high bit set. */
  private static long size(byte[] h) {
    int off = 124;
    int len = 12;
    if ((h[off] & 0x80) != 0) {
      if ((h[off] & 0x40) != 0) {
        throw BranchworkException.badRequest("the archive declares a negative entry size");
      }
      long v = h[off] & 0x3f;
      for (int i = 1; i < len; i++) {
        if (v > (Long.MAX_VALUE >> 9)) {
          throw BranchworkException.tooLarge("the archive declares an entry size that does not fit 63 bits");
        }
        v = v << 8 | (h[off + i] & 0xff);
      }
      return v;
    }
    long v = 0;
    int i = 0;
    while (i < len && (h[off + i] == ' ' || h[off + i] == 0)) {
      i++;
    }
    for (; i < len; i++) {
      byte c = h[off + i];
      if (c == ' ' || c == 0) {
        break;
      }
      if (c < '0' || c > '7') {
        throw BranchworkException.badRequest("the archive has a malformed size field");
      }
      v = v << 3 | (c - '0');
    }
    return v;
  }

  private static boolean isZero(byte[] block) {
    for (byte b : block) {
      if (b != 0) {
        return false;
      }
    }
    return true;
  }

  private static String printable(char c) {
    return c >= 0x20 && c < 0x7f ? String.valueOf(c) : String.format("\\x%02x", (int) c);
  }

  @Override
  public void close() throws IOException {
    in.close();
  }
}

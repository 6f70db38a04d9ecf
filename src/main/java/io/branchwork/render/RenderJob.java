package io.branchwork.render;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.SortedMap;

/**
 * One render's inputs, everything its result depends on: the flattened model written at
 * {@code entry} (a workspace path), the files it imports ({@code import()}, {@code surface()}) at
 * their paths, the {@code -D} definitions of the customizer parameters (validated and quoted by
 * the caller) and the format; {@code user} and {@code project} say who asks (the per-user cap, who
 * may download the mesh).
 */
public record RenderJob(String user, String project, String entry, String format, String source,
    SortedMap<String, byte[]> files, List<String> defines) {

  public static final Set<String> FORMATS = Set.of("stl", "off", "3mf", "amf");

  public RenderJob {
    if (!FORMATS.contains(format)) {
      throw new IllegalArgumentException("format " + format);
    }
  }

  /**
   * The content address of the result: a hash of the renderer's identity and every input (the
   * same model in another branch or project has the same key). Blocking in the sense that it
   * hashes the whole model: run it on a worker.
   */
  String key(String renderer) {
    MessageDigest md;
    try {
      md = MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
    field(md, "branchwork-render-1");
    field(md, renderer);
    field(md, format);
    field(md, entry);
    field(md, Integer.toString(defines.size()));
    defines.forEach(d -> field(md, d));
    field(md, source);
    field(md, Integer.toString(files.size()));
    for (Map.Entry<String, byte[]> f : files.entrySet()) {
      field(md, f.getKey());
      md.update(Long.toString(f.getValue().length).getBytes(StandardCharsets.US_ASCII));
      md.update((byte) 0);
      md.update(f.getValue());
    }
    return HexFormat.of().formatHex(md.digest()).toLowerCase(Locale.ROOT);
  }

  /** A length-prefixed field, so that no two different inputs hash the same bytes. */
  private static void field(MessageDigest md, String s) {
    byte[] b = s.getBytes(StandardCharsets.UTF_8);
    md.update(Integer.toString(b.length).getBytes(StandardCharsets.US_ASCII));
    md.update((byte) 0);
    md.update(b);
  }
}

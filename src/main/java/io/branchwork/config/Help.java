package io.branchwork.config;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What {@code branchwork --help} prints: the command line, then every setting with its
 * environment variable and default. The settings come from {@code conf/README.md} (in the jar),
 * the one place they are documented, so the help cannot say something the docs do not.
 */
public final class Help {

  public static final String README_RESOURCE = "conf/README.md";
  /** Environment variables read beside the settings (by logging, not by {@link ConfigLoader}). */
  public static final Map<String, String> OTHER_ENV = Map.of(
      "BRANCHWORK_LOG_LEVEL", "the root log level (default INFO)");
  private static final Pattern ROW = Pattern.compile("^\\| `([A-Za-z0-9.]+)` \\| `([^`]*)` \\| (.*) \\|$");

  private Help() {}

  /** Every documented key, in the README's order: key to {default, meaning}. */
  public static Map<String, String[]> settings() {
    Map<String, String[]> out = new LinkedHashMap<>();
    for (String line : readme().split("\n")) {
      Matcher m = ROW.matcher(line.strip());
      if (m.matches()) {
        out.put(m.group(1), new String[] {m.group(2), m.group(3).replace("`", "")});
      }
    }
    return out;
  }

  public static String text() {
    StringBuilder sb = new StringBuilder()
        .append("Usage: java -jar branchwork.jar [--conf FILE] [--help]\n\n")
        .append("  --conf FILE  a JSON file with any subset of the settings below (see conf/README.md)\n")
        .append("  --help       this text\n\n")
        .append("Settings, later layers win: the defaults, the --conf file, then the environment.\n")
        .append("An unknown key or BRANCHWORK_ variable stops start-up.\n\n");
    for (Map.Entry<String, String[]> e : settings().entrySet()) {
      sb.append("  ").append(e.getKey()).append("  (").append(ConfigLoader.envName(e.getKey()))
          .append(", default ").append(e.getValue()[0].isEmpty() ? "empty" : e.getValue()[0]).append(")\n");
      for (String line : wrap(e.getValue()[1], 92)) {
        sb.append("      ").append(line).append('\n');
      }
    }
    sb.append("\nAlso read:\n");
    OTHER_ENV.forEach((name, meaning) -> sb.append("  ").append(name).append("  ").append(meaning).append('\n'));
    return sb.toString();
  }

  private static List<String> wrap(String text, int width) {
    List<String> lines = new ArrayList<>();
    StringBuilder line = new StringBuilder();
    for (String word : text.split(" ")) {
      if (line.length() > 0 && line.length() + 1 + word.length() > width) {
        lines.add(line.toString());
        line.setLength(0);
      }
      if (line.length() > 0) {
        line.append(' ');
      }
      line.append(word);
    }
    if (line.length() > 0) {
      lines.add(line.toString());
    }
    return lines;
  }

  private static String readme() {
    try (InputStream in = Help.class.getClassLoader().getResourceAsStream(README_RESOURCE)) {
      if (in == null) {
        throw new IllegalStateException(README_RESOURCE + " is missing from the class path");
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new IllegalStateException("cannot read " + README_RESOURCE, e);
    }
  }
}

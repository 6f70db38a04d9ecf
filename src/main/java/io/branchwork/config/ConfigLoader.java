package io.branchwork.config;

import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Builds the effective configuration in three layers: {@code conf/default.json} from the jar, an
 * optional file given with {@code --conf}, then environment variables named {@code BRANCHWORK_}
 * plus the key in upper snake case ({@code gc.intervalMs} is {@code BRANCHWORK_GC_INTERVAL_MS}).
 * Only keys of the default file exist; anything else is a typo and stops start-up.
 */
public final class ConfigLoader {

  public static final String DEFAULT_RESOURCE = "conf/default.json";
  public static final String ENV_PREFIX = "BRANCHWORK_";

  private ConfigLoader() {}

  public static JsonObject defaults() {
    try (InputStream in = ConfigLoader.class.getClassLoader().getResourceAsStream(DEFAULT_RESOURCE)) {
      if (in == null) {
        throw new IllegalStateException(DEFAULT_RESOURCE + " is missing from the class path");
      }
      return new JsonObject(new String(in.readAllBytes(), StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new IllegalStateException("cannot read " + DEFAULT_RESOURCE, e);
    }
  }

  /** Loads and validates; {@code file} may be null. */
  public static Config load(Path file, Map<String, String> env) {
    JsonObject merged = defaults();
    if (file != null) {
      JsonObject fromFile;
      try {
        fromFile = new JsonObject(Files.readString(file));
      } catch (IOException e) {
        throw new ConfigException("--conf", "cannot read " + file + ": " + e.getMessage());
      } catch (DecodeException e) {
        throw new ConfigException("--conf", file + " is not valid JSON: " + e.getMessage());
      }
      merge(merged, fromFile, "");
    }
    applyEnv(merged, merged, "", env);
    refuseUnknownEnv(merged, env);
    return new Config(merged);
  }

  /** Overlays {@code over} on {@code base}, refusing keys and types the defaults do not have. */
  public static void merge(JsonObject base, JsonObject over, String prefix) {
    for (String name : over.fieldNames()) {
      String key = prefix + name;
      if (!base.containsKey(name)) {
        throw new ConfigException(key, "unknown key");
      }
      Object dflt = base.getValue(name);
      Object value = over.getValue(name);
      if (dflt instanceof JsonObject d) {
        if (!(value instanceof JsonObject v)) {
          throw new ConfigException(key, "expected an object");
        }
        merge(d, v, key + ".");
      } else {
        base.put(name, coerce(key, dflt, value));
      }
    }
  }

  private static void applyEnv(JsonObject root, JsonObject node, String prefix, Map<String, String> env) {
    for (String name : node.fieldNames()) {
      String key = prefix + name;
      Object dflt = node.getValue(name);
      if (dflt instanceof JsonObject child) {
        applyEnv(root, child, key + ".", env);
        continue;
      }
      String raw = env.get(envName(key));
      if (raw != null) {
        node.put(name, coerce(key, dflt, raw));
      }
    }
  }

  /**
   * A {@code BRANCHWORK_} variable that names no key is a typo (or a setting of another version):
   * start-up stops, as for an unknown key in a file, rather than run with a value the operator
   * believes is set.
   */
  private static void refuseUnknownEnv(JsonObject config, Map<String, String> env) {
    Set<String> known = new HashSet<>(Help.OTHER_ENV.keySet());
    collectEnvNames(config, "", known);
    for (String name : new TreeSet<>(env.keySet())) {
      if (name.startsWith(ENV_PREFIX) && !known.contains(name)) {
        throw ConfigException.unknownEnv(name);
      }
    }
  }

  private static void collectEnvNames(JsonObject node, String prefix, Set<String> out) {
    for (String name : node.fieldNames()) {
      if (node.getValue(name) instanceof JsonObject child) {
        collectEnvNames(child, prefix + name + ".", out);
      } else {
        out.add(envName(prefix + name));
      }
    }
  }

  /** {@code gc.intervalMs} becomes {@code BRANCHWORK_GC_INTERVAL_MS}. */
  public static String envName(String key) {
    StringBuilder sb = new StringBuilder(ENV_PREFIX);
    for (int i = 0; i < key.length(); i++) {
      char c = key.charAt(i);
      if (c == '.') {
        sb.append('_');
      } else if (Character.isUpperCase(c)) {
        sb.append('_').append(c);
      } else {
        sb.append(Character.toUpperCase(c));
      }
    }
    return sb.toString();
  }

  private static Object coerce(String key, Object dflt, Object value) {
    if (dflt instanceof Boolean) {
      if (value instanceof Boolean) {
        return value;
      }
      if ("true".equals(value) || "false".equals(value)) {
        return Boolean.valueOf((String) value);
      }
      throw new ConfigException(key, "expected true or false, got '" + value + "'");
    }
    if (dflt instanceof Number) {
      if (value instanceof Number n && n.doubleValue() == Math.rint(n.doubleValue())) {
        return n.longValue();
      }
      if (value instanceof String s) {
        try {
          return Long.parseLong(s.trim());
        } catch (NumberFormatException e) {
          // fall through to the error below
        }
      }
      throw new ConfigException(key, "expected an integer, got '" + value + "'");
    }
    if (value instanceof String) {
      return value;
    }
    throw new ConfigException(key, "expected a string, got '" + value + "'");
  }
}

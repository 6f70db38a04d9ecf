package io.branchwork.config;

/** A configuration value that Branchwork cannot start with; the message names the key. */
public class ConfigException extends RuntimeException {

  public ConfigException(String key, String problem) {
    super("config key '" + key + "': " + problem);
  }
}

package io.branchwork.config;

/** A configuration value that Branchwork cannot start with; the message names the key. */
public class ConfigException extends RuntimeException {

  public ConfigException(String key, String problem) {
    super("config key '" + key + "': " + problem);
  }

  private ConfigException(String message) {
    super(message);
  }

  /** An environment variable that names no setting. */
  static ConfigException unknownEnv(String name) {
    return new ConfigException("environment variable " + name + " names no setting (java -jar branchwork.jar"
        + " --help lists them); unset it or correct its name");
  }
}

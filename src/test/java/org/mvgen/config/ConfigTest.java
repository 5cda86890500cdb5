package org.mvgen.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigTest {
  @Test
  void fileOverridesDefaultsAndCommandLineOverridesFile(@TempDir Path dir) throws Exception {
    Path f = dir.resolve("mvgen.toml");
    Files.writeString(f, "[video]\nfps = 30\nsize = 128\n[dataset]\nval_fraction = 0\n");
    Config c = Config.load(f).withAssignment("video.size=64", "--set");
    assertEquals(30, c.getInt("video.fps"));
    assertEquals(f.toString(), c.entry("video.fps").origin());
    assertEquals(64, c.getInt("video.size"));
    assertEquals("--set", c.entry("video.size").origin());
    assertEquals(0.0, c.getDouble("dataset.val_fraction"), "an integer stands for a float");
    assertEquals(44100, c.getInt("audio.sample_rate"));
    assertEquals("default", c.entry("audio.sample_rate").origin());
    assertTrue(c.entry("audio.window").description().contains("samples"));
  }

  @Test
  void showOutputIsValidTomlThatReproducesTheConfig(@TempDir Path dir) throws Exception {
    Config c = Config.defaults().withAssignment("dataset.split=videos", "--set");
    Path f = dir.resolve("saved.toml");
    Files.writeString(f, c.toToml(true));
    Config again = Config.load(f);
    for (Config.Entry e : c.entries()) {
      assertEquals(e.value(), again.entry(e.key()).value(), e.key());
    }
  }

  @Test
  void badSettingsAreNamed(@TempDir Path dir) throws Exception {
    Path f = dir.resolve("bad.toml");
    Files.writeString(f, "[video]\nfsp = 30\n");
    ConfigException unknown = assertThrows(ConfigException.class, () -> Config.load(f));
    assertTrue(unknown.getMessage().contains("video.fsp"), unknown.getMessage());
    assertTrue(unknown.getMessage().contains(f.toString()), unknown.getMessage());

    Files.writeString(f, "[video]\nfps = \"fast\"\n");
    ConfigException type = assertThrows(ConfigException.class, () -> Config.load(f));
    assertTrue(type.getMessage().contains("wants an integer"), type.getMessage());

    Files.writeString(f, "[video\nfps = 3\n");
    ConfigException syntax = assertThrows(ConfigException.class, () -> Config.load(f));
    assertTrue(syntax.getMessage().contains("not valid TOML"), syntax.getMessage());

    assertThrows(
        ConfigException.class, () -> Config.defaults().withAssignment("video.fps", "--set"));
    assertThrows(ConfigException.class, () -> Config.load(dir.resolve("missing.toml")));
  }
}

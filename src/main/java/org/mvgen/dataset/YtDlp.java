package org.mvgen.dataset;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.mvgen.MvgenException;

/** Fetches a video by URL with the {@code yt-dlp} program, when it is installed. */
final class YtDlp {
  private YtDlp() {}

  /** Downloads {@code url} into {@code folder} (kept as a cache) and returns the file. */
  static Path download(String url, Path folder) throws MvgenException {
    return download(url, folder, System.getenv("PATH"));
  }

  /** As {@link #download(String, Path)}, looking for yt-dlp on {@code searchPath}. */
  static Path download(String url, Path folder, String searchPath) throws MvgenException {
    String exe = find(searchPath);
    if (exe == null) {
      throw new MvgenException(
          "Cannot fetch "
              + url
              + ": yt-dlp is not installed. Install it (apt-get install yt-dlp,"
              + " or pipx install yt-dlp) or download the video yourself and pass the file.");
    }
    try {
      Files.createDirectories(folder);
      ProcessBuilder pb =
          new ProcessBuilder(
              List.of(
                  exe,
                  "--no-playlist",
                  "--no-progress",
                  "-f",
                  "bv*+ba/b",
                  "--merge-output-format",
                  "mkv",
                  "-o",
                  folder.resolve("%(extractor)s-%(id)s.%(ext)s").toString(),
                  "--print",
                  "after_move:filepath",
                  url));
      pb.redirectError(ProcessBuilder.Redirect.INHERIT);
      Process p = pb.start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
      int code = p.waitFor();
      String[] lines = out.split("\n");
      Path file = Path.of(lines[lines.length - 1].strip());
      if (code != 0 || out.isEmpty() || !Files.isRegularFile(file)) {
        throw new MvgenException(
            "yt-dlp could not fetch " + url + " (exit " + code + "); its messages are above.");
      }
      return file;
    } catch (IOException e) {
      throw new MvgenException("Running yt-dlp for " + url + " failed: " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new MvgenException("Interrupted while fetching " + url, e);
    }
  }

  private static String find(String path) {
    if (path == null) {
      return null;
    }
    for (String dir : path.split(java.io.File.pathSeparator)) {
      Path p = Path.of(dir, "yt-dlp");
      if (Files.isExecutable(p)) {
        return p.toString();
      }
    }
    return null;
  }
}

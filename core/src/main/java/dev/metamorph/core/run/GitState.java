package dev.metamorph.core.run;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * The git commit and dirty flag of a working tree, read by running {@code git}; empty when git
 * is not installed or the folder is not a repository.
 *
 * @param commit full commit id of HEAD
 * @param dirty  whether tracked files differ from HEAD
 */
public record GitState(String commit, boolean dirty) {

    /** Reads the state of the repository holding {@code folder}. */
    public static Optional<GitState> of(Path folder) {
        Optional<String> head = git(folder, "rev-parse", "HEAD");
        if (head.isEmpty()) return Optional.empty();
        Optional<String> status = git(folder, "status", "--porcelain", "--untracked-files=no");
        return Optional.of(new GitState(head.get().trim(), status.map(s -> !s.isBlank()).orElse(true)));
    }

    private static Optional<String> git(Path folder, String... args) {
        String[] cmd = new String[args.length + 1];
        cmd[0] = "git";
        System.arraycopy(args, 0, cmd, 1, args.length);
        try {
            Process p = new ProcessBuilder(cmd).directory(folder.toFile()).redirectErrorStream(false)
                    .redirectError(ProcessBuilder.Redirect.DISCARD).start();
            byte[] out;
            try (InputStream in = p.getInputStream()) {
                out = in.readAllBytes();
            }
            if (!p.waitFor(10, TimeUnit.SECONDS)) {
                p.destroy();
                return Optional.empty();
            }
            return p.exitValue() == 0 ? Optional.of(new String(out, StandardCharsets.UTF_8)) : Optional.empty();
        } catch (IOException e) {
            return Optional.empty();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.empty();
        }
    }
}

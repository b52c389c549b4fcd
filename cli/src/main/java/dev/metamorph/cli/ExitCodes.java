package dev.metamorph.cli;

import dev.metamorph.pipeline.JobInputException;
import picocli.CommandLine;

/**
 * Exit codes shared by all subcommands: 0 success, 1 failure of the work itself, 2 bad usage or
 * bad configuration (printed without a stack trace unless {@code --verbose}).
 */
public final class ExitCodes {
    public static final int OK = 0;
    public static final int FAILURE = 1;
    public static final int USAGE = 2;

    private ExitCodes() {}

    /** Whether {@code t} is the user's mistake (exit 2, no stack trace): a {@link UserError} or the pipeline's {@link JobInputException}. */
    static boolean isUserError(Throwable t) {
        return t instanceof UserError || t instanceof JobInputException || t instanceof dev.metamorph.report.ReportInputException;
    }

    static CommandLine configure(CommandLine cl) {
        cl.setExitCodeExceptionMapper(t -> isUserError(t) ? USAGE : FAILURE);
        cl.setExecutionExceptionHandler((ex, commandLine, parseResult) -> {
            boolean verbose = parseResult.expandedArgs().contains("--verbose");
            if (isUserError(ex) && !verbose) {
                commandLine.getErr().println("error: " + ex.getMessage());
            } else if (!verbose) {
                commandLine.getErr().println("error: " + ex + (ex.getCause() != null ? "\n  caused by: " + ex.getCause() : "") + "\n(run with --verbose for the stack trace)");
            } else {
                ex.printStackTrace(commandLine.getErr());
            }
            return isUserError(ex) ? USAGE : FAILURE;
        });
        return cl;
    }

    /** An error in what the user gave (arguments, config, data paths): exit code 2, no stack trace. */
    public static class UserError extends RuntimeException {
        public UserError(String message) {
            super(message);
        }

        public UserError(String message, Throwable cause) {
            super(message, cause);
        }
    }
}

package dev.metamorph.cli;

import dev.metamorph.core.config.ConfigError;
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
        return t instanceof UserError || t instanceof JobInputException || t instanceof ConfigError
                || t instanceof dev.metamorph.report.ReportInputException
                || t instanceof com.typesafe.config.ConfigException;
    }

    /** What is printed after "error: ": the message as the user should read it, with no Java class names. */
    static String message(Throwable t) {
        if (t instanceof com.typesafe.config.ConfigException c) return ConfigError.message(c);
        if (t.getMessage() != null && !t.getMessage().isBlank()) return t.getMessage();
        return "an internal error (" + t.getClass().getSimpleName() + ") without a message";
    }

    static CommandLine configure(CommandLine cl) {
        // a bad option value or an unknown option (picocli's ParameterException) is a usage error too: exit 2, as picocli does without a mapper
        cl.setExitCodeExceptionMapper(t -> isUserError(t) || t instanceof CommandLine.ParameterException ? USAGE : FAILURE);
        cl.setExecutionExceptionHandler((ex, commandLine, parseResult) -> {
            boolean verbose = parseResult.expandedArgs().contains("--verbose");
            if (isUserError(ex) && !verbose) {
                commandLine.getErr().println("error: " + message(ex));
            } else if (!verbose) {
                Throwable cause = ex.getCause();
                String because = cause != null && cause.getMessage() != null && !message(ex).contains(cause.getMessage())
                        ? "\n  because: " + message(cause) : "";
                commandLine.getErr().println("error: " + message(ex) + because + "\n(run with --verbose for the stack trace)");
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

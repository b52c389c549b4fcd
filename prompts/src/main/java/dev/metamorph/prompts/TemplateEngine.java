package dev.metamorph.prompts;

import freemarker.cache.ConditionalTemplateConfigurationFactory;
import freemarker.cache.FirstMatchTemplateConfigurationFactory;
import freemarker.cache.PathGlobMatcher;
import freemarker.core.Environment;
import freemarker.core.TemplateConfiguration;
import freemarker.template.Template;
import freemarker.template.TemplateHashModel;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Loads and renders sandboxed templates with a cap on output size and a time limit per render.
 * Each render runs on a daemon worker thread; the render stops itself at its deadline (checked at
 * every instruction, every loop iteration and every write), and if it has not stopped shortly
 * after the deadline its thread is interrupted; a thread that still does not stop is abandoned
 * (logged) and later renders use fresh threads, so a hostile template never blocks the process.
 * A template whose render was abandoned is not rendered again while that render still runs (its
 * later renders fail at once, naming the earlier one), and at most {@value #MAX_STUCK} abandoned
 * renders may run at a time, after which every render fails at once: a template that ignores
 * interruption (a catastrophic regular expression in one built-in call) costs one thread, not one
 * thread per call. Thread-safe.
 */
final class TemplateEngine implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(TemplateEngine.class);
    private static final long GRACE_MS = 250;
    private static final long STOP_WAIT_MS = 1000;
    private static final AtomicInteger ENGINES = new AtomicInteger();
    /** At most this many abandoned renders may still be running before every render is refused at once. */
    static final int MAX_STUCK = 4;

    private final SandboxConfiguration cfg;
    private final int maxChars;
    private final long timeLimitMs;
    private final ExecutorService workers;
    private final String threadPrefix = "prompt-render-" + ENGINES.incrementAndGet() + "-";
    private final AtomicInteger threads = new AtomicInteger();
    /** Templates with an abandoned render still running -> where it was when abandoned. */
    private final Map<Template, String> stuck = new java.util.IdentityHashMap<>();

    TemplateEngine(Path root, Escaping defaultEscaping, Map<String, Escaping> escapingByTemplate, int maxChars, long timeLimitMs) {
        try {
            this.cfg = new SandboxConfiguration(root);
        } catch (IOException e) {
            throw new IllegalArgumentException("Cannot open the templates root " + root + " (prompts.templates-root): " + e.getMessage(), e);
        }
        cfg.setOutputFormat(defaultEscaping.outputFormat());
        List<ConditionalTemplateConfigurationFactory> rules = new ArrayList<>();
        escapingByTemplate.forEach((name, esc) -> {
            if (esc != defaultEscaping) {
                TemplateConfiguration tc = new TemplateConfiguration();
                tc.setOutputFormat(esc.outputFormat());
                rules.add(new ConditionalTemplateConfigurationFactory(new PathGlobMatcher(globQuote(name)), tc));
            }
        });
        if (!rules.isEmpty()) {
            cfg.setTemplateConfigurations(new FirstMatchTemplateConfigurationFactory(
                    rules.toArray(new ConditionalTemplateConfigurationFactory[0])).allowNoMatch(true));
        }
        this.maxChars = maxChars;
        this.timeLimitMs = timeLimitMs;
        ThreadFactory tf = r -> {
            Thread t = new Thread(r, threadPrefix + threads.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
        this.workers = Executors.newCachedThreadPool(tf);
    }

    /** Loads (and caches) a template by its name relative to the root; errors name template:line:col. */
    Template load(String name) {
        try {
            return cfg.getTemplate(name);
        } catch (IOException | RuntimeException e) {
            throw RenderFailures.describe(name, e);
        }
    }

    /** Renders a template against a data model within the output cap and the time limit. */
    String render(Template template, TemplateHashModel model) {
        String name = template.getSourceName();
        refuseWhileStuck(template, name);
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeLimitMs);
        SandboxTracer tracer = new SandboxTracer(deadline, timeLimitMs);
        BoundedWriter out = new BoundedWriter(maxChars, deadline, timeLimitMs);
        CountDownLatch finished = new CountDownLatch(1);
        AtomicReference<Thread> worker = new AtomicReference<>();
        java.util.concurrent.atomic.AtomicBoolean abandoned = new java.util.concurrent.atomic.AtomicBoolean();
        Future<String> f = workers.submit(() -> {
            worker.set(Thread.currentThread());
            try {
                Environment env = template.createProcessingEnvironment(model, out);
                env.setTemplateProcessingTracer(tracer);
                env.process();
                return out.text();
            } catch (BoundedWriter.LimitExceededException e) {
                throw tracer.stopped(e.getMessage());
            } finally {
                synchronized (stuck) {
                    finished.countDown();
                    if (abandoned.get()) {
                        stuck.remove(template);
                        log.info("The abandoned render of {} has stopped", name);
                    }
                }
            }
        });
        try {
            return f.get(timeLimitMs + GRACE_MS, TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            f.cancel(true);
            boolean stopped = awaitQuietly(finished);
            if (!stopped) {
                synchronized (stuck) {
                    stopped = finished.getCount() == 0;
                    if (!stopped) {
                        abandoned.set(true);
                        RenderFailures.RenderStopped at = tracer.stopped("");
                        stuck.put(template, PromptRenderException.place(at.template != null ? at.template : name, at.line, at.column)
                                .replaceAll(": $", ""));
                    }
                }
            }
            if (!stopped) {
                Thread t = worker.get();
                log.error("Render of {} did not stop {} ms after its time limit and an interrupt; abandoning thread {}",
                        name, STOP_WAIT_MS, t == null ? "?" : t.getName());
            }
            throw RenderFailures.describe(name, tracer.stopped("render passed its time limit of " + timeLimitMs
                    + " ms (prompts.render-time-limit-ms)" + (stopped ? "" : " and ignored an interrupt")
                    + "; a loop over a huge range, a recursion or a costly built-in is the usual cause: bound it"));
        } catch (ExecutionException e) {
            throw RenderFailures.describe(name, e.getCause());
        } catch (CancellationException e) {
            throw RenderFailures.describe(name, e);
        } catch (InterruptedException e) {
            f.cancel(true);
            Thread.currentThread().interrupt();
            throw new PromptRenderException(name, 0, 0, "interrupted while waiting for the render");
        }
    }

    /** Fails at once when this template's abandoned render still runs, or too many abandoned renders do. */
    private void refuseWhileStuck(Template template, String name) {
        synchronized (stuck) {
            String at = stuck.get(template);
            if (at != null) {
                throw new PromptRenderException(name, 0, 0, "not rendered: an earlier render of this template ignored its time limit "
                        + "of " + timeLimitMs + " ms (prompts.render-time-limit-ms) and an interrupt, and is still running (at " + at
                        + "); a costly built-in such as ?matches on a backtracking pattern is the usual cause: fix the template");
            }
            if (stuck.size() >= MAX_STUCK) {
                throw new PromptRenderException(name, 0, 0, "not rendered: " + stuck.size() + " abandoned renders are still running "
                        + "past their time limit (" + String.join(", ", stuck.values()) + "); fix those templates and start again");
            }
        }
    }

    /** How many abandoned renders are still running. */
    int stuckRenders() {
        synchronized (stuck) {
            return stuck.size();
        }
    }

    /** The name prefix of this engine's worker threads. */
    String threadPrefix() {
        return threadPrefix;
    }

    private static boolean awaitQuietly(CountDownLatch latch) {
        try {
            return latch.await(STOP_WAIT_MS, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private static String globQuote(String name) {
        return name.replace("\\", "\\\\").replace("*", "\\*").replace("?", "\\?");
    }

    /** The sandboxed Freemarker configuration (for tests that bypass the loader). */
    freemarker.template.Configuration configuration() {
        return cfg;
    }

    @Override
    public void close() {
        workers.shutdownNow();
    }
}

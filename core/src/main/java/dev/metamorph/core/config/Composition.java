package dev.metamorph.core.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigRenderOptions;
import java.util.List;
import java.util.Map;

/**
 * The result of composing the configuration: the resolved config (project namespaces only),
 * the same before interpolations are resolved, the option chosen for every group, the overrides
 * as parsed, and where every leaf key was set.
 *
 * @param config     resolved and validated; what run code reads
 * @param unresolved the same composition with {@code ${...}} interpolations left as written
 * @param choices    group to chosen option ({@code null}: none), in defaults-list order
 * @param overrides  the overrides applied, in order
 * @param origins    dotted leaf path to where it was set ({@code configs/maml/default.conf:3},
 *                   {@code override #1 'maml.inner-lr=0.05'}, {@code metamorph-maml.jar!/reference.conf:5})
 */
public record Composition(Config config, Config unresolved, Map<String, String> choices, List<ConfigOverride> overrides,
        Map<String, String> origins) {

    /** The overrides exactly as typed, for {@code overrides.txt}. */
    public List<String> overridesAsTyped() {
        return overrides.stream().map(ConfigOverride::text).toList();
    }

    /** HOCON (or JSON) text of the config; {@code resolve=false} shows interpolations as written (JSON is always resolved).*/
    public String render(boolean resolve, boolean json) {
        Config c = resolve || json ? config : unresolved;
        ConfigRenderOptions options = ConfigRenderOptions.defaults().setOriginComments(false).setComments(false)
                .setFormatted(true).setJson(json);
        return c.root().render(options);
    }
}

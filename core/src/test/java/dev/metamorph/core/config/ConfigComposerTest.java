package dev.metamorph.core.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigComposerTest {
    static Path fixture(String name) {
        try {
            return Paths.get(ConfigComposerTest.class.getResource("/config-fixtures/" + name).toURI());
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    static ConfigComposer composer(String name) {
        Path root = fixture(name);
        Config reference = ConfigFactory.parseFile(fixture("basic").resolve("defaults.conf").toFile())
                .withFallback(ConfigFactory.parseResources("reference.conf"));
        return new ConfigComposer(root, Paths.get("configs"), reference);
    }

    static Config compose(String... overrides) {
        return composer("basic").compose(List.of(overrides)).config();
    }

    static String error(String... overrides) {
        return assertThrows(ConfigError.class, () -> composer("basic").compose(List.of(overrides))).getMessage();
    }

    @Test
    void groupOptionsGoUnderTheirNamespaceOverTheReference() {
        Config c = compose();
        assertEquals(0.01, c.getDouble("maml.inner-lr"));
        assertEquals(1, c.getInt("maml.inner-steps"));
        assertFalse(c.getBoolean("maml.first-order"));
        assertEquals(32, c.getInt("model.width"));
        assertEquals(2, c.getInt("model.depth"));
        assertEquals(11, c.getInt("run.seed"), "config.conf's own keys (_self_)");
        assertFalse(c.hasPath("defaults"));
    }

    @Test
    void originsNameFileAndLine() {
        Composition comp = composer("basic").compose(List.of("maml.inner-steps=3"));
        assertEquals("configs/maml/default.conf:2", comp.origins().get("maml.inner-lr"));
        assertEquals("configs/config.conf:7", comp.origins().get("run.seed"));
        assertEquals("override #1 'maml.inner-steps=3'", comp.origins().get("maml.inner-steps"));
        assertTrue(comp.origins().get("maml.algorithm").contains("defaults.conf:"), comp.origins().get("maml.algorithm"));
    }

    @Test
    void selfPositionDecidesWhoWins() {
        Composition comp = composer("nested").compose(List.of());
        assertEquals(0.02, comp.config().getDouble("maml.inner-lr"), "_self_ first: the group option overrides config.conf");
    }

    @Test
    void overridesSetAddForceAddDelete() {
        Config c = compose("maml.inner-lr=0.05", "+maml.extra=[1,2]", "++maml.inner-steps=4", "++model.new={a:1}",
                "~model.name", "~maml.first-order=false", "maml.sizes=[3]", "model.dropout=0.1");
        assertEquals(0.05, c.getDouble("maml.inner-lr"));
        assertEquals(List.of(1, 2), c.getIntList("maml.extra"));
        assertEquals(4, c.getInt("maml.inner-steps"));
        assertEquals(1, c.getInt("model.new.a"));
        assertFalse(c.hasPathOrNull("model.name"));
        assertFalse(c.hasPathOrNull("maml.first-order"));
        assertEquals(List.of(3), c.getIntList("maml.sizes"));
        assertEquals(0.1, c.getDouble("model.dropout"));
    }

    @Test
    void mapOverrideMergesIntoTheObjectAsHydraDoes() {
        Config c = compose("maml.adam={beta1:0.5,beta2:0.6}");
        assertEquals(0.5, c.getDouble("maml.adam.beta1"));
        Config d = compose("maml.adam.beta1=0.7");
        assertEquals(0.999, d.getDouble("maml.adam.beta2"));
        Composition merged = composer("basic").compose(List.of("maml.adam={beta1:0.5}"));
        assertEquals(0.999, merged.config().getDouble("maml.adam.beta2"), "OmegaConf.update(merge=True) keeps the other keys");
        assertEquals("override #1 'maml.adam={beta1:0.5}'", merged.origins().get("maml.adam.beta1"));
        assertTrue(merged.origins().get("maml.adam.beta2").contains("defaults.conf:"), merged.origins().get("maml.adam.beta2"));
        Config replaced = compose("~maml.adam", "+maml.adam={beta1:0.5}");
        assertFalse(replaced.hasPath("maml.adam.beta2"), "delete then add replaces the whole object");
    }

    @Test
    void addOnAnExistingKeyFollowsHydra() {
        assertEquals(0.1, compose("+model.dropout=0.1").getDouble("model.dropout"), "+ may set a key that holds null");
        assertEquals(List.of(7), compose("+maml.sizes=[7]").getIntList("maml.sizes"), "+ with a list replaces it");
        assertEquals(0.3, compose("+maml.adam={beta3:0.3}").getDouble("maml.adam.beta3"), "+ with a map merges into it");
        assertEquals(0.9, compose("+maml.adam={beta3:0.3}").getDouble("maml.adam.beta1"));
        assertTrue(error("+maml.inner-steps=[1]").contains("Wrong type for 'maml.inner-steps'"), "an existing key is still type-checked");
        assertEquals("", compose("model.name=").getString("model.name"), "key= sets the empty string");
        assertFalse(compose("model.name=", "~model.name=").hasPathOrNull("model.name"), "~key= deletes a key whose value is the empty string");
        assertTrue(error("~model.name=").contains("'model.name' is \"base\""), error("~model.name="));
    }

    @Test
    void interpolationsResolveAfterComposition() {
        Composition comp = composer("basic").compose(List.of("maml.inner-steps=${model.depth}", "model.depth=9", "+run.tag=w${model.width}"));
        assertEquals(9, comp.config().getInt("maml.inner-steps"));
        assertEquals("w32", comp.config().getString("run.tag"));
        assertTrue(comp.render(false, false).contains("${model.depth}"), comp.render(false, false));
        assertFalse(comp.render(true, false).contains("${model"));
    }

    @Test
    void groupChoiceSwitchesTheOptionFile() {
        Composition comp = composer("basic").compose(List.of("maml=fomaml", "model=large"));
        assertTrue(comp.config().getBoolean("maml.first-order"));
        assertEquals(0.4, comp.config().getDouble("maml.inner-lr"), "fomaml.conf does not set inner-lr: the reference default shows");
        assertEquals(256, comp.config().getInt("model.width"));
        assertEquals(Map.of("model", "large", "maml", "fomaml"), Map.copyOf(filterNulls(comp.choices())));
    }

    private static Map<String, String> filterNulls(Map<String, String> m) {
        java.util.Map<String, String> out = new java.util.HashMap<>();
        m.forEach((k, v) -> { if (v != null) out.put(k, v); });
        return out;
    }

    @Test
    void packageGlobalPutsKeysAtTheRoot() {
        Config c = compose("model=global");
        assertEquals(7, c.getInt("model.width"));
        assertEquals("from-global", c.getString("run.name"));
    }

    @Test
    void experimentGoesLastAndChangesGroupChoicesUnlessTheCommandLineChoseThem() {
        Composition comp = composer("basic").compose(List.of("experiment=fast", "model=small"));
        Config c = comp.config();
        assertTrue(c.getBoolean("maml.first-order"), "experiment chose maml: fomaml");
        assertEquals(32, c.getInt("model.width"), "model=small typed on the command line wins over the experiment's model: large");
        assertEquals(2, c.getInt("maml.inner-steps"));
        assertEquals("fast", c.getString("run.name"));
        assertEquals("fast", comp.choices().get("experiment"));
        assertEquals(3, compose("experiment=fast", "maml.inner-steps=3").getInt("maml.inner-steps"), "overrides come after the experiment");
    }

    @Test
    void deletingAGroupDropsItsFile() {
        assertEquals(64, compose("~model").getInt("model.width"));
        assertEquals(64, compose("~model=small").getInt("model.width"));
        assertTrue(error("~model=large").contains("group 'model' is 'small'"));
    }

    @Test
    void unknownKeyInAnOverrideNamesItAndSuggestsTheClosest() {
        String m = error("maml.inner-rl=0.05");
        assertTrue(m.contains("'maml.inner-rl'"), m);
        assertTrue(m.contains("override #1 'maml.inner-rl=0.05'"), m);
        assertTrue(m.contains("did you mean maml.inner-lr?"), m);
    }

    @Test
    void unknownKeyInAFileNamesFileAndLine() {
        String m = error("maml=typo");
        assertTrue(m.contains("'maml.inner-step'"), m);
        assertTrue(m.contains("configs/maml/typo.conf:2"), m);
        assertTrue(m.contains("did you mean maml.inner-steps?"), m);
    }

    @Test
    void openMapsAcceptNewKeys() {
        assertEquals(2.0, compose("+maml.weights.b=2.0").getDouble("maml.weights.b"));
        assertEquals(3.0, compose("++maml.weights={z:3.0}").getDouble("maml.weights.z"));
    }

    @Test
    void wrongTypeNamesExpectedAndFound() {
        String m = error("maml=badtype");
        assertTrue(m.contains("Wrong type for 'maml.inner-steps'"), m);
        assertTrue(m.contains("configs/maml/badtype.conf:1"), m);
        assertTrue(m.contains("expected an integer"), m);
        assertTrue(m.contains("found the string \"five\""), m);
        m = error("maml.inner-steps=0.5");
        assertTrue(m.contains("expected an integer") && m.contains("found the number 0.5"), m);
        // a default written as 1.0 is a number, though Typesafe Config holds it as the integer 1
        assertEquals(0.5, compose("maml.momentum=0.5").getDouble("maml.momentum"));
        m = error("maml.first-order=maybe");
        assertTrue(m.contains("expected a boolean"), m);
        m = error("maml.sizes=3");
        assertTrue(m.contains("expected a list"), m);
        m = error("maml.adam=1");
        assertTrue(m.contains("expected an object"), m);
        assertEquals(3, compose("maml.inner-steps=3.0").getInt("maml.inner-steps"), "3.0 is an integer value");
        assertEquals("5", compose("model.name=5").getString("model.name"), "numbers are valid strings");
    }

    @Test
    void unknownGroupOptionListsTheAvailableOnes() {
        String m = error("maml=fomalm");
        assertTrue(m.contains("Unknown option 'fomalm' for group 'maml'"), m);
        assertTrue(m.contains("available: badtype, default, fomaml, typo"), m);
        assertTrue(m.contains("did you mean fomaml?"), m);
        m = error("experiment=slow");
        assertTrue(m.contains("Unknown option 'slow' for group 'experiment'") && m.contains("fast, refs"), m);
    }

    @Test
    void groupErrors() {
        assertTrue(error("empty=x").contains("group 'empty' is not in the defaults list"), error("empty=x"));
        assertTrue(error("+maml=fomaml").contains("group 'maml' is already chosen"));
        assertTrue(error("maml={a:1}").contains("is a config group"));
        assertEquals(true, compose("++maml=fomaml").getBoolean("maml.first-order"));
    }

    @Test
    void addCreatesMissingParentsAsHydraDoes() {
        Composition comp = composer("basic").compose(List.of("+x.y.z=1", "++brand.new=3", "+maml.extra.deep=[2]", "++run.tags.a=b"));
        Config c = comp.config();
        assertEquals(1, c.getInt("x.y.z"));
        assertEquals(3, c.getInt("brand.new"));
        assertEquals(List.of(2), c.getIntList("maml.extra.deep"));
        assertEquals("b", c.getString("run.tags.a"));
        assertEquals(0.01, c.getDouble("maml.inner-lr"), "adding beside existing keys keeps them");
        assertEquals("override #1 '+x.y.z=1'", comp.origins().get("x.y.z"));
        assertEquals("override #2 '++brand.new=3'", comp.origins().get("brand.new"));
        assertEquals(5, compose("+x.y.z=1", "x.y.z=5").getInt("x.y.z"), "an added key can then be set");
        assertFalse(compose("+x.y.z=1", "~x.y").hasPath("x.y"), "and deleted");
    }

    @Test
    void errorsAboutAddedKeysNameTheOverrideAsTyped() {
        String m = error("+model.width.x=1");
        assertTrue(m.contains("Override #1 '+model.width.x=1'") && m.contains("'model.width' is 32") && m.contains("not an object"), m);
        m = error("maml.inner-steps=3", "+x.y.z=1", "+x.y.z=2");
        assertTrue(m.contains("Override #3 '+x.y.z=2': key 'x.y.z' already exists (set at override #2 '+x.y.z=1')"), m);
        m = error("+x.y=1", "+x.y.z=2");
        assertTrue(m.contains("Override #2 '+x.y.z=2'") && m.contains("'x.y' is 1 (set at override #1 '+x.y=1')"), m);
        assertFalse(m.contains("withValue") || m.contains("atPath"), m);
    }

    @Test
    void listItemsAreSetByIndexAsInHydra() {
        Composition comp = composer("basic").compose(List.of("maml.sizes.1=64"));
        assertEquals(List.of(1, 64, 1), comp.config().getIntList("maml.sizes"));
        assertEquals("override #1 'maml.sizes.1=64'", comp.origins().get("maml.sizes"));
        String m = error("maml.sizes.3=2");
        assertTrue(m.contains("Override #1 'maml.sizes.3=2'") && m.contains("index 3 is out of range") && m.contains("3 items"), m);
        m = error("maml.sizes.x=2");
        assertTrue(m.contains("'maml.sizes' is a list"), m);
    }

    @Test
    void addErrorsWhenTheKeyExists() {
        String m = error("+maml.inner-lr=1");
        assertTrue(m.contains("key 'maml.inner-lr' already exists (set at configs/maml/default.conf:2)"), m);
    }

    @Test
    void deleteWithAValueChecksIt() {
        String m = error("~maml.inner-steps=7");
        assertTrue(m.contains("'maml.inner-steps' is 1") && m.contains("not 7"), m);
        assertTrue(error("~maml.nope").contains("Unknown key 'maml.nope'"));
    }

    @Test
    void sweepsNeedMultirun() {
        String m = error("maml.inner-lr=0.1,0.2");
        assertTrue(m.contains("is a sweep over 2 values; run with -m/--multirun"), m);
    }

    @Test
    void badInterpolationSuggestsAKey() {
        String m = error("maml.inner-lr=${model.widht}");
        assertTrue(m.contains("Cannot resolve an interpolation"), m);
        assertTrue(m.contains("did you mean model.width?"), m);
        assertEquals(32.0, compose("experiment=refs").getDouble("maml.inner-lr"));
    }

    @Test
    void missingConfigDirSaysWhereItLooked(@TempDir Path empty) {
        ConfigComposer c = new ConfigComposer(empty, Paths.get("configs"), ConfigFactory.parseResources("reference.conf"));
        String m = assertThrows(ConfigError.class, () -> c.compose(List.of())).getMessage();
        assertTrue(m.contains("looked for " + empty.resolve("configs/config.conf")), m);
        assertTrue(m.contains("--config-dir"), m);
    }

    @Test
    void groupsListsFoldersAndOptions() {
        Map<String, List<String>> g = composer("basic").groups();
        assertEquals(List.of("fast", "refs"), g.get("experiment"));
        assertEquals(List.of("global", "large", "small"), g.get("model"));
        assertEquals(List.of(), g.get("empty"));
    }

    @Test
    void onlyProjectNamespacesAreShown() {
        Composition comp = composer("basic").compose(List.of());
        assertEquals(List.of("config", "maml", "model", "run"), comp.config().root().keySet().stream().sorted().toList());
        assertTrue(ConfigFactory.parseString(comp.render(true, true)).hasPath("maml.inner-lr"), "JSON output parses");
    }

    @Test
    void suggesterPrefersTheClosestFullPath() {
        assertEquals("maml.inner-lr", KeySuggester.closest("maml.inner-rl", List.of("maml.inner-lr", "maml.inner-steps", "maml.meta-lr")).orElseThrow());
        assertTrue(KeySuggester.closest("totally.different", List.of("maml.inner-lr")).isEmpty());
    }
}

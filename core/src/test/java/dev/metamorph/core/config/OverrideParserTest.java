package dev.metamorph.core.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.params.provider.Arguments.arguments;

import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The override grammar as a table: each row is an override as typed and either its parsed form
 * ({@link ConfigOverride#describe()}: kind, key and the value as HOCON) or, for rows starting with
 * {@code !}, the expected error message fragment and the column (1-based) the caret points at.
 */
class OverrideParserTest {

    static Stream<Arguments> table() {
        return Stream.of(
                // primitives and type inference
                arguments("maml.inner-lr=0.05", "set maml.inner-lr = 0.05"),
                arguments("maml.inner-steps=5", "set maml.inner-steps = 5"),
                arguments("a=-3", "set a = -3"),
                arguments("a=+7", "set a = 7"),
                arguments("a=1_000", "set a = 1000"),
                arguments("a=1e-3", "set a = 0.001"),
                arguments("a=1E5", "set a = 100000.0"),
                arguments("a=.5", "set a = 0.5"),
                arguments("a=2.", "set a = 2.0"),
                arguments("a=1.0", "set a = 1.0"),
                arguments("a=inf", "set a = \"Infinity\""),
                arguments("a=-inf", "set a = \"-Infinity\""),
                arguments("a=nan", "set a = \"NaN\""),
                arguments("a=true", "set a = true"),
                arguments("a=False", "set a = false"),
                arguments("a=null", "set a = null"),
                arguments("a=NULL", "set a = null"),
                arguments("a=abc", "set a = \"abc\""),
                arguments("a=1.2.3", "set a = \"1.2.3\""),
                arguments("a=99999999999999999999", "set a = 1.0E20"),
                arguments("a=", "set a = \"\""),
                arguments("a=  padded value  ", "set a = \"padded value\""),
                arguments("a=http://x.org/p?q=1", "set a = \"http://x.org/p?q=1\""),
                arguments("a=x\\,y", "set a = \"x,y\""),
                arguments("a=f\\(x\\)", "set a = \"f(x)\""),
                arguments("a=5\\ ", "set a = \"5 \""),
                arguments("layers.0.size=3", "set layers.0.size = 3"),
                // quoting and escapes
                arguments("a='hello, world'", "set a = \"hello, world\""),
                arguments("a=\"double quoted\"", "set a = \"double quoted\""),
                arguments("a='it\\'s'", "set a = \"it's\""),
                arguments("a=\"say \\\"hi\\\"\"", "set a = \"say \\\"hi\\\"\""),
                arguments("a='back\\\\slash'", "set a = \"back\\\\slash\""),
                arguments("a='line\\nbreak'", "set a = \"line\\nbreak\""),
                arguments("a='tab\\there'", "set a = \"tab\\there\""),
                arguments("a='\\u00e9t\\u00e9'", "set a = \"\u00e9t\u00e9\""),
                arguments("a='5'", "set a = \"5\""),
                arguments("a='true'", "set a = \"true\""),
                arguments("a=''", "set a = \"\""),
                arguments("a=' [x] '", "set a = \" [x] \""),
                arguments("a='cost \\$5'", "set a = \"cost $5\""),
                // lists and maps
                arguments("a=[]", "set a = []"),
                arguments("a=[1,2,3]", "set a = [1,2,3]"),
                arguments("a=[ a , b ]", "set a = [\"a\",\"b\"]"),
                arguments("a=[a,[1,2],{k:v}]", "set a = [\"a\",[1,2],{\"k\":\"v\"}]"),
                arguments("a=['x,y',\"z\"]", "set a = [\"x,y\",\"z\"]"),
                arguments("a={}", "set a = {}"),
                arguments("a={x:1,y:{z:2}}", "set a = {\"x\":1,\"y\":{\"z\":2}}"),
                arguments("a={ x : 1 , y : [true, null] }", "set a = {\"x\":1,\"y\":[true,null]}"),
                arguments("a={'odd key':1}", "set a = {\"odd key\":1}"),
                arguments("a={url:http://h:80}", "set a = {\"url\":\"http://h:80\"}"),
                // interpolation
                arguments("a=${maml.inner-lr}", "set a = ${maml.inner-lr}"),
                arguments("a=run_${run.seed}", "set a = \"run_\"${run.seed}"),
                arguments("a='${x}-${y}'", "set a = ${x}\"-\"${y}"),
                arguments("a=[${x},2]", "set a = [${x},2]"),
                arguments("run.dir=out/${now:HH-mm}", "set run.dir = \"out/${now:HH-mm}\""),
                // add, force-add, delete
                arguments("+new.key=1", "add new.key = 1"),
                arguments("++maml.inner-lr=0.1", "force-add maml.inner-lr = 0.1"),
                arguments("~maml.first-order", "delete maml.first-order"),
                arguments("~maml.inner-steps=5", "delete maml.inner-steps = 5"),
                // group choice (a plain set; the composer knows groups)
                arguments("maml=fomaml", "set maml = \"fomaml\""),
                arguments("experiment=sinusoid", "set experiment = \"sinusoid\""),
                arguments("+memory=default", "add memory = \"default\""),
                arguments("~curriculum", "delete curriculum"),
                // sweeps
                arguments("maml.inner-lr=0.1,0.2", "set maml.inner-lr = sweep(0.1,0.2)"),
                arguments("a=x, y ,z", "set a = sweep(\"x\",\"y\",\"z\")"),
                arguments("a=[1,2],[3]", "set a = sweep([1,2],[3])"),
                arguments("a=range(1,4)", "set a = sweep(1,2,3)"),
                arguments("a=range(0, 1, 0.25)", "set a = sweep(0.0,0.25,0.5,0.75)"),
                arguments("a=range(0,0.35,0.1)", "set a = sweep(0.0,0.1,0.2,0.3)"),
                arguments("a=range(5,1,-2)", "set a = sweep(5,3)"),
                arguments("a=choice(a,'b c',[1])", "set a = sweep(\"a\",\"b c\",[1])"),
                arguments("maml=default,fomaml", "set maml = sweep(\"default\",\"fomaml\")"),
                // errors: message fragment and caret column
                arguments("maml.inner-lr", "! expected '=' after key 'maml.inner-lr' @14"),
                arguments("=5", "! expected a key @1"),
                arguments("a b=5", "! unexpected character ' ' in key @2"),
                arguments("a/b=5", "! unexpected character '/' in key @2"),
                arguments("a..b=1", "! empty key segment between dots @3"),
                arguments(".a=1", "! a key cannot start with '.' @1"),
                arguments("a.=1", "! a key cannot end with '.' @2"),
                arguments("+=1", "! expected a key @2"),
                arguments("a=[1,2", "! unclosed '[' (expected ']') @3"),
                arguments("a=[1 [2]]", "! expected ',' or ']' in list, found '[' @6"),
                arguments("a=[1,]", "! expected a value after ',' in list @6"),
                arguments("a={x:1", "! unclosed '{' (expected '}') @3"),
                arguments("a={x 1}", "! expected ':' after map key 'x' @6"),
                arguments("a={x:1,x:2}", "! duplicate key 'x' in map @8"),
                arguments("a={:1}", "! expected a key in map, found ':' @4"),
                arguments("a={x:}", "! expected a value for map key 'x' @6"),
                arguments("a='abc", "! unclosed quote ' (expected a closing ') @3"),
                arguments("a=\"abc", "! unclosed quote \" (expected a closing \") @3"),
                arguments("a='x'y", "! unexpected character 'y' after the closing quote @6"),
                arguments("a='\\q'", "! unknown escape '\\q' @4"),
                arguments("a='\\u12'", "! \\u needs four hex digits @4"),
                arguments("a=x\\n", "! unknown escape '\\n' in an unquoted value @4"),
                arguments("a=x\\", "! dangling '\\' at the end @4"),
                arguments("a=${x", "! unclosed interpolation '${' (expected '}') @3"),
                arguments("a=${}", "! bad interpolation key '' @5"),
                arguments("a=${a b}", "! bad interpolation key 'a b' @5"),
                arguments("a=1]", "! unmatched ']' @4"),
                arguments("a=f(x)", "! unknown function 'f' (known: range, choice) @3"),
                arguments("a=x(", "! unknown function 'x' @3"),
                arguments("a=1,", "! expected a value after ',' @5"),
                arguments("a=range(1)", "! range needs (start, stop) or (start, stop, step), got 1 argument(s) @3"),
                arguments("a=range(1,5,0)", "! range step must not be 0 @3"),
                arguments("a=range(a,5)", "! range arguments must be numbers, got a @3"),
                arguments("a=range(5,1)", "! is empty @3"),
                arguments("a=range(1,3),4", "! a sweep function cannot be combined with ',' @13"),
                arguments("a=[choice(1,2)]", "! choice(...) is a sweep and can only be the whole value of an override @4"),
                arguments("a=choice()", "! choice() needs at least one value @3"),
                arguments("a=choice(1,2", "! unclosed '(' of choice(...) (expected ')') @9"),
                arguments("~a=", "delete a = \"\""),
                arguments("a=  ", "! a value of only whitespace is not allowed @3"),
                arguments("~a=1,2", "! a delete cannot sweep over values @4"));
    }

    @ParameterizedTest(name = "[{index}] {0}  ->  {1}")
    @MethodSource("table")
    void parses(String text, String expected) {
        if (!expected.startsWith("! ")) {
            assertEquals(expected, OverrideParser.parse(text).describe());
            assertEquals(text, OverrideParser.parse(text).text());
            return;
        }
        int at = expected.lastIndexOf(" @");
        String fragment = expected.substring(2, at);
        int column = Integer.parseInt(expected.substring(at + 2));
        ConfigError e = assertThrows(ConfigError.class, () -> OverrideParser.parse(text, 3));
        String[] lines = e.getMessage().split("\n");
        assertTrue(lines[0].startsWith("Bad override #3 '" + text + "': "), e.getMessage());
        assertTrue(lines[0].contains(fragment), () -> "expected '" + fragment + "' in:\n" + e.getMessage());
        assertTrue(lines[0].endsWith("(column " + column + ")"), e.getMessage());
        assertEquals("    " + text, lines[1]);
        assertEquals("    " + " ".repeat(column - 1) + "^", lines[2], () -> "caret in:\n" + e.getMessage());
    }

    @Test
    void tableHasAtLeastSixtyCases() {
        assertTrue(table().count() >= 60);
    }

    @Test
    void sweepOptionsRoundTripThroughOverrideText() {
        ConfigOverride o = OverrideParser.parse("a='x,y',[1,{k:'it\\'s'}],${b},null");
        OverrideValue.Sweep sweep = (OverrideValue.Sweep) o.value();
        for (OverrideValue v : sweep.options()) {
            ConfigOverride job = o.withValue(v);
            assertEquals(v, OverrideParser.parse(job.text()).value(), job.text());
        }
    }

    @Test
    void parseAllNumbersOverridesFromOne() {
        var all = OverrideParser.parseAll(java.util.List.of("a=1", "+b=2"));
        assertEquals(1, all.get(0).index());
        assertEquals("override #2 '+b=2'", all.get(1).origin());
    }
}

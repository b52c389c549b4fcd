package dev.metamorph.core.config;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

class SweepExpanderTest {
    @Test
    void cartesianProductWithTheFirstSweptKeySlowest() {
        assertEquals(List.of(
                List.of("a=1", "c=z", "b=x"), List.of("a=1", "c=z", "b=y"),
                List.of("a=2", "c=z", "b=x"), List.of("a=2", "c=z", "b=y")),
                SweepExpander.expand(List.of("a=1,2", "c=z", "b=x,y")));
    }

    @Test
    void rangeChoiceAndGroupSweepsExpand() {
        assertEquals(List.of(List.of("n=0"), List.of("n=2"), List.of("n=4")), SweepExpander.expand(List.of("n=range(0,6,2)")));
        assertEquals(List.of(List.of("+s=a b"), List.of("+s=[1,2]")), SweepExpander.expand(List.of("+s=choice('a b',[1,2])")));
        assertEquals(List.of(List.of("maml=default"), List.of("maml=fomaml")), SweepExpander.expand(List.of("maml=default,fomaml")));
    }

    @Test
    void noSweepGivesOneJobWithTheOverridesAsTyped() {
        assertEquals(List.of(List.of("a= 1", "~b")), SweepExpander.expand(List.of("a= 1", "~b")));
        assertEquals(List.of(List.of()), SweepExpander.expand(List.of()));
    }
}

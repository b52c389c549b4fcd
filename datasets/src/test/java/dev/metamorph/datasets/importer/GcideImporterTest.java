package dev.metamorph.datasets.importer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class GcideImporterTest {
    static final String AFFRAY = String.join("\n",
            "Affray \\Af*fray\"\\, n. [OE. afrai, affrai, OF. esfrei, F. effroi,",
            "   fr. OF. esfreer. See {Affray}, v. t.]",
            "   1. The act of suddenly disturbing any one; an assault or",
            "      attack. [Obs.]",
            "      [1913 Webster]",
            "",
            "   2. Alarm; terror; fright. [Obs.] --Spenser.",
            "      [1913 Webster]",
            "",
            "   4. (Law) The fighting of two or more persons, in a public",
            "      place, to the terror of others. --Blackstone.",
            "      [1913 Webster]",
            "",
            "   Note: A fighting in private is not, in a legal sense, an",
            "         affray.",
            "         [1913 Webster]",
            "");
    static final String BASS = String.join("\n",
            "Bass \\Bass\\ (b[=a]s), n. [F. basse, fr. bas low. See {Base}, a.]",
            "   [1913 Webster]",
            "   1. A bass, or deep, sound or tone.",
            "      [1913 Webster]",
            "",
            "   2. (Mus.)",
            "      (a) The lowest part in a musical composition.",
            "      (b) One who sings, or the instrument which plays, bass.",
            "          [Written also {base}.]",
            "          [1913 Webster]",
            "",
            "   3. (Mus.) A deep tone sung in the choir of a church.",
            "      [WordNet 1.5]",
            "",
            "   {Bass clef} (Mus.), the character placed at the beginning of",
            "      the staff containing the bass part of a musical",
            "      composition. [See Illust. under {Clef}.]",
            "",
            "   {Bass voice}, a deep-sounding voice; a voice fitted for",
            "      singing bass.",
            "      [1913 Webster]",
            "");
    static final String CANTABILE = String.join("\n",
            "Cantabile \\Can*ta\"bi*le\\, a. [It., cantare to sing.] (Mus.)",
            "   In a melodious, flowing style; in a singing style, as opposed",
            "   to bravura, recitativo, or parlando.",
            "   [1913 Webster]",
            "");
    static final String ZOOL_HEADER = String.join("\n",
            "Bass \\Bass\\ (b[.a]s), n.; pl. {Bass}, and sometimes {Basses}",
            "   (b[.a]s\"[e^]z). [A corruption of barse.] (Zool.)",
            "   1. An edible, spiny-finned fish, esp. of the genera {Roccus},",
            "      {Labrax}, and related genera. There are many species.",
            "      [1913 Webster]",
            "");

    @Test
    void numberedSenseWithItsOwnTag() {
        int[] dropped = new int[2];
        List<GcideImporter.Sense> s = GcideImporter.senses(AFFRAY, dropped);
        assertEquals(1, s.size(), "only the (Law) sense is labelled");
        assertEquals("Law", s.get(0).tag());
        assertEquals("4", s.get(0).number());
        assertEquals("The fighting of two or more persons, in a public place, to the terror of others.", GcideText.clean(s.get(0).body()));
    }

    @Test
    void wordNetSensesAreDroppedAndPhrasesKept() {
        int[] dropped = new int[2];
        List<GcideImporter.Sense> s = GcideImporter.senses(BASS, dropped);
        assertEquals(1, dropped[0], "the [WordNet 1.5] sense is dropped");
        assertEquals(List.of("Mus.", "Mus."), s.stream().map(GcideImporter.Sense::tag).toList());
        assertEquals("The lowest part in a musical composition. One who sings, or the instrument which plays, bass.",
                GcideText.clean(s.get(0).body()));
        assertEquals("Bass clef", s.get(1).phrase());
        assertEquals("the character placed at the beginning of the staff containing the bass part of a musical composition.",
                GcideText.clean(s.get(1).body()));
    }

    @Test
    void headerTagLabelsUnnumberedAndNumberedSenses() {
        List<GcideImporter.Sense> c = GcideImporter.senses(CANTABILE, new int[2]);
        assertEquals(1, c.size());
        assertEquals("Mus.", c.get(0).tag());
        assertTrue(GcideText.clean(c.get(0).body()).startsWith("In a melodious, flowing style"));
        List<GcideImporter.Sense> z = GcideImporter.senses(ZOOL_HEADER, new int[2]);
        assertEquals(1, z.size());
        assertEquals("Zool.", z.get(0).tag());
        assertEquals("An edible, spiny-finned fish, esp. of the genera Roccus, Labrax, and related genera. There are many species.",
                GcideText.clean(z.get(0).body()));
    }

    @Test
    void senseFollowedByAWordNetMarkedSynonymListCameFromWordNet() {
        String equaliser = String.join("\n",
                "equaliser \\equaliser\\ n.",
                "   1. (Electronics) an electronic circuit which reduces",
                "      frequency distortion.",
                "",
                "   Syn: equalizer.",
                "        [WordNet 1.5]",
                "");
        int[] dropped = new int[2];
        assertTrue(GcideImporter.senses(equaliser, dropped).isEmpty());
        assertTrue(dropped[0] >= 1);
    }

    @Test
    void headerEndingInATagIsFollowedByALowerCaseDefinition() {
        String cro = String.join("\n",
                "CRO \\CRO\\ n. (Electronics)",
                "   acronym for {cathode-ray oscilloscope}, an electronic device",
                "   which provides visual images of varying electrical",
                "   quantities. See {oscilloscope}.",
                "");
        List<GcideImporter.Sense> s = GcideImporter.senses(cro, new int[2]);
        assertEquals(1, s.size());
        assertEquals("Electronics", s.get(0).tag());
        assertEquals("acronym for cathode-ray oscilloscope, an electronic device which provides visual images of varying "
                + "electrical quantities. See oscilloscope.", GcideText.clean(s.get(0).body()));
    }

    @Test
    void entityBracketsInTagsAreDecoded() {
        String e = String.join("\n",
                "Wood frog \\Wood frog\\ (Zo[\"o]l.)",
                "   A common North American frog (Rana sylvatica).",
                "   [1913 Webster]",
                "");
        List<GcideImporter.Sense> s = GcideImporter.senses(e, new int[2]);
        assertEquals(1, s.size());
        assertEquals("Zool.", s.get(0).tag());
        assertEquals("zoology", GcideFieldMap.load().label(s.get(0).tag()));
    }

    @Test
    void markupIsCleaned() {
        assertEquals("Caesar's ae and e", GcideText.clean("C[ae]sar's [ae] and ['e] [Obs.] --Shak."));
        assertEquals("bas, a thing", GcideText.clean("b[=a]s, <i>a</i> {thing} [1913 Webster]"));
    }

    @Test
    void fieldMapAlignsWithWordNetNames() {
        GcideFieldMap m = GcideFieldMap.load();
        assertEquals("music", m.label("Mus."));
        assertEquals("zoology", m.label("Zool."));
        assertEquals("zoology", m.label("Zool"));
        assertEquals("seafaring", m.label("Naut."));
        assertEquals("law", m.label("Scots Law"));
        assertEquals("roman catholic", m.label("R.C.Ch."));
        assertEquals("golf", m.label("Golf"), "plain words stand for themselves");
        assertNull(m.label("Fig."), "unmapped abbreviations get no label");
        assertNull(m.label("Bot. & Zool."), "compound fields get no label");
        assertTrue(m.entries().size() > 100);
        assertFalse(m.isMapped("Golf"));
    }
}

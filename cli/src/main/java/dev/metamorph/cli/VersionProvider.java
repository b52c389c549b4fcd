package dev.metamorph.cli;

import picocli.CommandLine;

/** Reports the Metamorph version from the jar manifest. */
public final class VersionProvider implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
        String v = MetamorphCommand.class.getPackage().getImplementationVersion();
        return new String[] {"Metamorph " + (v == null ? "0.1.0-SNAPSHOT" : v)};
    }
}

/**
 * The {@code mvgen} command line (picocli). One class per subcommand; each validates its options,
 * builds the configuration record of its stage, calls one service method and returns an exit code.
 * Nothing outside this package knows about picocli, and only {@link org.mvgen.cli.Main#main} calls
 * {@code System.exit}.
 */
package org.mvgen.cli;

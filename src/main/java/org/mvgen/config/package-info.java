/**
 * Configuration: built-in defaults ({@code defaults.toml}), a user's TOML file, and command-line
 * overrides, layered in that order, each value remembering where it came from. The main type is
 * {@link org.mvgen.config.Config}; it is immutable and safe to share between threads. Stages never
 * read a {@code Config} deep inside their loops: they take a validated record built from it.
 */
package org.mvgen.config;

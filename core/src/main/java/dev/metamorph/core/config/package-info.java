/**
 * Hydra-style configuration on Typesafe Config: {@link dev.metamorph.core.config.ConfigComposer}
 * composes {@code configs/config.conf}'s defaults list, group options, an experiment and
 * command-line overrides (parsed by {@link dev.metamorph.core.config.OverrideParser}) on top of
 * every module's {@code reference.conf}, and validates names and types against those defaults.
 */
package dev.metamorph.core.config;

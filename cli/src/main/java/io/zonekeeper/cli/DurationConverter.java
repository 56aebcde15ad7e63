package io.zonekeeper.cli;

import io.zonekeeper.common.config.EnvReader;
import java.time.Duration;
import picocli.CommandLine;
import picocli.CommandLine.ITypeConverter;

/** Durations as the services' configuration writes them: {@code 30s}, {@code 5m}, {@code 12h}, {@code PT1H}. */
final class DurationConverter implements ITypeConverter<Duration> {

    @Override
    public Duration convert(String value) {
        try {
            return EnvReader.parseDuration(value);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.TypeConversionException("a duration such as 30s, 5m or PT1H, not '" + value + "'");
        }
    }
}

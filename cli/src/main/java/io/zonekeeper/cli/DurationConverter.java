package io.zonekeeper.cli;

import io.zonekeeper.common.config.EnvReader;
import java.time.Duration;
import java.util.Map;
import picocli.CommandLine.ITypeConverter;

/** Durations as the services' configuration writes them: {@code 30s}, {@code 5m}, {@code 12h}, {@code PT1H}. */
final class DurationConverter implements ITypeConverter<Duration> {

    @Override
    public Duration convert(String value) {
        EnvReader reader = new EnvReader(Map.of("VALUE", value));
        Duration duration = reader.duration("VALUE", Duration.ZERO);
        reader.validate();
        return duration;
    }
}

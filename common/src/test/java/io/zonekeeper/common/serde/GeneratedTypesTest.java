package io.zonekeeper.common.serde;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.zonekeeper.schemas.CertCommand;
import io.zonekeeper.schemas.Contracts;
import io.zonekeeper.schemas.OrgCluster;
import io.zonekeeper.schemas.OrgDnsStatus;
import org.apache.avro.util.ClassSecurityValidator;
import org.junit.jupiter.api.Test;

/**
 * Avro loads the types generated from Zonekeeper's schemas once the serdes are loaded, and still refuses every other
 * class a schema could name: the trust is for generated records, enums and fixed types, not a package or the class
 * path.
 */
class GeneratedTypesTest {

    @Test
    void theGeneratedTypesAreTrustedAndNothingElse() {
        new AvroSerializer<>(null, false, false);

        for (Class<?> generated : new Class<?>[] {CertCommand.class, OrgCluster.class, OrgDnsStatus.class}) {
            assertThatCode(() -> ClassSecurityValidator.validate(generated)).as(generated.getName())
                    .doesNotThrowAnyException();
        }
        assertThatCode(() -> ClassSecurityValidator.validate(String.class)).doesNotThrowAnyException();
        // Hand-written classes, in the generated types' package and out of it, that no schema should name.
        for (Class<?> other : new Class<?>[] {Contracts.class, RegistryAccess.class, ProcessBuilder.class}) {
            assertThatThrownBy(() -> ClassSecurityValidator.validate(other)).as(other.getName())
                    .isInstanceOf(SecurityException.class);
        }
    }
}

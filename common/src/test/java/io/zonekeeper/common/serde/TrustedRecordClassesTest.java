package io.zonekeeper.common.serde;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.zonekeeper.schemas.OrgDnsState;
import io.zonekeeper.schemas.OrgDnsStatus;
import org.apache.avro.util.ClassSecurityValidator;
import org.junit.jupiter.api.Test;

/**
 * Avro loads the generated classes a serde was built for, and the types inside their schemas, and still refuses
 * every other class a schema could name: the trust is per class, not the whole class path or package.
 */
class TrustedRecordClassesTest {

    @Test
    void aSerdesRecordAndTheTypesItsSchemaNamesAreTrustedAndNothingElse() {
        TrustedRecordClasses.trust(OrgDnsState.class, OrgDnsState.getClassSchema());

        assertThatCode(() -> ClassSecurityValidator.validate(OrgDnsState.class)).doesNotThrowAnyException();
        assertThatCode(() -> ClassSecurityValidator.validate(OrgDnsStatus.class)).doesNotThrowAnyException();
        // A class on the class path, in this project, that no schema of a serde names.
        assertThatThrownBy(() -> ClassSecurityValidator.validate(RegistryAccess.class))
                .isInstanceOf(SecurityException.class);
        assertThatThrownBy(() -> ClassSecurityValidator.validate(ProcessBuilder.class))
                .isInstanceOf(SecurityException.class);
    }
}

package io.zonekeeper.common.serde;

import io.zonekeeper.schemas.ClusterLifecycleEvent;
import org.apache.avro.generic.GenericFixed;
import org.apache.avro.specific.SpecificRecord;
import org.apache.avro.util.ClassSecurityValidator;

/**
 * The classes Avro may load besides its own defaults: since 1.12.2 Avro loads no class a schema names unless it is
 * trusted (a schema from outside could otherwise name any class on the class path). Trusted are the types generated
 * from Zonekeeper's schemas (records, enums and fixed types in their package) and nothing else, so a schema from the
 * registry naming any other class stays refused. Avro's list is one per JVM and read whenever a record resolves a
 * default or a reader is built, so it is installed when the serdes are first loaded, before any service builds or
 * reads a record; the system properties Avro also reads would have to be given to every JVM that runs the code.
 */
final class GeneratedTypes {

    private static final String PACKAGE = ClusterLifecycleEvent.class.getPackageName();

    private GeneratedTypes() {
    }

    /** Adds the generated types to Avro's trusted classes; later calls change nothing. */
    static synchronized void trust() {
        ClassSecurityValidator.ClassSecurityPredicate current = ClassSecurityValidator.getGlobal();
        if (current instanceof Predicate) {
            return;
        }
        ClassSecurityValidator.setGlobal(new Predicate(current));
    }

    /** Avro's own checks, and the generated types. Checks only what a class is: it is not initialised. */
    private record Predicate(ClassSecurityValidator.ClassSecurityPredicate avro)
            implements ClassSecurityValidator.ClassSecurityPredicate {

        @Override
        public boolean isTrusted(Class<?> type) {
            return avro.isTrusted(type) || type.getPackageName().equals(PACKAGE)
                    && (SpecificRecord.class.isAssignableFrom(type) || type.isEnum()
                    || GenericFixed.class.isAssignableFrom(type));
        }
    }
}

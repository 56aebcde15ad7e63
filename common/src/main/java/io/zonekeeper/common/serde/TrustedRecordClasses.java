package io.zonekeeper.common.serde;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.avro.Schema;
import org.apache.avro.specific.SpecificRecord;
import org.apache.avro.util.ClassSecurityValidator;

/**
 * The classes Avro may load for the serdes: since 1.12.2 Avro loads no class a schema names unless it is trusted
 * (a schema from outside could otherwise name any class on the class path). Trusted are exactly the generated
 * classes the serdes were built for, and the records, enums and fixed types their schemas name; a schema from the
 * registry naming anything else stays refused. Avro's trust list is one per JVM ({@link ClassSecurityValidator#setGlobal}),
 * so this keeps the set and installs it beside Avro's own defaults.
 */
final class TrustedRecordClasses {

    private static final Set<Class<?>> TRUSTED = ConcurrentHashMap.newKeySet();
    private static final ClassSecurityValidator.ClassSecurityPredicate AVRO_DEFAULT = ClassSecurityValidator.getGlobal();

    private TrustedRecordClasses() {
    }

    /** Trusts {@code type} and the named types of its schema; cheap once they are. */
    static void trust(Class<? extends SpecificRecord> type, Schema schema) {
        if (TRUSTED.contains(type)) {
            return;
        }
        synchronized (TrustedRecordClasses.class) {
            List<Class<?>> named = new ArrayList<>(List.of(type));
            for (String name : namedTypes(schema, new HashSet<>())) {
                try {
                    named.add(Class.forName(name, false, type.getClassLoader()));
                } catch (ClassNotFoundException generic) {
                    // a named type with no generated class is read generically: nothing to load
                }
            }
            TRUSTED.addAll(named);
            ClassSecurityValidator.Builder builder = ClassSecurityValidator.builder();
            TRUSTED.forEach(builder::add);
            ClassSecurityValidator.setGlobal(ClassSecurityValidator.composite(AVRO_DEFAULT, builder.build()));
        }
    }

    /** The full names of the records, enums and fixed types {@code schema} contains, itself included. */
    private static Set<String> namedTypes(Schema schema, Set<String> seen) {
        switch (schema.getType()) {
            case RECORD -> {
                if (seen.add(schema.getFullName())) {
                    schema.getFields().forEach(field -> namedTypes(field.schema(), seen));
                }
            }
            case ENUM, FIXED -> seen.add(schema.getFullName());
            case UNION -> schema.getTypes().forEach(branch -> namedTypes(branch, seen));
            case ARRAY -> namedTypes(schema.getElementType(), seen);
            case MAP -> namedTypes(schema.getValueType(), seen);
            default -> {
                // primitives name no class
            }
        }
        return seen;
    }
}

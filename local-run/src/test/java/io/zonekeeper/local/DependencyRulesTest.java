package io.zonekeeper.local;

import static com.tngtech.archunit.library.Architectures.layeredArchitecture;
import static org.assertj.core.api.Assertions.assertThat;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

/**
 * The dependency rules DESIGN.md states, checked on every module's production classes: services → common → schemas,
 * no service imports another, {@code cli} and {@code local-run} depend on the others and nothing depends on them,
 * the testkit (the stand-ins and real programs tests start) reaches production code only through the local run, and
 * the test world (testkit-world) speaks to services only through their wire format (common, schemas).
 * This module's test classpath is the one that holds every module.
 */
class DependencyRulesTest {

    private static final JavaClasses PRODUCTION = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("io.zonekeeper");

    @Test
    void everyModuleIsRead() {
        // Without this, a rule over a classpath that lost a module would pass by checking nothing.
        assertThat(PRODUCTION.stream().map(c -> c.getPackageName().split("\\.")[2]).distinct())
                .contains("schemas", "common", "provisioner", "cert", "reaper", "cli", "local", "testkit", "world");
    }

    @Test
    void dependenciesPointOneWay() {
        layeredArchitecture().consideringOnlyDependenciesInLayers()
                .layer("Schemas").definedBy("io.zonekeeper.schemas..")
                .layer("Common").definedBy("io.zonekeeper.common..")
                .layer("Provisioner").definedBy("io.zonekeeper.provisioner..")
                .layer("Cert").definedBy("io.zonekeeper.cert..")
                .layer("Reaper").definedBy("io.zonekeeper.reaper..")
                .layer("Cli").definedBy("io.zonekeeper.cli..")
                .layer("LocalRun").definedBy("io.zonekeeper.local..")
                .layer("Testkit").definedBy("io.zonekeeper.testkit..")
                .layer("TestWorld").definedBy("io.zonekeeper.world..")
                .whereLayer("Provisioner").mayOnlyBeAccessedByLayers("Cli", "LocalRun")
                .whereLayer("Cert").mayOnlyBeAccessedByLayers("Cli", "LocalRun")
                .whereLayer("Reaper").mayOnlyBeAccessedByLayers("Cli", "LocalRun")
                .whereLayer("Cli").mayNotBeAccessedByAnyLayer()
                .whereLayer("LocalRun").mayNotBeAccessedByAnyLayer()
                .whereLayer("TestWorld").mayOnlyBeAccessedByLayers("LocalRun")
                .whereLayer("Testkit").mayOnlyBeAccessedByLayers("LocalRun", "TestWorld")
                .whereLayer("Common").mayOnlyBeAccessedByLayers("Provisioner", "Cert", "Reaper", "Cli", "LocalRun",
                        "TestWorld")
                .whereLayer("Schemas").mayOnlyBeAccessedByLayers("Common", "Provisioner", "Cert", "Reaper", "Cli",
                        "LocalRun", "TestWorld")
                .check(PRODUCTION);
    }
}

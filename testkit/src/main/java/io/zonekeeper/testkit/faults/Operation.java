package io.zonekeeper.testkit.faults;

/** What a proxied request is: the service it addresses and the API operation, e.g. route53/CreateHostedZone. */
public record Operation(String service, String name) {

    @Override
    public String toString() {
        return service + ":" + name;
    }
}

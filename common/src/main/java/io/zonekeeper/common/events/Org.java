package io.zonekeeper.common.events;

/**
 * An organization as a validated event names it: its id, which never changes, and its name, the first label of its
 * zone and of every name its certificates carry.
 */
public record Org(String orgId, String orgName) {

    /**
     * Refuses the name this event carries when the organization already holds something under {@code knownName}
     * that a new name would leave behind (a billed zone, a CA that signs only the old names). Events must keep the
     * name until that is gone.
     *
     * @param holding     what binds the name: "its zone Z exists"
     * @param scope  when the refusal holds, appended to "not supported" ("while the zone exists (...)"), or empty
     * @param alternative what else the upstream can do, after "send its events with the name ...", or empty
     */
    public void refuseRenameFrom(String knownName, String holding, String scope, String alternative) {
        if (knownName.equals(orgName)) {
            return;
        }
        throw new InvalidEventException("organization " + orgId + " is named '" + knownName + "' and " + holding
                + ": renaming it to '" + orgName + "' is not supported" + (scope.isEmpty() ? "" : " " + scope)
                + "; send its events with the name '" + knownName + "'" + (alternative.isEmpty() ? "" : ", or " + alternative));
    }
}

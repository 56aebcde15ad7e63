# Vault policy of the cert-service (least privilege). Render it before writing it to Vault: each placeholder is the
# service's setting of that name (${KUBECONFIG_VAULT_PREFIX}: the folder under which the upstream provisioner stores
# kubeconfigs, the only one the service reads them from). envsubst does it, as compose's vault-init job does with sed;
# the tests and the local run use the testkit's ServicePolicies.

# Organization CAs (<prefix>/<orgId>/ca), cluster certificates (<prefix>/<orgId>/clusters/...) and the name
# claims (<prefix>/_names/<name>): written with check-and-set, read, versions looked up, deleted.
path "${VAULT_KV_MOUNT}/data/${TLS_VAULT_PREFIX}/*" {
  capabilities = ["create", "read", "update"]
}
path "${VAULT_KV_MOUNT}/metadata/${TLS_VAULT_PREFIX}/*" {
  capabilities = ["read", "delete"]
}

# Which organization each cluster belongs to (<claims>/clusters/<clusterId>, <claims>/kubeconfigs/<path>,
# <claims>/apiservers/<digest>), shared with the other service so both decide ownership the same way: claimed
# "only if absent" with check-and-set, read, and destroyed when the owner's deletion releases the cluster. No secrets.
path "${VAULT_KV_MOUNT}/data/${CLUSTER_CLAIMS_VAULT_PREFIX}/*" {
  capabilities = ["create", "read", "update"]
}
path "${VAULT_KV_MOUNT}/metadata/${CLUSTER_CLAIMS_VAULT_PREFIX}/*" {
  capabilities = ["read", "delete"]
}

# The kubeconfigs the upstream provisioner stores for each cluster: read only.
path "${VAULT_KV_MOUNT}/data/${KUBECONFIG_VAULT_PREFIX}/*" {
  capabilities = ["read"]
}

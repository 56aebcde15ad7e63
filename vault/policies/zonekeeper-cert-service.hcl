# Vault policy of the cert-service (least privilege). Render it before writing it to Vault: ${VAULT_KV_MOUNT} and the
# prefix are the service's settings of the same name; ${KUBECONFIG_PREFIX} is the folder under which the upstream
# provisioner stores kubeconfigs (the lifecycle events' kubeconfigVaultPath). envsubst does it, as compose's init
# job does; the tests and the local run use OpenBaoMount.serviceToken.

# Organization CAs (<prefix>/<orgId>/ca), cluster certificates (<prefix>/<orgId>/clusters/...) and the name
# claims (<prefix>/_names/<name>): written with check-and-set, read, versions looked up, deleted.
path "${VAULT_KV_MOUNT}/data/${TLS_VAULT_PREFIX}/*" {
  capabilities = ["create", "read", "update"]
}
path "${VAULT_KV_MOUNT}/metadata/${TLS_VAULT_PREFIX}/*" {
  capabilities = ["read", "delete"]
}

# The kubeconfigs the upstream provisioner stores for each cluster: read only.
path "${VAULT_KV_MOUNT}/data/${KUBECONFIG_PREFIX}/*" {
  capabilities = ["read"]
}

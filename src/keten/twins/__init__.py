"""Digital twins on the AAS HTTP/REST API (IDTA 01002): equipment and products as Asset
Administration Shells, served with the registry and discovery calls a client needs."""

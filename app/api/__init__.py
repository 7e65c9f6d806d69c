"""The versioned JSON API (/api/v1): thin routes over the services, described by the OpenAPI spec."""

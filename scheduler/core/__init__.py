"""The core: database, settings, accounts and scopes, audit chain, clouds registry, sync, utilisation, telemetry."""

"""The public data platform as tenants of the scheduler: catalog, objections, sharing, open data."""

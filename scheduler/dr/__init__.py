"""Disaster recovery: drills (tabletop and live), failover and failback, recovery measurement and reports."""

"""The knowledge loop's persistence: capturing evidence, grouping it into gaps, triage, resolve and verify, alerts."""

"""The REST API: ingest, scoring, alerts, feedback, health and metrics."""

"""Alert delivery: durable outbox, Slack (Block Kit), signed webhook, console."""

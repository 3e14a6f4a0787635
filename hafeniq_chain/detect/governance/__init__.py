"""governance detectors and the helpers only they use."""
